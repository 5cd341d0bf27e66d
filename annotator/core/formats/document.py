"""What a format's reader makes of one document in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from annotator.core.errors import InputError
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
