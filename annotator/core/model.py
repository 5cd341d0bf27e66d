"""Plain data: documents, spans, labels, and the offset rules that bind them.

Offsets are Python code-point indices into the stored text, end exclusive,
so a span's text is always `text[start:end]`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from annotator.core.errors import SpanError

DOCUMENT_STATUSES = ("new", "in progress", "done")
LABEL_DISPLAYS = ("highlight", "underline")
# A span's note is a remark, not a document: longer is refused.
MAX_NOTE_LENGTH = 10_000

# A label or annotator name is shown in menus, exported and typed on the command line, so
# it must be printable: no control characters, no surrounding blanks.
_MAX_NAME_LENGTH = 64
# A document name is shown in the list and the title bar. 255: the longest file name most
# file systems allow, so a .txt file's name always fits.
MAX_DOCUMENT_NAME_LENGTH = 255
# Characters that show as nothing yet make two names differ, or make a name look empty.
# Category Cf is refused whole (see _unfit_char); these are the rest of Unicode's
# Default_Ignorable_Code_Point (DerivedCoreProperties.txt, 15.1: the combining grapheme
# joiner, Hangul and Khmer fillers, Mongolian and other variation selectors, plane-14
# tags, reserved ignorables) and blank-looking symbols used as "empty" names: U+2800
# BRAILLE PATTERN BLANK and U+1D159 MUSICAL SYMBOL NULL NOTEHEAD.
_INVISIBLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2065\u2800\u3164"
                        "\ufe00-\ufe0f\uffa0\ufff0-\ufff8\U0001d159\U000e0000-\U000e0fff]")
_CONTROL_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    hotkey: str | None = None
    mnemonic: str | None = None
    description: str = ""
    # How the label's spans are drawn: "highlight" (a coloured background)
    # or "underline" (for long spans, such as quotes, that would otherwise
    # hide the spans inside them).
    display: str = "highlight"

    @property
    def keys(self) -> list[str]:
        """The keys that apply this label, as shown to a person ("1", "A")."""
        return [k.upper() for k in (self.hotkey, self.mnemonic) if k]


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


def text_digest(text: str) -> str:
    """What tells two documents' texts apart: SHA-256 of their UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_name(name: Any) -> Any:
    """The one stored form of a name: Unicode NFC, so "José" typed with a
    combining accent and with a precomposed é is one name. Anything that is
    not a string is returned as it is (name_problem reports it)."""
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


def name_problem(name: Any, what: str = "label", max_length: int = _MAX_NAME_LENGTH) -> str | None:
    """Why `name` cannot be a label, annotator or (with `what` and
    `max_length`, see document_name_problem) document name, or None if it can.
    Pass the name through normalize_name first: this checks the stored form."""
    if not isinstance(name, str):
        return f"{what} must be a string, not {type(name).__name__}"
    if not name:
        return f"{what} is empty"
    if len(name) > max_length:
        return f"{what} {shown(name)} is longer than {max_length} characters"
    if name != name.strip():
        return f"{what} {shown(name)} has leading or trailing blanks"
    bad = _unfit_char(name)
    if bad is None:
        return None
    if unicodedata.category(bad) == "Zs":
        return f"{what} {shown(name)} contains {_char_name(bad)}: only a plain space may separate words"
    return f"{what} {shown(name)} contains control or invisible characters ({_char_name(bad)})"


def document_name_problem(name: Any) -> str | None:
    """Why `name` cannot be a document name, or None: the rules of name_problem,
    with room for a file name."""
    return name_problem(name, "document name", MAX_DOCUMENT_NAME_LENGTH)


def _unfit_char(name: str) -> str | None:
    """A character of `name` that is invisible, a control, or a blank other
    than the plain space; None if there is none."""
    if name.isascii() and name.isprintable():
        return None  # the usual case, and every span label is checked: keep it quick
    invisible = _INVISIBLE.search(name)
    if invisible:
        return invisible.group()
    category = unicodedata.category
    return next((ch for ch in name
                 if category(ch) in _CONTROL_CATEGORIES or (category(ch) == "Zs" and ch != " ")), None)


def _char_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


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
            return f"span {name} must be an integer, not {shown(value)}"
        if value < 0:
            return f"span {name} {shown(value)} is negative"
        if value > text_length:
            return f"span {name} {shown(value)} is past the end of the text (length {text_length})"
    if start >= end:
        return f"span start {start} must be before its end {end}"
    return None


def shown(value: Any) -> str:
    """`value` quoted for a message: control characters escaped, and cut short
    if huge (a hostile file may hold a 4,000-digit offset or a huge list)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def check_offsets(text_length: int, start: Any, end: Any) -> None:
    problem = offsets_problem(text_length, start, end)
    if problem:
        raise SpanError(problem)


def excerpt(text: str, limit: int = 80) -> str:
    """`text` on one line (line breaks and tabs as single spaces), cut to
    `limit` characters with an ellipsis: how a span is quoted in lists,
    menus and messages."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink (start, end) past leading and trailing whitespace.

    Returns an empty range (start == end) if the selection was all blank.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
