"""Attacks on the server change feed, found by a review: an annotator may
INSERT change_log rows (their grant; the policy checks only changed_by),
and every teammate's window reads them. Rows of a shape the program never
writes are refused by the server (migration 0007), ignored if older than
that, and a huge range makes a window read everything again instead of
listing it."""

from __future__ import annotations


import psycopg
import pytest

from annotator.core import ops
from annotator.core.storage.postgres.project import ServerProject
from tests.postgres.test_server_live import password, set_up, until
from tests.postgres.test_server_window import spans_of, window_on  # noqa: F401 (a fixture)


def _insert_row(url: str, row: tuple) -> None:
    with psycopg.connect(url) as raw:
        raw.execute("INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES (%s, %s, %s, %s)", row)


MALFORMED = [("documents", None, None, None), ("spans", None, 1, 5), ("spans", 1, None, None),
             ("documents", None, 5, 1), ("labels", 1, 1, 1)]


@pytest.mark.parametrize("row", MALFORMED)
def test_the_server_refuses_log_rows_of_a_shape_the_program_never_writes(database, row):
    set_up(database.owner_url)
    with pytest.raises(psycopg.errors.CheckViolation):
        _insert_row(database.url("alice", password("alice")), row)


@pytest.mark.parametrize("row", [("documents", None, None, None), ("spans", None, 1, 5), ("spans", 1, None, None)],
                         ids=["documents-null-range", "spans-null-document", "spans-null-range"])
def test_a_malformed_log_row_does_not_break_a_teammates_window(database, window_on, row):  # noqa: F811
    """Rows written before 0007 refused them (here: with its check dropped)."""
    set_up(database.owner_url)
    with psycopg.connect(database.owner_url) as owner:
        owner.execute("ALTER TABLE change_log DROP CONSTRAINT change_log_row_shape")
    bob = window_on(database.url("bob", password("bob")))
    bob.poll_timer.stop()  # polled by hand below: an exception comes back here, not in a slot
    assert bob.session.doc is not None and bob.session.doc.id == 1
    _insert_row(database.url("alice", password("alice")), row)
    with psycopg.connect(database.url("alice", password("alice"))) as raw:
        raw.execute("SELECT pg_notify('annotator_changes', '')")
    assert until(lambda: bob.session.project.data_version() != bob.session._data_version)
    errors = []

    def poll():
        try:
            return bob.session.check_for_changes()
        except TypeError as e:  # in the window: a box "Something went wrong" from the error hook
            errors.append(e)
            return False

    poll()
    # The window goes on following alice's real work? Today every later
    # poll meets the same row again (the position stays before it) until
    # the row is pruned, 20,000 rows later: alice's span never shows.
    with ServerProject.open(database.url("alice", password("alice"))) as alice:
        ops.tag_span(alice, 1, "alice", "actor", 0, 4)
    until(lambda: poll() or spans_of(bob, "alice"), 3)
    assert len(spans_of(bob, "alice")) == 1, f"{len(errors)} polls failed: {errors[0]!r}"
    assert not errors

def test_a_huge_range_in_the_log_does_not_stall_a_teammates_window(database, window_on):  # noqa: F811
    """One row ('documents', NULL, 1, 2**62) made every window build a set
    of 2**62 ids (24 GB, killed within a minute). A feed touching more
    documents than a window would list (BULK_DOCUMENTS) is read as "read
    everything again"; this test keeps to 5,000,000 ids (half a GB if
    listed)."""
    set_up(database.owner_url)
    bob = window_on(database.url("bob", password("bob")))
    bob.poll_timer.stop()
    reloads = []
    reload_everything = bob.session._reload_everything
    bob.session._reload_everything = lambda: (reloads.append(1), reload_everything())
    _insert_row(database.url("alice", password("alice")), ("documents", None, 1, 5_000_000))
    ops.tag_span(bob.session.project, 1, "bob", "actor", 0, 4)  # any later change: a notice
    assert until(lambda: bob.session.project.data_version() != bob.session._data_version)
    assert bob.session.check_for_changes()
    assert reloads == [1] and len(spans_of(bob, "bob")) == 1
