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
searched with bisect: building it is a few scans in C and list
comprehensions (~15 ms for 5 MB with 18,000 steps), memory grows with the
number of steps (not the text length) and each conversion is O(log n).

Two more Qt habits are neutralised in `display_text`: a lone "\r" next to a
CRLF could pair up anew, so a text with lone "\r"s has every line break
handed over as "\n"; and Qt drops a byte-order mark at the very start, so
that one is shown as a word joiner.  tests/gui/test_offsets.py checks all of
this against the real widget with random texts (hypothesis).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

_CRLF = re.compile("\r\n")
# In UTF-16-LE bytes, the high byte of a high surrogate (the first half of
# an astral character) is one of these, at an odd offset.
_HIGH_SURROGATE_HIGH_BYTES = (b"\xd8", b"\xd9", b"\xda", b"\xdb")

# Qt drops a byte-order mark at the very start of the text (one stored text
# can still begin with one, e.g. from JSON); show a word joiner instead, which
# is just as invisible but keeps its position.
_DROPPED_AT_START = ("\ufeff", "\ufffe")
SHOWN_FOR_LEADING_BOM = "\u2060"


def display_text(text: str) -> str:
    """The string to give the widget.  Qt makes "\r\n", "\r" and "\n"
    each one block separator; only a lone "\r" before a CRLF ("\r\r\n")
    could pair up differently, so a text with lone "\r"s gets every line
    break as a single "\n" first.  Most texts have none and go to Qt as
    they are (rewriting 5 MB costs 15 ms)."""
    if text.startswith(_DROPPED_AT_START):
        text = SHOWN_FOR_LEADING_BOM + text[1:]
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class OffsetMap:
    """Converts between code-point offsets in `text` and Qt positions in a
    document filled with `display_text(text)`."""

    def __init__(self, text: str):
        self.text_length = len(text)
        crlfs = [m.start() for m in _CRLF.finditer(text)]
        astral = _astral_positions(text)
        # Each step as one sortable int: offset * 2, plus 1 for an astral
        # character (a CRLF and an astral character never share an offset).
        steps = sorted([p * 2 for p in crlfs] + [p * 2 + 1 for p in astral]) if astral \
            else [p * 2 for p in crlfs]
        # _cp[i]: the first code-point offset at which step i applies (after
        # the CRLF, after the astral character); _delta[i]: qt - cp from
        # there on (cumulative); _qt[i]: that same place as a Qt position.
        self._cp = [(k >> 1) + 2 - (k & 1) for k in steps]
        self._delta = list(accumulate(2 * (k & 1) - 1 for k in steps))
        self._qt = [cp + delta for cp, delta in zip(self._cp, self._delta)]
        # Qt positions that fall inside a surrogate pair (cannot be a
        # boundary): just before the position after each astral character.
        self._mid_pair = {qt - 1 for qt, k in zip(self._qt, steps) if k & 1} if astral else set()
        self.qt_length = self.text_length + (self._delta[-1] if steps else 0)
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


def _astral_positions(text: str) -> list[int]:
    """Code-point offsets of the characters outside the BMP, in order.

    Found in the UTF-16 encoding, where each is a surrogate pair: the high
    byte of its first half is 0xD8-0xDB at an odd offset, which bytes.find
    locates at memchr speed (9 ms on 5 MB, where a regex over the text took
    17 ms). A BMP character whose low byte is 0xD8-0xDB matches at an even
    offset and is skipped; no BMP character has such a high byte, as those
    code points are the surrogates themselves, which stored text never has."""
    if text.isascii():
        return []
    units = text.encode("utf-16-le")
    if len(units) == 2 * len(text):
        return []
    high_halves = []
    for byte in _HIGH_SURROGATE_HIGH_BYTES:
        i = units.find(byte, 1)
        while i >= 0:
            if i & 1:
                high_halves.append(i >> 1)  # index of the UTF-16 unit
            i = units.find(byte, i + 1)
    high_halves.sort()
    # The k-th astral character (from 0) has k extra units before it.
    return [unit - k for k, unit in enumerate(high_halves)]
