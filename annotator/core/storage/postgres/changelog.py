"""The change log on a server: what each unit of work touched, written
just before COMMIT, so it commits with the change (as the file's does).

What a unit touched is gathered by the file's `Recorder` (its ranges per
document, documents, labels: nothing SQLite-specific in it, and one copy
keeps both backends logging alike); here it is written into the server's
`change_log` (migration 0001), whose `changed_by` and `txid` the server
fills in itself (the policy checks that `changed_by` is the writer).

Kept bounded by a trigger of the owner's (migration 0006): people may
only add rows (their grant is INSERT of four columns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.feed import Feed
from annotator.core.storage.sqlite.changelog import Recorder

if TYPE_CHECKING:
    import psycopg

__all__ = ["CHANGES_CHANNEL", "Recorder", "flush"]

# Other windows LISTEN here; the payload is empty (what changed is in the
# log: a NOTIFY says only "look"). Sent at COMMIT, and only then.
CHANGES_CHANNEL = "annotator_changes"

_INSERT = "INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES (%s, %s, %s, %s)"
# (and the transaction's id, to ask the server later whether it committed
# when the answer to COMMIT is lost with the connection)
_NOTIFY = "SELECT pg_current_xact_id()::text, pg_notify('annotator_changes', '')"

# A window's position in the log is a snapshot of the server's transactions
# (pg_snapshot as text), not a number: sequence numbers are handed out when
# a row is inserted, and transactions commit in another order, so "after
# seq N" would miss a slow transaction's rows. What committed since a
# snapshot is what it did not see and the reader's own statement does,
# from the snapshot's oldest running transaction on (an index range).
POSITION = "SELECT pg_current_snapshot()::text"
# Rows are pruned (migration 0006): a position whose oldest running
# transaction is not after the newest pruned one may have missed a row,
# and gets no rows but `too_old` (the reader then reads everything again).
CHANGES_SINCE = """
SELECT now.snapshot::text, now.too_old, c.kind, c.doc_id, c.first_id, c.last_id
FROM (SELECT pg_current_snapshot() AS snapshot,
             (SELECT pruned_to FROM change_log_horizon) >= pg_snapshot_xmin(%(seen)s::pg_snapshot) AS too_old
     ) now
LEFT JOIN change_log c ON NOT now.too_old AND c.txid >= pg_snapshot_xmin(%(seen)s::pg_snapshot)
    AND NOT pg_visible_in_snapshot(c.txid, %(seen)s::pg_snapshot)
    -- (rows of another shape, written by hand before 0007 forbade them, mean nothing)
    AND ((c.kind = 'labels')
         OR (c.kind = 'documents' AND 1 <= c.first_id AND c.first_id <= c.last_id)
         OR (c.kind = 'spans' AND c.doc_id IS NOT NULL AND 1 <= c.first_id AND c.first_id <= c.last_id))"""


def flush(recorder: Recorder, cur: psycopg.Cursor) -> str | None:
    """Write what `recorder` gathered (inside the transaction, before
    COMMIT) and tell listeners to look once it commits. Returns the
    transaction's id if anything was written."""
    rows = recorder.rows()
    recorder.reset()
    if not rows:
        return None
    cur.executemany(_INSERT, rows)
    return cur.execute(_NOTIFY).fetchone()[0]


def position(conn: psycopg.Connection) -> str:
    """The log's position now (a snapshot)."""
    return conn.execute(POSITION).fetchone()[0]


def changes_since(conn: psycopg.Connection, position: str) -> Feed | None:
    """What committed after `position` (a snapshot from POSITION or an
    earlier answer), with the position to ask from next time; None when
    the log was pruned past it (read everything again)."""
    rows = conn.execute(CHANGES_SINCE, {"seen": position}).fetchall()
    if rows[0][1]:
        return None
    return Feed.from_rows(rows[0][0], (row[2:] for row in rows if row[2] is not None))
