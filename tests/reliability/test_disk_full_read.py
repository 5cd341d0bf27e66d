"""On a full disk, commands that only read must not blame the project: today
`list` and `export` say "disk I/O error (the file is damaged or not a
project)" about a healthy file. Opening a WAL project needs its -shm file;
making it fails with SQLITE_IOERR_SHMSIZE at the first read (the quick_check
in Store._check_existing). The project then opens read-only, as in a
read-only folder, since its -wal holds nothing: reading it is exact."""

from __future__ import annotations

import pytest

from tests.cli.conftest import run_process
from tests.core.helpers import snapshot, write_jsonl
from tests.reliability.tmpfs import fill, small_tmpfs


@pytest.mark.parametrize("command", [["list"], ["export"]])
def test_reading_a_project_on_a_full_disk_does_not_call_it_damaged(tmp_path, command):
    with small_tmpfs(tmp_path / "disk") as disk:
        db = disk / "p.db"
        source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi", "meta": {"name": "kept"}}])
        assert run_process("--db", db, "import", source, cwd=tmp_path).returncode == 0
        before = snapshot(db)
        filler = fill(disk)
        result = run_process("--db", db, *command, cwd=tmp_path)
        err = result.stderr.decode()
        assert "damaged" not in err, err
        # Reading needs no space: the project opens read-only and is read.
        assert result.returncode == 0 and b"kept" in result.stdout, err
        filler.unlink()  # (plain sqlite3, reading it below, needs room for a -shm too)
        assert snapshot(db) == before


def test_writing_to_a_project_on_a_full_disk_says_the_disk_is_full(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        db = disk / "p.db"
        source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi", "meta": {"name": "kept"}}])
        assert run_process("--db", db, "import", source, cwd=tmp_path).returncode == 0
        more = write_jsonl(tmp_path / "more.jsonl", [{"text": "Moon met Kim", "meta": {"name": "new"}}])
        filler = fill(disk)
        result = run_process("--db", db, "import", more, cwd=tmp_path)
        err = result.stderr.decode()
        assert result.returncode == 1 and "disk is full" in err and "damaged" not in err, err
        filler.unlink()
        assert [d[1] for d in snapshot(db)["documents"]] == ["kept"]
