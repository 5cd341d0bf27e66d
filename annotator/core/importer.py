"""Importing files into a project: all of them, or (on any error) none."""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from annotator.core import ops
from annotator.core.errors import AnnotatorError, ImportRejected, InputError
from annotator.core.formats import ParsedDocument, read_file
from annotator.core.model import Span, name_problem, normalize_name, text_digest
from annotator.core.storage import Project


# progress(step, done, total); may raise errors.Cancelled to stop (all undone).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500  # documents between two progress reports
SPAN_SLICE = 50_000  # spans written between two progress reports


@dataclass(frozen=True)
class ImportResult:
    documents_added: int
    documents_existing: int
    spans_added: int
    labels_added: tuple[str, ...] = ()


def _read_all(paths: Iterable[str | os.PathLike], progress: Progress | None = None
              ) -> tuple[list[ParsedDocument], list[InputError]]:
    """Every document that parsed, and every problem, from every file."""
    documents: list[ParsedDocument] = []
    errors: list[InputError] = []
    paths = list(paths)
    for i, path in enumerate(paths):
        within = None
        if progress is not None:
            progress("Reading files", i, len(paths))
            step = f"Reading {Path(path).name}" + (f" ({i + 1} of {len(paths)})" if len(paths) > 1 else "")
            within = functools.partial(_in_megabytes, progress, step + ", MB")
        try:
            documents.extend(read_file(Path(path), within))
        except InputError as e:
            errors.append(e)
        except ImportRejected as e:
            errors.extend(e.errors)
            documents.extend(e.documents)
    return documents, errors


def _in_megabytes(progress: Progress, step: str, done: int, total: int) -> None:
    progress(step, done >> 20, max(1, total >> 20))


def import_files(project: Project, paths: Iterable[str | os.PathLike], *,
                 annotator: str | None, add_labels: bool = False,
                 progress: Progress | None = None, as_annotator: str | None = None) -> ImportResult:
    """Read, check and store `paths` in one transaction.

    `annotator` owns spans from lines that name no annotator. Unknown labels
    are an error unless `add_labels`. A document already in the project
    (same name and text) is not added again; its spans are merged. Every
    problem of every file is reported at once, in file and line order:
    malformed lines, and unknown labels or missing annotators on the lines
    that did parse.

    `progress(step, done, total)` is told how far it got; it may raise
    `Cancelled`, which rolls everything back.
    """
    paths = list(paths)
    documents, errors = _read_all(paths, progress)
    documents = _owned_by(documents, as_annotator)  # `as_annotator`: every span is theirs (import --as)
    if errors:
        errors += _document_problems(project, documents, annotator, add_labels)
        order = {str(path): i for i, path in enumerate(paths)} if isinstance(paths, (list, tuple)) else {}
        errors.sort(key=lambda e: (order.get(e.path, len(order)), e.path or "", e.line or 0))
        raise ImportRejected(errors)
    return import_documents(project, documents, annotator=annotator, add_labels=add_labels,
                            progress=progress)


def import_documents(project: Project, documents: list[ParsedDocument], *,
                     annotator: str | None, add_labels: bool = False,
                     progress: Progress | None = None, as_annotator: str | None = None) -> ImportResult:
    documents = _owned_by(documents, as_annotator)
    # The readers give names in their stored form; the caller's name may not be.
    annotator = normalize_name(annotator)
    problems = _document_problems(project, documents, annotator, add_labels)
    if problems:
        raise ImportRejected(problems)
    known = set(project.label_names())
    new_labels = list(dict.fromkeys(span[2] for doc in documents for span in doc.spans
                                    if span[2] not in known))

    added = existing = 0
    with project.write() as unit:
        added_labels = ops.add_labels(unit, new_labels) if new_labels else []
        # Dedup against what is stored in one pass rather than one query per document.
        known_docs = unit.documents_named({doc.name for doc in documents})
        now = unit.now()  # one creation time for the whole import
        added_here: set[int] = set()
        span_rows = []
        noted = []  # (doc_id, owner, span) of spans with a note: set once the spans are in
        for n, doc in enumerate(documents):
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress("Saving documents", n, len(documents))
            digest = text_digest(doc.text)
            doc_id = known_docs.get((doc.name, digest))
            if doc_id is not None:
                # Another layer of a document this import added is not one "already present".
                existing += doc_id not in added_here
            else:
                doc_id = unit.insert_document(doc.name, doc.text, digest, doc.meta, now)
                # The same document twice in one import is stored once.
                known_docs[(doc.name, digest)] = doc_id
                added_here.add(doc_id)
                added += 1
            if doc.spans:
                owner = doc.annotator or annotator
                span_rows.extend([(doc_id, owner, span[2], span[0], span[1], now) for span in doc.spans])
                noted += [(doc_id, owner, span) for span in doc.spans if len(span) > 3 and span.note]
        spans_added = 0
        # In slices, so a million spans still report progress (and can be cancelled).
        for first in range(0, len(span_rows), SPAN_SLICE):
            if progress is not None:
                progress("Saving spans", first, len(span_rows))
            # A span already in its layer (a re-import) is skipped, not an error.
            spans_added += unit.add_imported_spans(span_rows[first:first + SPAN_SLICE])
        # Someone's spans in a document make it "in progress" for them, as
        # tagging it would (a status already set is left as it is).
        started = {(row[0], row[1]) for row in span_rows}
        for doc_id, owner in sorted(started):
            if unit.status(doc_id, owner) is None:
                unit.set_status(doc_id, owner, "in progress")
        for doc_id, owner, span in noted:  # (few: a note is typed by a person)
            span_id = unit.find_span(Span(span.start, span.end, span.label, owner, doc_id))
            if unit.note(span_id) is None:  # (a note written here since is not overwritten)
                unit.set_note(span_id, doc_id, span.note)
    if added_labels:
        project.forget_cached()
    return ImportResult(added, existing, spans_added, tuple(label.name for label in added_labels))


def _owned_by(documents: list[ParsedDocument], as_annotator: str | None) -> list[ParsedDocument]:
    """The documents with every span `as_annotator`'s, whatever their lines
    say (`import --as NAME`: bringing in someone's exported layer)."""
    if as_annotator is None:
        return documents
    name = normalize_name(as_annotator)
    problem = name_problem(name, "annotator name")
    if problem:
        raise AnnotatorError(f"cannot import as that annotator: {problem}; nothing was imported")
    return [dataclasses.replace(doc, annotator=name) for doc in documents]


def _document_problems(project: Project, documents: list[ParsedDocument], annotator: str | None,
                       add_labels: bool) -> list[InputError]:
    """What is wrong with documents that parsed: unknown labels (unless
    they are to be added) and spans that belong to no one."""
    annotator = normalize_name(annotator)
    problems = [] if add_labels else _unknown_label_errors(documents, set(project.label_names()))
    problems += [InputError(doc.source, doc.line, "spans without an annotator: "
                            "give the line an \"annotator\" or pass --user")
                 for doc in documents if doc.spans and not (doc.annotator or annotator)]
    return problems


def _unknown_label_errors(documents: list[ParsedDocument], known: set[str]) -> list[InputError]:
    known_list = ", ".join(sorted(known)) or "(none)"
    errors = []
    for doc in documents:
        unknown = sorted({span[2] for span in doc.spans if span[2] not in known})
        if unknown:
            errors.append(InputError(
                doc.source, doc.line,
                f"unknown label{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"known labels are {known_list} (pass --add-labels to add new ones)"))
    return errors
