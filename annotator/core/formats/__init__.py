"""Exchange formats: one module per format, all listed in one registry.

A `Format` names itself, its file suffixes, its options and what its module
can do:
- `read(path, progress=None)` turns a file into `ParsedDocument`s and
  raises `InputError` (file and line) for anything wrong, never touching
  the project; `progress(done, total)`, if given, is told how far it got and
  may raise to stop;
- `sniff(head: bytes) -> bool` says whether the start of a file looks like
  this format, so a file is recognised by its content where the suffix is
  missing or shared (`recognise`);
- `write(records, stream, **options)` writes the layers produced by
  `annotator.core.exporter` to a text stream (or a binary one, `binary`).
The command line's `--format` choices and the window's file-dialog filters
come from here, so a new format is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Callable, Iterable

from annotator.core.errors import InputError
from annotator.core.formats import jsonl, txt
from annotator.core.formats.document import ParsedDocument
from annotator.core.textio import read_head

__all__ = ["FORMATS", "Format", "Option", "ParsedDocument", "recognise", "EXPORT_FORMATS", "READABLE_SUFFIXES",
           "by_name", "read_file", "writer", "import_filter", "export_filter"]


@dataclass(frozen=True)
class Option:
    """A setting a format's reader or writer takes (as --NAME on the CLI)."""

    name: str
    help: str
    default: object = None


@dataclass(frozen=True)
class Format:
    name: str  # what --format takes
    title: str  # what a file dialog shows
    suffixes: tuple[str, ...]
    module: ModuleType  # has read(path) and/or write(records, stream), and sniff(head)
    options: tuple[Option, ...] = ()
    binary: bool = False  # write() takes a binary stream

    def sniff(self, head: bytes) -> bool:
        sniff = getattr(self.module, "sniff", None)
        return bool(sniff and sniff(head))

    @property
    def read(self) -> Callable[..., list[ParsedDocument]] | None:
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


def recognise(path: Path) -> Format:
    """The format to read `path` with: the one its suffix names, if only
    one does; the first of several sharing the suffix (or, for a file
    without a suffix, of all) whose sniff recognises the file's start.
    A suffix no format claims (.csv, .docx) is refused rather than guessed:
    a spreadsheet imported as one long document would be a mistake."""
    readable = [f for f in FORMATS if f.read]
    by_suffix = [f for f in readable if path.suffix.lower() in f.suffixes]
    if len(by_suffix) == 1:
        return by_suffix[0]
    if not by_suffix and path.suffix:
        raise InputError(path, None, f"cannot import {path.suffix} files: known kinds are "
                                     f"{', '.join(READABLE_SUFFIXES)} (or a file without a suffix "
                                     "holding one of them)")
    head = read_head(path)
    found = next((f for f in by_suffix or readable if f.sniff(head)), None)
    if found is None:
        raise InputError(path, None, "cannot import it: its content is not one of the known kinds "
                                     f"({', '.join(f.title for f in readable)}); known suffixes are "
                                     f"{', '.join(READABLE_SUFFIXES)}")
    return found


def read_file(path: Path, progress: Callable[[int, int], None] | None = None) -> list[ParsedDocument]:
    return recognise(path).read(path, progress)


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
