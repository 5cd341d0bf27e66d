"""What a format's reader makes of one document in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class ParsedSpan(NamedTuple):
    """A span as a file gives it, with what a file may add. Readers may give
    plain (start, end, label) tuples for spans that have nothing more."""

    start: int
    end: int
    label: str
    note: str | None = None  # free text (JSONL "note", brat "#" lines)
    id: str | None = None  # the file's own name for the span (brat "T1"), if any


@dataclass
class ParsedDocument:
    name: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    # (start, end, label) tuples or ParsedSpans, code-point offsets already
    # checked against the text
    spans: list[tuple] = field(default_factory=list)
    source: str = ""
    line: int | None = None
