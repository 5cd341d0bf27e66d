"""Importing files into a project: all of them, or (on any error) none.

Streamed: each file's reader yields documents one at a time, and they are
written as they come, in batches, inside ONE transaction; any problem (or
Cancel) rolls the whole of it back. So memory follows a batch, not the
file, while the import stays all or nothing. After the first problem
nothing more is written, but every file is still read to its end, so every
bad line is reported at once, with file and line.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from annotator.core import ops
from annotator.core.errors import AnnotatorError, ImportRejected, InputError
from annotator.core.formats import ParsedDocument, Problems, stream_file
from annotator.core.formats.json_checks import MAX_ERRORS_PER_FILE
from annotator.core.model import Span, name_problem, normalize_name, text_digest
from annotator.core.storage import Project

# progress(step, done, total); may raise errors.Cancelled to stop (all undone).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500  # documents between two progress reports (import_documents)
# A batch is written with one executemany per table: large enough that the
# per-statement cost vanishes, small enough that memory stays flat.
BATCH_DOCUMENTS = 2_000
BATCH_SPANS = 20_000


@dataclass(frozen=True)
class ImportResult:
    documents_added: int
    documents_existing: int
    spans_added: int
    labels_added: tuple[str, ...] = ()


def import_files(project: Project, paths: Iterable[str | os.PathLike], *,
                 annotator: str | None, add_labels: bool = False,
                 progress: Progress | None = None, as_annotator: str | None = None) -> ImportResult:
    """Read, check and store `paths` in one transaction.

    `annotator` owns spans from lines that name no annotator (`as_annotator`
    owns every span, whatever the lines say: `import --as`). Unknown labels
    are an error unless `add_labels`. A document already in the project
    (same name and text), or twice in the import, is stored once; its spans
    are merged. Every problem of every file is reported at once, in file and
    line order: malformed lines, and unknown labels or missing annotators on
    the lines that did parse.

    `progress(step, done, total)` is told how far it got (in MB of each
    file); it may raise `Cancelled`, which rolls everything back.
    """
    paths = list(paths)
    owner = _as_annotator(as_annotator)
    checks = _Checks(set(project.label_names()), normalize_name(annotator), add_labels)
    with project.write() as unit, unit.deferring_text_index():
        saver = _Saver(unit, checks, owner)
        for i, path in enumerate(paths):
            within = None
            if progress is not None:
                step = f"Reading {Path(path).name}" + (f" ({i + 1} of {len(paths)})" if len(paths) > 1 else "")
                within = functools.partial(_in_megabytes, progress, step + ", MB")
                within(0, 1)  # a Cancel given before this file is heard now
            saver.read(Path(path), within)
        if saver.errors:
            order = {str(path): i for i, path in enumerate(paths)}
            saver.errors.sort(key=lambda e: (order.get(e.path, len(order)), e.path or "", e.line or 0))
            raise ImportRejected(saver.errors)  # leaves the write block: everything is rolled back
        saver.flush()
        if progress is not None:
            # The last word before COMMIT: a Cancel given while a small file
            # was read (it reports no progress of its own) still undoes it all.
            progress("Saving", 1, 1)
    if saver.labels_added:
        project.forget_cached()
    return saver.result()


def import_documents(project: Project, documents: Iterable[ParsedDocument], *,
                     annotator: str | None, add_labels: bool = False,
                     progress: Progress | None = None, as_annotator: str | None = None) -> ImportResult:
    """Store documents made elsewhere (not read from a file), as
    `import_files` does: checked, in one transaction, all or nothing."""
    owner = _as_annotator(as_annotator)
    checks = _Checks(set(project.label_names()), normalize_name(annotator), add_labels)
    with project.write() as unit, unit.deferring_text_index():
        saver = _Saver(unit, checks, owner)
        for n, doc in enumerate(documents):
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress("Saving documents", n, max(n, 1))
            saver.take(doc, Problems())
        if saver.errors:
            raise ImportRejected(saver.errors)
        saver.flush()
        if progress is not None:
            progress("Saving documents", 1, 1)  # a Cancel meanwhile still undoes it all
    if saver.labels_added:
        project.forget_cached()
    return saver.result()


def _in_megabytes(progress: Progress, step: str, done: int, total: int) -> None:
    progress(step, done >> 20, max(1, total >> 20))


def _as_annotator(as_annotator: str | None) -> str | None:
    """`import --as NAME`: checked before anything is read."""
    if as_annotator is None:
        return None
    name = normalize_name(as_annotator)
    problem = name_problem(name, "annotator name")
    if problem:
        raise AnnotatorError(f"cannot import as that annotator: {problem}; nothing was imported")
    return name


@dataclass
class _Checks:
    """What is checked across documents as they come: labels the project
    does not know (unless they are to be added) and spans nobody owns."""

    known: set[str]
    annotator: str | None
    add_labels: bool

    def problems(self, doc: ParsedDocument) -> list[InputError]:
        found = []
        if not self.add_labels and doc.spans:
            unknown = sorted({span[2] for span in doc.spans if span[2] not in self.known})
            if unknown:
                known_list = ", ".join(sorted(self.known)) or "(none)"
                found.append(InputError(
                    doc.source, doc.line,
                    f"unknown label{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                    f"known labels are {known_list} (pass --add-labels to add new ones)"))
        if doc.spans and not (doc.annotator or self.annotator):
            found.append(InputError(doc.source, doc.line, "spans without an annotator: "
                                    "give the line an \"annotator\" or pass --user"))
        return found


class _Saver:
    """Documents checked and written in batches inside the caller's unit of
    work; once anything is wrong (`errors`), nothing more is written."""

    def __init__(self, unit, checks: _Checks, owner: str | None) -> None:
        self.unit = unit
        self.checks = checks
        self.owner = owner  # import --as: every span is theirs
        self.errors: list[InputError] = []
        self.now = unit.now()  # one creation time for the whole import
        self.new_after = unit.last_document_id()  # ids above are this import's documents
        self.batch: list[ParsedDocument] = []
        self.batch_spans = 0
        self.added = self.existing = self.spans_added = 0
        self.labels_added: list[str] = []

    def read(self, path: Path, progress) -> None:
        """Every document of one file, each checked and (while all is well) saved."""
        problems = Problems()
        try:
            for doc in stream_file(path, progress, problems):
                self.take(doc, problems)
        except InputError as e:  # the file as a whole: missing, not UTF-8, binary, empty
            problems.add(e)
        self.errors += problems.errors

    def take(self, doc: ParsedDocument, problems: Problems) -> None:
        if self.owner is not None:
            doc = dataclasses.replace(doc, annotator=self.owner)
        found = self.checks.problems(doc)
        if found:
            # Counted with the reader's own: a file of a million lines with
            # an unknown label says so MAX_ERRORS_PER_FILE times, not a million.
            if len(problems) < MAX_ERRORS_PER_FILE:
                for error in found:
                    problems.add(error)
            elif len(problems) == MAX_ERRORS_PER_FILE:
                problems.add(InputError(doc.source, None, "more lines with unknown labels or spans "
                                                          "without an annotator were not listed"))
        if problems or self.errors:
            self.batch.clear()  # nothing more is written: it will all be rolled back
            return
        self.batch.append(doc)
        self.batch_spans += len(doc.spans)
        if len(self.batch) >= BATCH_DOCUMENTS or self.batch_spans >= BATCH_SPANS:
            self.flush()

    def flush(self) -> None:
        batch, self.batch, self.batch_spans = self.batch, [], 0
        if not batch:
            return
        unit = self.unit
        known = self.checks.known
        new_labels = list(dict.fromkeys(span[2] for doc in batch for span in doc.spans if span[2] not in known))
        if new_labels:  # (only with add_labels: otherwise they were refused above)
            self.labels_added += [label.name for label in ops.add_labels(unit, new_labels)]
            known.update(new_labels)
        keys = [(doc.name, text_digest(doc.text)) for doc in batch]
        stored = unit.documents_with_names(list({name for name, _ in keys}))
        new: dict[tuple[str, str], int] = {}  # key -> its row in `rows`
        rows = []
        for doc, key in zip(batch, keys):
            if key not in stored and key not in new:
                new[key] = len(rows)
                rows.append((doc.name, doc.text, key[1], doc.meta))
        if rows:
            first = unit.insert_documents(rows, self.now)
            stored.update((key, first + i) for key, i in new.items())
        self.added += len(rows)
        span_rows, layers, noted = [], {}, []
        for doc, key in zip(batch, keys):
            doc_id = stored[key]
            # Another layer of a document this import added is not one "already present".
            self.existing += key not in new and doc_id <= self.new_after
            new.pop(key, None)  # a second layer of it in this batch is not new again
            if doc.spans:
                owner = doc.annotator or self.checks.annotator
                span_rows += [(doc_id, owner, span[2], span[0], span[1], self.now) for span in doc.spans]
                layers[(doc_id, owner)] = None
                noted += [(doc_id, owner, span) for span in doc.spans if len(span) > 3 and span.note]
        # A span already in its layer (a re-import) is skipped, not an error.
        self.spans_added += unit.add_spans_of_import(span_rows, self.new_after)
        # Someone's spans in a document make it "in progress" for them, as
        # tagging it would (a status already set is left as it is).
        unit.start_layers(list(layers), self.new_after)
        for doc_id, owner, span in noted:  # (few: a note is typed by a person)
            span_id = unit.find_span(Span(span.start, span.end, span.label, owner, doc_id))
            if unit.note(span_id) is None:  # (a note written here since is not overwritten)
                unit.set_note(span_id, doc_id, span.note)

    def result(self) -> ImportResult:
        return ImportResult(self.added, self.existing, self.spans_added, tuple(self.labels_added))
