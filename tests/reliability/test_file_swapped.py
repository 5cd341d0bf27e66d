"""The project file moved, replaced or stripped of its -wal while a program
has it open (a restore, a sync tool, a clean-up script). SQLite goes on using
what it opened, so writing on would lose the changes or replay them onto
another database. The store must notice, write nothing more, and leave every
file complete."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.errors import ProjectDetached
from annotator.core.storage import Project
from tests.core.helpers import integrity, snapshot, spans_as_text, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def _project_with_tags(path: Path, name: str, n_tags: int) -> Project:
    """An open project with one document and `n_tags` of alice's spans,
    each committed by its own operation, as the window makes them."""
    project = Project.open(path)
    src = write_jsonl(path.with_suffix(".jsonl"), [{"text": "word " * 50, "meta": {"name": name}}])
    from annotator.core.importer import import_files

    import_files(project, [src], annotator="alice")
    doc_id = project.document_summaries("alice")[0].id
    for i in range(n_tags):
        ops.add_span(project, doc_id, "alice", "actor", 5 * i, 5 * i + 4)
    return project


def _try_to_tag(project: Project) -> None:
    doc_id = project.document_summaries("alice")[0].id if not project.detached else 1
    ops.add_span(project, doc_id, "alice", "date", 0, 4)


def _cli_import(db: Path, tmp_path: Path, n_docs: int) -> subprocess.CompletedProcess:
    src = write_jsonl(tmp_path / "more.jsonl",
                      [{"text": f"document {i}", "meta": {"name": f"more-{i}"}} for i in range(n_docs)])
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "import", str(src)],
                          capture_output=True, text=True, env=env, timeout=60)


def test_a_file_moved_over_the_open_project_is_noticed_and_never_touched(tmp_path):
    other_path = tmp_path / "other.db"
    other = _project_with_tags(other_path, "other", 3)
    other.close()
    before = snapshot(other_path)
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 6)
    mine = spans_as_text(db)

    os.replace(other_path, db)  # a restore, or a sync tool putting its copy in place
    with pytest.raises(ProjectDetached, match="replaced by another file"):
        project.check_file()
    with pytest.raises(ProjectDetached):
        _try_to_tag(project)  # and never written again, however it is asked
    # Another program (the CLI) now uses the file that is at the path.
    result = _cli_import(db, tmp_path, 70)
    assert result.returncode == 0, result.stderr
    project.close()

    assert integrity(db) == "ok"
    after = snapshot(db)
    assert after["spans"] == before["spans"] and len(after["documents"]) == 71
    assert not mine & spans_as_text(db)  # none of the open project's spans leaked into it


def test_an_open_project_moved_away_keeps_every_tag_in_the_moved_file(tmp_path):
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 6)
    tags = spans_as_text(db)
    assert len(tags) == 6

    moved = tmp_path / "moved.db"
    os.rename(db, moved)
    with pytest.raises(ProjectDetached, match="moved, renamed or deleted"):
        _try_to_tag(project)
    # The moved file alone, without any -wal beside it, holds all six.
    alone = tmp_path / "alone" / "moved.db"
    alone.parent.mkdir()
    shutil.copyfile(moved, alone)
    assert spans_as_text(alone) == tags
    project.close()
    assert spans_as_text(moved) == tags and integrity(moved) == "ok"


def test_a_deleted_wal_holding_nothing_of_ours_is_survived_and_nothing_is_lost(tmp_path):
    """SQLite itself deletes -wal and -shm when another program closing the
    project thinks it is the last one (after this process lost its locks,
    see files.hold), and so does a clean-up script. With every commit of
    ours in the main file, the project carries on over a fresh connection:
    nothing is lost and a later import is kept whole."""
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 6)
    os.remove(f"{db}-wal")
    os.remove(f"{db}-shm")
    _try_to_tag(project)  # saved, to the file at the path
    result = _cli_import(db, tmp_path, 70)
    assert result.returncode == 0, result.stderr
    assert "70 documents added" in result.stderr
    ops.add_span(project, 1, "alice", "quote", 0, 9)
    project.close()  # the old connection must not replay anything over the import

    assert integrity(db) == "ok"
    assert len(snapshot(db)["documents"]) == 71
    assert len(spans_as_text(db)) == 8


def test_a_deleted_wal_still_holding_our_changes_stops_the_project(tmp_path):
    """If a reader elsewhere kept our last commit from reaching the main
    file, it was only in the deleted -wal: writing on could not be right."""
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 2)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM spans").fetchone()  # holds its snapshot
    _try_to_tag(project)  # committed, but its checkpoint cannot finish
    os.remove(f"{db}-wal")
    with pytest.raises(ProjectDetached, match="-wal file was deleted"):
        _try_to_tag(project)
    reader.close()
    project.close()


def test_a_plain_copy_of_the_file_after_a_kill_holds_every_tag(tmp_path):
    """The old README advice, `cp p.db backup.db`, missed what was still in
    p.db-wal after a kill -9; every commit now reaches the main file."""
    db = tmp_path / "p.db"
    code = (
        "import os, sys\n"
        "from tests.reliability.test_file_swapped import _project_with_tags\n"
        "from pathlib import Path\n"
        "_project_with_tags(Path(sys.argv[1]), 'mine', 20)\n"
        "os.kill(os.getpid(), 9)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], cwd=REPO, capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    assert Path(f"{db}-wal").exists()  # killed: SQLite never closed it
    copy = tmp_path / "copy" / "backup.db"
    copy.parent.mkdir()
    shutil.copyfile(db, copy)
    assert len(spans_as_text(copy)) == 20


def test_a_project_that_never_moved_is_not_called_detached(tmp_path):
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 2)
    # Another connection coming and going (a CLI run) leaves the -wal in place.
    for _ in range(3):
        other = sqlite3.connect(db)
        other.execute("SELECT count(*) FROM spans").fetchone()
        other.close()
    project.check_file()
    _try_to_tag(project)
    project.close()
    assert len(spans_as_text(db)) == 3


def test_a_replaced_project_can_still_be_saved_elsewhere_whole(tmp_path):
    """After `mv other.db p.db`, the open project's file exists only as the
    descriptor this program holds: saving a copy must read that file, not
    the -wal that another program now writes at p.db-wal."""
    other_path = tmp_path / "other.db"
    _project_with_tags(other_path, "other", 3).close()
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 6)
    mine = spans_as_text(db)
    os.replace(other_path, db)
    assert _cli_import(db, tmp_path, 70).returncode == 0  # writes p.db-wal and -shm
    with pytest.raises(ProjectDetached):
        project.check_file()

    rescued = tmp_path / "rescued.db"
    dest = sqlite3.connect(rescued)
    project.backup(dest)
    dest.close()
    project.close()
    assert integrity(rescued) == "ok"
    assert spans_as_text(rescued) == mine


def test_between_changes_the_wal_holds_nothing_to_replay(tmp_path):
    """SQLite replays every frame of a -wal it finds beside a file nobody
    has open, so frames left in p.db-wal would be replayed onto whatever
    file is put at p.db next; each commit empties it."""
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 3)
    wal = Path(f"{db}-wal")
    assert wal.exists() and wal.stat().st_size == 0
    _try_to_tag(project)
    assert wal.stat().st_size == 0
    project.close()


def test_another_database_copied_over_the_open_project_is_noticed(tmp_path):
    """`cp other.db p.db` keeps the inode: only the bytes tell."""
    other_path = tmp_path / "other.db"
    _project_with_tags(other_path, "other", 3).close()
    before = snapshot(other_path)
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 6)
    shutil.copyfile(other_path, db)
    with pytest.raises(ProjectDetached, match="overwritten with another database"):
        _try_to_tag(project)
    assert not project.can_save_copy
    project.close()
    assert snapshot(db) == before and integrity(db) == "ok"


def test_a_copy_of_the_same_project_put_back_in_place_is_read_afresh(tmp_path):
    """Restoring yesterday's copy with `cp` is not another database: the
    project reads the restored file (not SQLite's stale page cache) and
    writes to it cleanly."""
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 2)
    saved = tmp_path / "yesterday.db"
    shutil.copyfile(db, saved)
    doc_id = project.document_summaries("alice")[0].id
    for i in range(2, 8):
        ops.add_span(project, doc_id, "alice", "actor", 5 * i, 5 * i + 4)
    shutil.copyfile(saved, db)
    project.check_file()  # not detached
    assert len(project.spans(doc_id, "alice")) == 2
    _try_to_tag(project)
    project.close()
    assert integrity(db) == "ok" and len(spans_as_text(db)) == 3


def _other_program_closes_last(db: Path) -> bool:
    """Whether another program, opening and closing the project, believes
    it is the last one (SQLite then deletes the -wal and -shm)."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('UPDATE labels SET color = color'); c.commit(); c.close()")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60)
    return not Path(f"{db}-wal").exists()


def test_nothing_in_this_process_takes_sqlites_locks_away(tmp_path):
    """POSIX drops all of a process's locks on a file when the process
    closes any descriptor of it. Opening a second connection (the window's
    worker), checking an export or backup target, or looking at the file's
    header must never open() the project file outside SQLite."""
    from annotator.core import exporter, files

    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 2)
    Project.open(db).close()
    for target in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        with pytest.raises(Exception):
            exporter.check_output(target, tmp_path / "elsewhere.db")
        assert files.is_database_file(target)
    project.check_file()
    assert not _other_program_closes_last(db)
    _try_to_tag(project)
    project.close()
    assert len(spans_as_text(db)) == 3


def test_a_wal_a_reader_kept_full_is_emptied_once_the_reader_is_gone(tmp_path):
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 1)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM spans").fetchone()
    _try_to_tag(project)
    wal = Path(f"{db}-wal")
    assert wal.stat().st_size > 0  # the reader kept it
    reader.close()
    project.settle()  # the window's poll
    assert wal.stat().st_size == 0
    project.close()


def test_a_wal_deleted_inside_a_write_never_half_commits_it(tmp_path, monkeypatch):
    """Found inside the lock, a new connection is needed: the write rolls
    back, reconnects and starts again, so a change that fails leaves nothing
    behind (on a new connection in autocommit, each statement would stick)."""
    db = tmp_path / "p.db"
    project = _project_with_tags(db, "mine", 1)
    begin = Project._begin_immediate
    deleted = []

    def begin_then_lose_the_wal(self):
        begin(self)
        if not deleted:
            deleted.append(True)
            os.remove(f"{db}-wal")
            os.remove(f"{db}-shm")

    monkeypatch.setattr(Project, "_begin_immediate", begin_then_lose_the_wal)
    [span] = project.spans(1, "alice")
    bad = span._replace(id=None, label="no such label")
    with pytest.raises(Exception, match="unknown label"):
        ops.apply(project, ops.Change(removed=(span,), added=(bad,)))
    assert deleted and len(spans_as_text(db)) == 1
    ops.add_span(project, 1, "alice", "date", 0, 4)
    project.close()
    assert len(spans_as_text(db)) == 2 and integrity(db) == "ok"
