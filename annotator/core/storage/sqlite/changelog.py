"""The change log: what each commit touched, kept in the project so other
windows apply only that (see core/feed.py).

A `Recorder` collects, during one write transaction, the span ids per
document, the document ids and whether labels changed; `flush` writes them
as a few rows just before the commit, so the log and the change it describes
commit together. Only the newest KEEP rows are kept: a window that has not
looked for longer than that reads everything again, as it would without a
log. Recording more than happened (a savepoint rolled back) costs a reader
a wasted look-up, never a wrong picture: readers re-read what is touched.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from annotator.core.feed import Feed, IdRanges

# Rows kept. A busy session writes a few rows a second; a window polls every
# 1.5 s. 20,000 rows is hours of one person's work, and bounds the table.
KEEP = 20_000
# Pruned when the log passes a multiple of this (a DELETE on every commit
# would cost each change a statement for nothing).
PRUNE_EVERY = 1_000

_INSERT = "INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES (?, ?, ?, ?)"


class Recorder:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.span_ids: dict[int, list[int]] = defaultdict(list)
        self.span_ranges: list[tuple[int, int, int]] = []  # (doc_id, first, last)
        self.document_ids: list[int] = []
        self.document_ranges: list[tuple[int, int]] = []  # (first, last): an import's documents
        self.labels = False

    def spans(self, doc_id: int, *span_ids: int) -> None:
        self.span_ids[doc_id].extend(span_ids)

    def span_range(self, doc_id: int, first: int, last: int) -> None:
        """Spans of `doc_id` lie among ids first..last (an import's range)."""
        self.span_ranges.append((doc_id, first, last))

    def documents(self, *doc_ids: int) -> None:
        self.document_ids.extend(doc_ids)

    def document_range(self, first: int, last: int) -> None:
        """Documents first..last (an import's, added with consecutive ids)."""
        self.document_ranges.append((first, last))

    def rows(self) -> list[tuple]:
        rows: list[tuple] = []
        touched_docs = set(self.document_ids)
        by_doc: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for doc_id, ids in self.span_ids.items():
            by_doc[doc_id].extend((i, i) for i in ids)
        for doc_id, first, last in self.span_ranges:
            by_doc[doc_id].append((first, last))
        for doc_id, ranges in by_doc.items():
            touched_docs.add(doc_id)  # its span counts changed
            rows.extend(("spans", doc_id, first, last) for first, last in IdRanges(ranges).ranges)
        documents = IdRanges([(i, i) for i in touched_docs] + self.document_ranges)
        rows.extend(("documents", None, first, last) for first, last in documents.ranges)
        if self.labels:
            rows.append(("labels", None, None, None))
        return rows

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write what was recorded (inside the transaction, before COMMIT)."""
        rows = self.rows()
        self.reset()
        if not rows:
            return
        conn.executemany(_INSERT, rows)
        last = last_seq(conn)
        if last // PRUNE_EVERY != (last - len(rows)) // PRUNE_EVERY:
            conn.execute("DELETE FROM change_log WHERE seq <= ?", (last - KEEP,))


def last_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").fetchone()
    return row[0] if row else 0


def changes_since(conn: sqlite3.Connection, seq: int) -> Feed | None:
    """What was committed after `seq`, or None if the log no longer reaches
    back that far (pruned, or `seq` is from another file)."""
    last = last_seq(conn)
    if seq == last:
        return Feed(seq, IdRanges(), {}, False)
    if seq > last:
        return None
    oldest = conn.execute("SELECT min(seq) FROM change_log").fetchone()[0]
    if oldest is None or oldest > seq + 1:
        return None
    rows = conn.execute("SELECT kind, doc_id, first_id, last_id FROM change_log WHERE seq > ? AND seq <= ?",
                        (seq, last))
    return Feed.from_rows(last, rows)
