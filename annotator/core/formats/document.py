"""What a format's reader makes of one document in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from annotator.core.errors import ImportRejected, InputError
from annotator.core.model import document_name_problem, normalize_name


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


class Problems:
    """What is wrong with the lines (tasks, documents) of one file, found
    while its reader reads on: the streaming form of ImportRejected.

    A reader yields the documents that parse and records each bad one here,
    with file and line (at most MAX_ERRORS_PER_FILE, the last a note that it
    stopped). A problem with the file as a whole (missing, not UTF-8, NUL
    bytes, nothing in it) is raised as an InputError instead, ending the
    reading. The importer gives each file a fresh one and looks at it after
    each document: once it holds anything, nothing more is written."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, error: InputError) -> None:
        self.errors.append(error)

    def __len__(self) -> int:
        return len(self.errors)


def streamed(read: Callable[[Problems], Iterator[ParsedDocument]], problems: Problems | None
             ) -> Iterator[ParsedDocument]:
    """The documents `read(problems)` yields. Its problems go to the caller's
    `problems`. A caller that gave none reads the file whole: it gets them
    all at the end, raised together as ImportRejected with the documents
    that parsed (which are then held: stream with `problems` instead)."""
    if problems is not None:
        yield from read(problems)
        return
    own = Problems()
    parsed = []
    for document in read(own):
        parsed.append(document)
        yield document
    if own.errors:
        raise ImportRejected(own.errors, parsed)


def by_document(records: Iterable[dict]) -> Iterator[list[dict]]:
    """The export records (see core.exporter.layers) of each document together:
    one list per document, one record per layer in it. The exporter yields a
    document's layers one after another, so this holds one document at a time."""
    for _, group in groupby(records, key=lambda record: (record["meta"].get("name"), record["text"])):
        yield list(group)


def name_from_file(path: Path) -> str:
    """The name of the one document a file holds (plain text, an HTML page):
    the file's name without its suffix, in stored form."""
    name = normalize_name(path.stem)
    problem = document_name_problem(name)
    if problem:
        raise InputError(path, None, f"the file's name is its document's name, and the {problem}; "
                                     "rename the file")
    return name
