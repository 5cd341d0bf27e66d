"""A unit of work on a SQLite project: every write the core makes, as
methods, inside one transaction (`Project.write()` yields one; nested
`write()` blocks yield the same one under a savepoint).

The core decides what to change (ops, importer, labels); this module only
knows how SQLite stores it. Each method also tells the change log what it
touched (changelog.Recorder), so the log commits with the change.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter
from contextlib import contextmanager
from typing import Iterable, Iterator

from annotator.core.changes import Decision
from annotator.core.model import Label, Span
from annotator.core.storage.sqlite import document_list, fulltext
from annotator.core.storage.sqlite.fulltext import (ADD_PENDING, CREATE_INSERT_TRIGGER, DROP_INSERT_TRIGGER,
                                                     HAS_INSERT_TRIGGER, HAS_PENDING_TABLE, INDEX_DOCUMENTS_BETWEEN)

SPAN_COLUMNS = 'start, "end", label, annotator, doc_id, id'
# Span(...) without its Python-level __new__ (50,000 spans read: 16 -> 12 ms;
# tag-all makes tens of thousands). A row is always the six SPAN_COLUMNS.
span_from_row = functools.partial(tuple.__new__, Span)
_INSERT_SPAN = 'INSERT INTO spans (id, doc_id, annotator, label, start, "end") VALUES (?, ?, ?, ?, ?, ?)'
# Stored documents of a batch's names, found through the UNIQUE (name,
# text_sha256) index (the names come as one JSON array: one statement).
_DOCUMENTS_WITH_NAMES = ("SELECT name, text_sha256, id FROM documents "
                         "WHERE name IN (SELECT value FROM json_each(?))")
# Each layer's span count (migration 0011_document_list), moved by every
# span insert and delete here: one upsert per layer touched, not a trigger
# per span (a trigger made an import of 1,000,000 spans 3.6x slower).
_COUNT_LAYER = ("INSERT INTO layer_counts (doc_id, annotator, spans) VALUES (?, ?, ?) "
                "ON CONFLICT (doc_id, annotator) DO UPDATE SET spans = spans + excluded.spans")
# NOT INDEXED: the new spans are an id range at the end of the table. Left to
# itself SQLite walks the whole unique index for its GROUP BY order instead:
# 10 s a batch at 10 million spans, which made a 1M-document import 7.5x
# the floor (per document 2.9x the 100k import's); the range and a small
# sort take 30 ms.
_COUNT_SPANS_FROM = ("INSERT INTO layer_counts (doc_id, annotator, spans) "
                     "SELECT doc_id, annotator, count(*) FROM spans NOT INDEXED WHERE id >= ? "
                     "GROUP BY doc_id, annotator "
                     "ON CONFLICT (doc_id, annotator) DO UPDATE SET spans = spans + excluded.spans")
MERGED_LAYERS_SQL = "SELECT doc_id, annotator, source_id, source_name, fingerprint FROM merged_layers"
# Review decisions (migration 0007_review): a row is the fields of changes.Decision, in order.
DECISION_COLUMNS = 'doc_id, start, "end", label, decision, reviewer, decided_at, gold_span_id, id'
_INSERT_DECISION = ('INSERT INTO review_decisions (doc_id, start, "end", label, decision, reviewer, '
                    "decided_at, gold_span_id, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Unit:
    def __init__(self, conn: sqlite3.Connection, recorder) -> None:
        self._conn = conn
        self._log = recorder
        self._new_documents: set[int] = set()  # added in this unit

    # ------------------------------------------------------------ reading

    def span(self, span_id: int) -> Span | None:
        row = self._conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
        return span_from_row(row) if row else None

    def document_length(self, doc_id: int) -> int | None:
        """The document's length in code points; None if there is none."""
        # INDEXED BY: looked up by id, SQLite reads the table row, and
        # `length` sits after the text, so a 48 MB document cost 16 ms a
        # lookup; the (id, length) index answers in microseconds.
        row = self._conn.execute("SELECT length FROM documents INDEXED BY documents_length WHERE id = ?",
                                 (doc_id,)).fetchone()
        return row[0] if row else None

    def layer_positions(self, doc_id: int, annotator: str, label: str) -> set[tuple[int, int]]:
        """(start, end) of every span of one label in one layer of a document."""
        rows = self._conn.execute(
            'SELECT start, "end" FROM spans WHERE doc_id = ? AND annotator = ? AND label = ?',
            (doc_id, annotator, label))
        return set(rows)

    def find_span(self, span: Span) -> int | None:
        """The id of a stored span with `span`'s document, owner, label and position."""
        row = self._conn.execute(
            'SELECT id FROM spans WHERE doc_id = ? AND annotator = ? AND label = ? AND start = ? AND "end" = ?',
            (span.doc_id, span.annotator, span.label, span.start, span.end),
        ).fetchone()
        return row[0] if row else None

    def status(self, doc_id: int, annotator: str) -> str | None:
        row = self._conn.execute("SELECT status FROM document_status WHERE doc_id = ? AND annotator = ?",
                                 (doc_id, annotator)).fetchone()
        return row[0] if row else None

    def labels(self) -> list[Label]:
        rows = self._conn.execute(
            "SELECT name, color, hotkey, mnemonic, description, display FROM labels ORDER BY position, name")
        return [Label(*row) for row in rows]

    def documents_named(self, names: set[str]) -> dict[tuple[str, str], int]:
        """{(name, text_sha256): id} of stored documents that have one of `names`."""
        if not names:
            return {}
        # Answered from the UNIQUE (name, text_sha256) index alone, so it
        # stays cheap in a large project: the texts are never read.
        rows = self._conn.execute("SELECT name, text_sha256, id FROM documents")
        return {(name, digest): doc_id for name, digest, doc_id in rows if name in names}

    def now(self) -> str:
        """The time, in the schema's own format (one value for a whole import:
        the column default evaluated per row costs more than the row)."""
        return self._conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')").fetchone()[0]

    # ------------------------------------------------------------ merging (core/merge.py)

    def layer(self, doc_id: int, annotator: str) -> list[Span]:
        """One annotator's spans in one document, by position."""
        rows = self._conn.execute(
            f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = ? AND annotator = ? ORDER BY start, "end", label',
            (doc_id, annotator))
        return list(map(span_from_row, rows))

    def merged_layers(self) -> dict[tuple[int, str], tuple[int, str, str]]:
        """{(doc_id, annotator): (source_id, source_name, fingerprint)} of
        every layer a merge brought in (see migration 0006_merged_layers)."""
        rows = self._conn.execute(MERGED_LAYERS_SQL)
        return {(doc_id, annotator): (source_id, name, fingerprint)
                for doc_id, annotator, source_id, name, fingerprint in rows}

    def record_merged_layer(self, doc_id: int, annotator: str, source_id: int, source_name: str,
                            fingerprint: str, merged_at: str) -> None:
        """Note that a merge brought this layer in from the file `source_id`
        (replacing what an earlier merge noted)."""
        self._conn.execute(
            "INSERT INTO merged_layers (doc_id, annotator, source_id, source_name, fingerprint, merged_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, annotator) DO UPDATE SET "
            "source_id = excluded.source_id, source_name = excluded.source_name, "
            "fingerprint = excluded.fingerprint, merged_at = excluded.merged_at",
            (doc_id, annotator, source_id, source_name, fingerprint, merged_at))

    def delete_spans(self, spans: list[Span]) -> int:
        """Remove the spans with these ids; returns how many were there."""
        gone: Counter = Counter()
        for span in spans:
            if self._conn.execute("DELETE FROM spans WHERE id = ?", (span.id,)).rowcount == 1:
                gone[span.doc_id, span.annotator] -= 1
            self._log.spans(span.doc_id, span.id)
        self._count_layers(gone)
        return -sum(gone.values())

    def _count_layers(self, deltas: Counter) -> None:
        """Move each (doc_id, annotator) layer's span count by its delta."""
        self._conn.executemany(_COUNT_LAYER, [(doc_id, annotator, n)
                                              for (doc_id, annotator), n in deltas.items() if n])

    # ------------------------------------------------------------ writing

    def insert_span(self, span: Span) -> Span:
        """Store `span` (under its own id if it has one: undo puts a span
        back as it was); returns it with its id."""
        cursor = self._conn.execute(
            _INSERT_SPAN, (span.id, span.doc_id, span.annotator, span.label, span.start, span.end))
        span = span._replace(id=cursor.lastrowid)
        self._log.spans(span.doc_id, span.id)
        self._count_layers(Counter({(span.doc_id, span.annotator): 1}))
        return span

    def insert_new_spans(self, spans: list[Span]) -> tuple[Span, ...]:
        """Store spans that have no id yet with one statement, under ids
        handed out here (the write lock is ours, so no one else takes one)."""
        # AUTOINCREMENT keeps the highest id ever used, so a removed span's
        # id (which undo may put back) is never handed out again.
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
        first_id = (row[0] if row else 0) + 1
        added = tuple(span_from_row(span[:5] + (first_id + i,)) for i, span in enumerate(spans))
        self._conn.executemany(_INSERT_SPAN, [(s.id, s.doc_id, s.annotator, s.label, s.start, s.end)
                                              for s in added])
        for doc_id in {span.doc_id for span in added}:
            self._log.span_range(doc_id, first_id, first_id + len(added) - 1)
        self._count_layers(Counter((span.doc_id, span.annotator) for span in added))
        return added

    def delete_span(self, span: Span) -> bool:
        """Remove the span with `span`'s id; False if there is none."""
        gone = self._conn.execute("DELETE FROM spans WHERE id = ?", (span.id,)).rowcount == 1
        self._log.spans(span.doc_id, span.id)
        if gone:
            self._count_layers(Counter({(span.doc_id, span.annotator): -1}))
        return gone

    def relabel_span(self, span: Span, label: str) -> bool:
        """Give the stored `span` (same id, same label as given) another
        label in place; False if it is no longer so."""
        done = self._conn.execute("UPDATE spans SET label = ? WHERE id = ? AND label = ?",
                                  (label, span.id, span.label)).rowcount == 1
        self._log.spans(span.doc_id, span.id)
        return done

    def set_status(self, doc_id: int, annotator: str, status: str) -> None:
        self._conn.execute(
            "INSERT INTO document_status (doc_id, annotator, status) VALUES (?, ?, ?) "
            "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status",
            (doc_id, annotator, status))
        self._log.documents(doc_id)

    def insert_labels(self, labels: Iterable[Label]) -> None:
        """Add labels after the existing ones, in order."""
        position = self._conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
        self._conn.executemany(
            "INSERT INTO labels (name, color, hotkey, mnemonic, description, display, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(l.name, l.color, l.hotkey, l.mnemonic, l.description, l.display, position + i)
             for i, l in enumerate(labels)])
        self._log.labels = True

    def note(self, span_id: int) -> str | None:
        row = self._conn.execute("SELECT note FROM span_notes WHERE span_id = ?", (span_id,)).fetchone()
        return row[0] if row else None

    def set_note(self, span_id: int, doc_id: int, note: str | None) -> None:
        """Give the stored span a note, or take it away (None). A span that
        is gone takes its note with it (ON DELETE CASCADE): nothing to do."""
        if note is None:
            self._conn.execute("DELETE FROM span_notes WHERE span_id = ?", (span_id,))
        elif self._conn.execute("SELECT 1 FROM spans WHERE id = ?", (span_id,)).fetchone() is not None:
            self._conn.execute("INSERT INTO span_notes (span_id, note) VALUES (?, ?) "
                               "ON CONFLICT (span_id) DO UPDATE SET note = excluded.note", (span_id, note))
        self._log.spans(doc_id, span_id)

    def replace_labels(self, labels: tuple[Label, ...], renamed: tuple[tuple[str, str], ...] = ()) -> None:
        """Make the schema `labels` (in this order), first renaming labels
        (old, new). A label left out is deleted, which fails while a span
        uses it."""
        for old, new in renamed:
            # Spans and review decisions follow by ON UPDATE CASCADE.
            self._conn.execute("UPDATE labels SET name = ? WHERE name = ?", (new, old))
        keep = [label.name for label in labels]
        for (name,) in self._conn.execute("SELECT name FROM labels").fetchall():
            if name not in keep:
                self._conn.execute("DELETE FROM labels WHERE name = ?", (name,))
        self._conn.executemany(
            "INSERT INTO labels (name, color, hotkey, mnemonic, description, display, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET color = excluded.color, "
            "hotkey = excluded.hotkey, mnemonic = excluded.mnemonic, description = excluded.description, "
            "display = excluded.display, position = excluded.position",
            [(l.name, l.color, l.hotkey, l.mnemonic, l.description, l.display, i) for i, l in enumerate(labels)])
        self._log.labels = True

    def label_use(self, label: str) -> tuple[int, int]:
        """(spans, documents) using `label`."""
        return self._conn.execute("SELECT count(*), count(DISTINCT doc_id) FROM spans WHERE label = ?",
                                  (label,)).fetchone()

    def spans_labelled(self, label: str) -> list[Span]:
        return list(map(span_from_row, self._conn.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE label = ? ORDER BY id", (label,))))

    def insert_document(self, name: str, text: str, digest: str, meta: dict, created_at: str) -> int:
        doc_id = self._conn.execute(
            "INSERT INTO documents (name, text, text_sha256, length, meta, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, text, digest, len(text), json.dumps(meta, ensure_ascii=False) if meta else "{}", created_at),
        ).lastrowid
        self._log.documents(doc_id)
        self._new_documents.add(doc_id)
        return doc_id

    def _insert_spans(self, rows: list[tuple[int, str, str, int, int, str]]) -> tuple[int, int, int]:
        """Insert (doc_id, annotator, label, start, end, created_at) rows, a
        row already in its layer skipped, and count each layer's new spans.
        Returns (the first new id, the last id handed out, how many): the new
        rows' ids lie between the two (nothing else writes meanwhile), but
        not every id between is theirs: AUTOINCREMENT spends an id on a
        skipped row too."""
        before_changes = self._conn.total_changes
        before_id = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
        first = (before_id[0] if before_id else 0) + 1
        self._conn.executemany(
            'INSERT OR IGNORE INTO spans (doc_id, annotator, label, start, "end", created_at) '
            'VALUES (?, ?, ?, ?, ?, ?)', rows)
        added = self._conn.total_changes - before_changes
        last = first - 1
        if added:
            self._conn.execute(_COUNT_SPANS_FROM, (first,))  # each layer's new spans
            last = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()[0]
        return first, last, added

    def add_imported_spans(self, rows: list[tuple[int, str, str, int, int, str]]) -> int:
        """Store (doc_id, annotator, label, start, end, created_at) rows; one
        already in its layer is skipped (a re-import). Returns how many were new."""
        first, last, added = self._insert_spans(rows)
        if added:
            # The new rows' ids lie in first..last (nothing else writes
            # meanwhile). A document added in this unit is logged as new,
            # which says all there is to say of its spans.
            for doc_id in {row[0] for row in rows} - self._new_documents:
                self._log.span_range(doc_id, first, last)
        return added

    # ------------------------------------------------------------ streaming import (core/importer.py)

    def last_document_id(self) -> int:
        """The highest document id ever handed out: an import's own
        documents are those above what this was when it began."""
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
        return row[0] if row else 0

    def documents_with_names(self, names: list[str]) -> dict[tuple[str, str], int]:
        """{(name, text_sha256): id} of stored documents named one of
        `names` (a batch), each looked up in the UNIQUE (name, text_sha256)
        index: the cost follows the batch, not the project."""
        if not names:
            return {}
        rows = self._conn.execute(_DOCUMENTS_WITH_NAMES, (json.dumps(names, ensure_ascii=False),))
        return {(name, digest): doc_id for name, digest, doc_id in rows}

    @contextmanager
    def deferring_text_index(self) -> Iterator[None]:
        """Documents inserted in the block skip the full-text index's insert
        trigger (row by row it cost an import four times the rest). As the
        block ends they are indexed in one statement if they are few
        (`fulltext.INDEX_AT_ONCE`), else their ids are recorded as pending,
        to be indexed later (`Project.index_pending_text`; searches read
        their text until then). Their names go into the name filter's index
        in one statement at the end too (`document_list.deferring_name_index`).
        If the block fails, the trigger is made again and nothing is
        recorded: the unit is being rolled back, documents and all."""
        with document_list.deferring_name_index(self._conn):
            if not fulltext.has_index(self._conn):
                yield
                return
            after = self.last_document_id()
            self._conn.execute(DROP_INSERT_TRIGGER)
            try:
                yield
            except BaseException:
                # SQLite may have rolled the transaction back itself (a full
                # disk), DROP TRIGGER with it: make it again only if it is gone,
                # and never let doing so hide the error on its way out.
                try:
                    if self._conn.execute(HAS_INSERT_TRIGGER).fetchone() is None:
                        self._conn.execute(CREATE_INSERT_TRIGGER)
                except sqlite3.Error:
                    pass
                raise
            last = self.last_document_id()
            if last - after >= fulltext.INDEX_AT_ONCE and self._conn.execute(HAS_PENDING_TABLE).fetchone():
                self._conn.execute(ADD_PENDING, (after + 1, last))
            elif last > after:
                self._conn.execute(INDEX_DOCUMENTS_BETWEEN, (after + 1, last))
            self._conn.execute(CREATE_INSERT_TRIGGER)

    def index_text_slice(self, most: int) -> int:
        """Add up to `most` pending documents' text to the full-text index;
        returns how many came off the pending list. Nothing a reader shows
        changes, so the change log is not told."""
        return fulltext.index_pending(self._conn, most)

    def insert_documents(self, rows: list[tuple[str, str, str, dict]], created_at: str) -> int:
        """Store (name, text, text_sha256, meta) rows with one statement,
        under consecutive ids handed out here (the write lock is ours);
        returns the first. The change log gets one range."""
        first = self.last_document_id() + 1
        self._conn.executemany(
            "INSERT INTO documents (id, name, text, text_sha256, length, meta, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(first + i, name, text, digest, len(text),
              json.dumps(meta, ensure_ascii=False) if meta else "{}", created_at)
             for i, (name, text, digest, meta) in enumerate(rows)])
        self._log.document_range(first, first + len(rows) - 1)
        return first

    def add_spans_of_import(self, rows: list[tuple[int, str, str, int, int, str]], new_after: int) -> int:
        """Store (doc_id, annotator, label, start, end, created_at) rows; one
        already in its layer is skipped. Documents above `new_after` are the
        import's own, logged as new (which says all of their spans), so only
        the others' spans are logged. Returns how many were new."""
        first, last, added = self._insert_spans(rows)
        if added:
            for doc_id in {row[0] for row in rows if row[0] <= new_after}:
                self._log.span_range(doc_id, first, last)
        return added

    def start_layers(self, layers: list[tuple[int, str]], new_after: int) -> None:
        """Mark each (doc_id, annotator) "in progress" unless it has a status
        already (an import's spans start a layer, as tagging would)."""
        self._conn.executemany(
            "INSERT INTO document_status (doc_id, annotator, status) VALUES (?, ?, 'in progress') "
            "ON CONFLICT (doc_id, annotator) DO NOTHING", layers)
        self._log.documents(*{doc_id for doc_id, _ in layers if doc_id <= new_after})

    # ------------------------------------------------------------ review (core/review.py)

    def decisions(self, doc_id: int) -> list[Decision]:
        """Every review decision on a document, oldest first."""
        rows = self._conn.execute(
            f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE doc_id = ? ORDER BY id", (doc_id,))
        return [Decision(*row) for row in rows]

    def decisions_labelled(self, label: str) -> list[Decision]:
        """Every review decision about a reading of this label."""
        rows = self._conn.execute(
            f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE label = ? ORDER BY id", (label,))
        return [Decision(*row) for row in rows]

    def insert_decisions(self, decisions: list[Decision]) -> tuple[Decision, ...]:
        """Store decisions (under their own ids if they have them: undo puts
        a decision back as it was); returns them with their ids."""
        # A decision changes the document's review status (its list row).
        self._log.documents(*{decision.doc_id for decision in decisions})
        if all(decision.id is None for decision in decisions):
            # Accept-all-agreed's thousands: one statement, under ids handed
            # out here (the write lock is ours; AUTOINCREMENT never reuses one).
            row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'review_decisions'").fetchone()
            first_id = (row[0] if row else 0) + 1
            stored = tuple(decision._replace(id=first_id + i) for i, decision in enumerate(decisions))
            self._conn.executemany(_INSERT_DECISION, stored)
            return stored
        return tuple(decision._replace(id=self._conn.execute(_INSERT_DECISION, decision).lastrowid)
                     for decision in decisions)

    def delete_decision(self, decision: Decision) -> bool:
        """Remove the stored decision with `decision`'s id; False if there is
        none (another window took it back)."""
        gone = self._conn.execute("DELETE FROM review_decisions WHERE id = ?", (decision.id,)).rowcount == 1
        self._log.documents(decision.doc_id)
        return gone

    def move_span(self, span: Span, after: Span) -> bool:
        """Give the stored `span` (same id, position and label as given)
        `after`'s position and label in place; False if it is no longer so."""
        done = self._conn.execute(
            'UPDATE spans SET start = ?, "end" = ?, label = ? WHERE id = ? AND start = ? AND "end" = ? '
            "AND label = ?", (after.start, after.end, after.label, span.id, span.start, span.end, span.label)
        ).rowcount == 1
        self._log.spans(span.doc_id, span.id)
        return done
