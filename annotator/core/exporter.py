"""Turning a project into export records: one per document and annotator layer."""

from __future__ import annotations

import difflib
import json
import os
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Iterator

from annotator.core.errors import AnnotatorError
from annotator.core.files import is_database_file, is_project_file, write_atomically
from annotator.core.folder_output import write_folder_atomically
from annotator.core.formats import Format
from annotator.core.model import normalize_name
from annotator.core.storage import Project

__all__ = ["GOLD", "check_annotator", "check_output", "known_annotators", "layers", "write_atomically",
           "write_export"]

# The adjudicated layer: a valid export target even before anyone writes to it.
GOLD = "gold"


def layers(project: Project, annotator: str | list[str] | None = None,
           where: str | Iterable[str] = ()) -> Iterator[dict]:
    """Yield `{"text", "spans", "annotator", "meta"}` records.

    Every document appears. Without `annotator`: one record per layer that
    has spans, or a single record with `"annotator": None` and no spans for a
    document nobody annotated. With `annotator`: exactly one record per
    document holding that annotator's spans (possibly none).

    Documents are streamed one at a time, so memory stays at the largest
    document, not the whole project.

    `annotator` may also be a list of names (`export --annotator A
    --annotator B`, GOLD among them): one record per document and named
    layer, in the order named.

    `where`: only the documents whose text contains it (several strings:
    all of them; case-insensitive), found through the project's full-text
    index and still streamed in id order.
    """
    if isinstance(annotator, (list, tuple)):
        if len(annotator) != 1:
            yield from _named_layers(project, list(dict.fromkeys(annotator)), where)
            return
        annotator = annotator[0]
    documents, spans = project.export_rows(annotator)
    documents = _restricted(project, documents, where)
    by_doc = groupby(spans, key=lambda row: row[0])
    pending = next(by_doc, None)
    for doc_id, name, text, meta_json in documents:
        meta = {"name": name, **json.loads(meta_json)}
        doc_spans = []
        # Both cursors are ordered by doc_id, so spans are merged in step.
        while pending is not None and pending[0] < doc_id:
            pending = next(by_doc, None)
        if pending is not None and pending[0] == doc_id:
            doc_spans = list(pending[1])
            pending = next(by_doc, None)
        if annotator is not None:
            yield _record(text, doc_spans, annotator, meta)
        elif not doc_spans:
            yield _record(text, [], None, meta)
        else:
            for layer, rows in groupby(doc_spans, key=lambda row: row[1]):
                yield _record(text, rows, layer, meta)


def _named_layers(project: Project, annotators: list[str], where: str | Iterable[str] = ()) -> Iterator[dict]:
    """One record per document and layer of `annotators`, in that order."""
    documents, _ = project.export_rows(annotators[0] if annotators else None)
    documents = _restricted(project, documents, where)
    by_doc = groupby(project.export_layer_rows(annotators), key=lambda row: row[0])
    pending = next(by_doc, None)
    for doc_id, name, text, meta_json in documents:
        meta = {"name": name, **json.loads(meta_json)}
        while pending is not None and pending[0] < doc_id:
            pending = next(by_doc, None)
        rows: dict[str, list] = {}
        if pending is not None and pending[0] == doc_id:
            for row in pending[1]:
                rows.setdefault(row[1], []).append(row)
            pending = next(by_doc, None)
        for annotator in annotators:
            yield _record(text, rows.get(annotator, ()), annotator, meta)


def _restricted(project: Project, documents: Iterator[tuple], where: str | Iterable[str]) -> Iterator[tuple]:
    """`documents`, or with a where-text the project's documents containing
    it instead (same rows, same id order; the spans cursor skips the rest)."""
    if not where:
        return documents
    close = getattr(documents, "close", None)
    if close is not None:
        close()  # not read: the matching documents come from the search instead
    return project.documents_containing(where)


def _record(text: str, rows, annotator: str | None, meta: dict) -> dict:
    return {
        "text": text,
        "spans": [{"start": s, "end": e, "label": label, "text": text[s:e], "note": note} if note else
                  {"start": s, "end": e, "label": label, "text": text[s:e]}
                  for _, _, s, e, label, note in rows],
        "annotator": annotator,
        "meta": meta,
    }


def write_export(records: Iterable[dict], format_: Format, output: Path, *,
                 report: Callable[[str], None] | None = None, **options) -> int:
    """Write `records` (from `layers`) to `output` in `format_`, whole or not
    at all: a file replaced atomically (text or binary), or a folder (brat)
    renamed into place. Returns how many of the format's units it wrote."""
    if format_.write is None:
        raise AnnotatorError(f"{format_.name} is a format annotator reads but does not write")
    if format_.folder:
        return write_folder_atomically(output, lambda folder: format_.write(records, folder, report=report,
                                                                            **options))
    return write_atomically(output, lambda out: format_.write(records, out, report=report, **options),
                            binary=format_.binary)


def check_output(output: Path, project_path: Path, stream: bool = False) -> None:
    """Raise AnnotatorError if exporting to `output` would write over a
    database: the project at `project_path` or one of its -wal/-shm/-journal
    files (by any spelling or link), or any other SQLite database or its
    companions (most likely another project, named by mistake)."""
    if stream:
        # Standard output (a /dev/fd path): only the project's own files are
        # refused; reading a terminal or pipe to see what it is would block.
        if os.path.exists(output) and is_project_file(output, project_path):
            raise AnnotatorError(f"standard output is the project file {project_path} (or one of its "
                                 "-wal/-shm files); exporting into it would damage the project. "
                                 "Nothing was written.")
        return
    if is_project_file(output, project_path):
        raise AnnotatorError(
            f"{output}: that is the project file (or one of its -wal/-shm/-journal files); exporting "
            "over it would destroy the project. Choose another output file.")
    if is_database_file(output):
        raise AnnotatorError(
            f"{output}: is a SQLite database (another project?) or one of its -wal/-shm/-journal "
            "files; exporting over it would destroy it. Nothing was written; choose another output file.")


def known_annotators(project: Project) -> list[str]:
    """Everyone with a span or a document status in the project."""
    return sorted(set(project.annotators()) | set(project.status_annotators()))


def check_annotator(project: Project, name: str) -> str:
    """`name` in its stored form (Unicode NFC), if the project knows that
    annotator (or it is GOLD); otherwise AnnotatorError listing who it
    knows. A typo would otherwise export every document with no spans."""
    name = normalize_name(name)
    if name == GOLD:
        return name
    known = known_annotators(project)
    if name in known:
        return name
    # A layer stored before names were normalised may be spelled otherwise
    # (decomposed): the same name to a person, so the same layer.
    stored = [k for k in known if normalize_name(k) == name]
    if stored:
        return stored[0]
    if not known:
        raise AnnotatorError(f"{project.path}: no annotator {name!r}: nobody has made a span or set a "
                             f"document status in this project yet (only {GOLD!r} is always accepted)")
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    gold = "" if GOLD in known else f" (and {GOLD!r}, always accepted)"
    raise AnnotatorError(f"{project.path}: no annotator {name!r} in this project; known annotators: "
                         f"{', '.join(known)}{gold}.{hint}")
