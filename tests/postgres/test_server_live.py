"""Following a server project live, and losing its connection (issue 16):
change notices counted without a round trip, a change feed that misses no
transaction whatever order they commit in, and a connection that comes
back by itself after the server restarts, with nothing half-saved."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from annotator.core import ops, schema
from annotator.core.errors import ProjectBusy, ProjectDisconnected, ProjectError
from annotator.core.importer import import_files
from annotator.core.model import Span
from annotator.core.paths import seeds_dir
from annotator.core.storage.postgres import admin
from annotator.core.storage.postgres.link import Link
from annotator.core.storage.postgres.project import ServerProject
from tests.postgres.conftest import OWNER, OWNER_PASSWORD, set_up_team

SAMPLE = min(seeds_dir().glob("*.txt"))
PEOPLE = ("alice", "bob")


def password(name: str) -> str:
    return f"{name} live pw"


def set_up(owner_url: str) -> None:
    set_up_team(owner_url, dict.fromkeys(PEOPLE, "annotator"), password)
    with ServerProject.open(owner_url) as owner:
        import_files(owner, [SAMPLE], annotator=OWNER)


@pytest.fixture
def project_url(database):
    set_up(database.owner_url)
    return lambda name: database.url(name, password(name))


def until(condition, seconds: float = 10.0):
    """Wait for `condition()` to be true (what arrives over the network
    takes a moment); its last value."""
    deadline = time.monotonic() + seconds
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


def changed(project: ServerProject, version: int) -> bool:
    return project.data_version() != version


def test_another_persons_commit_is_noticed_and_fed(project_url):
    with ServerProject.open(project_url("alice")) as alice, ServerProject.open(project_url("bob")) as bob:
        version, position = bob.data_version(), bob.change_seq()
        assert bob.data_version() == version  # nothing committed: nothing noticed
        change = ops.tag_span(alice, 1, "alice", "actor", 0, 4)
        assert until(lambda: changed(bob, version))
        feed = bob.changes_since(position)
        span = change.added[0]
        assert span.id in feed.spans[1]
        assert 1 in feed.documents  # its span counts and alice's status changed
        assert not feed.labels
        # From the new position, nothing more.
        assert not bob.changes_since(feed.seq)


def test_the_feed_misses_no_transaction_that_commits_late(project_url, database):
    """Log rows are numbered when inserted, not when committed: a slow
    transaction's row is numbered before a quick one that commits first.
    A reader that had read past the quick one must still get the slow one."""
    with ServerProject.open(project_url("bob")) as bob, ServerProject.open(project_url("alice")) as alice:
        position = bob.change_seq()
        slow = psycopg.connect(project_url("alice"))  # a transaction left open
        slow.execute("INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES ('labels', NULL, NULL, NULL)")
        quick = ops.tag_span(alice, 1, "alice", "date", 5, 9)
        first = bob.changes_since(position)
        assert quick.added[0].id in first.spans[1] and not first.labels
        slow.commit()
        slow.close()
        second = bob.changes_since(first.seq)
        assert second.labels  # the slow transaction's row, numbered before the quick one's
        assert 1 not in second.spans  # and the quick one is not fed twice
        assert not bob.changes_since(second.seq)


def test_spans_read_a_page_at_a_time_are_the_documents_spans(project_url):
    with ServerProject.open(project_url("alice")) as alice:
        for start in range(0, 200, 8):
            ops.tag_span(alice, 1, "alice", "actor", start, start + 5)
        reader = alice.read_spans(1)
        pages = [reader.read(10) for _ in range(3)]
        ops.tag_span(alice, 1, "alice", "quote", 300, 310)  # the reader's snapshot is older
        rest = reader.read(1000)
        assert reader.done and reader.read(10) == []
        assert [s for page in pages for s in page] + rest == [s for s in alice.spans(1) if s.start != 300]


def test_a_write_cut_off_mid_way_is_not_saved_and_the_next_one_reconnects(project_url, database):
    with ServerProject.open(project_url("alice")) as alice:
        pid = alice.conn.info.backend_pid
        with pytest.raises(ProjectError, match="not saved: the connection to the server was lost"):
            with alice.write() as unit:
                unit.insert_span(Span(0, 4, "actor", "alice", 1))
                with database.admin() as conn:  # the server ends the session mid-way
                    conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with database.admin() as conn:
            assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM change_log WHERE changed_by = 'alice'").fetchone()[0] == 0
        # The next change connects again by itself, and is saved.
        change = ops.tag_span(alice, 1, "alice", "actor", 0, 4)
        assert alice.reconnects == 1
        assert alice.spans(1) == list(change.added)


def test_an_idle_connection_ended_by_the_server_comes_back(project_url, database):
    with ServerProject.open(project_url("bob")) as bob:
        with database.admin() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (bob.conn.info.backend_pid,))

        def looked() -> bool:
            try:
                bob.check_file()
                bob.data_version()
            except ProjectDisconnected:
                return False
            return True

        # Seen as lost at a look (the socket's goodbye), then made again.
        assert until(lambda: looked() and bob.reconnects == 1)
        assert [d[1] for d in bob.document_keys()] == [SAMPLE.stem]


def test_the_outcome_of_a_commit_whose_answer_was_lost_is_asked(project_url):
    """What a write does when the connection breaks during COMMIT: asks the
    server, after reconnecting, whether that transaction committed."""
    url = project_url("alice")
    conn = psycopg.connect(url)
    committed = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
    conn.commit()
    rolled_back = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
    conn.rollback()
    conn.close()
    link = Link(url, "the project", psycopg.connect(url, autocommit=True))
    link.drop("gone")
    assert link.outcome(committed) == "committed"
    assert link.reconnects == 1 and link.lost is None
    assert link.outcome(rolled_back) == "aborted"
    link.close()


# ------------------------------------------------ a server that restarts

@pytest.fixture(scope="module")
def own_server(restarting_server):
    set_up(restarting_server.url(OWNER, OWNER_PASSWORD, restarting_server.database))
    return restarting_server


def test_while_the_server_is_down_changes_are_refused_whole(own_server):
    url = own_server.url("alice", password("alice"), own_server.database)
    with ServerProject.open(url) as alice:
        before = alice.spans(1)
        own_server.halt()
        try:
            with pytest.raises(ProjectDisconnected, match="Not saved: .*the connection to the server was lost"):
                ops.tag_span(alice, 1, "alice", "actor", 10, 20)
            with pytest.raises(ProjectDisconnected):
                alice.check_file()
        finally:
            own_server.resume()
        # Back: the poll's look reconnects (on a thread), and nothing of the
        # refused change is there.
        assert until(lambda: _reconnected(alice))
        assert alice.spans(1) == before
        change = ops.tag_span(alice, 1, "alice", "actor", 10, 20)
        assert alice.spans(1) == sorted(before + list(change.added))


def _reconnected(project: ServerProject) -> bool:
    try:
        project.check_file()
    except ProjectDisconnected:
        return False
    return True


def test_the_log_is_pruned_and_a_reader_left_behind_reads_everything_again(project_url, database):
    """The log keeps its newest 20,000 rows (pruned as it passes each
    thousand, by the owner's trigger: people may only add rows). A reader
    whose position is older than a pruned row is told to read afresh
    (None), never handed a feed with a hole in it."""
    with ServerProject.open(project_url("bob")) as bob, ServerProject.open(project_url("alice")) as alice:
        behind = bob.change_seq()
        ops.tag_span(alice, 1, "alice", "actor", 0, 4)
        with psycopg.connect(project_url("alice")) as raw:  # 21,000 rows as alice may add them
            raw.execute("INSERT INTO change_log (kind, doc_id, first_id, last_id) "
                        "SELECT 'documents', NULL, 1, 1 FROM generate_series(1, 21000)")
        with database.admin() as conn:
            kept, newest = conn.execute("SELECT count(*), max(seq) FROM change_log").fetchone()
            assert kept == 20_000 and conn.execute("SELECT min(seq) FROM change_log").fetchone()[0] == newest - 19_999
        assert bob.changes_since(behind) is None
        now = bob.change_seq()
        change = ops.tag_span(alice, 1, "alice", "date", 5, 9)
        assert change.added[0].id in bob.changes_since(now).spans[1]
        # Deleting rows is still the owner's: alice's own DELETE removes nothing.
        with psycopg.connect(project_url("alice")) as raw:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute("DELETE FROM change_log")


def test_a_write_meeting_a_lock_is_busy_at_once_for_the_window_and_waits_on_a_worker(project_url, database):
    """The window's writes do not wait on the GUI thread for a lock another
    transaction holds (an admin's label rename locks everyone's spans):
    ProjectBusy at once, nothing written; the write queue's worker (a
    project that waits) gets through once the lock is released."""
    with ServerProject.open(project_url("alice")) as alice:
        holder = psycopg.connect(database.owner_url)
        holder.execute("LOCK TABLE spans IN EXCLUSIVE MODE")
        try:
            alice.wait_for_lock = False
            with pytest.raises(ProjectBusy, match="another change on the server holds"):
                ops.tag_span(alice, 1, "alice", "actor", 0, 4)
            alice.wait_for_lock = True
            releasing = threading.Timer(0.5, holder.rollback)
            releasing.start()
            change = ops.tag_span(alice, 1, "alice", "actor", 0, 4)
            releasing.join()
        finally:
            holder.close()
        assert alice.spans(1) == list(change.added)


def test_spans_read_a_page_at_a_time_tie_in_code_point_order(database_in_english):
    """Spans at the same place are ordered by label and annotator in code
    points ("Zebra" before "actor"), whatever the database's collation; a
    page may end between two of them and the next carries on exactly."""
    set_up(database_in_english.owner_url)
    admin.add_user(database_in_english.owner_url, "adam", "admin", password("adam"))
    with ServerProject.open(database_in_english.url("adam", password("adam"))) as adam:
        schema.add_label(adam, "Zebra")
    people = {name: ServerProject.open(database_in_english.url(name, password(name))) for name in PEOPLE}
    try:
        for name, project in people.items():
            for label in ("Zebra", "actor", "date"):
                for start in (0, 4):
                    ops.tag_span(project, 1, name, label, start, 9)
        alice = people["alice"]
        expected = alice.spans(1)
        assert [s.label for s in expected[:2]] == ["Zebra", "Zebra"]
        for size in (1, 2, 5):
            reader, read = alice.read_spans(1), []
            while not reader.done:
                read += reader.read(size)
            assert read == expected, size
    finally:
        for project in people.values():
            project.close()
