"""Finding the other occurrences of a stretch of text (tag all)."""

from __future__ import annotations

import re


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
