"""Exchange formats: one module per format, each with read() and/or write().

Readers turn a file into `ParsedDocument`s and raise `InputError` (file and
line) for anything wrong; they never touch the project. Writers take the
layers produced by `annotator.core.exporter` and write them to a text stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from annotator.core.errors import InputError


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


def _readers() -> dict[str, Callable[[Path], list[ParsedDocument]]]:
    from annotator.core.formats import jsonl, txt

    return {".txt": txt.read, ".jsonl": jsonl.read}


def _writers() -> dict[str, Callable]:
    from annotator.core.formats import jsonl

    return {"jsonl": jsonl.write}


READABLE_SUFFIXES = (".txt", ".jsonl")
EXPORT_FORMATS = ("jsonl",)


def read_file(path: Path) -> list[ParsedDocument]:
    reader = _readers().get(path.suffix.lower())
    if reader is None:
        raise InputError(path, None, f"cannot import {path.suffix or 'files without an extension'}: "
                                     f"known kinds are {', '.join(READABLE_SUFFIXES)}")
    return reader(path)


def writer(format_name: str) -> Callable:
    try:
        return _writers()[format_name]
    except KeyError:
        raise ValueError(f"unknown export format {format_name!r}") from None
