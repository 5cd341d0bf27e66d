"""The project file: creation, schema versions, refusing what it must not
touch, read-only files and failed writes."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from annotator.core import ops
from annotator.core.errors import ProjectError
from annotator.core.importer import import_files
from annotator.core.storage.sqlite import migrations
from annotator.core.storage import Project
from tests.core.helpers import integrity, snapshot, write_jsonl

DEFAULT_LABELS = ["actor", "organisation", "date", "quote"]
LATEST = migrations.known()


def make_project_with_data(path, n_docs: int = 3) -> None:
    with Project.open(path) as p:
        with p.write() as unit:
            for i in range(n_docs):
                unit.insert_document(f"doc{i}", f"text number {i} " * 50, f"sha{i}", {}, unit.now())
        ops.add_span(p, 1, "ann", "actor", 0, 4)


def files_beside(path):
    return sorted(f.name for f in path.parent.iterdir())


def test_new_project_has_schema_labels_wal_and_full_sync(project, project_path):
    assert project.label_names() == DEFAULT_LABELS
    assert migrations.applied(project.conn) == LATEST
    assert project.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert project.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert project.read_only is False
    assert project.backup_path is None
    assert all(len(label.color) == 7 and label.hotkey for label in project.labels())


def test_applied_migrations_are_read_as_sqlite_utils_records_them(project):
    # migrations.applied reads sqlite-utils' bookkeeping table with plain SQL
    # (to keep sqlite-utils off the start-up path); it must agree with it.
    recorded = migrations.migrations().applied(Database(project.conn))
    assert [m.name for m in recorded] == migrations.applied(project.conn) == LATEST
    assert migrations.pending(project.conn) == []


def test_a_migration_missing_from_the_file_is_pending(project_path):
    _make_old_project(project_path)
    conn = sqlite3.connect(project_path)
    try:
        assert migrations.applied(conn) == LATEST[:1]
        assert migrations.pending(conn) == LATEST[1:]
        assert migrations.unknown_applied(conn) == []
    finally:
        conn.close()


def test_reopening_changes_nothing_and_writes_no_backup(project_path):
    make_project_with_data(project_path)
    before = snapshot(project_path)
    with Project.open(project_path) as p:
        assert p.backup_path is None
    assert snapshot(project_path) == before
    assert not [n for n in files_beside(project_path) if ".backup" in n]


def test_zero_byte_file_becomes_a_new_project(project_path):
    project_path.write_bytes(b"")
    with Project.open(project_path) as p:
        assert p.label_names() == DEFAULT_LABELS
        assert p.backup_path is None


def _make_old_project(path) -> None:
    """A project as annotator 0.1.0 wrote it: only the first migration."""
    db = Database(path)
    migrations.migrations().apply(db, stop_before=LATEST[1:])
    db.execute("INSERT INTO labels (name, color, hotkey, position) VALUES ('actor', '#E69F00', '1', 0)")
    db.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES ('old', 'old text', 'x', 8)")
    db.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'ann', 'actor', 0, 3)")
    db.conn.commit()
    db.close()


def test_older_schema_is_upgraded_after_a_backup_beside_it(project_path):
    _make_old_project(project_path)
    old_bytes = project_path.read_bytes()
    old_data = snapshot(project_path)

    with Project.open(project_path) as p:
        backup = p.backup_path
        assert migrations.applied(p.conn) == LATEST
        assert "spans_by_label" in {i.name for i in Database(p.conn)["spans"].indexes}
        assert [(s.start, s.end, s.label) for s in p.spans(1)] == [(0, 3, "actor")]
        assert [(label.name, label.display) for label in p.labels()] == [("actor", "highlight")]
        assert p.change_seq() == 0 and not p.changes_since(0)  # an empty change log

    assert backup is not None and backup.parent == project_path.parent
    assert backup.name.startswith(project_path.name + ".backup-")
    # The backup is the old file's content, still at the old version.
    assert snapshot(backup) == old_data
    with sqlite3.connect(backup) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")] == LATEST[:1]
    assert len(old_bytes) > 0 and integrity(backup) == "ok"
    assert snapshot(project_path) == old_data  # the upgrade kept every row


def test_second_upgrade_backup_does_not_overwrite_the_first(project_path, tmp_path):
    _make_old_project(project_path)
    copy = tmp_path / "copy.db"
    copy.write_bytes(project_path.read_bytes())
    with Project.open(project_path) as p:
        first = p.backup_path
    first_bytes = first.read_bytes()
    # Put the old file back and upgrade again: a new backup name, the first kept.
    os.replace(copy, project_path)
    with Project.open(project_path) as p:
        second = p.backup_path
    assert second != first and second.exists()
    assert first.read_bytes() == first_bytes


def test_newer_schema_is_refused_and_left_byte_for_byte(project_path):
    make_project_with_data(project_path)
    with sqlite3.connect(project_path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('annotator', '9999_from_the_future', '2030-01-01')")
    conn.close()
    before = project_path.read_bytes()
    listing = files_beside(project_path)

    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    message = str(e.value)
    assert str(project_path) in message
    assert "newer version" in message and "9999_from_the_future" in message
    assert project_path.read_bytes() == before
    assert files_beside(project_path) == listing  # no backup, no -wal left behind


@pytest.mark.parametrize("content", [
    b"this is a plain text file, not a database\n" * 10,
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    b"SQLite format 2\x00" + b"\x00" * 200,
], ids=["text", "binary", "almost-sqlite"])
def test_a_file_that_is_not_sqlite_is_refused_and_not_overwritten(project_path, content):
    project_path.write_bytes(content)
    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    assert str(project_path) in str(e.value)
    assert "not a SQLite database" in str(e.value)
    assert project_path.read_bytes() == content
    assert files_beside(project_path) == [project_path.name]


def test_another_programs_sqlite_database_is_refused_untouched(project_path):
    with sqlite3.connect(project_path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO invoices (amount) VALUES (9.5)")
    conn.close()
    before = project_path.read_bytes()
    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    assert "not an annotator project" in str(e.value) and "invoices" in str(e.value)
    assert project_path.read_bytes() == before
    assert files_beside(project_path) == [project_path.name]


def _checkpointed_project(path, n_docs=400) -> bytes:
    make_project_with_data(path, n_docs)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        try:
            os.remove(f"{path}{suffix}")
        except FileNotFoundError:
            pass
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["truncated-half", "truncated-odd", "garbage-page", "garbage-schema"])
def test_a_damaged_project_gets_a_clear_error_and_is_never_overwritten(project_path, damage):
    data = bytearray(_checkpointed_project(project_path))
    assert len(data) > 8 * 4096
    if damage == "truncated-half":
        data = data[: len(data) // 2]
    elif damage == "truncated-odd":
        data = data[: len(data) - 4096 * 3 - 123]
    elif damage == "garbage-page":
        page = len(data) // 4096 // 2
        data[page * 4096: page * 4096 + 4096] = bytes((i * 37 + 11) % 256 for i in range(4096))
    else:
        data[100:1100] = b"\xff" * 1000
    project_path.write_bytes(bytes(data))

    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    message = str(e.value)
    assert str(project_path) in message
    assert "damaged" in message and "not changed" in message
    assert project_path.read_bytes() == bytes(data)
    assert not [n for n in files_beside(project_path) if ".backup" in n]


def test_a_folder_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="folder"):
        Project.open(tmp_path)


def _open_as_if_read_only(monkeypatch, path) -> Project:
    # The suite may run as root, for whom chmod does not stop writes; make the
    # permission check answer as it would for a normal user. The connection is
    # still opened by SQLite in mode=ro, which SQLite itself enforces.
    monkeypatch.setattr("annotator.core.storage.sqlite.project.writable", lambda p: False)
    return Project.open(path)


def test_read_only_project_opens_read_only_and_refuses_writes_clearly(project_path, monkeypatch, tmp_path):
    make_project_with_data(project_path)
    before = snapshot(project_path)
    bytes_before = project_path.read_bytes()
    source = write_jsonl(tmp_path / "more.jsonl", [{"text": "more", "spans": []}])
    with _open_as_if_read_only(monkeypatch, project_path) as p:
        assert p.read_only is True
        assert p.document_count() == 3 and len(p.spans(1)) == 1  # reading works
        span_id = p.spans(1)[0].id
        for attempt in (lambda: ops.add_span(p, 1, "ann", "date", 5, 9),
                        lambda: ops.remove_span(p, span_id),
                        lambda: ops.set_status(p, 1, "ann", "done"),
                        lambda: import_files(p, [source], annotator="ann")):
            with pytest.raises(ProjectError, match="read-only"):
                attempt()
        # Even a write that bypassed Project.write is stopped by SQLite.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            p.conn.execute("DELETE FROM spans")
    assert snapshot(project_path) == before
    assert project_path.read_bytes() == bytes_before


def test_read_only_project_needing_upgrade_is_refused_untouched(project_path, monkeypatch):
    _make_old_project(project_path)
    before = project_path.read_bytes()
    with pytest.raises(ProjectError, match="read-only"):
        _open_as_if_read_only(monkeypatch, project_path)
    assert project_path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_chmod_read_only_file_opens_read_only(project_path):
    make_project_with_data(project_path)
    project_path.chmod(0o444)
    try:
        with Project.open(project_path) as p:
            assert p.read_only
            with pytest.raises(ProjectError, match="read-only"):
                ops.add_span(p, 1, "ann", "date", 5, 9)
    finally:
        project_path.chmod(0o644)


def test_a_failed_write_is_reported_rolled_back_and_the_project_stays_usable(project, project_path, tmp_path):
    # PRAGMA max_page_count makes SQLite answer "database or disk is full",
    # as a full disk would.
    ops.add_span(project, *_one_doc(project), "ann", "actor", 0, 2)
    before = snapshot(project_path)
    pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
    project.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = write_jsonl(tmp_path / "big.jsonl",
                      [{"text": f"document {i} " + "x" * 5000, "spans": [{"start": 0, "end": 8, "label": "actor"}]}
                       for i in range(50)])
    with pytest.raises(ProjectError) as e:
        import_files(project, [big], annotator="ann")
    assert "could not be saved" in str(e.value) and "full" in str(e.value)
    assert snapshot(project_path) == before
    assert integrity(project_path) == "ok"

    project.conn.execute("PRAGMA max_page_count = 1073741823")
    result = import_files(project, [big], annotator="ann")
    assert result.documents_added == 50 and result.spans_added == 50


def _one_doc(project) -> tuple[int]:
    with project.write() as unit:
        doc_id = unit.insert_document("d", "hello world", "h", {}, unit.now())
    return (doc_id,)


def test_a_change_is_committed_before_the_call_returns(project, project_path):
    (doc_id,) = _one_doc(project)
    change = ops.add_span(project, doc_id, "ann", "actor", 0, 5)
    # A separate connection (another process, or after a crash) sees it at once.
    other = sqlite3.connect(project_path)
    try:
        rows = other.execute('SELECT id, start, "end", label FROM spans').fetchall()
    finally:
        other.close()
    assert rows == [(change.added[0].id, 0, 5, "actor")]
    assert not project.conn.in_transaction


def test_a_second_writer_waits_instead_of_failing(project_path):
    make_project_with_data(project_path)
    holder = Project.open(project_path)
    waiter = Project.open(project_path)
    locked = threading.Event()

    def hold_the_write_lock():
        with holder.write():
            locked.set()
            time.sleep(0.6)

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    try:
        assert locked.wait(5)
        t0 = time.monotonic()
        ops.add_span(waiter, 1, "other", "date", 5, 9)  # must wait, not raise "locked"
        waited = time.monotonic() - t0
    finally:
        thread.join()
        holder.close()
    assert waited > 0.2
    assert [(s.annotator, s.label) for s in waiter.spans(1, "other")] == [("other", "date")]
    waiter.close()


def test_data_version_tells_another_connection_changed_the_file(project_path):
    make_project_with_data(project_path)
    with Project.open(project_path) as a, Project.open(project_path) as b:
        seen = a.data_version()
        assert a.data_version() == seen  # stable while nobody writes
        ops.add_span(b, 1, "b", "date", 5, 9)
        assert a.data_version() != seen
        assert [s.annotator for s in a.spans(1, "b")] == ["b"]


def test_no_upgrade_without_a_backup(project_path, monkeypatch):
    _make_old_project(project_path)
    before = project_path.read_bytes()
    from annotator.core.storage.sqlite import project as sqlite_project

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    # The backup cannot be completed: the upgrade must not go ahead.
    monkeypatch.setattr(sqlite_project.os, "replace", disk_full)
    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    monkeypatch.undo()
    assert "backup" in str(e.value) and "nothing was changed" in str(e.value)
    assert "No space left" in str(e.value)
    assert project_path.read_bytes() == before
    assert files_beside(project_path) == [project_path.name]  # no partial backup left
    with sqlite3.connect(project_path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")] == LATEST[:1]
    conn.close()


def test_schema_text_damaged_into_invalid_utf8_is_a_project_error(project_path):
    # Python's sqlite3 raised UnicodeDecodeError (not a DatabaseError) when
    # SQLite's message quoted the damaged schema.
    data = bytearray(_checkpointed_project(project_path, n_docs=5))
    where = data.find(b"CREATE TABLE spans")
    assert where > 0
    data[where + 2] = 0x80
    project_path.write_bytes(bytes(data))
    with pytest.raises(ProjectError) as e:
        Project.open(project_path)
    assert str(project_path) in str(e.value) and "not changed" in str(e.value)
    assert project_path.read_bytes() == bytes(data)


def test_a_record_damaged_past_the_open_check_is_a_project_error_on_reading(project_path):
    with Project.open(project_path) as p:
        with p.write() as unit:
            unit.insert_document("d", "Kim Jong-un met Xi Jinping", "x", {}, unit.now())
        ops.add_span(p, 1, "ann", "actor", 0, 3)
    with sqlite3.connect(project_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(project_path.read_bytes())
    where = data.find(b"Kim Jong-un met Xi")
    data[where + 1] = 0xFF  # no longer UTF-8; the b-tree itself is intact
    project_path.write_bytes(bytes(data))
    with Project.open(project_path) as p:
        assert p.spans(1)[0].label == "actor"  # undamaged parts still read
        with pytest.raises(ProjectError) as e:
            p.document(1)
        assert str(project_path) in str(e.value) and "damaged" in str(e.value)


@pytest.mark.parametrize("name", ["we#ird ?name%20.db", "ünïcödé 👋.db", "spaces and 'quotes'.db"])
def test_odd_file_names_open_read_write_and_read_only(tmp_path, monkeypatch, name):
    path = tmp_path / name
    make_project_with_data(path)
    with Project.open(path) as p:
        assert p.document_count() == 3
    with _open_as_if_read_only(monkeypatch, path) as p:
        assert p.read_only and p.document_count() == 3
    assert sorted(f.name for f in tmp_path.iterdir() if not f.name.endswith(("-wal", "-shm"))) == [name]


@pytest.mark.parametrize("needs_upgrade", [False, True])
def test_a_project_another_program_keeps_locked_gets_a_clear_error(project_path, monkeypatch, needs_upgrade):
    from annotator.core.storage.sqlite import connect as store
    if needs_upgrade:
        _make_old_project(project_path)  # rollback journal: an EXCLUSIVE lock blocks even reading
    else:
        make_project_with_data(project_path)
    before = snapshot(project_path)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 0.2)
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        if needs_upgrade:
            with pytest.raises(ProjectError) as e:
                Project.open(project_path)
        else:
            with Project.open(project_path) as p:  # WAL: reading goes on
                assert p.document_count() == 3
                with pytest.raises(ProjectError) as e:
                    ops.add_span(p, 1, "ann", "date", 5, 9)
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = str(e.value)
    assert str(project_path) in message and "another program" in message and "nothing was changed" in message
    assert "damaged" not in message
    assert snapshot(project_path) == before


def test_span_reader_reads_every_layer_in_order_and_from_one_snapshot(project_path):
    with Project.open(project_path) as p:
        with p.write() as unit:
            unit.insert_document("d", "x" * 400, "s", {}, unit.now())
        for i in range(25):
            ops.add_span(p, 1, "bob" if i % 3 else "ann", "actor", 300 - i * 10, 305 - i * 10)
        everything = p.spans(1)
        reader = p.read_spans(1)
        first = reader.read(10)
        # Another program adds a span before the second page is read: this
        # reading does not see it (its pages never mix two states).
        with Project.open(project_path) as other:
            ops.add_span(other, 1, "ann", "actor", 0, 1)
        rest = reader.read(10) + reader.read(10)
        assert reader.done and reader.read(10) == []
        assert first + rest == everything
        assert len(everything) == 25 and everything == sorted(everything)
        assert len(p.spans(1)) == 26


def test_upgrade_removes_half_written_backups_of_killed_upgrades_only(project_path):
    _make_old_project(project_path)
    host = socket.gethostname()
    backup = f"{project_path.name}.backup-0001_initial"
    dead = project_path.with_name(f"{backup}.{host}.999999999.partial")
    running = project_path.with_name(f"{backup}.{host}.{os.getppid()}.partial")
    elsewhere = project_path.with_name(f"{backup}.another-machine.999999999.partial")
    ours = project_path.with_name(f"{backup}.{host}.{os.getpid()}.partial")
    for leftover in (dead, dead.with_name(dead.name + "-journal"), running, elsewhere, ours):
        leftover.write_bytes(b"half a copy")
    with Project.open(project_path) as p:
        assert p.backup_path is not None and p.backup_path.exists()
    assert not dead.exists() and not dead.with_name(dead.name + "-journal").exists()
    assert not ours.exists()  # same process id as this upgrade: a dead process's, replaced
    assert running.exists()  # a process still running (pytest's parent) may be writing it
    assert elsewhere.exists()  # another machine's process cannot be checked from here


def test_a_project_without_the_paged_reading_index_gets_it_without_an_upgrade(project_path):
    make_project_with_data(project_path)
    conn = sqlite3.connect(project_path)
    conn.execute("DROP INDEX spans_by_position")
    conn.close()
    with Project.open(project_path) as p:
        assert p.backup_path is None  # not a schema upgrade: no backup copy
        assert migrations.applied(p.conn) == LATEST
        plan = p.conn.execute('EXPLAIN QUERY PLAN SELECT start, "end", label, annotator, doc_id, id '
                              'FROM spans WHERE doc_id = 1 ORDER BY start, "end", label, annotator').fetchall()
        assert "spans_by_position" in str(plan) and "TEMP B-TREE" not in str(plan)
    assert not [n for n in files_beside(project_path) if ".backup" in n]


def test_writing_while_a_span_reader_is_open_is_refused(project_path):
    make_project_with_data(project_path)
    with Project.open(project_path) as p:
        ops.add_span(p, 1, "ann", "date", 5, 8)
        reader = p.read_spans(1)
        assert len(reader.read(1)) == 1 and not reader.done
        with pytest.raises(RuntimeError, match="SpanReader"):
            ops.add_span(p, 1, "ann", "date", 10, 12)
        reader.close()
        ops.add_span(p, 1, "ann", "date", 10, 12)
        assert len(p.spans(1)) == 3


def test_an_upgrade_whose_optional_index_fails_still_opens(project_path, monkeypatch):
    """The index for paged reading is built after the upgrade commits; if it
    cannot be (a full disk), the upgraded project must still open and read."""
    _make_old_project(project_path)
    def disk_full(conn):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migrations, "add_read_indexes", disk_full)
    with Project.open(project_path) as p:
        assert migrations.applied(p.conn) == LATEST
        assert p.document_count() >= 0 and p.labels()
    monkeypatch.undo()
    with Project.open(project_path) as p:  # and gets the index next time
        assert not migrations.missing_read_indexes(p.conn)


def test_an_upgrade_says_where_the_old_version_was_kept(project_path, tmp_path):
    """The backup an upgrade writes is no use if nobody knows it exists."""
    import subprocess
    import sys

    _make_old_project(project_path)
    result = subprocess.run([sys.executable, "-m", "annotator", "--db", str(project_path), "list"],
                            capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    [backup] = [n for n in files_beside(project_path) if ".backup-" in n]
    assert f"the old version was kept as {project_path.with_name(backup)}" in result.stderr
    again = subprocess.run([sys.executable, "-m", "annotator", "--db", str(project_path), "list"],
                           capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert "Upgraded" not in again.stderr  # once
