"""Plain data: documents, spans, labels, and the offset rules that bind them.

Offsets are Python code-point indices into the stored text, end exclusive,
so a span's text is always `text[start:end]`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from annotator.core.errors import SpanError

DOCUMENT_STATUSES = ("new", "in progress", "done")

# A label or annotator name is shown in menus, exported and typed on the command line, so
# it must be printable: no control characters, no surrounding blanks.
_MAX_NAME_LENGTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    hotkey: str | None = None
    mnemonic: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Document:
    id: int
    name: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentSummary:
    """What a document list needs, without the (possibly huge) text."""

    id: int
    name: str
    length: int
    span_count: int
    status: str


class Span(NamedTuple):
    # Field order makes spans sort by position first, which is what every
    # list and export wants. A NamedTuple rather than a dataclass because
    # opening a document builds tens of thousands of them: five times faster.
    start: int
    end: int
    label: str
    annotator: str
    doc_id: int
    id: int | None = None

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]


def name_problem(name: Any, what: str = "label") -> str | None:
    """Why `name` cannot be a label (or annotator) name, or None if it can."""
    if not isinstance(name, str):
        return f"{what} must be a string, not {type(name).__name__}"
    if not name:
        return f"{what} is empty"
    if len(name) > _MAX_NAME_LENGTH:
        return f"{what} {_shown(name)} is longer than {_MAX_NAME_LENGTH} characters"
    if name != name.strip():
        return f"{what} {name!r} has leading or trailing blanks"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        return f"{what} {name!r} contains control or invisible characters"
    return None


def unpaired_surrogate(text: str) -> int | None:
    """Index of the first lone UTF-16 surrogate in `text` (JSON's "\\ud800"
    escape can produce one), or None. Such text cannot be stored as UTF-8."""
    match = _SURROGATE.search(text)
    return match.start() if match else None


def is_valid_color(color: str) -> bool:
    return bool(_HEX_COLOR.match(color))


def offsets_problem(text_length: int, start: Any, end: Any) -> str | None:
    """Why (start, end) is not a valid span in a text of this length, or None."""
    for name, value in (("start", start), ("end", end)):
        # bool is an int subclass; `true` as an offset is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int):
            return f"span {name} must be an integer, not {_shown(value)}"
        if value < 0:
            return f"span {name} {_shown(value)} is negative"
        if value > text_length:
            return f"span {name} {_shown(value)} is past the end of the text (length {text_length})"
    if start >= end:
        return f"span start {start} must be before its end {end}"
    return None


def _shown(value: Any) -> str:
    # A hostile file may hold a 4,000-digit offset or a huge list: quote a bit.
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def check_offsets(text_length: int, start: Any, end: Any) -> None:
    problem = offsets_problem(text_length, start, end)
    if problem:
        raise SpanError(problem)


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink (start, end) past leading and trailing whitespace.

    Returns an empty range (start == end) if the selection was all blank.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
