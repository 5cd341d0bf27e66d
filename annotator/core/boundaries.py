"""Where a span's edge goes when moved a character or a word at a time
(boundary editing from the keyboard). Pure: text and offsets in, offsets out.

A character step is one code point (an emoji is one step) and never splits
a CRLF, which the window shows as one line break. A word step goes to the
next token edge (core/tokenize.py: words, and each punctuation mark), so the
edge lands where a word begins or ends, never inside one.
"""

from __future__ import annotations

from annotator.core.tokenize import tokens

START, END = "start", "end"
# Tokens are looked for this far either side of the edge (then out to a
# blank), so a step costs the same in a 5 MB document as in a tweet.
_REACH = 400


def moved(text: str, start: int, end: int, edge: str, step: int, by_word: bool = False) -> tuple[int, int] | None:
    """(start, end) with `edge` moved `step` (-1: left, +1: right) by a
    character or a word; None if it cannot move (the text's end, or the span
    would become empty)."""
    at = start if edge == START else end
    new = _word_step(text, at, step, edge) if by_word else _char_step(text, at, step)
    if new is None:
        return None
    new_start, new_end = (new, end) if edge == START else (start, new)
    if not 0 <= new_start < new_end <= len(text):
        return None
    return new_start, new_end


def _char_step(text: str, at: int, step: int) -> int | None:
    new = at + step
    if not 0 <= new <= len(text):
        return None
    if 0 < new < len(text) and text[new - 1] == "\r" and text[new] == "\n":
        new += step  # over the whole CRLF
    return new if 0 <= new <= len(text) else None


def _word_step(text: str, at: int, step: int, edge: str) -> int | None:
    """The next token start (a start edge) or end (an end edge) beyond `at`."""
    lo = _blank_before(text, max(0, at - _REACH))
    hi = _blank_after(text, min(len(text), at + _REACH))
    edges = [(s if edge == START else e) + lo for s, e in tokens(text[lo:hi])]
    if step > 0:
        return next((x for x in edges if x > at), None)
    return next((x for x in reversed(edges) if x < at), None)


def _blank_before(text: str, i: int) -> int:
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return i


def _blank_after(text: str, i: int) -> int:
    while i < len(text) and not text[i].isspace():
        i += 1
    return i
