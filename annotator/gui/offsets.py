"""Stored-text offsets <-> Qt document positions: the one place they meet.

Stored offsets count Python code points in the text exactly as imported.
A QTextDocument counts UTF-16 code units, so every astral character (emoji,
many CJK extensions) takes two positions, and it turns "\\r\\n" into a single
block separator.  Every other character, including lone "\\r", "\\n",
U+2028/U+2029 and NBSP, keeps exactly one position (Qt only *shows* some of
them differently, and `toPlainText()` rewrites some of them, which is why we
never read text back from the widget).

So the mapping is the identity plus a step at each astral character (+1) and
at each CRLF (-1).  `OffsetMap` keeps only those steps, as sorted lists
searched with bisect: building it is a scan in C (str.find, or one regex when
the text has astral characters), memory grows with the number of steps (not
the text length) and each conversion is O(log n).

Two more Qt habits are neutralised in `display_text`: a lone "\r" next to a
CRLF could pair up anew, so every line break is handed over as "\n"; and Qt
drops a byte-order mark at the very start, so that one is shown as a word
joiner.  tests/gui/test_offsets.py checks all of this against the real
widget with random texts (hypothesis).
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right

# Astral code points need a UTF-16 surrogate pair; "\r\n" collapses to one.
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


# Qt drops a byte-order mark at the very start of the text (one stored text
# can still begin with one, e.g. from JSON); show a word joiner instead, which
# is just as invisible but keeps its position.
_DROPPED_AT_START = ("\ufeff", "\ufffe")
SHOWN_FOR_LEADING_BOM = "\u2060"


def display_text(text: str) -> str:
    """The string to give the widget: every line break made a single "\\n"
    ourselves, so the separator count is known rather than left to Qt."""
    if text.startswith(_DROPPED_AT_START):
        text = SHOWN_FOR_LEADING_BOM + text[1:]
    # Lone "\r" too: otherwise "\r\r\n" would become "\r\n" and collapse again.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class OffsetMap:
    """Converts between code-point offsets in `text` and Qt positions in a
    document filled with `display_text(text)`."""

    def __init__(self, text: str):
        self.text_length = len(text)
        # _cp[i]: the first code-point offset at which step i applies;
        # _qt[i]: that same place as a Qt position;
        # _delta[i]: qt - cp from there on (cumulative).
        self._cp: list[int] = []
        self._qt: list[int] = []
        self._delta: list[int] = []
        # Qt positions that fall inside a surrogate pair (cannot be a boundary).
        self._mid_pair: set[int] = set()
        delta = 0
        for start, is_crlf in _steps(text):
            if is_crlf:  # CRLF: the "\n" shares the "\r"'s position
                qt_of_cr = start + delta
                delta -= 1
                self._cp.append(start + 2)
                self._qt.append(qt_of_cr + 1)
            else:  # astral character: one code point, two code units
                qt_of_char = start + delta
                self._mid_pair.add(qt_of_char + 1)
                delta += 1
                self._cp.append(start + 1)
                self._qt.append(qt_of_char + 2)
            self._delta.append(delta)
        self.qt_length = self.text_length + delta

    def to_qt(self, offset: int) -> int:
        """Qt position of code-point `offset` (0 <= offset <= len(text)).
        The offset between "\\r" and "\\n" maps to just after the separator."""
        if not 0 <= offset <= self.text_length:
            raise ValueError(f"offset {offset} outside 0..{self.text_length}")
        i = bisect_right(self._cp, offset) - 1
        return offset + (self._delta[i] if i >= 0 else 0)

    def to_text(self, position: int, *, round_up: bool = False) -> int:
        """Code-point offset of Qt `position`.  A position inside a surrogate
        pair (which Qt's own cursor never produces) is moved to the start of
        the character, or past it with `round_up`."""
        if not 0 <= position <= self.qt_length:
            raise ValueError(f"position {position} outside 0..{self.qt_length}")
        if position in self._mid_pair:
            position += 1 if round_up else -1
        i = bisect_right(self._qt, position) - 1
        delta = self._delta[i] if i >= 0 else 0
        return position - delta

    def inside_pair(self, position: int) -> bool:
        """Whether Qt `position` falls between the halves of a surrogate pair."""
        return position in self._mid_pair

    def to_text_range(self, qt_start: int, qt_end: int) -> tuple[int, int]:
        """A Qt selection as (start, end) code-point offsets, start <= end;
        a half-selected surrogate pair is included whole."""
        if qt_start > qt_end:
            qt_start, qt_end = qt_end, qt_start
        return self.to_text(qt_start), self.to_text(qt_end, round_up=True)

    def to_qt_range(self, start: int, end: int) -> tuple[int, int]:
        return self.to_qt(start), self.to_qt(end)


def _steps(text: str):
    """(offset, is_crlf) of every astral character and CRLF, in order.
    CRLFs are found with str.find and astral characters with a one-class
    regex, then merged: on 5 MB that takes ~30 ms, where one regex with the
    alternation took ~80 ms (it tries both branches at every character).
    Texts without astral characters (ASCII, or a UTF-16 length equal to the
    code-point length) skip the regex altogether."""
    crlfs = ((i, True) for i in _crlf_positions(text))
    if text.isascii() or len(text.encode("utf-16-le")) == 2 * len(text):
        return crlfs
    astral = ((m.start(), False) for m in _ASTRAL.finditer(text))
    # A CRLF and an astral character never share an offset.
    return heapq.merge(crlfs, astral)


def _crlf_positions(text: str):
    find = text.find
    i = find("\r\n")
    while i >= 0:
        yield i
        i = find("\r\n", i + 2)
