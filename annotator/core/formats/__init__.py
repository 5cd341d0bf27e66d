"""Exchange formats: one module per format, all listed in one registry.

A `Format` names itself, its file suffixes, its options and what its module
can do:
- `read(path, progress=None, problems=None)` yields a file's
  `ParsedDocument`s one at a time, never touching the project. A bad line
  (task, document) is recorded in `problems` (`document.Problems`: file and
  line, up to MAX_ERRORS_PER_FILE) and reading goes on; without `problems`
  they are raised together at the end as `ImportRejected`. A problem with
  the file as a whole is raised as `InputError`. `progress(done, total)`,
  if given, is told how far it got and may raise to stop;
- `sniff(head: bytes) -> bool` says whether the start of a file looks like
  this format, so a file is recognised by its content where the suffix is
  missing or shared (`recognise`);
- `write(records, out, *, report=None, **options) -> int` writes the layers
  produced by `annotator.core.exporter` to `out`: a text stream, a binary
  one (`binary`), or an empty directory (`folder`, written into a temporary
  folder that is renamed into place only when complete). It returns how
  many `unit`s it wrote, and tells `report(message)` what the user must
  know about the result (spans a format cannot hold, and how many).
Folder formats (brat) read a directory: `read(folder)`, recognised by
`sniff_folder(path)`. A format needing an optional package names its extra
(`extra`) and imports the package only inside read/write, so listing the
formats never needs it.
The command line's `--format` choices and the window's file-dialog filters
come from here, so a new format is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Callable, Iterable, Iterator

from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import brat, conll, doccano, html, jsonl, labelstudio, spacy_docbin, txt
from annotator.core.formats.document import ParsedDocument, Problems
from annotator.core.textio import read_head

__all__ = ["FORMATS", "Format", "Option", "ParsedDocument", "recognise", "EXPORT_FORMATS", "READABLE_SUFFIXES",
           "by_name", "read_file", "stream_file", "Problems", "writer", "import_filter", "export_filter"]


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
    folder: bool = False  # read() takes and write() fills a directory
    extra: str | None = None  # the pip extra its optional package comes with
    unit: str = "line"  # what write() counts: "line", "document", "task"

    def sniff(self, head: bytes) -> bool:
        sniff = getattr(self.module, "sniff", None)
        return bool(sniff and sniff(head))

    def sniff_folder(self, path: Path) -> bool:
        sniff = getattr(self.module, "sniff_folder", None)
        return bool(self.folder and sniff and sniff(path))

    @property
    def read(self) -> Callable[..., Iterator[ParsedDocument]] | None:
        return getattr(self.module, "read", None)

    @property
    def write(self) -> Callable[[Iterable[dict], IO[str]], int] | None:
        return getattr(self.module, "write", None)


FORMATS: tuple[Format, ...] = (
    # Before jsonl: doccano's files are JSONL too, told apart by sniff.
    Format("doccano", "doccano JSONL", (".jsonl",), doccano, unit="line", options=(
        Option("relations", "Write doccano's relation form (\"entities\" and \"relations\")."),)),
    Format("jsonl", "JSONL", (".jsonl",), jsonl, options=(
        Option("tokens", "Add Prodigy/spaCy \"tokens\" and each span's token_start/token_end."),)),
    # brat and CoNLL before txt: a file without a suffix holding either would also pass as prose.
    Format("brat", "brat standoff folder", (".ann",), brat, folder=True, unit="document"),
    Format("conll", "CoNLL (IOB2)", (".conll",), conll, unit="document", options=(
        Option("no_names", "Leave out the '# name =' and '# annotator =' lines, for readers that take "
                           "every line as a token (spacy convert)."),)),
    Format("txt", "Plain text", (".txt",), txt),
    Format("labelstudio", "Label Studio JSON", (".json",), labelstudio, unit="task"),
    Format("spacy", "spaCy DocBin", (".spacy",), spacy_docbin, binary=True, extra="spacy", unit="document"),
    Format("html", "HTML article", (".html", ".htm"), html, extra="html"),
)
READABLE_SUFFIXES = tuple(dict.fromkeys(s for f in FORMATS if f.read for s in f.suffixes))
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
    If none recognises a file with a shared suffix, the last of them (the
    most general) reads it and says what is wrong with it.
    A suffix no format claims (.csv, .docx) is refused rather than guessed:
    a spreadsheet imported as one long document would be a mistake."""
    readable = [f for f in FORMATS if f.read]
    if path.is_dir():
        found = next((f for f in readable if f.sniff_folder(path)), None)
        if found is None:
            folders = [f.title for f in readable if f.folder]
            raise InputError(path, None, "is a folder, and not one annotator can import "
                                         f"({' or '.join(folders) or 'no folder formats'}); "
                                         "name the files in it instead")
        return found
    by_suffix = [f for f in readable if path.suffix.lower() in f.suffixes]
    if len(by_suffix) == 1:
        return by_suffix[0]
    if not by_suffix and path.suffix:
        raise InputError(path, None, f"cannot import {path.suffix} files: known kinds are "
                                     f"{', '.join(READABLE_SUFFIXES)} (or a file without a suffix "
                                     "holding one of them)")
    head = read_head(path)
    found = next((f for f in by_suffix or readable if f.sniff(head)), None)
    if found is None and by_suffix:
        # Formats sharing a suffix are listed most specific first (doccano
        # before jsonl): a file none recognises goes to the most general,
        # whose reader says what is wrong with it, line by line.
        found = by_suffix[-1]
    if found is None:
        raise InputError(path, None, "cannot import it: its content is not one of the known kinds "
                                     f"({', '.join(f.title for f in readable)}); known suffixes are "
                                     f"{', '.join(READABLE_SUFFIXES)}")
    return found


def read_file(path: Path, progress: Callable[[int, int], None] | None = None) -> list[ParsedDocument]:
    """Every document of a (small) file at once; every bad line raised
    together as ImportRejected, with the documents that did parse. The
    importer streams instead (`stream_file`)."""
    problems = Problems()
    documents = list(stream_file(path, progress, problems))
    if problems.errors:
        raise ImportRejected(problems.errors, documents)
    return documents


def stream_file(path: Path, progress: Callable[[int, int], None] | None = None,
                problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """The file's documents one at a time, by the reader `recognise` picks
    (see the module's doc for `problems`)."""
    return recognise(path).read(path, progress, problems)


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
    every = " ".join(dict.fromkeys(f"*{s}" for f in readable for s in f.suffixes))
    each = ";;".join(f"{f.title} ({_patterns(f)})" for f in readable)
    return f"Everything annotator imports ({every});;{each};;All files (*)"


def export_filter(name: str) -> str:
    format_ = by_name(name)
    return f"{format_.title} ({_patterns(format_)});;All files (*)"
