"""Merging other annotators' project files into this one (issue 12).

A *layer* here is one annotator's spans in one document, with their status
for it. A merge reads each other file strictly read-only, matches documents
by name and exact text (new ones are added), and brings in every layer that
file holds, in one transaction: all of it, or (on any problem) nothing.

Which layers a merge brought in is kept in the project (table
`merged_layers`: where from, and a fingerprint of what was brought), so:

- a layer brought in by a merge is replaced by the next merge of that
  annotator's layer (from whichever file): a newer file's additions and
  deletions come in, as a diff, so spans that stayed keep their ids;
- a layer made here is never replaced silently. Nor is a merged layer that
  was changed here since (its fingerprint no longer matches): the simplest
  honest rule, as the merge cannot tell an edit to keep from one to drop.
  Those, and two files given together holding different layers for the same
  annotator and document, are *clashes*: reported with annotator and
  document, and nothing is merged, unless `prefer` says which side wins
  ("incoming": the files, the last file given among them; "existing": this
  project as it is);
- the same layer on both sides changes nothing, so merging the same files
  again changes nothing, and a layer only this project holds is left alone
  (a file that lacks it is not a deletion), except a merged copy whose
  annotator the file still has: that is the person deleting their spans.
  A layer the other file merged from this very project is this project's
  own work coming back (perhaps older): it is skipped.

Labels the incoming spans use that this project lacks are added (next free
colour and key, like `import --add-labels`) and reported. A merge is not an
undo step in the window (it may touch thousands of layers); it is recorded
in the change log like an import, so other windows follow it.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from annotator.core import files, ops
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.model import (DOCUMENT_STATUSES, MAX_NOTE_LENGTH, Span, document_name_problem, name_problem,
                                  offsets_problem, shown, text_digest)
from annotator.core.storage import Project, open_read_only
from annotator.core.storage.interface import UnitOfWork

PREFERENCES = ("incoming", "existing")
Progress = Callable[[str, int, int], None]  # as importer.Progress; may raise Cancelled
PROGRESS_EVERY = 500
SPAN_SLICE = 50_000  # spans written between two progress reports
_NEW = DOCUMENT_STATUSES[0]

DocKey = tuple[str, str]  # (name, text_sha256): what matches a document
SpanKey = tuple[int, int, str]  # (start, end, label)


@dataclass(frozen=True)
class LayerState:
    """What a layer holds: its spans and its status ("new" when unset)."""

    spans: frozenset[SpanKey]
    status: str = _NEW

    @property
    def empty(self) -> bool:
        return not self.spans and self.status == _NEW

    def fingerprint(self) -> str:
        lines = [f"{start}\t{end}\t{label}" for start, end, label in sorted(self.spans)]
        lines.append(f"status\t{self.status}")
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Clash:
    annotator: str
    document: str
    why: str

    def __str__(self) -> str:
        return f"{self.annotator} in {self.document!r}: {self.why}"


class MergeClash(AnnotatorError):
    """Layers the merge may not decide about alone; nothing was merged."""

    def __init__(self, clashes: list[Clash]):
        self.clashes = clashes
        shown = "\n".join(f"  {c}" for c in clashes[:20])
        more = f"\n  ... and {len(clashes) - 20} more" if len(clashes) > 20 else ""
        super().__init__(
            f"Nothing was merged: {len(clashes)} layer{'s' if len(clashes) != 1 else ''} clash:\n"
            f"{shown}{more}\nChoose which side wins: prefer incoming (the other files' layers "
            "replace these) or prefer existing (this project's layers stay as they are).")


@dataclass(frozen=True)
class MergeResult:
    sources: tuple[str, ...]
    documents_added: int = 0
    documents_matched: int = 0
    layers_added: int = 0
    layers_replaced: int = 0
    spans_added: int = 0
    spans_removed: int = 0
    statuses_set: int = 0
    labels_added: tuple[str, ...] = ()
    resolved: tuple[Clash, ...] = ()  # clashes settled by `prefer`
    notes_added: int = 0
    notes_kept: int = 0  # a span here had a note of its own, kept instead of the incoming one

    @property
    def changed(self) -> bool:
        return bool(self.documents_added or self.layers_added or self.layers_replaced
                    or self.statuses_set or self.labels_added or self.notes_added)

    def summary(self) -> str:
        """The counts in one plain sentence (the CLI and the window show it)."""
        if not self.changed:
            kept = (f" ({_count(self.notes_kept, 'note')} here kept: the files hold different ones)"
                    if self.notes_kept else "")
            return f"nothing to change (everything in them is here already){kept}."
        parts = [_count(self.documents_added, "document") + " added",
                 f"{_count(self.layers_added, 'layer')} added, {self.layers_replaced} replaced",
                 f"{_count(self.spans_added, 'span')} added, {self.spans_removed} removed"]
        if self.statuses_set:
            parts.append(_count(self.statuses_set, "status", "statuses") + " set")
        if self.notes_added:
            parts.append(_count(self.notes_added, "note") + " added")
        if self.notes_kept:
            parts.append(f"{_count(self.notes_kept, 'note')} here kept (the files hold different ones)")
        if self.labels_added:
            parts.append(f"new labels: {', '.join(self.labels_added)}")
        if self.resolved:
            parts.append(_count(len(self.resolved), "clash", "clashes") + " settled by preference")
        return "; ".join(parts) + "."


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


@dataclass
class _Source:
    """What one other file holds, read before anything is written."""

    name: str  # as given, for messages
    file_id: int
    layers: dict[tuple[DocKey, str], LayerState] = field(default_factory=dict)
    annotators: set[str] = field(default_factory=set)
    documents: list[DocKey] = field(default_factory=list)
    # {(document, annotator): {span: its note}}: notes travel with their spans
    notes: dict[tuple[DocKey, str], dict[SpanKey, str]] = field(default_factory=dict)


def merge_projects(project: Project, paths: Iterable[str | os.PathLike], *, prefer: str | None = None,
                   progress: Progress | None = None) -> MergeResult:
    """Merge the project files `paths` into `project` in one transaction
    (see the module's docstring). Raises MergeClash (nothing merged) for
    clashes `prefer` does not settle, ProjectError naming the file for one
    that cannot be read as a project."""
    if prefer not in (None, *PREFERENCES):
        raise AnnotatorError(f"prefer must be one of {', '.join(PREFERENCES)}, not {prefer!r}")
    paths = [Path(p) for p in paths]
    if not paths:
        raise AnnotatorError("no project files given to merge")
    texts: dict[DocKey, tuple[str, dict]] = {}  # documents not here yet: text and meta
    sources = _read_sources(project, paths, texts, progress)
    with project.write() as unit:
        result = _merge(unit, sources, texts, prefer, progress)
    if result.labels_added:
        project.forget_cached()
    return result


# ----------------------------------------------------------------- reading

def _read_sources(project: Project, paths: list[Path], texts: dict, progress: Progress | None
                  ) -> list[_Source]:
    here = {(name, digest) for _, name, digest in project.document_keys()}
    sources, seen = [], set()
    for path in paths:
        if files.inode(path) is not None and files.inode(path) == files.inode(project.path):
            raise ProjectError(f"{path}: is this project itself; nothing was merged")
        if files.inode(path) in seen:
            continue  # the same file named twice: merged once
        seen.add(files.inode(path))
        with open_read_only(path) as other:
            if other.file_id and other.file_id == project.file_id:
                raise ProjectError(f"{path}: is a copy of this project (it carries the same file id), "
                                   "not another annotator's; nothing was merged")
            sources.append(_read_source(project, other, str(path), here, texts, progress))
    return sources


def _read_source(project: Project, other: Project, name: str, here: set[DocKey], texts: dict,
                 progress: Progress | None) -> _Source:
    source = _Source(name, other.file_id)
    keys: dict[int, DocKey] = {}
    lengths: dict[int, int] = {}
    doc_rows = other.document_keys()
    for n, (doc_id, doc_name, _stored_digest) in enumerate(doc_rows):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(f"Reading {Path(name).name}", n, len(doc_rows))
        problem = document_name_problem(doc_name)
        if problem:
            raise ProjectError(f"{name}: document {doc_id}: {problem}; nothing was merged")
        # The digest is computed here, not trusted from the file: documents
        # are matched by their exact text.
        try:
            document = other.document(doc_id)
        except ValueError:  # its meta is not JSON
            raise ProjectError(f"{name}: document {doc_id} cannot be read (the file is damaged); "
                               "nothing was merged") from None
        key = (doc_name, text_digest(document.text))
        keys[doc_id], lengths[doc_id] = key, len(document.text)
        source.documents.append(key)
        if key not in here and key not in texts:
            texts[key] = (document.text, document.meta)
    # Layers this file merged from the project being merged into are our
    # own work coming back (perhaps older than ours): not the file's.
    returned = {layer for layer, (source_id, _, _) in other.merged_layers().items()
                if project.file_id and source_id == project.file_id}
    spans: dict[tuple[int, str], set[SpanKey]] = defaultdict(set)
    for doc_id, annotator, start, end, label in other.span_rows():
        spans[(doc_id, annotator)].add((start, end, label))
        problem = offsets_problem(lengths.get(doc_id, -1), start, end)
        if problem:
            raise ProjectError(f"{name}: a span of {shown(annotator)} in document {doc_id}: {problem}; "
                               "the file is damaged, nothing was merged")
    for doc_id, annotator, start, end, label, note in other.span_note_rows():
        if (doc_id, annotator) in returned or doc_id not in keys:
            continue
        if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
            raise ProjectError(f"{name}: a note of {shown(annotator)} in document {doc_id} is not text of "
                               f"at most {MAX_NOTE_LENGTH:,} characters; the file is damaged, nothing was merged")
        if note:
            source.notes.setdefault((keys[doc_id], annotator), {})[(start, end, label)] = note
    statuses = {(doc_id, annotator): status for doc_id, annotator, status in other.all_statuses()
                if doc_id in keys}
    checked: set[tuple[str, str]] = set()  # each name once (100,000 spans, a few labels)
    for (doc_id, annotator) in spans.keys() | statuses.keys():
        if (doc_id, annotator) in returned:
            continue
        names = {("annotator", annotator)} | {("label", label) for *_, label in spans.get((doc_id, annotator), ())}
        for what, value in names - checked:
            problem = name_problem(value, what)
            if problem:
                raise ProjectError(f"{name}: {problem}; nothing was merged")
        checked |= names
        status = statuses.get((doc_id, annotator), _NEW)
        if status not in DOCUMENT_STATUSES:
            raise ProjectError(f"{name}: unknown status {status!r}; nothing was merged")
        state = LayerState(frozenset(spans.get((doc_id, annotator), ())), status)
        if not state.empty:
            source.layers[(keys[doc_id], annotator)] = state
            source.annotators.add(annotator)
    return source


# ----------------------------------------------------------------- merging

@dataclass
class _Counts:
    documents_added: int = 0
    documents_matched: int = 0
    layers_added: int = 0
    layers_replaced: int = 0
    spans_added: int = 0
    spans_removed: int = 0
    statuses_set: int = 0
    notes_added: int = 0
    notes_kept: int = 0


def _merge(unit: UnitOfWork, sources: list[_Source], texts: dict, prefer: str | None,
           progress: Progress | None) -> MergeResult:
    counts = _Counts()
    all_keys = list(dict.fromkeys(key for source in sources for key in source.documents))
    stored = unit.documents_named({name for name, _ in all_keys})
    now = unit.now()
    doc_ids: dict[DocKey, int] = {}
    for key in all_keys:
        if key in stored:
            doc_ids[key] = stored[key]
            counts.documents_matched += 1
        elif key in texts:
            text, meta = texts[key]
            doc_ids[key] = unit.insert_document(key[0], text, key[1], meta, now)
            counts.documents_added += 1
        else:  # here when the files were read, gone now: documents are never removed
            raise ProjectError("the project changed while the files were read; nothing was merged, "
                               "try again")
    key_of = {doc_id: key for key, doc_id in doc_ids.items()}
    names = {doc_id: key[0] for key, doc_id in doc_ids.items()}
    merged = unit.merged_layers()
    plan, clashes, resolved = [], [], []
    noted: list[tuple[int, str, dict[SpanKey, str]]] = []  # notes of the layers taken or equal

    def clash(annotator: str, doc_id: int, why: str) -> bool:
        """Note a clash; whether the incoming layer is to be taken."""
        found = Clash(annotator, names[doc_id], why)
        (clashes if prefer is None else resolved).append(found)
        return prefer == "incoming"

    for n, (doc_id, annotator, given) in enumerate(_incoming(sources, doc_ids, merged)):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress("Comparing layers", n, 0)
        source, incoming = given[-1]  # with `prefer` "incoming", the last file given wins
        settled = False
        if len(set(state for _, state in given)) > 1:
            files_named = ", ".join(other.name for other, _ in given)
            if not clash(annotator, doc_id, f"the files given hold different layers ({files_named})"):
                continue
            settled = True
        local_spans = unit.layer(doc_id, annotator)
        local = LayerState(frozenset((s.start, s.end, s.label) for s in local_spans),
                           unit.status(doc_id, annotator) or _NEW)
        notes = source.notes.get((key_of[doc_id], annotator))
        if local == incoming:
            if notes:
                noted.append((doc_id, annotator, notes))
            continue
        record = merged.get((doc_id, annotator))
        if record is None and incoming.empty:
            continue  # only here: a file that lacks it is not deleting it
        if settled:
            pass
        elif record is None and not local.empty:
            if not clash(annotator, doc_id, f"made here, and {source.name} holds a different one"):
                continue
        elif record is not None and local.fingerprint() != record[2]:
            if not clash(annotator, doc_id, f"merged from {record[1]}, then changed here; "
                                            f"{source.name} holds a different one"):
                continue
        plan.append((doc_id, annotator, local_spans, local, incoming, source))
        if notes:
            noted.append((doc_id, annotator, notes))
    if clashes:
        raise MergeClash(clashes)
    labels_added = _add_labels(unit, plan)
    _apply(unit, plan, counts, now, progress)
    _add_notes(unit, noted, counts)
    return MergeResult(tuple(s.name for s in sources), counts.documents_added, counts.documents_matched,
                       counts.layers_added, counts.layers_replaced, counts.spans_added, counts.spans_removed,
                       counts.statuses_set, labels_added, tuple(resolved), counts.notes_added, counts.notes_kept)


def _incoming(sources: list[_Source], doc_ids: dict[DocKey, int], merged: dict):
    """(doc_id, annotator, [(source, LayerState)...] in the order given) for
    every layer the files bring: the ones they hold, and an empty one where
    a file still has the annotator and the document but no longer that
    layer, which an earlier merge brought here (the person deleted it)."""
    held: dict[tuple[int, str], list[tuple[_Source, LayerState]]] = defaultdict(list)
    for source in sources:
        for (key, annotator), state in source.layers.items():
            held[(doc_ids[key], annotator)].append((source, state))
    yield from ((doc_id, annotator, given) for (doc_id, annotator), given in held.items())
    documents = [(source, {doc_ids[key] for key in source.documents}) for source in sources]
    for doc_id, annotator in merged:
        if (doc_id, annotator) in held:
            continue
        for source, ids in reversed(documents):
            if annotator in source.annotators and doc_id in ids:
                yield doc_id, annotator, [(source, LayerState(frozenset()))]
                break


def _add_notes(unit: UnitOfWork, noted: list, counts: _Counts) -> None:
    """Give the merged spans the notes they carry. A note is never lost: a
    span here with a note of its own keeps it (a different incoming one is
    counted, not written over); one without gets the incoming note."""
    for doc_id, annotator, notes in noted:
        for (start, end, label), note in notes.items():
            span_id = unit.find_span(Span(start, end, label, annotator, doc_id))
            if span_id is None:
                continue  # (the layer was not taken after all)
            here = unit.note(span_id)
            if here is None:
                unit.set_note(span_id, doc_id, note)
                counts.notes_added += 1
            elif here != note:
                counts.notes_kept += 1


def _add_labels(unit: UnitOfWork, plan: list) -> tuple[str, ...]:
    """Add the labels the incoming spans use that this project lacks."""
    known = {label.name for label in unit.labels()}
    wanted = sorted({label for *_, incoming, _ in plan for _, _, label in incoming.spans} - known)
    return tuple(label.name for label in ops.add_labels(unit, wanted)) if wanted else ()


def _apply(unit: UnitOfWork, plan: list, counts: _Counts, now: str, progress: Progress | None) -> None:
    """Make each planned layer hold what came in: remove the spans it no
    longer has, add the new ones (those in both keep their ids), set its
    status, and note where it came from."""
    rows = []
    for n, (doc_id, annotator, local_spans, local, incoming, source) in enumerate(plan):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress("Merging layers", n, len(plan))
        if local.empty:
            counts.layers_added += 1
        else:
            counts.layers_replaced += 1
        gone = [span for span in local_spans if (span.start, span.end, span.label) not in incoming.spans]
        if gone:
            counts.spans_removed += unit.delete_spans(gone)
        rows.extend((doc_id, annotator, label, start, end, now)
                    for start, end, label in sorted(incoming.spans - local.spans))
        if incoming.status != local.status:
            unit.set_status(doc_id, annotator, incoming.status)
            counts.statuses_set += 1
        unit.record_merged_layer(doc_id, annotator, source.file_id, Path(source.name).name,
                                 incoming.fingerprint(), now)
    for first in range(0, len(rows), SPAN_SLICE):
        if progress is not None:
            progress("Saving spans", first, len(rows))
        counts.spans_added += unit.add_imported_spans(rows[first:first + SPAN_SLICE])
