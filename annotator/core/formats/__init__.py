"""Exchange formats: one module per format, all listed in one registry.

A `Format` names itself, its file suffixes and what it can do: `read(path)`
turns a file into `ParsedDocument`s and raises `InputError` (file and line)
for anything wrong, never touching the project; `write(records, stream)`
writes the layers produced by `annotator.core.exporter`. The command line's
`--format` choices and the window's file-dialog filters come from here, so
a new format is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Callable, Iterable

from annotator.core.errors import InputError
from annotator.core.formats import jsonl, txt
from annotator.core.formats.document import ParsedDocument

__all__ = ["FORMATS", "Format", "ParsedDocument", "EXPORT_FORMATS", "READABLE_SUFFIXES",
           "by_name", "read_file", "writer", "import_filter", "export_filter"]


@dataclass(frozen=True)
class Format:
    name: str  # what --format takes
    title: str  # what a file dialog shows
    suffixes: tuple[str, ...]
    module: ModuleType  # has read(path) and/or write(records, stream)

    @property
    def read(self) -> Callable[[Path], list[ParsedDocument]] | None:
        return getattr(self.module, "read", None)

    @property
    def write(self) -> Callable[[Iterable[dict], IO[str]], int] | None:
        return getattr(self.module, "write", None)


FORMATS: tuple[Format, ...] = (
    Format("jsonl", "JSONL", (".jsonl",), jsonl),
    Format("txt", "Plain text", (".txt",), txt),
)
READABLE_SUFFIXES = tuple(s for f in FORMATS if f.read for s in f.suffixes)
EXPORT_FORMATS = tuple(f.name for f in FORMATS if f.write)


def by_name(name: str) -> Format:
    for format_ in FORMATS:
        if format_.name == name:
            return format_
    raise ValueError(f"unknown format {name!r}; known formats are {', '.join(f.name for f in FORMATS)}")


def read_file(path: Path) -> list[ParsedDocument]:
    suffix = path.suffix.lower()
    format_ = next((f for f in FORMATS if f.read and suffix in f.suffixes), None)
    if format_ is None:
        raise InputError(path, None, f"cannot import {path.suffix or 'files without an extension'}: "
                                     f"known kinds are {', '.join(READABLE_SUFFIXES)}")
    return format_.read(path)


def writer(format_name: str) -> Callable:
    write = by_name(format_name).write
    if write is None:
        raise ValueError(f"{format_name} is a format annotator reads but does not write")
    return write


def _patterns(format_: Format) -> str:
    return " ".join(f"*{s}" for s in format_.suffixes)


def import_filter() -> str:
    """A file dialog's filter for everything that can be imported."""
    readable = [f for f in FORMATS if f.read]
    every = " ".join(_patterns(f) for f in readable)
    each = ";;".join(f"{f.title} ({_patterns(f)})" for f in readable)
    return f"Everything annotator imports ({every});;{each};;All files (*)"


def export_filter(name: str) -> str:
    format_ = by_name(name)
    return f"{format_.title} ({_patterns(format_)});;All files (*)"
