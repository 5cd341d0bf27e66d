"""A project on a PostgreSQL server: storage/interface.py's `Store` reads,
and `write()`, whose unit of work (unit.py) holds every write (the change
feed and the document list's pages are still to come, issue 16).

One connection in autocommit: each read is one statement and sees the
latest commit, as the file's reads do. Text is ordered COLLATE "C" (code
point order, as SQLite's default and Python's sort), whatever the
database's collation. Times are shown in the file's format
(YYYY-MM-DDTHH:MM:SS.mmmZ, UTC).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from annotator.core.changes import Decision
from annotator.core.errors import ProjectError
from annotator.core.feed import IdRanges
from annotator.core.model import DOCUMENT_STATUSES, Document, Label, Span
from annotator.core.storage.postgres import changelog, migrations
from annotator.core.storage.postgres.bulk_reads import BulkReads
from annotator.core.storage.postgres.connect import connect, driver, server_message
from annotator.core.storage.postgres.unit import ServerUnit
from annotator.core.storage.postgres.url import redact_url

SPAN_COLUMNS = 'start, "end", label, annotator, doc_id, id'
_SPAN = functools.partial(tuple.__new__, Span)  # a row is always the six SPAN_COLUMNS
_TIME = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
DECISION_COLUMNS = ('doc_id, start, "end", label, decision, reviewer, '
                    + _TIME.format("decided_at") + ", gold_span_id, id")

LABELS = ('SELECT name, color, hotkey, mnemonic, description, display FROM labels '
          'ORDER BY position, name COLLATE "C"')
DOCUMENT = "SELECT id, name, text, meta FROM documents WHERE id = %s"
DOCUMENT_COUNT = "SELECT count(*) FROM documents"
HIGHEST_DOCUMENT = "SELECT COALESCE(max(id), 0) FROM documents"
STATUS = "SELECT status FROM document_status WHERE doc_id = %s AND annotator = %s"
SPANS_OF_DOCUMENT = (f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s '
                     'ORDER BY start, "end", label COLLATE "C", annotator COLLATE "C"')
SPANS_OF_LAYER = (f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s AND annotator = %s '
                  'ORDER BY start, "end", label COLLATE "C"')
SPAN = f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = %s"
SPANS_BETWEEN = f"SELECT {SPAN_COLUMNS} FROM spans WHERE id BETWEEN %s AND %s ORDER BY id"
SPANS_OF_DOCUMENT_BETWEEN = (f"SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s AND id BETWEEN %s AND %s "
                             "ORDER BY id")
ANNOTATORS = 'SELECT DISTINCT annotator COLLATE "C" FROM spans ORDER BY 1'
ANNOTATORS_OF_DOCUMENT = 'SELECT DISTINCT annotator COLLATE "C" FROM spans WHERE doc_id = %s ORDER BY 1'
STATUS_ANNOTATORS = 'SELECT DISTINCT annotator COLLATE "C" FROM document_status ORDER BY 1'
NOTES = "SELECT n.span_id, n.note FROM span_notes n JOIN spans s ON s.id = n.span_id WHERE s.doc_id = %s"
SPAN_COUNTS = ('SELECT doc_id, annotator, count(*) FROM spans GROUP BY doc_id, annotator '
               'ORDER BY doc_id, annotator COLLATE "C"')
SPAN_COUNTS_BY_LABEL = "SELECT label, count(*) FROM spans GROUP BY label"
DECISIONS = f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE doc_id = %s ORDER BY id"
DOCUMENT_KEYS = "SELECT id, name, text_sha256 FROM documents ORDER BY id"
SPAN_ROWS = ('SELECT doc_id, annotator, start, "end", label FROM spans '
             'ORDER BY doc_id, annotator COLLATE "C", start, "end", label COLLATE "C"')
ALL_STATUSES = 'SELECT doc_id, annotator, status FROM document_status ORDER BY doc_id, annotator COLLATE "C"'
MERGED_LAYERS = "SELECT doc_id, annotator, source_id, source_name, fingerprint FROM merged_layers"


def reading(method):
    """A server error during a read becomes a ProjectError naming the project."""
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self._psycopg.Error as e:
            raise ProjectError(f"{self.path}: reading failed: {server_message(e, self._url)}") from None
    return read


class ServerProject(BulkReads):
    """An open project on a server, as the person the URL logs in as."""

    read_only = False
    read_only_reason = ""
    wait_for_lock = True
    file_id = 0

    def __init__(self, url: str) -> None:
        self._psycopg = driver()
        self._url = url
        # what messages and the window's title show: never the password
        self.path = redact_url(url)
        self.conn = connect(url, autocommit=True)
        self._labels: list[Label] | None = None
        self._unit: ServerUnit | None = None  # the open unit of work, if any
        try:
            with self.conn.cursor() as cur:
                migrations.check_current(cur)
        except ProjectError as e:
            self.conn.close()
            raise ProjectError(f"{self.path}: {e}") from None
        except self._psycopg.Error as e:
            self.conn.close()
            raise ProjectError(f"{self.path}: {server_message(e, url)}") from None

    @classmethod
    def open(cls, url: str) -> ServerProject:
        return cls(url)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ServerProject:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def forget_cached(self) -> None:
        self._labels = None

    # --------------------------------------------------------------- writing

    @contextmanager
    def write(self) -> Iterator[ServerUnit]:
        """One transaction on this person's own connection, committed when
        the block ends, rolled back on any error; the change log rows go in
        just before COMMIT. Reads of this project inside the block see its
        writes (one connection). Units nest: an inner `write()` is a
        SAVEPOINT of the same unit, so an inner failure its caller catches
        is undone alone. What the server refuses is a message (refusals.py)."""
        if self._unit is not None:
            with self.conn.transaction():  # psycopg: a savepoint inside a transaction
                yield self._unit
            return
        recorder = changelog.Recorder()
        self._unit = ServerUnit(self.conn, recorder, self._url, self.path)
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                yield self._unit
                if self.conn.info.transaction_status == self._psycopg.pq.TransactionStatus.INERROR:
                    # a failed statement whose error the block swallowed: the server would roll back anyway
                    raise ProjectError(f"{self.path}: a step of the change failed; nothing was changed")
                changelog.flush(recorder, cur)
        except self._psycopg.Error as e:  # at COMMIT, or the connection lost
            raise ProjectError(f"{self.path}: the change could not be saved and was undone: "
                               f"{server_message(e, self._url)}") from None
        finally:
            self._unit = None

    # ----------------------------------------------------------------- labels

    @reading
    def labels(self) -> list[Label]:
        if self._labels is None:
            self._labels = [Label(*row) for row in self.conn.execute(LABELS)]
        return self._labels

    def label_names(self) -> list[str]:
        return [label.name for label in self.labels()]

    # -------------------------------------------------------------- documents

    @reading
    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(DOCUMENT, (doc_id,)).fetchone()
        if row is None:
            raise ProjectError(f"{self.path}: there is no document with id {doc_id}")
        return Document(row[0], row[1], row[2], row[3])  # jsonb arrives as a dict

    @reading
    def document_count(self) -> int:
        return self.conn.execute(DOCUMENT_COUNT).fetchone()[0]

    @reading
    def highest_document_id(self) -> int:
        return self.conn.execute(HIGHEST_DOCUMENT).fetchone()[0]

    @reading
    def status(self, doc_id: int, annotator: str) -> str:
        row = self.conn.execute(STATUS, (doc_id, annotator)).fetchone()
        return row[0] if row else DOCUMENT_STATUSES[0]

    @reading
    def status_annotators(self) -> list[str]:
        return [row[0] for row in self.conn.execute(STATUS_ANNOTATORS)]

    # ------------------------------------------------------------------ spans

    @reading
    def spans(self, doc_id: int, annotator: str | None = None) -> list[Span]:
        """Spans of one document, sorted by (start, end); one layer or all."""
        if annotator is None:
            rows = self.conn.execute(SPANS_OF_DOCUMENT, (doc_id,))
        else:
            rows = self.conn.execute(SPANS_OF_LAYER, (doc_id, annotator))
        return list(map(_SPAN, rows))

    @reading
    def span(self, span_id: int) -> Span | None:
        row = self.conn.execute(SPAN, (span_id,)).fetchone()
        return _SPAN(row) if row else None

    @reading
    def spans_by_id(self, ids: IdRanges) -> list[Span]:
        found: list[Span] = []
        for first, last in ids.ranges:
            if ids.doc_id is None:
                rows = self.conn.execute(SPANS_BETWEEN, (first, last))
            else:
                rows = self.conn.execute(SPANS_OF_DOCUMENT_BETWEEN, (ids.doc_id, first, last))
            found += map(_SPAN, rows)
        return found

    @reading
    def annotators(self, doc_id: int | None = None) -> list[str]:
        if doc_id is None:
            rows = self.conn.execute(ANNOTATORS)
        else:
            rows = self.conn.execute(ANNOTATORS_OF_DOCUMENT, (doc_id,))
        return [row[0] for row in rows]

    @reading
    def notes(self, doc_id: int) -> dict[int, str]:
        return dict(self.conn.execute(NOTES, (doc_id,)).fetchall())

    @reading
    def span_counts(self) -> dict[int, dict[str, int]]:
        counts: dict[int, dict[str, int]] = {}
        for doc_id, annotator, n in self.conn.execute(SPAN_COUNTS):
            counts.setdefault(doc_id, {})[annotator] = n
        return counts

    @reading
    def span_counts_by_label(self) -> dict[str, int]:
        return dict(self.conn.execute(SPAN_COUNTS_BY_LABEL).fetchall())

    # ----------------------------------------------------- review and merging

    @reading
    def decisions(self, doc_id: int) -> list[Decision]:
        return [Decision(*row) for row in self.conn.execute(DECISIONS, (doc_id,))]

    @reading
    def document_keys(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(DOCUMENT_KEYS).fetchall()

    @reading
    def span_rows(self) -> list[tuple[int, str, int, int, str]]:
        return self.conn.execute(SPAN_ROWS).fetchall()

    @reading
    def all_statuses(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(ALL_STATUSES).fetchall()

    @reading
    def merged_layers(self) -> dict[tuple[int, str], tuple[int, str, str]]:
        return {(doc_id, annotator): (source_id, name, fingerprint)
                for doc_id, annotator, source_id, name, fingerprint in self.conn.execute(MERGED_LAYERS)}

