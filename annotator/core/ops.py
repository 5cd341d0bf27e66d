"""Every change a person makes, as a function that saves it and returns what
changed, so the GUI can refresh just that and undo it.

Each operation runs in its own write transaction: when it returns, the change
is on disk. `Change.inverse()` (see changes.py) describes the undo;
`apply(project, change)` performs any change (used for undo and redo).
"""

from __future__ import annotations

from annotator.core import labels as label_schema
from annotator.core.changes import Change, NoteChange, StatusChange
from annotator.core.errors import SpanError
from annotator.core.layers import Layer, may_edit
from annotator.core.model import (DOCUMENT_STATUSES, MAX_NOTE_LENGTH, Label, Span, check_offsets, name_problem, normalize_name,
                                  unpaired_surrogate)
from annotator.core.search import Covered, occurrences
from annotator.core.storage import Project
from annotator.core.storage.interface import UnitOfWork


def add_span(project: Project, doc_id: int, annotator: str, label: str, start: int, end: int) -> Change:
    span = Span(start=start, end=end, label=label, annotator=annotator, doc_id=doc_id)
    return apply(project, Change(added=(span,)))


def tag_span(project: Project, doc_id: int, annotator: str, label: str, start: int, end: int) -> Change:
    """A person tags a stretch of text: the span, and (the first time) the
    document is "in progress" for them, in one commit and one undo step.
    Only into a layer they may edit by tagging (their own: not gold)."""
    _check_may_tag(annotator)
    with project.write():
        change = add_span(project, doc_id, annotator, label, start, end)
        return Change(added=change.added, statuses=_started(project, doc_id, annotator))


def tag_all(project: Project, span: Span, text: str) -> Change:
    """Give every other occurrence of `span`'s text in its document (`text`)
    the same label and owner, skipping those already tagged so."""
    _check_may_tag(span.annotator)
    others = [Span(s, e, span.label, span.annotator, span.doc_id) for s, e in occurrences(text, span.start, span.end)]
    return _tag_many(project, others)


def tag_matches(project: Project, annotator: str, label: str,
                found: dict[int, list[tuple[int, int]]]) -> Change:
    """Tag every match (`found`: document id -> (start, end) list) as
    `label` in `annotator`'s layer, in one unit of work (one undo step).
    Matches already tagged so, or inside a span of that label in the layer,
    are skipped, so doing it again adds nothing. Each document tagged in
    becomes "in progress" for them."""
    _check_may_tag(annotator)
    return _tag_many(project, [Span(s, e, label, annotator, doc_id)
                               for doc_id, places in found.items() for s, e in places])


def _tag_many(project: Project, spans: list[Span]) -> Change:
    if not spans:
        return Change()
    with project.write():
        change = add_spans(project, spans, skip_inside=True)
        statuses = tuple(status for doc_id in dict.fromkeys(s.doc_id for s in change.added)
                         for status in _started(project, doc_id, change.added[0].annotator))
        return Change(added=change.added, statuses=statuses)


def _check_may_tag(annotator: str) -> None:
    if not may_edit(Layer.named(annotator), annotator):
        raise SpanError(f"{annotator!r} is not an annotator's own layer: spans cannot be tagged into "
                        "it (the gold layer is written by review)")


def _started(project: Project, doc_id: int, annotator: str) -> tuple[StatusChange, ...]:
    """A document someone has tagged in is no longer "new" to them."""
    if project.status(doc_id, annotator) != "new":
        return ()
    return set_status(project, doc_id, annotator, "in progress").statuses


def add_spans(project: Project, spans: list[Span], skip_inside: bool = False) -> Change:
    """Add several spans in one transaction (tag all occurrences); spans
    already in their layer, or given twice, are skipped; with `skip_inside`,
    so are spans inside a span of the same label in their layer.

    Built for tens of thousands at once: each document, annotator and label
    is checked once, offsets in Python, the layer's existing spans read
    once per (document, annotator, label), and the new ones stored at once."""
    spans = list(dict.fromkeys(span if span.id is None else span._replace(id=None) for span in spans))
    with project.write() as unit:
        lengths: dict[int, int] = {}
        existing: dict[tuple, set] = {}
        covering: dict[tuple, Covered] = {}
        new = []
        for span in spans:
            if span.doc_id not in lengths:
                lengths[span.doc_id] = _document_length(unit, span.doc_id)
            layer = (span.doc_id, span.annotator, span.label)
            if layer not in existing:
                _check_names(project, span)
                existing[layer] = unit.layer_positions(*layer)
                if skip_inside and existing[layer]:
                    covering[layer] = Covered(existing[layer])
            check_offsets(lengths[span.doc_id], span.start, span.end)
            inside = covering.get(layer)
            if (span.start, span.end) not in existing[layer] and not (inside and inside(span.start, span.end)):
                new.append(span)
        added = unit.insert_new_spans(new)
    return Change(added=added)


def remove_span(project: Project, span_id: int) -> Change:
    span = project.span(span_id)
    if span is None:
        raise _gone(span_id)
    return apply(project, Change(removed=(span,)))  # (its note goes too, and comes back on undo)


def set_note(project: Project, span_id: int, note: str | None, user: str, reviewing: bool = False) -> Change:
    """Give a span a note (free text; None or blank takes it away). Only on
    a span `user` may edit (their own; gold while reviewing)."""
    span = project.span(span_id)
    if span is None:
        raise _gone(span_id)
    if not may_edit(Layer.of(span), user, reviewing=reviewing):
        raise SpanError(f"that span is {span.annotator}'s: only spans of your own layer take your notes")
    note = _clean_note(note)
    with project.write() as unit:
        before = unit.note(span_id)
        if before == note:
            return Change()
        return apply(project, Change(notes=(NoteChange(span.id, span.doc_id, before, note),)))



def _clean_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_LENGTH:
        raise SpanError(f"a note is at most {MAX_NOTE_LENGTH:,} characters; this one has {len(note):,}")
    if unpaired_surrogate(note) is not None:
        raise SpanError("the note holds text that is not valid Unicode")
    return note


def relabel_span(project: Project, span_id: int, label: str) -> Change:
    span = project.span(span_id)
    if span is None:
        raise _gone(span_id)
    if span.label == label:
        return Change()
    # In place, keeping its id: whatever points at the span stays with it.
    return apply(project, Change(relabeled=((span, span._replace(label=label)),)))


def apply(project: Project, change: Change) -> Change:
    """Perform `change` in one transaction: remove, relabel in place, add,
    set statuses. Spans added with an id keep it (that is how undo restores
    a span), so the returned Change holds the spans as stored, ids included.
    A span that is no longer as the change expects (another window removed
    or relabelled it) refuses the whole change.
    """
    with project.write() as unit:
        # Decisions first and last: an accept's decision goes before its
        # gold span does, and comes back after it (core/review.py).
        for decision in change.decisions_removed:
            if not unit.delete_decision(decision):
                raise SpanError(f"review decision {decision.id} no longer exists (another window may "
                                "have taken it back)")
        # A removed span's note goes with it (ON DELETE CASCADE): the change
        # returned carries it, so undo puts the note back with the span.
        noted = {note.span_id for note in change.notes}
        notes = list(change.notes)
        for span in change.removed:
            note = unit.note(span.id) if span.id not in noted else None
            if note is not None:
                notes.append(NoteChange(span.id, span.doc_id, note, None))
            if not unit.delete_span(span):
                raise _gone(span.id)
        if change.schema is not None:
            if tuple(unit.labels()) != change.schema.before:
                raise SpanError("the labels were changed meanwhile (in another window?); nothing was changed")
            unit.replace_labels(change.schema.after, change.schema.renamed)
            project.forget_cached()
        for before, after in change.relabeled:
            _check_names(project, after)
            if unit.find_span(after) not in (None, after.id):
                raise SpanError(f"{after.annotator} already has a {after.label!r} span at "
                                f"[{after.start}, {after.end})")
            if (before.start, before.end) != (after.start, after.end):
                _check_may_move(unit, before, after)
                done = unit.move_span(before, after)
            else:
                done = unit.relabel_span(before, after.label)
            if not done:
                raise SpanError(f"span {before.id} no longer exists as it was (another window may have "
                                "removed or relabelled it)")
        added = []
        for span in change.added:
            _check_span(project, unit, span)
            if unit.find_span(span) is not None:
                raise SpanError(f"{span.annotator} already has a {span.label!r} span at "
                                f"[{span.start}, {span.end})")
            added.append(unit.insert_span(span))
        for status in change.statuses:
            if status.after not in DOCUMENT_STATUSES:
                raise SpanError(f"unknown status {status.after!r}; use one of {', '.join(DOCUMENT_STATUSES)}")
            unit.set_status(status.doc_id, status.annotator, status.after)
        for note in change.notes:
            unit.set_note(note.span_id, note.doc_id, _clean_note(note.after))
        decisions = unit.insert_decisions(list(change.decisions_added)) if change.decisions_added else ()
    if change.schema is not None:
        project.forget_cached()  # (again: a failed unit must not leave the new schema cached)
    return Change(removed=change.removed, added=tuple(added), relabeled=change.relabeled,
                  statuses=change.statuses, decisions_removed=change.decisions_removed,
                  decisions_added=decisions, schema=change.schema, notes=tuple(notes))


def _check_may_move(unit: UnitOfWork, before: Span, after: Span) -> None:
    """A span moved in place stays the same span: same id, same layer.
    (Who may move it is the operation's to check: move_span, review.edit_gold.)"""
    if after.annotator != before.annotator or after.id != before.id or after.doc_id != before.doc_id:
        raise SpanError(f"span {before.id} cannot be moved in place into another layer or document")
    check_offsets(_document_length(unit, after.doc_id), after.start, after.end)


def move_span(project: Project, span_id: int, start: int, end: int, user: str) -> Change:
    """Give a span new boundaries in place (its id, label and notes kept):
    only one of `user`'s own layer."""
    span = project.span(span_id)
    if span is None:
        raise _gone(span_id)
    if not may_edit(Layer.of(span), user):
        raise SpanError(f"that span is {span.annotator}'s: only spans of your own layer can be moved")
    if (start, end) == (span.start, span.end):
        return Change()
    return apply(project, Change(relabeled=((span, span._replace(start=start, end=end)),)))


def toggle_done(project: Project, doc_id: int, annotator: str) -> Change:
    """Mark a document done for `annotator`; if it already is, back to "in progress"."""
    status = "in progress" if project.status(doc_id, annotator) == "done" else "done"
    return set_status(project, doc_id, annotator, status)


def set_status(project: Project, doc_id: int, annotator: str, status: str) -> Change:
    """Set `annotator`'s status for a document (undoable, like any change)."""
    previous = project.status(doc_id, annotator)
    if previous == status:
        return Change()
    return apply(project, Change(statuses=(StatusChange(doc_id, annotator, previous, status),)))


def _gone(span_id: int | None) -> SpanError:
    return SpanError(f"span {span_id} no longer exists (another window may have removed it)")


def _check_span(project: Project, unit: UnitOfWork, span: Span) -> None:
    check_offsets(_document_length(unit, span.doc_id), span.start, span.end)
    _check_names(project, span)


def _document_length(unit: UnitOfWork, doc_id: int) -> int:
    length = unit.document_length(doc_id)
    if length is None:
        raise SpanError(f"there is no document with id {doc_id}")
    return length


def _check_names(project: Project, span: Span) -> None:
    problem = name_problem(span.annotator, "annotator")
    if problem:
        raise SpanError(problem)
    if span.label not in project.label_names():
        raise SpanError(f"unknown label {span.label!r}; known labels are {', '.join(project.label_names())}")


def add_labels(unit: UnitOfWork, names: list[str]) -> list[Label]:
    """Add labels that do not exist yet, with the next free colour and digit,
    in the unit of work `unit`."""
    existing = unit.labels()
    known = {label.name for label in existing}
    used_keys = {label.hotkey for label in existing}
    added = []
    for name in map(normalize_name, names):
        if name in known:
            continue
        problem = name_problem(name)
        if problem:
            raise SpanError(problem)
        color = label_schema.EXTRA_COLORS[(len(known) - 4) % len(label_schema.EXTRA_COLORS)] if len(known) >= 4 else label_schema.EXTRA_COLORS[0]
        hotkey = next((k for k in "123456789" if k not in used_keys), None)
        used_keys.add(hotkey)
        added.append(Label(name=name, color=color, hotkey=hotkey))
        known.add(name)
    if added:
        unit.insert_labels(added)
    return added
