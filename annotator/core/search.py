"""Finding text: the other occurrences of a stretch of text (tag all), and
matches of a search (the search panel, `annotator tag`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterable

from annotator.core.errors import AnnotatorError


class PatternError(AnnotatorError):
    """A regular expression that does not compile (or matches nothing but
    empty strings); the message says where."""


def occurrences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Every other place where `text[start:end]` occurs, as (start, end).
    Where it begins or ends with a letter or digit, it must begin or end a
    word there too ("Xi" is not found inside "Xinhua")."""
    needle = text[start:end]
    pattern = re.escape(needle)
    if needle[0].isalnum():
        pattern = r"(?<!\w)" + pattern
    if needle[-1].isalnum():
        pattern += r"(?!\w)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text) if m.start() != start]


def pattern_for(query: str, *, regex: bool = False, case_sensitive: bool = False,
                whole_word: bool = True) -> re.Pattern:
    """The compiled search for `query`: its text literally (whole words where
    it begins or ends with a letter or digit, unless `whole_word` is off), or
    a regular expression. Case-insensitive unless asked."""
    if not query:
        raise PatternError("the search is empty: give some text or a pattern")
    flags = 0 if case_sensitive else re.IGNORECASE
    if regex:
        try:
            return re.compile(query, flags)
        except re.error as e:
            where = f" at position {e.pos}" if e.pos is not None else ""
            raise PatternError(f"not a valid regular expression: {e.msg}{where} in {query!r}") from None
    pattern = re.escape(query)
    if whole_word and query[0].isalnum():
        pattern = r"(?<!\w)" + pattern
    if whole_word and query[-1].isalnum():
        pattern += r"(?!\w)"
    return re.compile(pattern, flags)


def matches(text: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    """(start, end) of every non-empty match, in code points."""
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]


class Covered:
    """Whether a stretch lies within one of some spans (tagging skips a match
    inside a span of its own label: "Xi" inside the actor "Xi Jinping")."""

    def __init__(self, positions: Iterable[tuple[int, int]]):
        ordered = sorted(positions)
        self._starts = [start for start, _ in ordered]
        self._reach = []  # the furthest end of any span starting at or before each
        furthest = -1
        for _, end in ordered:
            furthest = max(furthest, end)
            self._reach.append(furthest)

    def __call__(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self._reach[i] >= end
