"""The whole-project reads the command line needs on a server project
(`annotator list`, `export`, `agreement`, `tag`, `curate`), mixed into
`ServerProject`: streamed listings and export rows, every text, document
summaries and review statuses.

Streams (export, texts, the listing) come through server-side cursors
declared WITH HOLD (the project's connection is in autocommit, and an
export reads two streams at once, documents and spans, on one
connection), fetched `FETCH_ROWS` at a time: memory follows the batch,
not the project. Text is ordered COLLATE "C" like the file's reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from annotator.core.feed import IdRanges
from annotator.core.model import DocumentSummary

FETCH_ROWS = 2_000
_cursor_numbers = itertools.count(1)

# `annotator list`: each layer's span count from layer_counts (its key), in annotator order.
_LISTING_COLUMNS = """
    SELECT d.id, d.name, d.length,
           ARRAY(SELECT ARRAY[c.annotator, c.spans::text] FROM layer_counts c
                 WHERE c.doc_id = d.id AND c.spans > 0 ORDER BY c.annotator COLLATE "C")"""
LISTING = _LISTING_COLUMNS + ' FROM documents d ORDER BY d.name COLLATE "C", d.id'
LISTING_OF = (_LISTING_COLUMNS + " FROM unnest(%s::bigint[]) WITH ORDINALITY AS j(id, n) "
              "JOIN documents d ON d.id = j.id ORDER BY j.n")

# meta as JSON text, as the file gives it to the writers (jsonb keeps no key order)
EXPORT_DOCUMENTS = "SELECT id, name, text, meta::text FROM documents ORDER BY id"
EXPORT_SPANS = ('SELECT s.doc_id, s.annotator, s.start, s."end", s.label, n.note FROM spans s '
                'LEFT JOIN span_notes n ON n.span_id = s.id '
                'ORDER BY s.doc_id, s.annotator COLLATE "C", s.start, s."end", s.label COLLATE "C"')
EXPORT_LAYER = ('SELECT s.doc_id, s.annotator, s.start, s."end", s.label, n.note FROM spans s '
                'LEFT JOIN span_notes n ON n.span_id = s.id WHERE s.annotator = %s '
                'ORDER BY s.doc_id, s.start, s."end", s.label COLLATE "C"')
EXPORT_LAYERS = ('SELECT s.doc_id, s.annotator, s.start, s."end", s.label, n.note FROM spans s '
                 'LEFT JOIN span_notes n ON n.span_id = s.id WHERE s.annotator = ANY(%s::text[]) '
                 'ORDER BY s.doc_id, s.annotator COLLATE "C", s.start, s."end", s.label COLLATE "C"')
TEXTS = "SELECT id, name, text FROM documents ORDER BY id"
# (documents_text_pending: the pending documents alone, never a scan)
PENDING_TEXT = "SELECT count(*) FROM documents WHERE NOT indexed"

_SUMMARIES = """
    SELECT d.id, d.name, d.length,
           (SELECT count(*) FROM spans WHERE doc_id = d.id AND annotator = %(who)s),
           COALESCE(s.status, 'new')
    FROM documents d
    LEFT JOIN document_status s ON s.doc_id = d.id AND s.annotator = %(who)s
    WHERE strpos(lower(d.name), lower(%(name)s)) > 0"""
_BY_NAME = ' ORDER BY d.name COLLATE "C", d.id'
SUMMARIES = _SUMMARIES + _BY_NAME
SUMMARIES_BETWEEN = _SUMMARIES + " AND d.id BETWEEN %(first)s AND %(last)s" + _BY_NAME

SPAN_NOTE_ROWS = ('SELECT s.doc_id, s.annotator, s.start, s."end", s.label, n.note '
                  "FROM span_notes n JOIN spans s ON s.id = n.span_id")
# core/review.py's review statuses ('gold' is layers.GOLD_NAME)
_REVIEW_STATUSES = """
    SELECT d.id, CASE
        WHEN EXISTS (SELECT 1 FROM review_decisions WHERE doc_id = d.id AND decision = 'reviewed')
            THEN 'reviewed'
        WHEN EXISTS (SELECT 1 FROM review_decisions WHERE doc_id = d.id)
             OR EXISTS (SELECT 1 FROM spans WHERE doc_id = d.id AND annotator = 'gold') THEN 'in review'
        ELSE 'not started' END
    FROM documents d"""
REVIEW_STATUSES = _REVIEW_STATUSES
REVIEW_STATUSES_BETWEEN = _REVIEW_STATUSES + " WHERE d.id BETWEEN %s AND %s"


class BulkReads:
    """The reads over the whole project (mixed into ServerProject, which
    provides `conn`, `path`, `_url` and `_psycopg`). Every statement is a
    module constant (tests/reliability/test_sql.py)."""

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except self._psycopg.Error as e:
            raise self.read_failed(e) from None

    def _held_cursor(self):
        """A server-side cursor (WITH HOLD: the connection is in autocommit)
        fetching FETCH_ROWS at a time."""
        cursor = self.conn.cursor(name=f"annotator_stream_{next(_cursor_numbers)}", withhold=True)
        cursor.itersize = FETCH_ROWS
        return cursor

    def _rows(self, cursor) -> Iterator[tuple]:
        """A held cursor's rows; closed when read to the end or dropped."""
        try:
            with self._reading():
                # a loop, not `yield from`: closing this generator early (a
                # broken pipe) must not throw into psycopg's own iterator
                for row in cursor:  # noqa: UP028
                    yield row
        finally:
            if not self.conn.closed:
                try:
                    cursor.close()
                except self._psycopg.Error:
                    pass  # the connection is gone: the cursor went with it

    def listing_rows(self, ids: Iterable[int] | None = None) -> Iterator[tuple[int, str, int, list]]:
        """(id, name, length, [(annotator, spans), ...]) of every document by
        name (ties by id), streamed; with `ids`, those in the order given."""
        cursor = self._held_cursor()
        with self._reading():
            if ids is None:
                cursor.execute(LISTING)
            else:
                cursor.execute(LISTING_OF, (list(ids),))
        return ((doc_id, name, length, [(who, int(n)) for who, n in layers])
                for doc_id, name, length, layers in self._rows(cursor))

    def export_rows(self, annotator: str | None = None) -> tuple[Iterator[tuple], Iterator[tuple]]:
        """Two streams in document id order: (id, name, text, meta) per
        document, and (doc_id, annotator, start, end, label, note) per span
        (one layer's, or every layer's by annotator)."""
        documents, spans = self._held_cursor(), self._held_cursor()
        with self._reading():
            documents.execute(EXPORT_DOCUMENTS)
            if annotator is None:
                spans.execute(EXPORT_SPANS)
            else:
                spans.execute(EXPORT_LAYER, (annotator,))
        return self._rows(documents), self._rows(spans)

    def export_layer_rows(self, annotators: list[str]) -> Iterator[tuple]:
        cursor = self._held_cursor()
        with self._reading():
            cursor.execute(EXPORT_LAYERS, (list(annotators),))
        return self._rows(cursor)

    def texts(self) -> Iterator[tuple[int, str, str]]:
        """(id, name, text) of every document, by id, streamed (tag all)."""
        cursor = self._held_cursor()
        with self._reading():
            cursor.execute(TEXTS)
        return self._rows(cursor)

    def text_index_pending(self) -> int:
        """How many documents' text a large import left out of the trigram
        index, not indexed yet (see `index_pending_text`): counted from the
        partial index of pending documents (migration 0005)."""
        with self._reading():
            return self.conn.execute(PENDING_TEXT).fetchone()[0]

    def document_summaries(self, annotator: str, name_filter: str = "",
                           ids: IdRanges | None = None) -> list[DocumentSummary]:
        found = []
        with self._reading():
            if ids is None:
                found = self.conn.execute(SUMMARIES, {"who": annotator, "name": name_filter}).fetchall()
            for first, last in ids.ranges if ids is not None else ():
                found += self.conn.execute(SUMMARIES_BETWEEN, {"who": annotator, "name": name_filter,
                                                               "first": first, "last": last}).fetchall()
        summaries = [DocumentSummary(*row) for row in found]
        return summaries if ids is None else sorted(summaries, key=lambda d: (d.name, d.id))

    def span_note_rows(self) -> list[tuple[int, str, int, int, str, str]]:
        with self._reading():
            return self.conn.execute(SPAN_NOTE_ROWS).fetchall()

    def review_statuses(self, ids: IdRanges | None = None) -> dict[int, str]:
        found: dict[int, str] = {}
        with self._reading():
            if ids is None:
                found.update(self.conn.execute(REVIEW_STATUSES).fetchall())
            for first, last in ids.ranges if ids is not None else ():
                found.update(self.conn.execute(REVIEW_STATUSES_BETWEEN, (first, last)).fetchall())
        return found
