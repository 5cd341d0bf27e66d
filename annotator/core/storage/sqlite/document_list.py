"""The document list's queries: a page of rows, how many there are, and
where a document is, under a `DocumentQuery` (sort, direction, a text the
name contains), each answered from an index at a million documents.

SQLite's B-trees know no rank, so "the rows 500,000-500,199" is an index
walk with OFFSET (a million covering-index entries: ~15 ms), taken from
whichever end of the walk is nearer, and "where is document d" counts the
index entries before its key. Nothing here reads a document's text: names
come from `documents_by_name`, lengths from `documents_length`, and the
annotator's span count and status from `layer_counts` and `document_status`
(migration 0011_document_list).

By name: one index, `documents_by_name (name COLLATE NOCASE)`, gives the
order (name, id); the name filter (LIKE '%text%') reads that index whole,
names only (no B-tree answers "contains"). By span count or status: a document the annotator has no span in
(or no status) has no row to sort by, so the order has two parts, each
an index walk: first the documents without (in id order, probing the
annotator's rows by primary key), then those with (by (key, id) from the
key's index). With a name filter too, the matching documents are sorted
(a temp B-tree over the matches: cheap when the filter narrows).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Callable, NamedTuple

from annotator.core.document_query import DocumentQuery
from annotator.core.model import DocumentSummary

# A status's place in the workflow: new, in progress, done (an expression
# index, document_status_by_stage, holds it: the text sorts the wrong way).
STAGE = "(CASE status WHEN 'new' THEN 0 WHEN 'in progress' THEN 1 ELSE 2 END)"
LIKE = "name LIKE ? ESCAPE '\\'"

_SUMMARIES = """
    SELECT d.id, d.name,
           (SELECT length FROM documents INDEXED BY documents_length WHERE id = d.id),
           COALESCE((SELECT spans FROM layer_counts WHERE doc_id = d.id AND annotator = ?1), 0),
           COALESCE((SELECT status FROM document_status WHERE doc_id = d.id AND annotator = ?1), 'new')
    FROM documents d WHERE d.id IN (SELECT value FROM json_each(?2))"""
_NAME_OF = "SELECT name FROM documents WHERE id = ?"

# ---- by name
_COUNT_ALL = "SELECT count(*) FROM documents"
_COUNT_FILTER = f"SELECT count(*) FROM documents WHERE {LIKE}"
_NAME_ASC = "SELECT id FROM documents ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?"
_NAME_DESC = "SELECT id FROM documents ORDER BY name COLLATE NOCASE DESC, id DESC LIMIT ? OFFSET ?"
_NAME_FILTER_ASC = f"SELECT id FROM documents WHERE {LIKE} ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?"
_NAME_FILTER_DESC = (f"SELECT id FROM documents WHERE {LIKE} "
                     "ORDER BY name COLLATE NOCASE DESC, id DESC LIMIT ? OFFSET ?")
_NAME_BEFORE = """
    SELECT (SELECT count(*) FROM documents WHERE name < ?1 COLLATE NOCASE)
         + (SELECT count(*) FROM documents WHERE name = ?1 COLLATE NOCASE AND id < ?2)"""
_NAME_FILTER_BEFORE = f"""
    SELECT (SELECT count(*) FROM documents WHERE {LIKE.replace('?', '?3')} AND name < ?1 COLLATE NOCASE)
         + (SELECT count(*) FROM documents WHERE name = ?1 COLLATE NOCASE AND id < ?2)"""

# ---- by span count: documents without a span of the annotator's, then with
_SPANS_OF = "SELECT spans FROM layer_counts WHERE doc_id = ? AND annotator = ?"
_SPANS_COUNT = "SELECT count(*) FROM layer_counts WHERE annotator = ? AND spans > 0"
_SPANS_NONE_ASC = """
    SELECT id FROM documents d INDEXED BY documents_length WHERE NOT EXISTS (
        SELECT 1 FROM layer_counts c WHERE c.doc_id = d.id AND c.annotator = ? AND c.spans > 0)
    ORDER BY id LIMIT ? OFFSET ?"""
_SPANS_NONE_DESC = _SPANS_NONE_ASC.replace("ORDER BY id", "ORDER BY id DESC")
_SPANS_SOME_ASC = ("SELECT doc_id FROM layer_counts WHERE annotator = ? AND spans > 0 "
                   "ORDER BY spans, doc_id LIMIT ? OFFSET ?")
_SPANS_SOME_DESC = ("SELECT doc_id FROM layer_counts WHERE annotator = ? AND spans > 0 "
                    "ORDER BY spans DESC, doc_id DESC LIMIT ? OFFSET ?")
_SPANS_SOME_BEFORE_ID = "SELECT count(*) FROM layer_counts WHERE annotator = ? AND spans > 0 AND doc_id < ?"
_SPANS_SOME_BEFORE = """
    SELECT (SELECT count(*) FROM layer_counts WHERE annotator = ?1 AND spans > 0 AND spans < ?2)
         + (SELECT count(*) FROM layer_counts WHERE annotator = ?1 AND spans = ?2 AND doc_id < ?3)"""

# ---- by status: documents new to the annotator, then in progress, then done
_STAGE_OF = f"SELECT {STAGE} FROM document_status WHERE doc_id = ? AND annotator = ?"
# (stage > 0 is status <> 'new': said so, the partial index document_status_started
# answers it without evaluating the stage expression per row: 1M, 101 -> 55 ms)
_STAGE_COUNT = "SELECT count(*) FROM document_status WHERE annotator = ? AND status <> 'new'"
_STAGE_NONE_ASC = """
    SELECT id FROM documents d INDEXED BY documents_length WHERE NOT EXISTS (
        SELECT 1 FROM document_status s WHERE s.doc_id = d.id AND s.annotator = ? AND s.status <> 'new')
    ORDER BY id LIMIT ? OFFSET ?"""
_STAGE_NONE_DESC = _STAGE_NONE_ASC.replace("ORDER BY id", "ORDER BY id DESC")
_STAGE_SOME_ASC = (f"SELECT doc_id FROM document_status WHERE annotator = ? AND {STAGE} > 0 "
                   f"ORDER BY {STAGE}, doc_id LIMIT ? OFFSET ?")
_STAGE_SOME_DESC = (f"SELECT doc_id FROM document_status WHERE annotator = ? AND {STAGE} > 0 "
                    f"ORDER BY {STAGE} DESC, doc_id DESC LIMIT ? OFFSET ?")
_STAGE_SOME_BEFORE_ID = ("SELECT count(*) FROM document_status WHERE annotator = ? AND status <> 'new' "
                         "AND doc_id < ?")
_STAGE_SOME_BEFORE = f"""
    SELECT (SELECT count(*) FROM document_status WHERE annotator = ?1 AND {STAGE} > 0 AND {STAGE} < ?2)
         + (SELECT count(*) FROM document_status WHERE annotator = ?1 AND {STAGE} = ?2 AND doc_id < ?3)"""
_IDS_BEFORE = "SELECT count(*) FROM documents INDEXED BY documents_length WHERE id < ?"

# ---- by span count or status, within a name filter: the matching documents, sorted
_SPANS_KEY = "COALESCE((SELECT spans FROM layer_counts WHERE doc_id = d.id AND annotator = ?1), 0)"
_STAGE_KEY = (f"COALESCE((SELECT {STAGE} FROM document_status WHERE doc_id = d.id AND annotator = ?1), 0)")
_FILTER_WHERE = "d.name LIKE ?2 ESCAPE '\\'"
_SPANS_FILTER_ASC = (f"SELECT d.id FROM documents d WHERE {_FILTER_WHERE} "
                     f"ORDER BY {_SPANS_KEY}, d.id LIMIT ?3 OFFSET ?4")
_STAGE_FILTER_ASC = (f"SELECT d.id FROM documents d WHERE {_FILTER_WHERE} "
                     f"ORDER BY {_STAGE_KEY}, d.id LIMIT ?3 OFFSET ?4")
_SPANS_FILTER_BEFORE = (f"SELECT count(*) FROM documents d WHERE {_FILTER_WHERE} "
                        f"AND ({_SPANS_KEY} < ?3 OR ({_SPANS_KEY} = ?3 AND d.id < ?4))")
_STAGE_FILTER_BEFORE = (f"SELECT count(*) FROM documents d WHERE {_FILTER_WHERE} "
                        f"AND ({_STAGE_KEY} < ?3 OR ({_STAGE_KEY} = ?3 AND d.id < ?4))")


def like_contains(text: str) -> str:
    """A LIKE pattern matching names that contain `text`, literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def summaries(conn: sqlite3.Connection, annotator: str, ids: list[int]) -> list[DocumentSummary]:
    """The list rows of these documents, in the order of `ids` (those that exist)."""
    if not ids:
        return []
    found = {row[0]: DocumentSummary(*row) for row in conn.execute(_SUMMARIES, (annotator, json.dumps(ids)))}
    return [found[i] for i in ids if i in found]


def total(conn: sqlite3.Connection, query: DocumentQuery) -> int:
    if query.name_contains:
        return conn.execute(_COUNT_FILTER, (like_contains(query.name_contains),)).fetchone()[0]
    return conn.execute(_COUNT_ALL).fetchone()[0]


def _first(cursor) -> int:
    row = cursor.fetchone()
    return row[0] if row else 0


def _ids(cursor) -> list[int]:
    return [row[0] for row in cursor]


class _Key(NamedTuple):
    """The statements of one sort key (span count or status), as calls, so
    each execute() names its own constant."""

    of: Callable  # (conn, annotator, doc_id) -> the document's key (0: none)
    some: Callable  # (conn, annotator) -> how many documents have a key above 0
    none_asc: Callable  # (conn, annotator, limit, offset) -> ids of documents without, by id
    none_desc: Callable
    some_asc: Callable  # ... of documents with, by (key, id)
    some_desc: Callable
    some_before_id: Callable  # (conn, annotator, doc_id) -> documents with, of lower id
    some_before: Callable  # (conn, annotator, key, doc_id) -> documents with, before (key, id)
    filter_page: Callable  # (conn, annotator, pattern, limit, offset) -> ids within a filter
    filter_before: Callable  # (conn, annotator, pattern, key, doc_id) -> how many before, within it


_KEYS = {
    "spans": _Key(
        of=lambda c, a, d: _first(c.execute(_SPANS_OF, (d, a))),
        some=lambda c, a: _first(c.execute(_SPANS_COUNT, (a,))),
        none_asc=lambda c, a, n, k: _ids(c.execute(_SPANS_NONE_ASC, (a, n, k))),
        none_desc=lambda c, a, n, k: _ids(c.execute(_SPANS_NONE_DESC, (a, n, k))),
        some_asc=lambda c, a, n, k: _ids(c.execute(_SPANS_SOME_ASC, (a, n, k))),
        some_desc=lambda c, a, n, k: _ids(c.execute(_SPANS_SOME_DESC, (a, n, k))),
        some_before_id=lambda c, a, d: _first(c.execute(_SPANS_SOME_BEFORE_ID, (a, d))),
        some_before=lambda c, a, key, d: _first(c.execute(_SPANS_SOME_BEFORE, (a, key, d))),
        filter_page=lambda c, a, p, n, k: _ids(c.execute(_SPANS_FILTER_ASC, (a, p, n, k))),
        filter_before=lambda c, a, p, key, d: _first(c.execute(_SPANS_FILTER_BEFORE, (a, p, key, d)))),
    "status": _Key(
        of=lambda c, a, d: _first(c.execute(_STAGE_OF, (d, a))),
        some=lambda c, a: _first(c.execute(_STAGE_COUNT, (a,))),
        none_asc=lambda c, a, n, k: _ids(c.execute(_STAGE_NONE_ASC, (a, n, k))),
        none_desc=lambda c, a, n, k: _ids(c.execute(_STAGE_NONE_DESC, (a, n, k))),
        some_asc=lambda c, a, n, k: _ids(c.execute(_STAGE_SOME_ASC, (a, n, k))),
        some_desc=lambda c, a, n, k: _ids(c.execute(_STAGE_SOME_DESC, (a, n, k))),
        some_before_id=lambda c, a, d: _first(c.execute(_STAGE_SOME_BEFORE_ID, (a, d))),
        some_before=lambda c, a, key, d: _first(c.execute(_STAGE_SOME_BEFORE, (a, key, d))),
        filter_page=lambda c, a, p, n, k: _ids(c.execute(_STAGE_FILTER_ASC, (a, p, n, k))),
        filter_before=lambda c, a, p, key, d: _first(c.execute(_STAGE_FILTER_BEFORE, (a, p, key, d)))),
}


def page(conn: sqlite3.Connection, annotator: str, query: DocumentQuery, offset: int, limit: int,
         count: int) -> list[int]:
    """Ids of the rows offset..offset+limit under `query` (`count`: how many
    rows the query has, from `total`)."""
    offset, end = max(0, offset), min(count, offset + limit)
    if end <= offset:
        return []
    if query.descending:  # the ascending order's rows, reversed
        return page(conn, annotator, DocumentQuery(query.sort, False, query.name_contains),
                    count - end, end - offset, count)[::-1]
    pattern = like_contains(query.name_contains) if query.name_contains else None
    if query.sort == "name":
        if pattern is None:
            return _walk(lambda n, k: _ids(conn.execute(_NAME_ASC, (n, k))),
                         lambda n, k: _ids(conn.execute(_NAME_DESC, (n, k))), offset, end, count)
        return _walk(lambda n, k: _ids(conn.execute(_NAME_FILTER_ASC, (pattern, n, k))),
                     lambda n, k: _ids(conn.execute(_NAME_FILTER_DESC, (pattern, n, k))), offset, end, count)
    key = _KEYS[query.sort]
    if pattern is not None:
        return key.filter_page(conn, annotator, pattern, end - offset, offset)
    some = _some(conn, annotator, query.sort)
    none = count - some
    ids = []
    if offset < none:
        ids += _walk(lambda n, k: key.none_asc(conn, annotator, n, k),
                     lambda n, k: key.none_desc(conn, annotator, n, k), offset, min(end, none), none)
    if end > none:
        ids += _walk(lambda n, k: key.some_asc(conn, annotator, n, k),
                     lambda n, k: key.some_desc(conn, annotator, n, k), max(0, offset - none), end - none, some)
    return ids


# How many documents have a span count (or status) for an annotator: a count
# over their whole index (a million: 40-60 ms), asked by every page and every
# row position under that sort. Kept per connection until the project
# changes: `data_version` moves with another connection's commit and
# `total_changes` with this one's, so a kept count is never stale.
_DATA_VERSION = "PRAGMA data_version"
# (The connection itself is kept with its counts, so its id is not reused by
# another connection while the entry lives.)
_some_counts: dict[int, tuple[sqlite3.Connection, tuple, dict]] = {}


def _some(conn: sqlite3.Connection, annotator: str, sort: str) -> int:
    version = (conn.execute(_DATA_VERSION).fetchone()[0], conn.total_changes)
    kept = _some_counts.get(id(conn))
    if kept is None or kept[0] is not conn or kept[1] != version:
        if len(_some_counts) > 16:  # (connections come and go: keep a few)
            _some_counts.clear()
        kept = _some_counts[id(conn)] = (conn, version, {})
    counts = kept[2]
    if (annotator, sort) not in counts:
        counts[(annotator, sort)] = _KEYS[sort].some(conn, annotator)
    return counts[(annotator, sort)]


def _walk(asc: Callable, desc: Callable, start: int, end: int, length: int) -> list[int]:
    """Rows start..end of an ordered walk `length` rows long, from the
    nearer end (OFFSET costs one index step per row skipped). `asc` and
    `desc` take (limit, offset)."""
    if start <= length - end:
        return asc(end - start, start)
    return desc(end - start, length - end)[::-1]


def rank(conn: sqlite3.Connection, annotator: str, query: DocumentQuery, doc_id: int,
         count: int) -> int | None:
    """The row of `doc_id` under `query`; None if it is not listed."""
    row = conn.execute(_NAME_OF, (doc_id,)).fetchone()
    if row is None:
        return None
    name = row[0]
    pattern = like_contains(query.name_contains) if query.name_contains else None
    if pattern is not None and not _contains(name, query.name_contains):
        return None
    if query.sort == "name":
        if pattern is None:
            before = _first(conn.execute(_NAME_BEFORE, (name, doc_id)))
        else:
            before = _first(conn.execute(_NAME_FILTER_BEFORE, (name, doc_id, pattern)))
    else:
        key = _KEYS[query.sort]
        value = key.of(conn, annotator, doc_id)
        if pattern is not None:
            before = key.filter_before(conn, annotator, pattern, value, doc_id)
        elif value == 0:  # among the documents without: those before it by id, less those with
            before = _first(conn.execute(_IDS_BEFORE, (doc_id,))) - key.some_before_id(conn, annotator, doc_id)
        else:  # after every document without, then by (key, id)
            before = count - _some(conn, annotator, query.sort) + key.some_before(conn, annotator, value, doc_id)
    return count - 1 - before if query.descending else before


def _contains(name: str, text: str) -> bool:
    """SQLite's LIKE: ASCII letters match either case, nothing else folds."""
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return text.translate(fold) in name.translate(fold)
