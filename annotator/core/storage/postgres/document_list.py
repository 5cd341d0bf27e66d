"""The document list's reads on a server project (mixed into
`ServerProject`): how many rows a `DocumentQuery` lists, a page of them,
where a document is among them, and given documents' rows. The same
answers, in the same order, as the project file's (storage/sqlite/
document_list.py), from migration 0004's indexes.

The orders, as the file's:
- by name: SQLite's NOCASE, ASCII letters folded and nothing else, then
  code points; ties by id. `lower(name COLLATE "C")` is exactly that fold
  (PostgreSQL's lower() under the C collation touches ASCII letters only)
  and "C" compares code points, whatever the database's own collation;
  the index `documents_by_name` holds (that, id) and the name itself, so
  pages, places and a name filter walked in order never read a document
  row (which holds its text: 100,000 documents, a page at the middle
  7 ms instead of 110).
- by span count or status (the annotator's own): documents without a span
  (or without a status past new) first, in id order, then the others by
  (count or stage, id), from `layer_counts_by_spans` and
  `document_status_by_stage`. As on the file, each part is its own index
  walk, so no page sorts the whole project.
A page is an OFFSET walk from the nearer end (a B-tree knows no rank), a
row's place a count of the index entries before it.

The name filter ("contains", ASCII letters in either case, like SQLite's
LIKE): the folded name LIKE the folded filter, `%`, `_` and `\\` escaped
here, so they are literal. With pg_trgm installed a trigram index of the
folded names (`documents_name_trigrams`) finds the candidates of a filter
of 3+ characters; LIKE checks each, so the answer never depends on the
index; the planner walks `documents_by_name` instead when the filter is
common (the page fills at once). Filtered, the span count and status orders sort the matches (a join
with the annotator's rows).

Every statement is a module constant; values are parameters. Statements
whose best plan depends on the filter run unprepared (`prepare=False`):
psycopg would otherwise prepare them after a few runs, and a prepared
statement's generic plan cannot know that "a" matches every name and
"xinhua" three.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from annotator.core.document_query import DocumentQuery
from annotator.core.model import DocumentSummary
from annotator.core.storage.postgres.connect import reading
from annotator.core.storage.sqlite.document_list import ASCII_LOWER, like_contains


# The list's order by name: SQLite's NOCASE (migration 0004's documents_by_name).
FOLDED = 'lower(name COLLATE "C")'
# A status's place in the workflow, as document_status_by_stage holds it.
STAGE = "(CASE status WHEN 'new' THEN 0 WHEN 'in progress' THEN 1 ELSE 2 END)"

SUMMARIES = """
    SELECT d.id, d.name, d.length,
           COALESCE((SELECT c.spans FROM layer_counts c WHERE c.doc_id = d.id AND c.annotator = %(who)s), 0),
           COALESCE((SELECT s.status FROM document_status s WHERE s.doc_id = d.id AND s.annotator = %(who)s),
                    'new')
    FROM documents d WHERE d.id = ANY(%(ids)s::bigint[])"""
NAME_OF = "SELECT name FROM documents WHERE id = %s"

# ---- by name
COUNT_ALL = "SELECT count(*) FROM documents"
COUNT_FILTER = f"SELECT count(*) FROM documents WHERE {FOLDED} LIKE %s"
NAME_ASC = f"SELECT id FROM documents ORDER BY {FOLDED}, id LIMIT %s OFFSET %s"
NAME_DESC = f"SELECT id FROM documents ORDER BY {FOLDED} DESC, id DESC LIMIT %s OFFSET %s"
NAME_FILTER_ASC = f"SELECT id FROM documents WHERE {FOLDED} LIKE %s ORDER BY {FOLDED}, id LIMIT %s OFFSET %s"
NAME_FILTER_DESC = (f"SELECT id FROM documents WHERE {FOLDED} LIKE %s "
                    f"ORDER BY {FOLDED} DESC, id DESC LIMIT %s OFFSET %s")
# (the folded name is a parameter: Python's ASCII fold is lower()'s under "C")
NAME_BEFORE = f"""
    SELECT (SELECT count(*) FROM documents WHERE {FOLDED} < %(folded)s)
         + (SELECT count(*) FROM documents WHERE {FOLDED} = %(folded)s AND id < %(id)s)"""
NAME_FILTER_BEFORE = f"""
    SELECT count(*) FROM documents WHERE {FOLDED} LIKE %(pattern)s
        AND ({FOLDED} < %(folded)s OR ({FOLDED} = %(folded)s AND id < %(id)s))"""
IDS_BEFORE = "SELECT count(*) FROM documents WHERE id < %s"

# ---- by span count: documents without a span of the annotator's (by id), then with (by spans, id)
SPANS_OF = "SELECT spans FROM layer_counts WHERE doc_id = %s AND annotator = %s"
SPANS_SOME = "SELECT count(*) FROM layer_counts WHERE annotator = %s AND spans > 0"
SPANS_NONE_ASC = """
    SELECT id FROM documents d WHERE NOT EXISTS (
        SELECT 1 FROM layer_counts c WHERE c.doc_id = d.id AND c.annotator = %s AND c.spans > 0)
    ORDER BY id LIMIT %s OFFSET %s"""
SPANS_NONE_DESC = SPANS_NONE_ASC.replace("ORDER BY id", "ORDER BY id DESC")
SPANS_SOME_ASC = ("SELECT doc_id FROM layer_counts WHERE annotator = %s AND spans > 0 "
                  "ORDER BY spans, doc_id LIMIT %s OFFSET %s")
SPANS_SOME_DESC = ("SELECT doc_id FROM layer_counts WHERE annotator = %s AND spans > 0 "
                   "ORDER BY spans DESC, doc_id DESC LIMIT %s OFFSET %s")
SPANS_SOME_BEFORE_ID = "SELECT count(*) FROM layer_counts WHERE annotator = %s AND spans > 0 AND doc_id < %s"
SPANS_SOME_BEFORE = """
    SELECT (SELECT count(*) FROM layer_counts WHERE annotator = %(who)s AND spans > 0 AND spans < %(key)s)
         + (SELECT count(*) FROM layer_counts WHERE annotator = %(who)s AND spans = %(key)s AND doc_id < %(id)s)"""

# ---- by status: new to the annotator (by id), then in progress, then done (by stage, id)
STAGE_OF = f"SELECT {STAGE} FROM document_status WHERE doc_id = %s AND annotator = %s"
STAGE_SOME = f"SELECT count(*) FROM document_status WHERE annotator = %s AND {STAGE} > 0"
STAGE_NONE_ASC = """
    SELECT id FROM documents d WHERE NOT EXISTS (
        SELECT 1 FROM document_status s WHERE s.doc_id = d.id AND s.annotator = %s AND s.status <> 'new')
    ORDER BY id LIMIT %s OFFSET %s"""
STAGE_NONE_DESC = STAGE_NONE_ASC.replace("ORDER BY id", "ORDER BY id DESC")
STAGE_SOME_ASC = (f"SELECT doc_id FROM document_status WHERE annotator = %s AND {STAGE} > 0 "
                  f"ORDER BY {STAGE}, doc_id LIMIT %s OFFSET %s")
STAGE_SOME_DESC = (f"SELECT doc_id FROM document_status WHERE annotator = %s AND {STAGE} > 0 "
                   f"ORDER BY {STAGE} DESC, doc_id DESC LIMIT %s OFFSET %s")
STAGE_SOME_BEFORE_ID = ("SELECT count(*) FROM document_status WHERE annotator = %s AND status <> 'new' "
                        "AND doc_id < %s")
STAGE_SOME_BEFORE = f"""
    SELECT (SELECT count(*) FROM document_status WHERE annotator = %(who)s AND {STAGE} > 0
                AND {STAGE} < %(key)s)
         + (SELECT count(*) FROM document_status WHERE annotator = %(who)s AND {STAGE} = %(key)s
                AND doc_id < %(id)s)"""

# ---- by span count or status within a name filter: the matches, sorted by (key, id)
_D_FOLDED = 'lower(d.name COLLATE "C")'
_SPANS_JOIN = ("FROM documents d LEFT JOIN layer_counts k ON k.doc_id = d.id AND k.annotator = %(who)s "
               f"WHERE {_D_FOLDED} LIKE %(pattern)s")
_SPANS_KEY = "COALESCE(k.spans, 0)"
_STAGE_JOIN = ("FROM documents d LEFT JOIN document_status k ON k.doc_id = d.id AND k.annotator = %(who)s "
               f"WHERE {_D_FOLDED} LIKE %(pattern)s")
_STAGE_KEY = "(CASE k.status WHEN 'in progress' THEN 1 WHEN 'done' THEN 2 ELSE 0 END)"  # (no row: new)
SPANS_FILTER_ASC = f"SELECT d.id {_SPANS_JOIN} ORDER BY {_SPANS_KEY}, d.id LIMIT %(limit)s OFFSET %(offset)s"
STAGE_FILTER_ASC = f"SELECT d.id {_STAGE_JOIN} ORDER BY {_STAGE_KEY}, d.id LIMIT %(limit)s OFFSET %(offset)s"
SPANS_FILTER_BEFORE = (f"SELECT count(*) {_SPANS_JOIN} "
                       f"AND ({_SPANS_KEY} < %(key)s OR ({_SPANS_KEY} = %(key)s AND d.id < %(id)s))")
STAGE_FILTER_BEFORE = (f"SELECT count(*) {_STAGE_JOIN} "
                       f"AND ({_STAGE_KEY} < %(key)s OR ({_STAGE_KEY} = %(key)s AND d.id < %(id)s))")


def _first(cursor) -> int:
    row = cursor.fetchone()
    return row[0] if row and row[0] is not None else 0


def _ids(cursor) -> list[int]:
    return [row[0] for row in cursor]


class _Key(NamedTuple):
    """The statements of one sort key (span count or status), as calls,
    so each execute() names its own constant. `c` is the connection."""

    of: Callable  # (c, annotator, doc_id) -> the document's key (0: none)
    some: Callable  # (c, annotator) -> how many documents have a key above 0
    none_asc: Callable  # (c, annotator, limit, offset) -> ids of documents without, by id
    none_desc: Callable
    some_asc: Callable  # ... of documents with, by (key, id)
    some_desc: Callable
    some_before_id: Callable  # (c, annotator, doc_id) -> documents with, of lower id
    some_before: Callable  # (c, annotator, key, doc_id) -> documents with, before (key, id)
    filter_page: Callable  # (c, annotator, pattern, limit, offset) -> ids within a filter, by (key, id)
    filter_before: Callable  # (c, annotator, pattern, key, doc_id) -> how many before, within it


_KEYS = {
    "spans": _Key(
        of=lambda c, a, d: _first(c.execute(SPANS_OF, (d, a))),
        some=lambda c, a: _first(c.execute(SPANS_SOME, (a,))),
        none_asc=lambda c, a, n, k: _ids(c.execute(SPANS_NONE_ASC, (a, n, k))),
        none_desc=lambda c, a, n, k: _ids(c.execute(SPANS_NONE_DESC, (a, n, k))),
        some_asc=lambda c, a, n, k: _ids(c.execute(SPANS_SOME_ASC, (a, n, k))),
        some_desc=lambda c, a, n, k: _ids(c.execute(SPANS_SOME_DESC, (a, n, k))),
        some_before_id=lambda c, a, d: _first(c.execute(SPANS_SOME_BEFORE_ID, (a, d))),
        some_before=lambda c, a, key, d: _first(c.execute(SPANS_SOME_BEFORE, {"who": a, "key": key, "id": d})),
        filter_page=lambda c, a, p, n, k: _ids(c.execute(
            SPANS_FILTER_ASC, {"who": a, "pattern": p, "limit": n, "offset": k}, prepare=False)),
        filter_before=lambda c, a, p, key, d: _first(c.execute(
            SPANS_FILTER_BEFORE, {"who": a, "pattern": p, "key": key, "id": d}, prepare=False))),
    "status": _Key(
        of=lambda c, a, d: _first(c.execute(STAGE_OF, (d, a))),
        some=lambda c, a: _first(c.execute(STAGE_SOME, (a,))),
        none_asc=lambda c, a, n, k: _ids(c.execute(STAGE_NONE_ASC, (a, n, k))),
        none_desc=lambda c, a, n, k: _ids(c.execute(STAGE_NONE_DESC, (a, n, k))),
        some_asc=lambda c, a, n, k: _ids(c.execute(STAGE_SOME_ASC, (a, n, k))),
        some_desc=lambda c, a, n, k: _ids(c.execute(STAGE_SOME_DESC, (a, n, k))),
        some_before_id=lambda c, a, d: _first(c.execute(STAGE_SOME_BEFORE_ID, (a, d))),
        some_before=lambda c, a, key, d: _first(c.execute(STAGE_SOME_BEFORE, {"who": a, "key": key, "id": d})),
        filter_page=lambda c, a, p, n, k: _ids(c.execute(
            STAGE_FILTER_ASC, {"who": a, "pattern": p, "limit": n, "offset": k}, prepare=False)),
        filter_before=lambda c, a, p, key, d: _first(c.execute(
            STAGE_FILTER_BEFORE, {"who": a, "pattern": p, "key": key, "id": d}, prepare=False))),
}


def _pattern(text: str) -> str | None:
    """The LIKE pattern (ESCAPE '\\', PostgreSQL's default) matching folded
    names that contain `text`, ASCII letters in either case; None: no filter."""
    return like_contains(text.translate(ASCII_LOWER)) if text else None


def _walk(asc: Callable, desc: Callable, start: int, end: int, length: int) -> list[int]:
    """Rows start..end of an ordered walk `length` rows long, from the
    nearer end (OFFSET costs a step per row skipped). `asc` and `desc`
    take (limit, offset)."""
    if start <= length - end:
        return asc(end - start, start)
    return desc(end - start, length - end)[::-1]


class DocumentList:
    """The document list's reads (mixed into ServerProject, which provides
    `conn`, `read_failed` and `_psycopg`)."""

    @reading
    def document_total(self, query: DocumentQuery) -> int:
        """How many documents `query` lists."""
        pattern = _pattern(query.name_contains)
        if pattern is None:
            return _first(self.conn.execute(COUNT_ALL))
        return _first(self.conn.execute(COUNT_FILTER, (pattern,), prepare=False))

    @reading
    def document_page(self, annotator: str, query: DocumentQuery, offset: int, limit: int,
                      total: int) -> list[DocumentSummary]:
        """Rows offset..offset+limit of the list under `query`, with
        `annotator`'s span count and status; `total` is `document_total`'s
        answer (which end of the order is nearer)."""
        return self._summaries(annotator, self._page(annotator, query, offset, limit, total))

    @reading
    def document_row(self, annotator: str, query: DocumentQuery, doc_id: int, total: int) -> int | None:
        """Where `doc_id` is in the list under `query`; None if the query
        does not list it."""
        conn = self.conn
        row = conn.execute(NAME_OF, (doc_id,)).fetchone()
        if row is None:
            return None
        name = row[0]
        pattern = _pattern(query.name_contains)
        if pattern is not None and query.name_contains.translate(ASCII_LOWER) not in name.translate(ASCII_LOWER):
            return None
        folded = name.translate(ASCII_LOWER)
        if query.sort == "name":
            if pattern is None:
                before = _first(conn.execute(NAME_BEFORE, {"folded": folded, "id": doc_id}))
            else:
                before = _first(conn.execute(NAME_FILTER_BEFORE, {"pattern": pattern, "folded": folded,
                                                                  "id": doc_id}, prepare=False))
        else:
            key = _KEYS[query.sort]
            value = key.of(conn, annotator, doc_id)
            if pattern is not None:
                before = key.filter_before(conn, annotator, pattern, value, doc_id)
            elif value == 0:  # among the documents without: those before it by id, less those with
                before = _first(conn.execute(IDS_BEFORE, (doc_id,))) - key.some_before_id(conn, annotator, doc_id)
            else:  # after every document without, then by (key, id)
                before = total - key.some(conn, annotator) + key.some_before(conn, annotator, value, doc_id)
        return total - 1 - before if query.descending else before

    @reading
    def document_rows(self, annotator: str, ids: list[int]) -> list[DocumentSummary]:
        """The list rows of these documents (those that exist), in that order."""
        return self._summaries(annotator, list(ids))

    def _summaries(self, annotator: str, ids: list[int]) -> list[DocumentSummary]:
        if not ids:
            return []
        rows = self.conn.execute(SUMMARIES, {"who": annotator, "ids": ids})
        found = {row[0]: DocumentSummary(*row) for row in rows}
        return [found[i] for i in ids if i in found]

    def _page(self, annotator: str, query: DocumentQuery, offset: int, limit: int, count: int) -> list[int]:
        """Ids of rows offset..offset+limit under `query` (`count` rows in all)."""
        offset, end = max(0, offset), min(count, offset + limit)
        if end <= offset:
            return []
        if query.descending:  # the ascending order's rows, reversed
            return self._page(annotator, DocumentQuery(query.sort, False, query.name_contains),
                              count - end, end - offset, count)[::-1]
        conn = self.conn
        pattern = _pattern(query.name_contains)
        if query.sort == "name":
            if pattern is None:
                return _walk(lambda n, k: _ids(conn.execute(NAME_ASC, (n, k))),
                             lambda n, k: _ids(conn.execute(NAME_DESC, (n, k))), offset, end, count)
            return _walk(lambda n, k: _ids(conn.execute(NAME_FILTER_ASC, (pattern, n, k), prepare=False)),
                         lambda n, k: _ids(conn.execute(NAME_FILTER_DESC, (pattern, n, k), prepare=False)),
                         offset, end, count)
        key = _KEYS[query.sort]
        if pattern is not None:
            return key.filter_page(conn, annotator, pattern, end - offset, offset)
        some = key.some(conn, annotator)
        none = count - some
        ids = []
        if offset < none:
            ids += _walk(lambda n, k: key.none_asc(conn, annotator, n, k),
                         lambda n, k: key.none_desc(conn, annotator, n, k), offset, min(end, none), none)
        if end > none:
            ids += _walk(lambda n, k: key.some_asc(conn, annotator, n, k),
                         lambda n, k: key.some_desc(conn, annotator, n, k),
                         max(0, offset - none), end - none, some)
        return ids
