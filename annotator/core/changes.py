"""What one step a person takes changes, as data that can be turned around.

A `Change` is what `ops` returns and what the undo history keeps: spans
removed and added, spans relabelled in place (same id, so anything pointing
at a span survives a relabel and its undo), and document statuses. Its
`inverse()` is the change that takes it back; `ops.apply` performs any
change in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from annotator.core.model import Label, Span


class Decision(NamedTuple):
    """A reviewer's decision on one reading (start, end, label) of a
    document (core/review.py): "accept" (it went into gold as
    `gold_span_id`), "reject", "edit" (the gold span `gold_span_id` was
    given this position and label), or "reviewed" (the whole document is
    marked reviewed: no position or label). `id` is None until stored; a
    decision put back by undo keeps its id."""

    doc_id: int
    start: int
    end: int
    label: str | None
    decision: str
    reviewer: str
    decided_at: str
    gold_span_id: int | None = None
    id: int | None = None


class SchemaChange(NamedTuple):
    """The label schema from `before` to `after` (every label, in order),
    with the renames between them (old name, new name): a rename carries
    the label's spans along, which a remove and an add would not."""

    before: tuple[Label, ...]
    after: tuple[Label, ...]
    renamed: tuple[tuple[str, str], ...] = ()

    def inverse(self) -> "SchemaChange":
        return SchemaChange(self.after, self.before, tuple((new, old) for old, new in self.renamed))


class NoteChange(NamedTuple):
    """A span's note from `before` to `after` (None: no note)."""

    span_id: int
    doc_id: int
    before: str | None
    after: str | None

    def inverse(self) -> "NoteChange":
        return NoteChange(self.span_id, self.doc_id, self.after, self.before)


class StatusChange(NamedTuple):
    """One annotator's status of one document, from `before` to `after`."""

    doc_id: int
    annotator: str
    before: str
    after: str

    def inverse(self) -> "StatusChange":
        return StatusChange(self.doc_id, self.annotator, self.after, self.before)


@dataclass(frozen=True)
class Change:
    removed: tuple[Span, ...] = ()
    added: tuple[Span, ...] = ()
    # (before, after): the same span (same id) with another label; in the
    # gold layer, edited in review, also other boundaries.
    relabeled: tuple[tuple[Span, Span], ...] = ()
    statuses: tuple[StatusChange, ...] = ()
    # Review decisions stored and taken back (core/review.py).
    decisions_removed: tuple[Decision, ...] = ()
    decisions_added: tuple[Decision, ...] = ()
    # The label schema (core/schema.py): applied after `removed` spans go
    # (a label is removed only once no span uses it) and before spans are
    # relabelled or added (undo puts a label back before its spans).
    schema: SchemaChange | None = None
    # Span notes, set after spans are added (undoing a removal puts the
    # span back first, then its note).
    notes: tuple[NoteChange, ...] = ()

    def inverse(self) -> "Change":
        return Change(removed=self.added, added=self.removed,
                      relabeled=tuple((after, before) for before, after in self.relabeled),
                      statuses=tuple(s.inverse() for s in reversed(self.statuses)),
                      decisions_removed=self.decisions_added, decisions_added=self.decisions_removed,
                      schema=self.schema.inverse() if self.schema is not None else None,
                      notes=tuple(n.inverse() for n in reversed(self.notes)))

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self.relabeled or self.statuses
                    or self.decisions_removed or self.decisions_added or self.schema is not None
                    or self.notes)

    @property
    def spans_before(self) -> tuple[Span, ...]:
        """Every span as it was and is no more (removed, or relabelled from)."""
        return self.removed + tuple(before for before, _ in self.relabeled)

    @property
    def spans_after(self) -> tuple[Span, ...]:
        """Every span as it now is (added, or relabelled to)."""
        return self.added + tuple(after for _, after in self.relabeled)

    @property
    def doc_ids(self) -> set[int]:
        return ({span.doc_id for span in self.spans_before + self.spans_after}
                | {s.doc_id for s in self.statuses}
                | {d.doc_id for d in self.decisions_removed + self.decisions_added}
                | {n.doc_id for n in self.notes})
