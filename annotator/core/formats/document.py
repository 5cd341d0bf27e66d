"""What a format's reader makes of one document in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ParsedDocument:
    name: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    # (start, end, label), code-point offsets already checked against text
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    source: str = ""
    line: int | None = None
