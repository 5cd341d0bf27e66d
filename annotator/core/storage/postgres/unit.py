"""A unit of work on a server project: every write the core makes (the
`UnitOfWork` of storage/interface.py), inside one transaction of the
person's own connection. `ServerProject.write()` yields one; nested
`write()` blocks yield the same one under a savepoint.

The server, not this module, decides who may write what (the policies of
migrations.py). A write it refuses raises; a DELETE or UPDATE it hides
(a policy's USING clause makes another's row invisible to it) changes no
row, which is told from "the span is gone" by looking the row up: either
way the person gets a message (`refusals.py`), never a traceback, and the
transaction is rolled back (or, nested, its savepoint).

Ids: spans and decisions take the identity sequence's next ids (no one
may read or set the sequence; the server moves it past any id given, see
migration 0001), so concurrent writers never wait for each other. An
import's documents need consecutive ids (the importer hands them out as
first + i): every document insert here first locks, to the end of the
transaction, the one row of `document_id_lock`, which only those who may
add documents may lock (migration 0008; an advisory lock, as before, could
be held by anyone), so imports of documents are serialised while spans
are not.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager

from annotator.core.changes import Decision
from annotator.core.errors import SpanError
from annotator.core.model import Label, Span
from annotator.core.storage.postgres import refusals
from annotator.core.storage.postgres.changelog import Recorder
from annotator.core.storage.postgres.migrations import OWN_OR_GOLD
from annotator.core.storage.sqlite import fulltext

SPAN_COLUMNS = 'start, "end", label, annotator, doc_id, id'
_SPAN = functools.partial(tuple.__new__, Span)  # a row is always the six SPAN_COLUMNS
DECISION_COLUMNS = ('doc_id, start, "end", label, decision, reviewer, '
                    """to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), """
                    "gold_span_id, id")

NOW = """SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
SPAN = f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = %s"
DOCUMENT_LENGTH = "SELECT length FROM documents WHERE id = %s"
LAYER_POSITIONS = 'SELECT start, "end" FROM spans WHERE doc_id = %s AND annotator = %s AND label = %s'
FIND_SPAN = 'SELECT id FROM spans WHERE doc_id = %s AND annotator = %s AND label = %s AND start = %s AND "end" = %s'
STATUS = "SELECT status FROM document_status WHERE doc_id = %s AND annotator = %s"
LABELS = ('SELECT name, color, hotkey, mnemonic, description, display FROM labels '
          'ORDER BY position, name COLLATE "C"')
DOCUMENTS_NAMED = "SELECT name, text_sha256, id FROM documents WHERE name = ANY(%s)"
LAYER = (f"SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s AND annotator = %s "
         'ORDER BY start, "end", label COLLATE "C"')
MERGED_LAYERS = "SELECT doc_id, annotator, source_id, source_name, fingerprint FROM merged_layers"
RECORD_MERGED_LAYER = (
    "INSERT INTO merged_layers (doc_id, annotator, source_id, source_name, fingerprint, merged_at) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (doc_id, annotator) DO UPDATE SET "
    "source_id = excluded.source_id, source_name = excluded.source_name, "
    "fingerprint = excluded.fingerprint, merged_at = excluded.merged_at")

# Whose a span is, and whether this session may write that layer: the
# policies' own test, asked when a DELETE or UPDATE changed nothing.
SPAN_OWNER = "SELECT annotator, " + OWN_OR_GOLD.format(column="annotator") + " FROM spans WHERE id = %s"
INSERT_SPAN = 'INSERT INTO spans (doc_id, annotator, label, start, "end") VALUES (%s, %s, %s, %s, %s) RETURNING id'
INSERT_SPAN_WITH_ID = 'INSERT INTO spans (id, doc_id, annotator, label, start, "end") VALUES (%s, %s, %s, %s, %s, %s)'
# Many spans in one statement (tag all's tens of thousands), as arrays;
# the new ids come back with each row's key (unique within a layer).
INSERT_NEW_SPANS = ('INSERT INTO spans (doc_id, annotator, label, start, "end") '
                    "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::integer[], %s::integer[]) "
                    'RETURNING id, doc_id, annotator, label, start, "end"')
# An import's spans, a batch in one statement and one round trip: a span
# already in its layer is skipped (a re-import); each layer's count moves
# by what was added (as COUNT_LAYERS_UP, in the same fixed order); back
# come, per document, how many were added and (for documents up to
# `logged`: the others are logged whole) their ids. The rows travel as
# columns of numbers in comma-separated text, names and times as small
# arrays of the batch's distinct values that the rows point into (1-based):
# the server parses no JSON, and psycopg dumps no array element by element
# nor sends the new ids back one row per span.
INSERT_IMPORTED_SPANS = """
WITH added AS (
    INSERT INTO spans (doc_id, annotator, label, start, "end", created_at)
    SELECT r.d, (%(names)s::text[])[r.a], (%(names)s::text[])[r.l], r.s, r.e, (%(times)s::timestamptz[])[r.c]
    FROM unnest(string_to_array(%(d)s, ',')::bigint[], string_to_array(%(a)s, ',')::integer[],
                string_to_array(%(l)s, ',')::integer[], string_to_array(%(s)s, ',')::integer[],
                string_to_array(%(e)s, ',')::integer[], string_to_array(%(c)s, ',')::integer[])
         AS r (d, a, l, s, e, c)
    ON CONFLICT DO NOTHING
    RETURNING id, doc_id, annotator
), counted AS (
    INSERT INTO layer_counts (doc_id, annotator, spans)
    SELECT doc_id, annotator, count(*) FROM added GROUP BY doc_id, annotator ORDER BY doc_id, annotator COLLATE "C"
    ON CONFLICT (doc_id, annotator) DO UPDATE SET spans = layer_counts.spans + excluded.spans
)
SELECT doc_id, count(*), CASE WHEN doc_id <= %(logged)s THEN array_agg(id ORDER BY id) END
FROM added GROUP BY doc_id"""
_EVERY_DOCUMENT = 2**62  # `logged` when every document's new span ids are wanted
DELETE_SPAN = "DELETE FROM spans WHERE id = %s RETURNING doc_id, annotator"
RELABEL_SPAN = "UPDATE spans SET label = %s WHERE id = %s AND label = %s"
MOVE_SPAN = ('UPDATE spans SET start = %s, "end" = %s, label = %s '
             'WHERE id = %s AND start = %s AND "end" = %s AND label = %s')
# Each layer's span count (the document list's), moved by every span
# insert and delete: one upsert per layer touched, in a fixed order (two
# writers of overlapping layers then never wait for each other in a circle).
# Counts going up are upserted; going down, updated (PostgreSQL checks the
# row an upsert would insert, so a -1 would break the count's CHECK even
# where the row exists; never below 0, should the count have been missing).
COUNT_LAYERS_UP = ("INSERT INTO layer_counts (doc_id, annotator, spans) "
                   "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::integer[]) "
                   "ON CONFLICT (doc_id, annotator) DO UPDATE SET spans = layer_counts.spans + excluded.spans")
COUNT_LAYERS_DOWN = ("UPDATE layer_counts l SET spans = greatest(l.spans + x.n, 0) "
                     "FROM unnest(%s::bigint[], %s::text[], %s::integer[]) AS x (d, a, n) "
                     "WHERE l.doc_id = x.d AND l.annotator = x.a")
SET_STATUS = ("INSERT INTO document_status (doc_id, annotator, status) VALUES (%s, %s, %s) "
              "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status")
START_LAYERS = ("INSERT INTO document_status (doc_id, annotator, status) "
                "SELECT d, a, 'in progress' FROM unnest(%s::bigint[], %s::text[]) AS l (d, a) "
                "ON CONFLICT (doc_id, annotator) DO NOTHING")
NOTE = "SELECT note FROM span_notes WHERE span_id = %s"
HAS_NOTE = "SELECT EXISTS (SELECT 1 FROM span_notes WHERE span_id = %s)"
DELETE_NOTE = "DELETE FROM span_notes WHERE span_id = %s"
SPAN_EXISTS = "SELECT EXISTS (SELECT 1 FROM spans WHERE id = %s)"
SET_NOTE = ("INSERT INTO span_notes (span_id, note) VALUES (%s, %s) "
            "ON CONFLICT (span_id) DO UPDATE SET note = excluded.note")
NEXT_LABEL_POSITION = "SELECT COALESCE(max(position), -1) + 1 FROM labels"
INSERT_LABEL = ("INSERT INTO labels (name, color, hotkey, mnemonic, description, display, position) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)")
RENAME_LABEL = "UPDATE labels SET name = %s WHERE name = %s"  # spans and decisions follow (ON UPDATE CASCADE)
DELETE_LABELS_EXCEPT = "DELETE FROM labels WHERE NOT (name = ANY(%s))"
UPSERT_LABEL = (INSERT_LABEL + " ON CONFLICT (name) DO UPDATE SET color = excluded.color, "
                "hotkey = excluded.hotkey, mnemonic = excluded.mnemonic, description = excluded.description, "
                "display = excluded.display, position = excluded.position")
LABEL_USE = "SELECT count(*), count(DISTINCT doc_id) FROM spans WHERE label = %s"
SPANS_LABELLED = f"SELECT {SPAN_COLUMNS} FROM spans WHERE label = %s ORDER BY id"
DECISIONS = f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE doc_id = %s ORDER BY id"
DECISIONS_LABELLED = f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE label = %s ORDER BY id"
INSERT_DECISION = ('INSERT INTO review_decisions (doc_id, start, "end", label, decision, reviewer, decided_at, '
                   "gold_span_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id")
INSERT_DECISION_WITH_ID = ('INSERT INTO review_decisions (doc_id, start, "end", label, decision, reviewer, '
                           "decided_at, gold_span_id, id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
DELETE_DECISION = "DELETE FROM review_decisions WHERE id = %s"

# Documents: see the module's comment. The lock is held to COMMIT.
# (a row only those who may add documents may lock: migration 0008; the
# others' imports add spans to documents there already, and need no lock)
MAY_ADD_DOCUMENTS = "SELECT has_table_privilege('public.documents', 'INSERT')"
LOCK_DOCUMENT_IDS = "SELECT only_row FROM document_id_lock FOR UPDATE"
LAST_DOCUMENT_ID = "SELECT COALESCE(max(id), 0) FROM documents"
INSERT_DOCUMENT = "INSERT INTO documents (name, text, meta, created_at) VALUES (%s, %s, %s::jsonb, %s) RETURNING id"
# An import's documents, by COPY (psycopg formats the rows in C; nothing for
# the server to parse but the rows): a COPY needs the INSERT grant as an
# INSERT does, so an annotator's is refused alike ("permission denied for
# table documents"); the id trigger runs for it as for an INSERT. Inside
# `deferring_text_index` they go in pending (`indexed` false: out of the
# trigram index, migration 0005).
COPY_DOCUMENTS = "COPY documents (id, name, text, meta, created_at, indexed) FROM STDIN"
# The end of an import of fewer than INDEX_AT_ONCE documents: its own, indexed now.
INDEX_TEXT_BETWEEN = "SELECT index_text_between(%s, %s)"


def _layer_columns(moved: list[tuple[tuple[int, str], int]]) -> tuple[list, list, list]:
    """((doc_id, annotator), delta) pairs as the three arrays COUNT_LAYERS_* take."""
    return ([doc_id for (doc_id, _), _ in moved], [annotator for (_, annotator), _ in moved],
            [n for _, n in moved])


def _numbers(values: tuple[int, ...]) -> str:
    """Integers as the comma-separated text string_to_array() splits (int()
    first: nothing but digits and a sign can reach the server this way)."""
    return ",".join(map(str, map(int, values)))


def _meta(meta: dict) -> str:
    return json.dumps(meta, ensure_ascii=False) if meta else "{}"


class ServerUnit:
    def __init__(self, conn, recorder: Recorder, url: str, shown_as: str, unbound: str | None = None) -> None:
        self._conn = conn
        # The login, when the project's rules do not bind it (the tables'
        # owner, a superuser): it sets the project up and moves file
        # projects onto it, but a layer of its own would be an annotator
        # nobody added, outside every rule, so it makes none.
        self._unbound = unbound
        self._url = url
        self._log = recorder
        self._shown_as = shown_as  # the project, as messages name it
        self._new_documents: set[int] = set()  # added in this unit
        self._holds_document_ids = False
        self._text_pending = False  # inside deferring_text_index: COPYed documents go in pending

    def _not_unbound(self, annotators) -> None:
        if self._unbound is not None and self._unbound in annotators:
            raise SpanError(f"{self._shown_as}: {self._unbound} owns the project's tables, so the project's "
                            "rules do not bind it: it sets the project up but does not annotate. Annotate as "
                            "a person added with `annotator server add-user`; nothing was changed.")

    # ------------------------------------------------------------ reading

    def span(self, span_id: int) -> Span | None:
        row = self._conn.execute(SPAN, (span_id,)).fetchone()
        return _SPAN(row) if row else None

    def document_length(self, doc_id: int) -> int | None:
        row = self._conn.execute(DOCUMENT_LENGTH, (doc_id,)).fetchone()
        return row[0] if row else None

    def layer_positions(self, doc_id: int, annotator: str, label: str) -> set[tuple[int, int]]:
        return set(self._conn.execute(LAYER_POSITIONS, (doc_id, annotator, label)))

    def find_span(self, span: Span) -> int | None:
        row = self._conn.execute(FIND_SPAN, (span.doc_id, span.annotator, span.label, span.start,
                                                span.end)).fetchone()
        return row[0] if row else None

    def status(self, doc_id: int, annotator: str) -> str | None:
        row = self._conn.execute(STATUS, (doc_id, annotator)).fetchone()
        return row[0] if row else None

    def labels(self) -> list[Label]:
        return [Label(*row) for row in self._conn.execute(LABELS)]

    def documents_named(self, names: set[str]) -> dict[tuple[str, str], int]:
        return self.documents_with_names(list(names))

    def now(self) -> str:
        """The transaction's time, in the file's format."""
        return self._conn.execute(NOW).fetchone()[0]

    # ------------------------------------------------------------ refusals

    def _check_not_refused(self, span_id: int, doing: str) -> None:
        """A DELETE or UPDATE of span `span_id` changed nothing: if the span
        is there but in a layer this person may not write, the server hid
        it from them; say so (otherwise it is gone, the caller's to say)."""
        row = self._conn.execute(SPAN_OWNER, (span_id,)).fetchone()
        if row is not None and not row[1]:
            raise refusals.layer_refused(self._shown_as, self._conn.info.user, row[0], doing)

    # ------------------------------------------------------------ spans

    def _count_layers(self, deltas: Counter) -> None:
        """Move each (doc_id, annotator) layer's span count by its delta."""
        up = sorted((key, n) for key, n in deltas.items() if n > 0)
        down = sorted((key, n) for key, n in deltas.items() if n < 0)
        if up:
            self._conn.execute(COUNT_LAYERS_UP, _layer_columns(up))
        if down:
            self._conn.execute(COUNT_LAYERS_DOWN, _layer_columns(down))

    def insert_span(self, span: Span) -> Span:
        """Store `span` (under its own id if it has one: undo puts a span
        back as it was); returns it with its id."""
        self._not_unbound((span.annotator,))
        if span.id is None:
            row = self._conn.execute(INSERT_SPAN, (span.doc_id, span.annotator, span.label, span.start,
                                                   span.end)).fetchone()
            span = span._replace(id=row[0])
        else:
            self._conn.execute(INSERT_SPAN_WITH_ID, (span.id, span.doc_id, span.annotator, span.label,
                                                     span.start, span.end))
        self._log.spans(span.doc_id, span.id)
        self._count_layers(Counter({(span.doc_id, span.annotator): 1}))
        return span

    def insert_new_spans(self, spans: list[Span]) -> tuple[Span, ...]:
        """Store spans that have no id yet with one statement."""
        if not spans:
            return ()
        self._not_unbound({s.annotator for s in spans})
        rows = self._conn.execute(INSERT_NEW_SPANS, ([s.doc_id for s in spans], [s.annotator for s in spans],
                                                     [s.label for s in spans], [s.start for s in spans],
                                                     [s.end for s in spans])).fetchall()
        ids = {tuple(key): span_id for span_id, *key in rows}
        added = tuple(span._replace(id=ids[span.doc_id, span.annotator, span.label, span.start, span.end])
                      for span in spans)
        for span in added:
            self._log.spans(span.doc_id, span.id)
        self._count_layers(Counter((span.doc_id, span.annotator) for span in added))
        return added

    def delete_span(self, span: Span) -> bool:
        """Remove the span with `span`'s id; False if there is none."""
        row = self._conn.execute(DELETE_SPAN, (span.id,)).fetchone()
        self._log.spans(span.doc_id, span.id)
        if row is None:
            self._check_not_refused(span.id, "remove")
            return False
        self._count_layers(Counter({(row[0], row[1]): -1}))
        return True

    def delete_spans(self, spans: list[Span]) -> int:
        """Remove the spans with these ids; returns how many were there."""
        return sum(self.delete_span(span) for span in spans)

    def relabel_span(self, span: Span, label: str) -> bool:
        done = self._conn.execute(RELABEL_SPAN, (label, span.id, span.label)).rowcount == 1
        self._log.spans(span.doc_id, span.id)
        if not done:
            self._check_not_refused(span.id, "relabel")
        return done

    def move_span(self, span: Span, after: Span) -> bool:
        """Give the stored `span` (same id, position and label as given)
        `after`'s position and label in place; False if it is no longer so."""
        done = self._conn.execute(MOVE_SPAN, (after.start, after.end, after.label, span.id, span.start,
                                              span.end, span.label)).rowcount == 1
        self._log.spans(span.doc_id, span.id)
        if not done:
            self._check_not_refused(span.id, "move")
        return done

    def set_status(self, doc_id: int, annotator: str, status: str) -> None:
        self._not_unbound((annotator,))
        self._conn.execute(SET_STATUS, (doc_id, annotator, status))
        self._log.documents(doc_id)

    def note(self, span_id: int) -> str | None:
        row = self._conn.execute(NOTE, (span_id,)).fetchone()
        return row[0] if row else None

    def set_note(self, span_id: int, doc_id: int, note: str | None) -> None:
        """Give the stored span a note, or take it away (None). A span that
        is gone takes its note with it (ON DELETE CASCADE): nothing to do."""
        if note is None:
            deleted = self._conn.execute(DELETE_NOTE, (span_id,)).rowcount
            if not deleted and self._conn.execute(HAS_NOTE, (span_id,)).fetchone()[0]:
                self._check_not_refused(span_id, "change the note of")  # a note the server hid from us
        elif self._conn.execute(SPAN_EXISTS, (span_id,)).fetchone()[0]:
            self._conn.execute(SET_NOTE, (span_id, note))
        self._log.spans(doc_id, span_id)

    # ------------------------------------------------------------ labels

    def insert_labels(self, labels: Iterable[Label]) -> None:
        """Add labels after the existing ones, in order."""
        position = self._conn.execute(NEXT_LABEL_POSITION).fetchone()[0]
        with self._conn.cursor() as cur:
            cur.executemany(INSERT_LABEL, [(l.name, l.color, l.hotkey, l.mnemonic, l.description, l.display,
                                            position + i) for i, l in enumerate(labels)])
        self._log.labels = True

    def replace_labels(self, labels: tuple[Label, ...], renamed: tuple[tuple[str, str], ...] = ()) -> None:
        """Make the schema `labels` (in this order), first renaming labels
        (old, new). A label left out is deleted, which fails while a span uses it."""
        for old, new in renamed:
            self._conn.execute(RENAME_LABEL, (new, old))
        self._conn.execute(DELETE_LABELS_EXCEPT, ([label.name for label in labels],))
        with self._conn.cursor() as cur:
            cur.executemany(UPSERT_LABEL, [(l.name, l.color, l.hotkey, l.mnemonic, l.description, l.display, i)
                                           for i, l in enumerate(labels)])
        self._log.labels = True

    def label_use(self, label: str) -> tuple[int, int]:
        """(spans, documents) using `label`."""
        return tuple(self._conn.execute(LABEL_USE, (label,)).fetchone())

    def spans_labelled(self, label: str) -> list[Span]:
        return list(map(_SPAN, self._conn.execute(SPANS_LABELLED, (label,))))

    def decisions_labelled(self, label: str) -> list[Decision]:
        return [Decision(*row) for row in self._conn.execute(DECISIONS_LABELLED, (label,))]

    # ------------------------------------------------------------ documents and imports

    def last_document_id(self) -> int:
        """The highest document id: an import's own documents are those
        above what this was when it began. Taking it takes the document
        lock (see the module's comment), so it stays true to COMMIT."""
        if not self._holds_document_ids:
            if self._conn.execute(MAY_ADD_DOCUMENTS).fetchone()[0]:
                self._conn.execute(LOCK_DOCUMENT_IDS)
            self._holds_document_ids = True
        return self._conn.execute(LAST_DOCUMENT_ID).fetchone()[0]

    def insert_document(self, name: str, text: str, digest: str, meta: dict, created_at: str) -> int:
        # (the server computes text_sha256 and length itself: `digest` is what the caller expects it to be)
        self.last_document_id()  # the lock
        doc_id = self._conn.execute(INSERT_DOCUMENT, (name, text, _meta(meta), created_at)).fetchone()[0]
        self._log.documents(doc_id)
        self._new_documents.add(doc_id)
        return doc_id

    def insert_documents(self, rows: list[tuple[str, str, str, dict]], created_at: str) -> int:
        """Store (name, text, text_sha256, meta) rows with one statement,
        under consecutive ids; returns the first. The change log gets one range."""
        first = self.last_document_id() + 1
        indexed = not self._text_pending
        with self._conn.cursor() as cur, cur.copy(COPY_DOCUMENTS) as copy:
            for i, (name, text, _, meta) in enumerate(rows):
                meta_json = _meta(meta)
                if "\0" in text or "\0" in name or "\\u0000" in meta_json:
                    raise SpanError(f"{self._shown_as}: document {name!r} holds the character U+0000 (NUL) in its "
                                    "name, text or meta, which PostgreSQL cannot store (a project file can); "
                                    "nothing was imported")
                copy.write_row((first + i, name, text, meta_json, created_at, indexed))
        self._log.document_range(first, first + len(rows) - 1)
        self._new_documents.update(range(first, first + len(rows)))
        return first

    def documents_with_names(self, names: list[str]) -> dict[tuple[str, str], int]:
        """{(name, text_sha256): id} of stored documents named one of `names`."""
        if not names:
            return {}
        return {(name, digest): doc_id for name, digest, doc_id in self._conn.execute(DOCUMENTS_NAMED, (names,))}

    @contextmanager
    def deferring_text_index(self):
        """Documents COPYed in the block go in out of the trigram index
        (pending, migration 0005): maintaining it row by row was most of a
        large import's time. As the block ends, an import that stored fewer
        than `fulltext.INDEX_AT_ONCE` has them indexed at once (the file's
        rule; their number is known only now); a larger one leaves them
        pending, for `ServerProject.index_pending_text` (the window does it
        in the background). Searches read pending text meanwhile. If the
        block fails, the unit is rolled back, documents and all."""
        after = self.last_document_id()
        self._text_pending = True
        try:
            yield
        finally:
            self._text_pending = False
        last = self.last_document_id()
        if 0 < last - after < fulltext.INDEX_AT_ONCE:
            self._conn.execute(INDEX_TEXT_BETWEEN, (after + 1, last))

    def index_text_slice(self, most: int) -> int:
        return 0

    def _insert_spans(self, rows: list[tuple[int, str, str, int, int, str]],
                      logged: int) -> tuple[int, dict[int, list[int]]]:
        """Insert (doc_id, annotator, label, start, end, created_at) rows, a
        row already in its layer skipped, and move the layers' counts;
        returns how many were added and the new ids of each document up to
        `logged` that got any."""
        if not rows:
            return 0, {}
        doc_ids, annotators, labels, starts, ends, times = zip(*rows)
        self._not_unbound(set(annotators))
        names = {name: str(n) for n, name in enumerate(dict.fromkeys(annotators + labels), start=1)}
        distinct_times = {stamp: str(n) for n, stamp in enumerate(dict.fromkeys(times), start=1)}
        found = self._conn.execute(INSERT_IMPORTED_SPANS, {
            "names": list(names), "times": list(distinct_times), "logged": logged,
            "d": _numbers(doc_ids), "s": _numbers(starts), "e": _numbers(ends),
            "a": ",".join(map(names.__getitem__, annotators)), "l": ",".join(map(names.__getitem__, labels)),
            "c": ",".join(map(distinct_times.__getitem__, times))}).fetchall()
        return sum(n for _, n, _ in found), {doc_id: ids for doc_id, _, ids in found if ids}

    def add_imported_spans(self, rows: list[tuple[int, str, str, int, int, str]]) -> int:
        """Store (doc_id, annotator, label, start, end, created_at) rows; one
        already in its layer is skipped. Returns how many were new."""
        added, ids_by_document = self._insert_spans(rows, _EVERY_DOCUMENT)
        for doc_id, ids in ids_by_document.items():
            if doc_id not in self._new_documents:  # a new document is logged whole
                self._log.spans(doc_id, *ids)
        return added

    def add_spans_of_import(self, rows: list[tuple[int, str, str, int, int, str]], new_after: int) -> int:
        """As `add_imported_spans`; documents above `new_after` are the
        import's own, logged as new, so only the others' spans are logged."""
        added, ids_by_document = self._insert_spans(rows, new_after)
        for doc_id, ids in ids_by_document.items():
            self._log.spans(doc_id, *ids)
        return added

    def start_layers(self, layers: list[tuple[int, str]], new_after: int) -> None:
        """Mark each (doc_id, annotator) "in progress" unless it has a status already."""
        self._not_unbound({who for _, who in layers})
        if layers:
            self._conn.execute(START_LAYERS, ([doc_id for doc_id, _ in layers], [who for _, who in layers]))
        self._log.documents(*{doc_id for doc_id, _ in layers if doc_id <= new_after})

    # ------------------------------------------------------------ merging (core/merge.py)

    def layer(self, doc_id: int, annotator: str) -> list[Span]:
        return list(map(_SPAN, self._conn.execute(LAYER, (doc_id, annotator))))

    def merged_layers(self) -> dict[tuple[int, str], tuple[int, str, str]]:
        return {(doc_id, annotator): (source_id, name, fingerprint)
                for doc_id, annotator, source_id, name, fingerprint in self._conn.execute(MERGED_LAYERS)}

    def record_merged_layer(self, doc_id: int, annotator: str, source_id: int, source_name: str,
                            fingerprint: str, merged_at: str) -> None:
        self._conn.execute(RECORD_MERGED_LAYER, (doc_id, annotator, source_id, source_name, fingerprint, merged_at))

    # ------------------------------------------------------------ review (core/review.py)

    def decisions(self, doc_id: int) -> list[Decision]:
        return [Decision(*row) for row in self._conn.execute(DECISIONS, (doc_id,))]

    def insert_decisions(self, decisions: list[Decision]) -> tuple[Decision, ...]:
        """Store decisions (under their own ids if they have them: undo puts
        a decision back as it was); returns them with their ids."""
        self._log.documents(*{decision.doc_id for decision in decisions})  # the review status moves
        new = [decision for decision in decisions if decision.id is None]
        ids = []
        with self._conn.cursor() as cur:
            if new:  # (accept-all's thousands: pipelined, one round trip)
                cur.executemany(INSERT_DECISION, [decision[:8] for decision in new], returning=True)
                while True:
                    ids.append(cur.fetchone()[0])
                    if not cur.nextset():
                        break
            kept = [decision for decision in decisions if decision.id is not None]
            if kept:
                cur.executemany(INSERT_DECISION_WITH_ID, kept)
        given = iter(ids)
        return tuple(decision if decision.id is not None else decision._replace(id=next(given))
                     for decision in decisions)

    def delete_decision(self, decision: Decision) -> bool:
        """Remove the stored decision with `decision`'s id; False if there is none."""
        gone = self._conn.execute(DELETE_DECISION, (decision.id,)).rowcount == 1
        self._log.documents(decision.doc_id)
        return gone


def _server_errors_as_messages(method):
    """A statement the server refuses or fails becomes an AnnotatorError
    saying so (refusals.py); raised here, inside the unit, so that a
    caller's nested write() is rolled back to its savepoint by it."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except refusals.driver().Error as e:
            raise refusals.message_for(e, self._shown_as, self._url, self._conn.info.user) from None
    return run


for _name, _method in list(vars(ServerUnit).items()):
    if callable(_method) and not _name.startswith("_"):
        setattr(ServerUnit, _name, _server_errors_as_messages(_method))
