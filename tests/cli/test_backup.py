"""`annotator backup DEST`: one complete, checked file, with every change
still in the project's -wal (which copying the .db file misses), while
other programs have the project open."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3

import pytest

from annotator.core import ops
from annotator.core.backup import backup_project
from annotator.core.errors import AnnotatorError
from annotator.core.storage import Project
from tests.cli.conftest import run_process
from tests.core.helpers import snapshot, write_jsonl

N_SPANS = 40


def count_spans(path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    finally:
        conn.close()


def alone(path, folder):
    """A copy of just this file, with no -wal beside it."""
    folder.mkdir()
    return shutil.copy(path, folder / "alone.db")


@pytest.fixture
def project_with_changes_in_its_wal(tmp_path):
    """p.db whose last N_SPANS spans are only in p.db-wal: a reader that
    started before them (another window, say) keeps them from being copied
    into the main file, and stays open while the test runs."""
    db = tmp_path / "p.db"
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "x " * 200, "meta": {"name": "doc"}}])
    assert run_process("--db", db, "import", source, cwd=tmp_path).returncode == 0
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM spans").fetchone()
    with Project.open(db) as project:
        for i in range(N_SPANS):
            ops.add_span(project, 1, "alice", "actor", 2 * i, 2 * i + 1)
    yield db
    reader.close()


def test_backup_holds_what_is_still_in_the_wal(project_with_changes_in_its_wal, tmp_path):
    db = project_with_changes_in_its_wal
    assert count_spans(alone(db, tmp_path / "plain-copy")) == 0  # why copying the .db is not enough
    result = run_process("--db", db, "backup", "b.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"to b.db: 1 document, {N_SPANS} spans".encode() in result.stderr
    assert not any(p.name.startswith(("b.db-", ".b.db")) for p in tmp_path.iterdir())
    copy = alone(tmp_path / "b.db", tmp_path / "restore")
    assert count_spans(copy) == N_SPANS
    with Project.open(copy) as restored:
        assert len(restored.spans(1, "alice")) == N_SPANS


def test_backup_into_a_folder_and_over_an_older_backup(project_with_changes_in_its_wal, tmp_path):
    db = project_with_changes_in_its_wal
    (tmp_path / "backups").mkdir()
    old = tmp_path / "backups" / "p.db"
    yesterday = run_process("--db", db, "backup", "backups", cwd=tmp_path)
    assert yesterday.returncode == 0, yesterday.stderr
    with Project.open(db) as project:
        ops.add_span(project, 1, "alice", "date", 300, 301)
    result = run_process("--db", db, "backup", "backups", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(old.relative_to(tmp_path)).encode() in result.stderr
    assert count_spans(alone(old, tmp_path / "restore")) == N_SPANS + 1
    assert sorted(os.listdir(tmp_path / "backups")) == ["p.db"]


@pytest.mark.parametrize("still_open", [False, True])
def test_backup_never_replaces_another_project(project, tmp_path, still_open):
    """Carol's project is a database too, but not a backup of this one."""
    from annotator.core.importer import import_files

    carol = tmp_path / "carol.db"
    other = Project.open(carol)
    import_files(other, [write_jsonl(tmp_path / "c.jsonl", [{"text": "Kim met Moon"}])], annotator="carol")
    if not still_open:
        other.close()
    before = snapshot(carol)
    with pytest.raises(AnnotatorError, match="carol.db"):
        backup_project(project, carol)
    assert snapshot(carol) == before
    other.close()


@pytest.mark.parametrize("dest", ["p.db", "./p.db", "p.db-wal", "p.db-shm", "p.db-journal", ".", "link"])
def test_backup_over_the_project_itself_is_refused(tmp_path, dest):
    db = tmp_path / "p.db"
    assert run_process("--db", db, "import", write_jsonl(tmp_path / "a.jsonl", [{"text": "t"}]),
                       cwd=tmp_path).returncode == 0
    (tmp_path / "link").symlink_to("p.db")
    before = db.read_bytes()
    result = run_process("--db", db, "backup", dest, cwd=tmp_path)
    assert result.returncode == 1 and b"that is the project itself" in result.stderr
    assert db.read_bytes() == before


def test_backup_does_not_replace_a_file_that_is_not_a_backup(project, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="not an earlier backup"):
        backup_project(project, notes)
    assert notes.read_text(encoding="utf-8") == "my notes"


def test_backup_removes_a_copy_abandoned_by_a_killed_backup(project, tmp_path):
    dead = tmp_path / f".b.db.{socket.gethostname()}.4999999.tmp"  # above any pid_max: not running
    dead.write_bytes(b"half a copy")
    journal = tmp_path / f"{dead.name}-journal"
    journal.write_bytes(b"")
    result = backup_project(project, tmp_path / "b.db")
    assert result.path == tmp_path / "b.db" and (result.documents, result.spans) == (0, 0)
    assert not dead.exists() and not journal.exists()


def test_backup_does_not_replace_a_database_with_changes_beside_it(project, tmp_path):
    """Its -wal would be applied to the new copy the next time it is opened."""
    older = tmp_path / "b.db"
    Project.open(older).close()
    wal = tmp_path / "b.db-wal"
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    before = older.read_bytes()
    with pytest.raises(AnnotatorError, match="b.db-wal file beside it"):
        backup_project(project, older)
    assert older.read_bytes() == before
    assert sorted(name for name in os.listdir(tmp_path) if name.startswith(("b.", ".b."))) == ["b.db", "b.db-wal"]
