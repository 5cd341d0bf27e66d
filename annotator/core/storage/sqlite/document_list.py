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
order (name, id). By span count or status: a document the annotator has no
span in (or no status) has no row to sort by, so the order has two parts,
each an index walk: first the documents without (in id order, probing the
annotator's rows by primary key), then those with (by (key, id) from the
key's index).

The name filter ("contains", ASCII letters in either case: LIKE's rule).
No B-tree answers "contains"; an FTS5 trigram index of the names does
(`document_names`, migration 0013_document_names: each name as SQLite's
lower() makes it, nothing else folded, with positions). A filter of 3+
characters is a phrase of its trigrams and matches exactly the names that
contain it, so its count is the index's (1M names: 1-10 ms, against 65 ms
for LIKE over the name index). Its rows in order:
- up to `SORT_AT_MOST` matches: all of them read and sorted in one query
  (about 1.5 us a match, from the index's own copy of the lowered names),
  kept per connection until the project changes, so pages and places are
  slices and look-ups;
- more: they are dense enough that walking the name index with LIKE from
  the nearer end finds a page soon (the walk is at most the whole index,
  65 ms; typically far less). Sorted by span count or status they are
  sorted from the index's matches a page at a time.
A filter of 1-2 characters has no trigram: the name index is walked with
LIKE, counted whole (65 ms) and paged from the nearer end, as is any filter
in a project without the index (a SQLite without FTS5's trigram tokenizer).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple

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
# How many of the annotator's documents have a span: all its rows, less the
# few at 0 (a layer whose spans were all removed). Both counts walk the
# covering index with no test per entry (1M: ~34 ms; `spans > 0` ~38 ms).
_SPANS_COUNT = """
    SELECT (SELECT count(*) FROM layer_counts WHERE annotator = ?1)
         - (SELECT count(*) FROM layer_counts WHERE annotator = ?1 AND spans <= 0)"""
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
# How many of the annotator's documents are started: all its status rows, less
# those set back to new. The first count is a walk of the covering
# document_status_by_stage with nothing to test per entry; SQLite does not
# walk the partial index document_status_started (`status <> 'new'`) as a
# covering one (1M: 58 -> 38 ms; evaluating the stage expression per entry
# was 101 ms).
_STAGE_COUNT = f"""
    SELECT (SELECT count(*) FROM document_status WHERE annotator = ?1)
         - (SELECT count(*) FROM document_status WHERE annotator = ?1 AND {STAGE} = 0)"""
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


# ---- the name filter through its index (migration 0013_document_names)
_HAS_NAME_INDEX = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'document_names'"
_MATCHES_COUNT = "SELECT count(*) FROM document_names WHERE document_names MATCH ?"
# The index keeps each name as lower() made it: NOCASE compares names as if
# lower() had made them, so the index's names sort in the list's order, and
# no document row is read.
_MATCHES_BY_NAME = "SELECT rowid FROM document_names WHERE document_names MATCH ? ORDER BY name, rowid"
_SPANS_KEY_N = _SPANS_KEY.replace("d.id", "n.rowid")
_STAGE_KEY_N = _STAGE_KEY.replace("d.id", "n.rowid")
_MATCHES_BY_SPANS = (f"SELECT n.rowid FROM document_names n WHERE document_names MATCH ?2 "
                     f"ORDER BY {_SPANS_KEY_N}, n.rowid LIMIT ?3 OFFSET ?4")
_MATCHES_BY_STAGE = (f"SELECT n.rowid FROM document_names n WHERE document_names MATCH ?2 "
                     f"ORDER BY {_STAGE_KEY_N}, n.rowid LIMIT ?3 OFFSET ?4")
_MATCHES_SPANS_BEFORE = (f"SELECT count(*) FROM document_names n WHERE document_names MATCH ?2 "
                         f"AND ({_SPANS_KEY_N} < ?3 OR ({_SPANS_KEY_N} = ?3 AND n.rowid < ?4))")
_MATCHES_STAGE_BEFORE = (f"SELECT count(*) FROM document_names n WHERE document_names MATCH ?2 "
                         f"AND ({_STAGE_KEY_N} < ?3 OR ({_STAGE_KEY_N} = ?3 AND n.rowid < ?4))")
# For a bulk load (`deferring_name_index`): the migration's insert trigger,
# stopped and made again (spaced exactly as migration 0013 made it, so the
# stored schema stays the same text), and the load's names indexed at once.
_HAS_NAME_TRIGGER = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'document_names_insert'"
_DROP_NAME_TRIGGER = "DROP TRIGGER IF EXISTS document_names_insert"
_CREATE_NAME_TRIGGER = """
        CREATE TRIGGER document_names_insert AFTER INSERT ON documents BEGIN
            INSERT INTO document_names (rowid, name) VALUES (new.id, lower(new.name));
        END"""
# The ids a load hands out: after the highest ever handed out, as the
# unit's insert_documents numbers them (not max(id): another program may
# have moved a row's id up, and that row is indexed already).
_LAST_DOCUMENT = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'documents'), 0)"
_INDEX_NAMES_BETWEEN = ("INSERT INTO document_names (rowid, name) SELECT id, lower(name) FROM documents "
                        "WHERE id BETWEEN ? AND ?")
# Matches few enough to read and sort whole (~1.5 us each: 20,000 in ~30 ms)
# rather than walk the name index for a page of them.
SORT_AT_MOST = 20_000
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class NameFilter(NamedTuple):
    text: str
    pattern: str  # for LIKE ... ESCAPE '\'
    match: str | None  # an FTS5 phrase for document_names; None: no index answers it


def name_filter(conn: sqlite3.Connection, text: str) -> NameFilter | None:
    """How the list's filter `text` is asked (None: no filter). The phrase
    is data, never FTS5 syntax: quoted, a quote doubled, so `"`, `*` or
    `OR` in a name filter are literal."""
    if not text:
        return None
    match = None
    if len(text) >= 3 and "\x00" not in text and conn.execute(_HAS_NAME_INDEX).fetchone():
        match = '"' + text.translate(ASCII_LOWER).replace('"', '""') + '"'
    return NameFilter(text, like_contains(text), match)


@contextmanager
def deferring_name_index(conn: sqlite3.Connection) -> Iterator[None]:
    """Documents inserted in the block (inside the caller's transaction)
    skip the name index's insert trigger and are indexed in one statement
    as it ends. Row by row a name costs ~18 us (FTS5 writes out its pending
    terms at the statement savepoint each trigger opens: a 1M-document
    import, +18 s), at once ~3 us. If the block fails, the same is done
    where the transaction is still open (a caller may catch the error and
    commit what was written before it), and the error goes on; where SQLite
    has rolled the transaction back itself (a full disk), the trigger is
    back with it."""
    if conn.execute(_HAS_NAME_TRIGGER).fetchone() is None:
        yield  # (no index: a SQLite without FTS5's trigram tokenizer)
        return
    after = conn.execute(_LAST_DOCUMENT).fetchone()[0]
    conn.execute(_DROP_NAME_TRIGGER)
    try:
        yield
    except BaseException:
        try:
            if conn.in_transaction and conn.execute(_HAS_NAME_TRIGGER).fetchone() is None:
                conn.execute(_INDEX_NAMES_BETWEEN, (after + 1, conn.execute(_LAST_DOCUMENT).fetchone()[0]))
                conn.execute(_CREATE_NAME_TRIGGER)
        except sqlite3.Error:
            pass  # (never hide the error on its way out)
        raise
    conn.execute(_INDEX_NAMES_BETWEEN, (after + 1, conn.execute(_LAST_DOCUMENT).fetchone()[0]))
    conn.execute(_CREATE_NAME_TRIGGER)


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
    """How many rows `query` lists (kept until the project changes: each
    sort asks again, and a million documents take ~7 ms to count)."""
    kept = _kept_for(conn)
    key = ("total", query.name_contains)
    if key not in kept:
        found = name_filter(conn, query.name_contains)
        if found is None:
            kept[key] = conn.execute(_COUNT_ALL).fetchone()[0]
        elif found.match is not None:
            kept[key] = conn.execute(_MATCHES_COUNT, (found.match,)).fetchone()[0]
        else:
            kept[key] = conn.execute(_COUNT_FILTER, (found.pattern,)).fetchone()[0]
    return kept[key]


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
    filter_page: Callable  # (conn, annotator, pattern, limit, offset) -> ids within a LIKE filter
    filter_before: Callable  # (conn, annotator, pattern, key, doc_id) -> how many before, within it
    match_page: Callable  # (conn, annotator, phrase, limit, offset) -> ids within an indexed filter
    match_before: Callable  # (conn, annotator, phrase, key, doc_id) -> how many before, within it


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
        filter_before=lambda c, a, p, key, d: _first(c.execute(_SPANS_FILTER_BEFORE, (a, p, key, d))),
        match_page=lambda c, a, m, n, k: _ids(c.execute(_MATCHES_BY_SPANS, (a, m, n, k))),
        match_before=lambda c, a, m, key, d: _first(c.execute(_MATCHES_SPANS_BEFORE, (a, m, key, d)))),
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
        filter_before=lambda c, a, p, key, d: _first(c.execute(_STAGE_FILTER_BEFORE, (a, p, key, d))),
        match_page=lambda c, a, m, n, k: _ids(c.execute(_MATCHES_BY_STAGE, (a, m, n, k))),
        match_before=lambda c, a, m, key, d: _first(c.execute(_MATCHES_STAGE_BEFORE, (a, m, key, d)))),
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
    found = name_filter(conn, query.name_contains)
    if found is not None and found.match is not None and count <= SORT_AT_MOST:
        return _sorted_matches(conn, annotator, query.sort, found.match).ids[offset:end]
    if query.sort == "name":
        if found is None:
            return _walk(lambda n, k: _ids(conn.execute(_NAME_ASC, (n, k))),
                         lambda n, k: _ids(conn.execute(_NAME_DESC, (n, k))), offset, end, count)
        pattern = found.pattern  # (a 1-2 character filter, or many matches: they fill a page soon)
        return _walk(lambda n, k: _ids(conn.execute(_NAME_FILTER_ASC, (pattern, n, k))),
                     lambda n, k: _ids(conn.execute(_NAME_FILTER_DESC, (pattern, n, k))), offset, end, count)
    key = _KEYS[query.sort]
    if found is not None:
        if found.match is not None:
            return key.match_page(conn, annotator, found.match, end - offset, offset)
        return key.filter_page(conn, annotator, found.pattern, end - offset, offset)
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


# What is kept per connection until the project changes: how many documents
# have a span count (or status) for an annotator (a count over their whole
# index, a million: 30-40 ms, asked by every page and every row position
# under that sort), each query's total, and a filter's matches in order (up
# to SORT_AT_MOST: the list asks for pages and places many times per
# filter). `data_version`
# moves with another connection's commit and `total_changes` with this
# one's, so nothing kept is ever stale.
_DATA_VERSION = "PRAGMA data_version"
# (The connection itself is kept with its entries, so its id is not reused by
# another connection while the entry lives.)
_kept: dict[int, tuple[sqlite3.Connection, tuple, dict]] = {}
_MATCH_LISTS_KEPT = 4  # (each up to SORT_AT_MOST ids: the last few filters typed)


class _Sorted(NamedTuple):
    ids: list[int]
    rows: dict[int, int]  # id -> its row


def _kept_for(conn: sqlite3.Connection) -> dict:
    version = (conn.execute(_DATA_VERSION).fetchone()[0], conn.total_changes)
    kept = _kept.get(id(conn))
    if kept is None or kept[0] is not conn or kept[1] != version:
        if len(_kept) > 16:  # (connections come and go: keep a few)
            _kept.clear()
        kept = _kept[id(conn)] = (conn, version, {})
    return kept[2]


def _some(conn: sqlite3.Connection, annotator: str, sort: str) -> int:
    counts = _kept_for(conn)
    if (annotator, sort) not in counts:
        counts[(annotator, sort)] = _KEYS[sort].some(conn, annotator)
    return counts[(annotator, sort)]


def _sorted_matches(conn: sqlite3.Connection, annotator: str, sort: str, match: str) -> _Sorted:
    """Every document the phrase matches, in the (ascending) order of `sort`."""
    kept = _kept_for(conn)
    lists = kept.setdefault("matches", {})
    key = (sort, annotator if sort != "name" else "", match)
    if key not in lists:
        if sort == "name":
            ids = _ids(conn.execute(_MATCHES_BY_NAME, (match,)))
        else:
            ids = _KEYS[sort].match_page(conn, annotator, match, -1, 0)
        while len(lists) >= _MATCH_LISTS_KEPT:
            del lists[next(iter(lists))]
        lists[key] = _Sorted(ids, {doc_id: row for row, doc_id in enumerate(ids)})
    return lists[key]


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
    found = name_filter(conn, query.name_contains)
    if found is not None and not _contains(name, found.text):
        return None
    if found is not None and found.match is not None and count <= SORT_AT_MOST:
        before = _sorted_matches(conn, annotator, query.sort, found.match).rows.get(doc_id)
        if before is None:  # (the project changed under a stale count)
            return None
    elif query.sort == "name":
        if found is None:
            before = _first(conn.execute(_NAME_BEFORE, (name, doc_id)))
        else:
            before = _first(conn.execute(_NAME_FILTER_BEFORE, (name, doc_id, found.pattern)))
    else:
        key = _KEYS[query.sort]
        value = key.of(conn, annotator, doc_id)
        if found is not None and found.match is not None:
            before = key.match_before(conn, annotator, found.match, value, doc_id)
        elif found is not None:
            before = key.filter_before(conn, annotator, found.pattern, value, doc_id)
        elif value == 0:  # among the documents without: those before it by id, less those with
            before = _first(conn.execute(_IDS_BEFORE, (doc_id,))) - key.some_before_id(conn, annotator, doc_id)
        else:  # after every document without, then by (key, id)
            before = count - _some(conn, annotator, query.sort) + key.some_before(conn, annotator, value, doc_id)
    return count - 1 - before if query.descending else before


def _contains(name: str, text: str) -> bool:
    """SQLite's LIKE: ASCII letters match either case, nothing else folds."""
    return text.translate(ASCII_LOWER) in name.translate(ASCII_LOWER)
