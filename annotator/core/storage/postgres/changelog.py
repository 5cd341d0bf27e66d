"""The change log on a server: what each unit of work touched, written
just before COMMIT, so it commits with the change (as the file's does).

What a unit touched is gathered by the file's `Recorder` (its ranges per
document, documents, labels: nothing SQLite-specific in it, and one copy
keeps both backends logging alike); here it is written into the server's
`change_log` (migration 0001), whose `changed_by` and `txid` the server
fills in itself (the policy checks that `changed_by` is the writer).

Not pruned here: people may only add to the log (their grant is INSERT of
four columns), so keeping it bounded is the owner's, or a later
SECURITY DEFINER function's, to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.storage.sqlite.changelog import Recorder

if TYPE_CHECKING:
    import psycopg

__all__ = ["CHANGES_CHANNEL", "Recorder", "flush"]

# Other windows LISTEN here; the payload is empty (what changed is in the
# log: a NOTIFY says only "look"). Sent at COMMIT, and only then.
CHANGES_CHANNEL = "annotator_changes"

_INSERT = "INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES (%s, %s, %s, %s)"
_NOTIFY = "SELECT pg_notify('annotator_changes', '')"


def flush(recorder: Recorder, cur: psycopg.Cursor) -> None:
    """Write what `recorder` gathered (inside the transaction, before
    COMMIT) and tell listeners to look once it commits."""
    rows = recorder.rows()
    recorder.reset()
    if not rows:
        return
    cur.executemany(_INSERT, rows)
    cur.execute(_NOTIFY)
