"""Full-text search on a server project (mixed into `ServerProject`):
which documents' text contains every given string, case-insensitively, as
the project file answers it (storage/sqlite/fulltext.py): the strings and
the text compared after Python's `str.lower()`, ids in name order (code
points, ties by id), the first `limit`.

The server compares, so that only ids cross the network. It lowers the
text's ASCII letters (`lower(text COLLATE "C")`: under the C collation
lower() touches nothing else) and keeps every other character as written;
each lowered query string becomes a pattern that finds, in that, exactly
what `str.lower()` would find:
- a character nothing else lowers to (ASCII, digits, CJK, punctuation...)
  stands for itself: a string of only those is a LIKE pattern (`%`, `_`,
  `\\` escaped);
- a character others lower to ("ä": "Ä" too; "k": the Kelvin sign) is a
  class of them all ([äÄ]), and the string a regular expression (every
  character but ASCII letters and digits a `\\uXXXX` escape: data, never
  syntax);
- "İ" lowers to two characters, "i" and a combining dot above: it stands
  for that pair, for an "i" ending the string, and for a dot starting it.
Python lowers each character by itself but "Σ", which at the end of a word
becomes "ς" and elsewhere "σ": a string with σ or ς is matched by the
server as a superset, and each candidate's text is read and checked here.
Otherwise the server's answer is the answer.

With pg_trgm installed (migration 0004), a GIN trigram index of the lowered
text (`documents_text_trigrams`, partial since 0005) finds the candidates
of a string of 3+ characters for LIKE or the regular expression, which
then check each (pg_trgm takes words of letters and digits as the
database's LC_CTYPE sees them: under C only ASCII ones, so "北京" is not
in it and is found by reading every text). Without it, or for 1-2
characters, the server reads every text: slower, never wrong. The longest
string is the one asked of the index; the others are checked on its
candidates. With a limit, the planner walks the names in order when the
string is common (the page fills at once) and sorts the index's candidates
when it is rare.

A large import (`fulltext.INDEX_AT_ONCE` documents or more) leaves its
text out of that index (migration 0005: `indexed` false, found by the
partial btree `documents_text_pending`) until `index_pending_text` takes
it in, a slice a call (the window's background indexer, as for a file).
Every statement asks the index for the indexed documents and reads the
pending ones' text ("indexed AND x OR NOT indexed AND x": the planner
keeps x once and reaches each side through its own partial index, a
BitmapOr, or walks the names), in one statement and so one snapshot: the
answers never depend on what is indexed. The index being partial, the
planner's estimate of how common a string is comes from 0005's
statistics on the lowered text (`documents_text_folded`), as it came from
0004's whole index.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from annotator.core.storage.postgres.connect import reading
from annotator.core.storage.sqlite.document_list import like_contains
from annotator.core.storage.sqlite.fulltext import contains_all, wanted

_FOLDED = 'lower(text COLLATE "C")'  # migration 0004's documents_text_trigrams holds it
_BY_NAME = ' ORDER BY name COLLATE "C", id'
# the indexed documents through the index, the pending ones read
_ONE_LIKE = f"(indexed AND {_FOLDED} LIKE %(main)s OR NOT indexed AND {_FOLDED} LIKE %(main)s)"
_ONE_REGEX = f"(indexed AND {_FOLDED} ~ %(main)s OR NOT indexed AND {_FOLDED} ~ %(main)s)"
_OTHERS = f" AND {_FOLDED} LIKE ALL (%(likes)s::text[]) AND {_FOLDED} ~ ALL (%(regexes)s::text[])"

IDS_BY_NAME = "SELECT id FROM documents" + _BY_NAME + " LIMIT %(limit)s"
# one string (most searches), or several (`main` asked of the index)
FOUND_BY_LIKE = f"SELECT id FROM documents WHERE {_ONE_LIKE}" + _BY_NAME + " LIMIT %(limit)s"
FOUND_BY_REGEX = f"SELECT id FROM documents WHERE {_ONE_REGEX}" + _BY_NAME + " LIMIT %(limit)s"
FOUND_BY_LIKE_AND = f"SELECT id FROM documents WHERE {_ONE_LIKE}{_OTHERS}" + _BY_NAME + " LIMIT %(limit)s"
FOUND_BY_REGEX_AND = f"SELECT id FROM documents WHERE {_ONE_REGEX}{_OTHERS}" + _BY_NAME + " LIMIT %(limit)s"
# candidates to check here (a string with σ or ς), by name
CANDIDATES_BY_LIKE = f"SELECT id, text FROM documents WHERE {_ONE_LIKE}{_OTHERS}" + _BY_NAME
CANDIDATES_BY_REGEX = f"SELECT id, text FROM documents WHERE {_ONE_REGEX}{_OTHERS}" + _BY_NAME
# documents_containing's rows (meta as JSON text, as export_rows gives it), by id
ALL_ROWS = "SELECT id, name, text, meta::text FROM documents ORDER BY id"
ROWS_BY_LIKE = f"SELECT id, name, text, meta::text FROM documents WHERE {_ONE_LIKE}{_OTHERS} ORDER BY id"
ROWS_BY_REGEX = f"SELECT id, name, text, meta::text FROM documents WHERE {_ONE_REGEX}{_OTHERS} ORDER BY id"
CHECK_ROWS = 200  # candidates fetched at a time when they are checked here
# migration 0005's function: a slice of pending text indexed; how many are left
INDEX_PENDING_TEXT = "SELECT index_pending_text(%s)"


@functools.cache
def _lowered_from() -> dict[str, str]:
    """{c: the characters besides c that str.lower() makes c of, that the
    server keeps as written} (non-ASCII, lowered to one character; built
    once, ~0.1 s)."""
    sources: dict[str, list[str]] = {}
    for code in range(0x80, sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue  # (no text holds a surrogate)
        ch = chr(code)
        low = ch.lower()
        if low != ch and len(low) == 1:
            sources.setdefault(low, []).append(ch)
    return {low: "".join(chars) for low, chars in sources.items()}


# (of ASCII letters, only "k" is what another character lowers to: the Kelvin sign)
_ASCII_FROM = {"k": "\u212a"}


def _escape(ch: str) -> str:
    """One character in a PostgreSQL regular expression, as itself (an
    ASCII letter or digit, never special) or an escape."""
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


_DOTTED_I, _DOT_ABOVE = "\u0130", "\u0307"  # str.lower() makes "i" and the dot of the first
_I_AND_DOT = f"(?:i{_escape(_DOT_ABOVE)}|{_escape(_DOTTED_I)})"
_LAST_I = f"[i{_escape(_DOTTED_I)}]"  # (an İ's first half)
_FIRST_DOT = f"[{_escape(_DOT_ABOVE)}{_escape(_DOTTED_I)}]"  # (an İ's second half)


class Needle(NamedTuple):
    like: str | None  # a LIKE pattern of the ASCII-lowered text, or
    regex: str | None  # a regular expression of it
    exact: bool  # False: the server's matches are candidates, checked here


# A regular expression of more characters than this is asked for its first
# ones only, and the server's matches checked here: PostgreSQL took seconds
# over a class per character of 30,000 "é" and refused 100,000 ("regular
# expression is too complex"). A text holding the whole holds its start.
REGEX_MOST = 200


def needle(lowered: str) -> Needle:
    """How the server finds, in a text with its ASCII letters lowered, the
    string `lowered` (a query string after str.lower()) as str.lower()
    would find it in the text."""
    exact = "σ" not in lowered and "ς" not in lowered
    if len(lowered) > REGEX_MOST and not lowered.isascii():
        whole = needle(lowered[:REGEX_MOST])
        if whole.regex is not None:
            return whole._replace(exact=False)
    others = _lowered_from() if not lowered.isascii() else _ASCII_FROM
    parts, plain = [], True
    at, last = 0, len(lowered) - 1
    while at <= last:
        ch = lowered[at]
        more = others.get(ch, "") + ("Σ" if ch == "ς" else "")
        if ch == "i" and at < last and lowered[at + 1] == _DOT_ABOVE:
            parts.append(_I_AND_DOT)
            at += 1
        elif ch == "i" and at == last:
            parts.append(_LAST_I)
        elif ch == _DOT_ABOVE and at == 0:
            parts.append(_FIRST_DOT)
        elif more:
            parts.append("[" + "".join(map(_escape, ch + more)) + "]")
        else:
            parts.append(_escape(ch))
            at += 1
            continue
        plain = False
        at += 1
    if plain:
        return Needle(like_contains(lowered), None, exact)
    return Needle(None, "".join(parts), exact)


class Question(NamedTuple):
    """One search as the statements' parameters: the string asked of the
    index (`main`), the others checked on its candidates."""

    by_regex: bool
    params: dict
    exact: bool
    folded: tuple[str, ...]  # what a candidate is checked against here
    alone: bool  # one string: the statements without the others


def question(texts: tuple[str, ...]) -> Question:
    folded = tuple(t.lower() for t in texts)
    needles = [needle(f) for f in folded]
    # the longest string has the most trigrams: the one asked of the index
    main = max(range(len(needles)), key=lambda i: len(folded[i]))
    first = needles[main]
    rest = needles[:main] + needles[main + 1:]
    params = {"main": first.like if first.like is not None else first.regex,
              "likes": [n.like for n in rest if n.like is not None],
              "regexes": [n.regex for n in rest if n.regex is not None]}
    return Question(first.like is None, params, all(n.exact for n in needles), folded, not rest)


class Search:
    """search_documents, documents_containing, index_pending_text (mixed
    into ServerProject, which provides `conn`, `read_failed`, `_psycopg`,
    and BulkReads' held cursors)."""

    @reading
    def search_documents(self, text: str | Iterable[str], limit: int | None = None) -> list[int]:
        """Ids of the documents whose text contains `text` (case-insensitive;
        several strings: all of them), in name order, the first `limit`."""
        texts = wanted(text)
        if limit is not None and limit <= 0:
            return []
        if not texts:
            return [row[0] for row in self.conn.execute(IDS_BY_NAME, {"limit": limit})]
        if any("\x00" in t for t in texts):
            return []  # (no text on a server holds a NUL)
        asked = question(texts)
        if asked.exact:
            params = {**asked.params, "limit": limit}
            if asked.alone and asked.by_regex:
                rows = self.conn.execute(FOUND_BY_REGEX, params, prepare=False)
            elif asked.alone:
                rows = self.conn.execute(FOUND_BY_LIKE, params, prepare=False)
            elif asked.by_regex:
                rows = self.conn.execute(FOUND_BY_REGEX_AND, params, prepare=False)
            else:
                rows = self.conn.execute(FOUND_BY_LIKE_AND, params, prepare=False)
            return [row[0] for row in rows]
        # Candidates in name order, read a few at a time inside one
        # transaction (a cursor not held: nothing past the page is computed).
        found: list[int] = []
        with self.conn.transaction():
            cursor = self.conn.cursor(name="annotator_search")
            try:
                if asked.by_regex:
                    cursor.execute(CANDIDATES_BY_REGEX, asked.params)
                else:
                    cursor.execute(CANDIDATES_BY_LIKE, asked.params)
                while limit is None or len(found) < limit:
                    rows = cursor.fetchmany(CHECK_ROWS)
                    found += [doc_id for doc_id, doc_text in rows if contains_all(asked.folded, doc_text)]
                    if len(rows) < CHECK_ROWS:
                        break
            finally:
                cursor.close()
        return found if limit is None else found[:limit]

    def documents_containing(self, text: str | Iterable[str]) -> Iterator[tuple]:
        """(id, name, text, meta) of the documents containing `text` (all of
        several), in id order, streamed like `export_rows`' documents."""
        texts = wanted(text)
        if any("\x00" in t for t in texts):
            return iter(())
        cursor = self._held_cursor()
        with self._reading():
            if not texts:
                cursor.execute(ALL_ROWS)
                return self._rows(cursor)
            asked = question(texts)
            if asked.by_regex:
                cursor.execute(ROWS_BY_REGEX, asked.params)
            else:
                cursor.execute(ROWS_BY_LIKE, asked.params)
        rows = self._rows(cursor)
        if asked.exact:
            return rows
        return (row for row in rows if contains_all(asked.folded, row[2]))

    @reading
    def index_pending_text(self, most: int = 1_000) -> int:
        """Index the text of up to `most` documents a large import left
        pending (lowest ids first, at most `fulltext.SLICE_CHARS` of text but
        always one), in one short transaction of its own; returns how many
        are still pending. Call it again until 0: stopping part way loses
        nothing. The server does it (migration 0005's function, run as the
        owner: no one may write `indexed` directly); rows another session
        is indexing or editing are left for a later call. Nothing a reader
        shows changes, so no change notice is sent. (The connection is in
        autocommit: the statement commits by itself.)"""
        return self.conn.execute(INDEX_PENDING_TEXT, (max(0, min(most, 2**31 - 1)),)).fetchone()[0]
