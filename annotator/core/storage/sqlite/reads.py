"""Reading a SQLite project: labels, documents, spans, the change log and
export rows. `Project` (project.py) inherits these; they run on its one
connection, outside any transaction, so each sees the latest commit."""

from __future__ import annotations

import json
import sqlite3
import weakref
from typing import Iterable, Iterator

from annotator.core.errors import ProjectError
from annotator.core.changes import Decision
from annotator.core.feed import Feed, IdRanges
from annotator.core.model import DOCUMENT_STATUSES, Document, DocumentSummary, Label, Span
from annotator.core.document_query import DocumentQuery
from annotator.core.storage.sqlite import changelog, document_list, fulltext
from annotator.core.storage.sqlite.connect import reading
from annotator.core.storage.sqlite.unit import DECISION_COLUMNS, MERGED_LAYERS_SQL, SPAN_COLUMNS, span_from_row

_SUMMARIES = """
    SELECT d.id, d.name, d.length,
           -- counted per listed document from the (doc_id, annotator)
           -- index, rather than grouping every span of the project first
           (SELECT count(*) FROM spans WHERE doc_id = d.id AND annotator = ?),
           COALESCE(s.status, 'new')
    FROM documents d
    LEFT JOIN document_status s ON s.doc_id = d.id AND s.annotator = ?
    WHERE instr(lower(d.name), lower(?)) > 0
    """
_HAS_MERGED_LAYERS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'merged_layers'"
_BY_NAME = " ORDER BY d.name, d.id"
_ALL_SUMMARIES = _SUMMARIES + _BY_NAME
_SUMMARIES_BETWEEN = _SUMMARIES + "AND d.id BETWEEN ? AND ?" + _BY_NAME

# `annotator list`, streamed (Reads.listing_rows): names and ids from the
# (name, text_sha256) index in name order, with only ties by id sorted, so
# the first row comes at once at a million documents; lengths from
# `documents_length` (the row's length is stored after its text); every
# layer's span count from `layer_counts`, in annotator order (its key).
_LISTING_COLUMNS = """
    SELECT d.id, d.name,
           (SELECT l.length FROM documents l INDEXED BY documents_length WHERE l.id = d.id),
           (SELECT json_group_array(json_array(c.annotator, c.spans)) FROM
               (SELECT annotator, spans FROM layer_counts WHERE doc_id = d.id AND spans > 0
                ORDER BY annotator) c)"""
_LISTING = _LISTING_COLUMNS + " FROM documents d ORDER BY d.name, d.id"
_LISTING_OF = (_LISTING_COLUMNS + " FROM json_each(?) j JOIN documents d ON d.id = j.value ORDER BY j.key")
_LISTING_CHUNK = 500  # ids looked up per statement when listing given documents

# Review status per document (core/review.py), from the (doc_id, ...)
# indexes of decisions and spans: no span or decision is read whole.
_HAS_REVIEW = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'review_decisions'"
_IN_GOLD = "EXISTS (SELECT 1 FROM spans WHERE doc_id = d.id AND annotator = 'gold')"  # layers.GOLD_NAME
_REVIEW_STATUSES = f"""
    SELECT d.id, CASE
        WHEN EXISTS (SELECT 1 FROM review_decisions WHERE doc_id = d.id AND decision = 'reviewed')
            THEN 'reviewed'
        WHEN EXISTS (SELECT 1 FROM review_decisions WHERE doc_id = d.id) OR {_IN_GOLD} THEN 'in review'
        ELSE 'not started' END
    FROM documents d"""
_GOLD_ONLY_STATUSES = f"SELECT d.id, CASE WHEN {_IN_GOLD} THEN 'in review' ELSE 'not started' END FROM documents d"
_REVIEW_STATUSES_BETWEEN = _REVIEW_STATUSES + " WHERE d.id BETWEEN ? AND ?"
_GOLD_ONLY_STATUSES_BETWEEN = _GOLD_ONLY_STATUSES + " WHERE d.id BETWEEN ? AND ?"
_LAYER_ROWS = ('SELECT doc_id, annotator, start, "end", label, n.note FROM spans '
               "LEFT JOIN span_notes n ON n.span_id = spans.id "
               "WHERE annotator IN (SELECT value FROM json_each(?)) "
               'ORDER BY doc_id, annotator, start, "end", label')


class Reads:
    """The read half of a SQLite project (mixed into Project)."""

    path: object
    conn: sqlite3.Connection
    _labels: list[Label] | None
    _readers: "weakref.WeakSet[SpanReader]"

    # ----------------------------------------------------------------- labels

    @reading
    def labels(self) -> list[Label]:
        if self._labels is None:
            rows = self.conn.execute(
                "SELECT name, color, hotkey, mnemonic, description, display FROM labels ORDER BY position, name"
            )
            self._labels = [Label(*row) for row in rows]
        return self._labels

    def label_names(self) -> list[str]:
        return [label.name for label in self.labels()]

    # -------------------------------------------------------------- documents

    @reading
    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, name, text, meta FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            raise ProjectError(f"{self.path}: there is no document with id {doc_id}")
        return Document(row[0], row[1], row[2], json.loads(row[3]))

    @reading
    def document_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]

    @reading
    def document_summaries(self, annotator: str, name_filter: str = "",
                           ids: IdRanges | None = None) -> list[DocumentSummary]:
        """Every document (without its text) with `annotator`'s span count
        and status, by name; with `ids`, only those documents."""
        if ids is None:
            rows = self.conn.execute(_ALL_SUMMARIES, (annotator, annotator, name_filter))
            return [DocumentSummary(*row) for row in rows]
        found = []
        for first, last in ids.ranges:
            found += self.conn.execute(_SUMMARIES_BETWEEN, (annotator, annotator, name_filter, first, last))
        return sorted((DocumentSummary(*row) for row in found), key=lambda d: (d.name, d.id))

    # ------------------------------------- the document list, paged (document_list.py)

    @reading
    def document_total(self, query: DocumentQuery) -> int:
        """How many documents `query` lists (an index count)."""
        return document_list.total(self.conn, query)

    @reading
    def document_page(self, annotator: str, query: DocumentQuery, offset: int, limit: int,
                      total: int) -> list[DocumentSummary]:
        """Rows offset..offset+limit of the list under `query`, with
        `annotator`'s span count and status; `total` is `document_total`'s
        answer (which end of the index is nearer)."""
        ids = document_list.page(self.conn, annotator, query, offset, limit, total)
        return document_list.summaries(self.conn, annotator, ids)

    @reading
    def document_row(self, annotator: str, query: DocumentQuery, doc_id: int, total: int) -> int | None:
        """Where `doc_id` is in the list under `query` (a count of the
        index entries before it); None if the query does not list it."""
        return document_list.rank(self.conn, annotator, query, doc_id, total)

    @reading
    def highest_document_id(self) -> int:
        """The highest id of a stored document (0: none). Ids only grow, so
        a document with a higher id was added since."""
        return self.conn.execute("SELECT COALESCE(max(id), 0) FROM documents").fetchone()[0]

    @reading
    def document_rows(self, annotator: str, ids: list[int]) -> list[DocumentSummary]:
        """The list rows of these documents (those that exist), in that order."""
        return document_list.summaries(self.conn, annotator, list(ids))

    @reading
    def listing_rows(self, ids: Iterable[int] | None = None) -> Iterator[tuple[int, str, int, list]]:
        """(id, name, length, [(annotator, spans), ...]) of every document,
        by name (ties by id), streamed: the first row comes before the rest
        are read, and nothing is held (`annotator list` at a million
        documents). Layers without spans are left out. With `ids`, those
        documents (the ones that exist) in the order given."""
        if ids is None:
            return _listing(self, _rows(self, self.conn.execute(_LISTING)))
        return _listing(self, self._listing_of(list(ids)))

    def _listing_of(self, ids: list[int]) -> Iterator[tuple]:
        for at in range(0, len(ids), _LISTING_CHUNK):
            yield from _rows(self, self._listing_chunk(json.dumps(ids[at:at + _LISTING_CHUNK])))

    @reading
    def _listing_chunk(self, ids_json: str) -> sqlite3.Cursor:
        return self.conn.execute(_LISTING_OF, (ids_json,))

    @reading
    def span_counts(self) -> dict[int, dict[str, int]]:
        """{doc_id: {annotator: number of spans}} for every annotated document."""
        counts: dict[int, dict[str, int]] = {}
        rows = self.conn.execute(
            "SELECT doc_id, annotator, count(*) FROM spans GROUP BY doc_id, annotator ORDER BY doc_id, annotator"
        )
        for doc_id, annotator, n in rows:
            counts.setdefault(doc_id, {})[annotator] = n
        return counts

    @reading
    def status(self, doc_id: int, annotator: str) -> str:
        row = self.conn.execute(
            "SELECT status FROM document_status WHERE doc_id = ? AND annotator = ?", (doc_id, annotator)
        ).fetchone()
        return row[0] if row else DOCUMENT_STATUSES[0]

    # ------------------------------------------------------------------ spans

    @reading
    def spans(self, doc_id: int, annotator: str | None = None) -> list[Span]:
        """Spans of one document, sorted by (start, end); one layer or all."""
        if annotator is None:
            rows = self.conn.execute(
                f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = ? ORDER BY start, "end", label, annotator',
                (doc_id,),
            )
        else:
            rows = self.conn.execute(
                f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = ? AND annotator = ? '
                'ORDER BY start, "end", label',
                (doc_id, annotator),
            )
        return list(map(span_from_row, rows))

    @reading
    def read_spans(self, doc_id: int) -> "SpanReader":
        """Every layer's spans of a document, in the order of `spans(doc_id)`,
        to be read a few at a time (see SpanReader)."""
        cursor = self.conn.execute(
            f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = ? ORDER BY start, "end", label, annotator',
            (doc_id,))
        reader = SpanReader(self, cursor)
        self._readers.add(reader)
        return reader

    @reading
    def span(self, span_id: int) -> Span | None:
        row = self.conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
        return span_from_row(row) if row else None

    @reading
    def annotators(self, doc_id: int | None = None) -> list[str]:
        """Annotators with at least one span (in one document, or anywhere)."""
        if doc_id is None:
            rows = self.conn.execute("SELECT DISTINCT annotator FROM spans ORDER BY annotator")
        else:
            rows = self.conn.execute(
                "SELECT DISTINCT annotator FROM spans WHERE doc_id = ? ORDER BY annotator", (doc_id,)
            )
        return [row[0] for row in rows]

    @reading
    def spans_by_id(self, ids: IdRanges) -> list[Span]:
        """The spans among `ids` that exist (of `ids.doc_id`'s document, when
        it is set): an id not returned was removed. In id order."""
        found: list[Span] = []
        for first, last in ids.ranges:
            if ids.doc_id is None:
                rows = self.conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE id BETWEEN ? AND ? "
                                         "ORDER BY id", (first, last))
            else:
                # "+doc_id": filter by document without its index, so SQLite
                # walks the id range (one row) rather than the document's
                # 50,000 index entries (3 ms a call).
                rows = self.conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE +doc_id = ? "
                                         "AND id BETWEEN ? AND ? ORDER BY id", (ids.doc_id, first, last))
            found += map(span_from_row, rows)
        return found

    # ------------------------------------------------------------ the change log

    @reading
    def change_seq(self) -> int:
        """The change log's position now: pass it to `changes_since` later."""
        return changelog.last_seq(self.conn)

    @reading
    def changes_since(self, seq: int) -> Feed | None:
        """What every program (this one too) committed after `seq`, or None
        when the log no longer reaches back that far: then read afresh."""
        return changelog.changes_since(self.conn, seq)

    # ------------------------------------------------------------------ export

    def export_rows(self, annotator: str | None = None) -> tuple[Iterator[tuple], Iterator[tuple]]:
        """Two streams, both in document id order: (id, name, text, meta)
        per document, and (doc_id, annotator, start, end, label, note) per span
        (of one annotator's layer, or every layer sorted by annotator)."""
        documents = self.conn.execute("SELECT id, name, text, meta FROM documents ORDER BY id")
        if annotator is None:
            spans = self.conn.execute(
                'SELECT doc_id, annotator, start, "end", label, n.note FROM spans '
                "LEFT JOIN span_notes n ON n.span_id = spans.id "
                'ORDER BY doc_id, annotator, start, "end", label')
        else:
            spans = self.conn.execute(
                'SELECT doc_id, annotator, start, "end", label, n.note FROM spans '
                "LEFT JOIN span_notes n ON n.span_id = spans.id WHERE annotator = ? "
                'ORDER BY doc_id, start, "end", label', (annotator,))
        return _rows(self, documents), _rows(self, spans)

    # ----------------------------------------------- full-text search (fulltext.py)

    @reading
    def search_documents(self, text: str | Iterable[str], limit: int | None = None) -> list[int]:
        """Ids of the documents whose text contains `text` (case-insensitive;
        several strings: all of them), in name order, the first `limit`."""
        return fulltext.search(self.conn, fulltext.wanted(text), limit)

    def documents_containing(self, text: str | Iterable[str]) -> Iterator[tuple]:
        """(id, name, text, meta) of the documents containing `text` (all of
        several), in id order, streamed like `export_rows`' documents."""
        return _rows(self, fulltext.matching_rows(self.conn, fulltext.wanted(text)))

    @reading
    def text_index_pending(self) -> int:
        """How many documents' text a large import left out of the search
        index, not yet indexed (see `index_pending_text`)."""
        return fulltext.pending_count(self.conn)

    def index_pending_text(self, most: int = 1_000) -> int:
        """Index the text of up to `most` documents left out by a large
        import, in one short write; returns how many are still pending.
        Call it again until 0: each call commits, so stopping part way loses
        nothing, and other writers get their turn between calls."""
        if self.read_only or not self.text_index_pending():
            return 0
        with self.write() as unit:
            unit.index_text_slice(most)
        return self.text_index_pending()

    @reading
    def status_annotators(self) -> list[str]:
        """Everyone who has a document status (even with no span yet)."""
        return [row[0] for row in self.conn.execute(
            "SELECT DISTINCT annotator FROM document_status ORDER BY annotator")]

    @reading
    def notes(self, doc_id: int) -> dict[int, str]:
        """{span id: note} of a document's spans that have one."""
        return dict(self.conn.execute(
            "SELECT n.span_id, n.note FROM span_notes n JOIN spans s ON s.id = n.span_id WHERE s.doc_id = ?",
            (doc_id,)))

    @reading
    def span_counts_by_label(self) -> dict[str, int]:
        """{label: number of spans} over the project."""
        return dict(self.conn.execute("SELECT label, count(*) FROM spans GROUP BY label"))

    def texts(self) -> Iterator[tuple[int, str, str]]:
        """(id, name, text) of every document, by id, one at a time (a search
        over the whole corpus holds one text at once)."""
        rows = self.conn.execute("SELECT id, name, text FROM documents ORDER BY id")
        return _rows(self, rows)

    # ------------------------------------------------- merging (read from the other file)

    @reading
    def document_keys(self) -> list[tuple[int, str, str]]:
        """(id, name, text_sha256) of every document, without reading a text."""
        return self.conn.execute("SELECT id, name, text_sha256 FROM documents ORDER BY id").fetchall()

    @reading
    def span_rows(self) -> list[tuple[int, str, int, int, str]]:
        """(doc_id, annotator, start, end, label) of every span, by layer."""
        return self.conn.execute('SELECT doc_id, annotator, start, "end", label FROM spans '
                                 'ORDER BY doc_id, annotator, start, "end", label').fetchall()

    @reading
    def span_note_rows(self) -> list[tuple[int, str, int, int, str, str]]:
        """(doc_id, annotator, start, end, label, note) of every span with a note."""
        return self.conn.execute('SELECT s.doc_id, s.annotator, s.start, s."end", s.label, n.note '
                                 "FROM span_notes n JOIN spans s ON s.id = n.span_id").fetchall()

    @reading
    def all_statuses(self) -> list[tuple[int, str, str]]:
        """(doc_id, annotator, status) of every status set."""
        return self.conn.execute(
            "SELECT doc_id, annotator, status FROM document_status ORDER BY doc_id, annotator").fetchall()

    @reading
    def merged_layers(self) -> dict[tuple[int, str], tuple[int, str, str]]:
        """{(doc_id, annotator): (source_id, source_name, fingerprint)} of the
        layers a merge brought into this file; {} for a file from before
        merging existed (read-only, it is never upgraded)."""
        if not self.conn.execute(_HAS_MERGED_LAYERS).fetchone():
            return {}
        return {(doc_id, annotator): (source_id, name, fingerprint)
                for doc_id, annotator, source_id, name, fingerprint in self.conn.execute(MERGED_LAYERS_SQL)}

    # ------------------------------------------------------------ review (core/review.py)

    @reading
    def decisions(self, doc_id: int) -> list[Decision]:
        """Every review decision on a document, oldest first ([] in a file
        from before review existed, read-only and never upgraded)."""
        if not self.conn.execute(_HAS_REVIEW).fetchone():
            return []
        rows = self.conn.execute(
            f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE doc_id = ? ORDER BY id", (doc_id,))
        return [Decision(*row) for row in rows]

    @reading
    def review_statuses(self, ids: IdRanges | None = None) -> dict[int, str]:
        """{doc_id: review status} of every document (or those among `ids`):
        "reviewed" once marked so, "in review" with a decision or a gold
        span, else "not started" (see core/review.py)."""
        reviewing = self.conn.execute(_HAS_REVIEW).fetchone() is not None
        if ids is None:
            return dict(self.conn.execute(_REVIEW_STATUSES) if reviewing
                        else self.conn.execute(_GOLD_ONLY_STATUSES))
        found: dict[int, str] = {}
        for first, last in ids.ranges:
            found.update(self.conn.execute(_REVIEW_STATUSES_BETWEEN, (first, last)) if reviewing
                         else self.conn.execute(_GOLD_ONLY_STATUSES_BETWEEN, (first, last)))
        return found

    def export_layer_rows(self, annotators: list[str]) -> Iterator[tuple]:
        """(doc_id, annotator, start, end, label, note) of the spans of these
        layers, in document id order (then by annotator and position): for
        an export of several layers (`export --annotator A --annotator B`)."""
        # The names go in as one JSON array: one literal statement for any number of them.
        spans = self.conn.execute(_LAYER_ROWS, (json.dumps(list(annotators)),))
        return _rows(self, spans)


def _listing(project, rows: Iterator[tuple]) -> Iterator[tuple[int, str, int, list]]:
    for doc_id, name, length, layers in rows:
        if type(doc_id) is not int or type(name) is not str or type(length) is not int:
            # a record damaged in a way SQLite does not notice (found by the fuzz test: a NULL length)
            raise ProjectError(f"{project.path}: could not be read: a document's record is damaged (id "
                               f"{doc_id!r}); restore the file from a backup")
        yield doc_id, name, length, [tuple(layer) for layer in json.loads(layers)]


def _rows(project, cursor) -> Iterator[tuple]:
    """A cursor's rows; an error half-way (a file damaged inside a record)
    becomes ProjectError like every other read."""
    # A loop, not `yield from`: closing this generator early (a broken
    # pipe) must not close the cursor, whose connection may be gone already.
    try:
        for row in cursor:
            yield row
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise ProjectError(f"{project.path}: could not be read: {e} (the file may be damaged; "
                           "restore it from a backup)") from None


class SpanReader:
    """One query's spans, read a page at a time: one consistent snapshot
    however long the reader waits between pages. Lets the window show the
    first screen's spans before it has read the other 50,000. Finish (or
    close) it before writing through the same project."""

    def __init__(self, project: Reads, cursor: sqlite3.Cursor):
        self.path = project.path  # for _reading's messages
        self._cursor: sqlite3.Cursor | None = cursor

    @property
    def done(self) -> bool:
        return self._cursor is None

    @reading
    def read(self, n: int) -> list[Span]:
        """The next `n` spans (fewer at the end, then none)."""
        if self._cursor is None:
            return []
        page = list(map(span_from_row, self._cursor.fetchmany(n)))
        if len(page) < n:
            self.close()
        return page

    def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            try:
                cursor.close()
            except sqlite3.Error:
                pass  # its connection is already closed (or broken): nothing left to free


