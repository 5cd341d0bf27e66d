"""Full-text search over document text: which documents contain a string.

The index (migration 0010_document_fulltext) is an FTS5 table with the
trigram tokenizer, contentless and with `detail=none`: it records which
documents hold each three-character sequence (case folded by SQLite's
Unicode folding), not where. That costs about a seventh of the disk of a
positional index (the 10,000-article bench project: +20% instead of +100%)
and half its build time, at the price that an index hit is only a candidate:
every candidate's text is checked here in Python before it is returned.
Triggers on `documents` keep the index current whatever writes a document
(import, merge, anything later), in the same transaction. An import stops
the insert trigger for its own documents (`Unit.deferring_text_index`): a
small one indexes them in one statement at its end (row by row the trigger
cost 6.4 s of a 10,000-article import, one statement 1.5 s); a large one
leaves them out and records their ids in `fulltext_pending` (migration
0012), because indexing was still a third of its time. Pending documents
are indexed later a slice per transaction (`index_pending`: the window does
it in the background) and, until then, every search reads their text as
well: slower, never wrong.

How a query is answered (the query is always data, never SQL; FTS5 query
syntax is built here from quoted strings, so a user's `"`, `AND` or `*` is
literal text):

- 3 characters or more: the documents holding all of its trigrams (at most
  `_MAX_GRAMS` of them, spread over the query), then checked.
- 1 or 2 characters (a Chinese name is often two): trigram MATCH cannot see
  them, so the candidates are the documents holding an indexed trigram that
  starts with them, read from the index's vocabulary (fts5vocab) by a range
  of terms. Each indexed text ends with two U+0001 characters, so even the
  last one or two characters of a text start a trigram. Case variants of
  the query are each looked up, since the vocabulary holds folded terms.
- With a `limit`, the first documents in name order are checked directly
  first (`_WALK`, or `_WALK_FAR` when the hits so far say the page fills
  by then): a common word fills the page there without asking the
  index for its hundreds of thousands of documents. Then, if the index
  gives many candidates (`_FEW`), they are walked in name order until the
  page is full; else all are read and sorted.
- Weak spot: a string made of common trigrams but itself rare (a phrase
  of common words) has nearly every document as a candidate, and each is
  read to be checked (100,000 articles: about a second).
- A project without the index (an old file opened read-only, or a SQLite
  without FTS5's trigram tokenizer) is scanned: slower, never wrong.

Case-insensitive means: the query and the text compared after Python's
`str.lower()` (Latin, Cyrillic, Greek, Armenian...; scripts without case are
compared as they are). Text is compared as stored: no Unicode normalisation,
CR LF is two characters.
"""

from __future__ import annotations

import heapq
import itertools
import json
import operator
import sqlite3
from contextlib import contextmanager
from typing import Iterable, Iterator

SENTINEL = "\x01\x01"  # appended to every indexed text (see above); the migration's char(1, 1)
_MAX_GRAMS = 24  # trigrams asked of the index per query: enough to be selective
_WALK = 1_000  # documents checked in name order before the index is asked (with a limit)
# ...or up to this many, when the hits so far say the page fills by then: a
# string in one document of twenty fills 200 from the names (~60 ms a
# thousand at a million documents) sooner than the index could count its
# tens of thousands of candidates (0.2-0.4 s).
_WALK_FAR = 4_000
_FEW = 5_000  # candidates few enough to read all and sort, rather than walk by name
_TOP = "\U0010ffff"  # the greatest code point: a term range's upper end

# For a bulk load (Unit.indexing_text_at_the_end): the migration's insert
# trigger, stopped and made again, and the load's documents indexed at once.
DROP_INSERT_TRIGGER = "DROP TRIGGER IF EXISTS documents_fts_insert"
HAS_INSERT_TRIGGER = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'documents_fts_insert'"
# (Spaced exactly as migration 0010 made it: the stored schema stays the same text.)
CREATE_INSERT_TRIGGER = """
        CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
            INSERT INTO documents_fts (rowid, text) VALUES (new.id, new.text || char(1, 1));
        END"""
INDEX_DOCUMENTS_BETWEEN = ("INSERT INTO documents_fts (rowid, text) SELECT id, text || char(1, 1) FROM documents "
                           "WHERE id BETWEEN ? AND ?")
# Below this many documents an import indexes its text at once (well under a
# second); from it on, the text waits in fulltext_pending.
INDEX_AT_ONCE = 2_000
HAS_PENDING_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fulltext_pending'"
ADD_PENDING = "INSERT INTO fulltext_pending (first, last) VALUES (?, ?)"
_PENDING_COUNT = "SELECT coalesce(sum(last - first + 1), 0) FROM fulltext_pending"
_FIRST_PENDING = "SELECT rowid, first, last FROM fulltext_pending ORDER BY first LIMIT 1"
_INDEX_RANGE = ("INSERT INTO documents_fts (rowid, text) SELECT id, text || char(1, 1) FROM documents "
                "WHERE id BETWEEN ? AND ?")
_SHRINK_PENDING = "UPDATE fulltext_pending SET first = ? WHERE rowid = ?"
# (the (id, length) index: no text is read to size a slice)
_LENGTHS_BETWEEN = "SELECT id, length FROM documents INDEXED BY documents_length WHERE id BETWEEN ? AND ? ORDER BY id"
# Text indexed per slice at most: about 0.3 s of the write lock (FTS5's
# trigram indexing runs near 17 MB of text a second on the bench machine).
SLICE_CHARS = 5_000_000
_DROP_PENDING = "DELETE FROM fulltext_pending WHERE rowid = ?"
_PENDING_ROWS = ("SELECT d.id, d.name, d.text, d.meta FROM fulltext_pending p "
                 "JOIN documents d ON d.id BETWEEN p.first AND p.last ORDER BY d.id")
_HAS_INDEX = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents_fts'"
_MATCHING = ("SELECT id, name, text, meta FROM documents WHERE id IN "
             "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?) ORDER BY id")
_TERM_DOCS = "SELECT DISTINCT doc FROM documents_fts_terms WHERE term >= ? AND term <= ?"
_GIVEN = ("SELECT id, name, text, meta FROM documents WHERE id IN (SELECT value FROM json_each(?)) "
          "ORDER BY id")
_ALL = "SELECT id, name, text, meta FROM documents ORDER BY id"
_NAMES_OF = "SELECT id FROM documents WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name, id"
_NAMED_TEXTS = "SELECT id, name, text FROM documents ORDER BY name"  # by the (name, text_sha256) index
_COUNT_MATCH = "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?"
_MATCHING_BY_NAME = ("SELECT id, name, text FROM documents WHERE +id IN "
                     "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?) ORDER BY name")
_IDS_BY_NAME = "SELECT id FROM documents ORDER BY name, id"
# The same walk with the documents not indexed yet as candidates too (both
# tests need only the id, taken from the name index: a text is read only for
# a candidate).
_MATCHING_OR_PENDING_BY_NAME = (
    "SELECT id, name, text FROM documents WHERE +id IN "
    "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?) "
    "OR EXISTS (SELECT 1 FROM fulltext_pending WHERE id BETWEEN first AND last) ORDER BY name")


# One search reads the index and the pending list in separate statements;
# the window's indexer may commit a slice between them, whose documents would
# then be in neither. Inside one read transaction they see the same state.
_SNAPSHOT = "SAVEPOINT fulltext_search"
_SNAPSHOT_END = "RELEASE fulltext_search"


@contextmanager
def one_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Every read inside sees the same committed state (a read transaction,
    or a savepoint of the caller's)."""
    conn.execute(_SNAPSHOT)
    try:
        yield
    finally:
        conn.execute(_SNAPSHOT_END)


def wanted(text: str | Iterable[str]) -> tuple[str, ...]:
    """The strings a document must all contain (one, or several), empty ones dropped."""
    texts = (text,) if isinstance(text, str) else tuple(text)
    return tuple(dict.fromkeys(t for t in texts if t))


def contains_all(folded: tuple[str, ...], text: str) -> bool:
    lowered = text.lower()
    return all(t in lowered for t in folded)


def _fold(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.lower() for t in texts)


def has_index(conn: sqlite3.Connection) -> bool:
    return conn.execute(_HAS_INDEX).fetchone() is not None


def _has_pending_table(conn: sqlite3.Connection) -> bool:
    return conn.execute(HAS_PENDING_TABLE).fetchone() is not None


def pending_count(conn: sqlite3.Connection) -> int:
    """How many documents' text is not in the index yet (ids handed out
    and since removed count too: an upper bound)."""
    if not _has_pending_table(conn):
        return 0
    return conn.execute(_PENDING_COUNT).fetchone()[0]


def index_pending(conn: sqlite3.Connection, most: int, most_chars: int | None = None) -> int:
    """Index the text of up to `most` pending documents, lowest ids first,
    inside the caller's transaction, and no more than `most_chars` of text
    (but always one document: a slice holds the write lock, and 500 long
    documents took 16 s); returns how many ids it took off the pending list."""
    if most <= 0 or not _has_pending_table(conn):
        return 0
    row = conn.execute(_FIRST_PENDING).fetchone()
    if row is None:
        return 0
    rowid, first, last = row
    upto = min(last, first + most - 1)
    most_chars = SLICE_CHARS if most_chars is None else most_chars
    chars = 0
    for doc_id, length in conn.execute(_LENGTHS_BETWEEN, (first, upto)):
        chars += length
        if chars > most_chars and doc_id > first:
            upto = doc_id - 1
            break
    # Shrink the range first: the update trigger would skip ids still listed.
    if upto == last:
        conn.execute(_DROP_PENDING, (rowid,))
    else:
        conn.execute(_SHRINK_PENDING, (upto + 1, rowid))
    conn.execute(_INDEX_RANGE, (first, upto))
    return upto - first + 1


def _pending_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    if not _has_pending_table(conn):
        return iter(())
    return conn.execute(_PENDING_ROWS)


def _match_query(texts: tuple[str, ...]) -> str | None:
    """An FTS5 query for documents holding every trigram of the long texts:
    each trigram a quoted string ("" for a quote), so nothing in it is syntax."""
    grams: dict[str, None] = {}
    for text in texts:
        every = [text[i:i + 3] for i in range(len(text) - 2)]
        step = max(1, len(every) // _MAX_GRAMS)
        grams.update(dict.fromkeys(every[::step][:_MAX_GRAMS]))
        grams.setdefault(every[-1]) if every else None
    if not grams:
        return None
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


# "İ" lowers to two characters, "i" and a combining dot above: a text
# holding it holds "i" (and "i" + dot) to str.lower(), while SQLite's
# folding keeps "İ" as it is. So "İ" is one of "i"'s forms here.
_DOTTED_I, _DOT_ABOVE = "\u0130", "\u0307"


def _case_variants(text: str) -> set[str]:
    """`text` with each character as written, lower or upper case (the
    index's folding is SQLite's, which one of these matches), and with
    "İ" for "i" or for "i" and a dot above (what lowers to them)."""
    choices = []
    for ch in text:
        forms = {ch, ch.lower(), ch.upper(), ch.casefold()}
        if ch in "iI":
            forms.add(_DOTTED_I)
        choices.append(sorted(f for f in forms if len(f) == 1))
    variants = {"".join(p) for p in itertools.product(*choices)}
    joined = text.replace("I" + _DOT_ABOVE, "i" + _DOT_ABOVE)
    if "i" + _DOT_ABOVE in joined:
        variants |= _case_variants(joined.replace("i" + _DOT_ABOVE, _DOTTED_I))
    return variants


def _short_candidates(conn: sqlite3.Connection, text: str) -> set[int]:
    """Documents with an indexed trigram starting with `text` (1 or 2 characters)."""
    found: set[int] = set()
    for variant in _case_variants(text):
        top = variant + _TOP * (3 - len(variant))
        found.update(doc for (doc,) in conn.execute(_TERM_DOCS, (variant, top)))
    return found


def _usable(conn: sqlite3.Connection, texts: tuple[str, ...]) -> bool:
    # A NUL would end the FTS5 query string early: scan instead.
    return has_index(conn) and not any("\x00" in t for t in texts)


def matching_rows(conn: sqlite3.Connection, texts: tuple[str, ...]) -> Iterator[tuple]:
    """(id, name, text, meta) of every document containing all of `texts`,
    in id order, one at a time (an export holds one text at once), all
    read in one snapshot."""
    with one_snapshot(conn):
        yield from _matching_rows(conn, texts)


def _matching_rows(conn: sqlite3.Connection, texts: tuple[str, ...]) -> Iterator[tuple]:
    folded = _fold(texts)
    if not texts:
        rows = conn.execute(_ALL)
    elif not _usable(conn, texts):
        rows = conn.execute(_ALL)
    else:
        query = _match_query(texts)
        if query is not None:
            rows = conn.execute(_MATCHING, (query,))
        else:
            shortest = min(texts, key=len)
            candidates = _short_candidates(conn, shortest)
            for other in texts:
                if other != shortest and candidates:
                    candidates &= _short_candidates(conn, other)
            rows = conn.execute(_GIVEN, (json.dumps(sorted(candidates)),))
        # Documents not indexed yet are read as well (ids apart from the
        # index's: the two streams merge by id without duplicates).
        rows = heapq.merge(rows, _pending_rows(conn), key=operator.itemgetter(0))
    for row in rows:
        if contains_all(folded, row[2]):
            yield row


def search(conn: sqlite3.Connection, texts: tuple[str, ...], limit: int | None) -> list[int]:
    """Ids of the documents containing all of `texts`, in name order (ties by
    id); the first `limit` of them when given. Read in one snapshot."""
    with one_snapshot(conn):
        return _search(conn, texts, limit)


def _search(conn: sqlite3.Connection, texts: tuple[str, ...], limit: int | None) -> list[int]:
    if limit is not None and limit <= 0:
        return []
    if not texts:
        ids = [i for (i,) in conn.execute(_IDS_BY_NAME)]
        return ids if limit is None else ids[:limit]
    folded = _fold(texts)
    if limit is not None:
        # A common string fills the page from the first documents by name.
        found, complete = _first_by_name(conn.execute(_NAMED_TEXTS), folded, limit, _WALK)
        if complete:
            return found
        if _usable(conn, texts):
            # Many candidates: walk them in name order until the page is full
            # (a few: reading them all and sorting is cheaper than that walk).
            # Text not indexed yet is read in that walk as well: a common
            # string still fills the page at once, a rare one reads it all.
            query = _match_query(texts)
            if query is not None and pending_count(conn):
                return _first_by_name(conn.execute(_MATCHING_OR_PENDING_BY_NAME, (query,)), folded, limit, None)[0]
            if query is not None and conn.execute(_COUNT_MATCH, (query,)).fetchone()[0] > _FEW:
                return _first_by_name(conn.execute(_MATCHING_BY_NAME, (query,)), folded, limit, None)[0]
    # Every match, read in id order (texts in storage order), then put in name order.
    ids = [row[0] for row in _matching_rows(conn, texts)]
    ordered = [i for (i,) in conn.execute(_NAMES_OF, (json.dumps(ids),))]
    return ordered if limit is None else ordered[:limit]


def _first_by_name(rows: sqlite3.Cursor, folded: tuple[str, ...], limit: int,
                   most: int | None) -> tuple[list[int], bool]:
    """The first `limit` matches among (id, name, text) rows in name order,
    reading at most `most` (or `_WALK_FAR` if the hits in `most` say the
    page fills within it); and whether that is the answer (the page is
    full, or the rows ran out)."""
    found: list[int] = []
    try:
        walked = 0
        # Equal names come in digest order from the index: put them in id order.
        for _, group in itertools.groupby(rows, key=lambda row: row[1]):
            for doc_id, _, text in sorted(group):
                if walked == most:
                    if not found or most >= _WALK_FAR or walked * limit / len(found) > _WALK_FAR:
                        return found, False
                    most = _WALK_FAR  # the hits so far say the page fills within it
                walked += 1
                if contains_all(folded, text):
                    found.append(doc_id)
                    if len(found) == limit:
                        return found, True
        return found, True
    finally:
        rows.close()
