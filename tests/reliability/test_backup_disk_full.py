"""A backup that does not fit leaves nothing at or beside its destination,
and says the disk is full (not that the project is damaged)."""

from __future__ import annotations

import os
import sqlite3

from annotator.core.storage import Project

from tests.cli.conftest import run_process
from tests.core.helpers import snapshot, write_jsonl
from tests.reliability.tmpfs import fill, small_tmpfs


def _small_earlier_backup(db, path) -> None:
    """A small database carrying the project's file id, as its backups do."""
    with Project.open(db) as project:
        file_id = project.file_id
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA user_version = {int(file_id)}")
    conn.close()


def test_a_backup_onto_a_full_disk_leaves_nothing_and_says_so(tmp_path):
    db = tmp_path / "p.db"
    big = write_jsonl(tmp_path / "big.jsonl", [{"text": f"document {i} " * 2000} for i in range(200)])
    assert run_process("--db", db, "import", big, cwd=tmp_path).returncode == 0
    before = snapshot(db)
    with small_tmpfs(tmp_path / "disk", size="2m") as disk:  # the project is about 5 MB
        earlier = disk / "b.db"
        _small_earlier_backup(db, earlier)
        kept = earlier.read_bytes()
        result = run_process("--db", db, "backup", earlier, cwd=tmp_path)
        assert result.returncode == 1
        assert b"the disk is full" in result.stderr and b"no file was left behind" in result.stderr
        assert sorted(os.listdir(disk)) == ["b.db"]
        assert earlier.read_bytes() == kept

        fill(disk)  # and when even the empty temporary file cannot be made
        result = run_process("--db", db, "backup", disk / "c.db", cwd=tmp_path)
        assert result.returncode == 1 and b"disk is full" in result.stderr
        assert sorted(os.listdir(disk)) == ["b.db", "filler"]
    assert snapshot(db) == before
