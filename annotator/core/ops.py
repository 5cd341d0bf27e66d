"""Every change a person makes, as a function that saves it and returns what
changed, so the GUI can refresh just that and undo it.

Each operation runs in its own write transaction: when it returns, the change
is on disk. `Change.inverse()` describes the undo; `apply(project, change)`
performs a change (used for undo and redo).
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.errors import SpanError
from annotator.core.model import DOCUMENT_STATUSES, Span, check_offsets, name_problem
from annotator.core.store import Project


@dataclass(frozen=True)
class Change:
    """Spans removed and spans added by one operation (a relabel is both)."""

    removed: tuple[Span, ...] = ()
    added: tuple[Span, ...] = ()

    def inverse(self) -> "Change":
        return Change(removed=self.added, added=self.removed)

    @property
    def doc_ids(self) -> set[int]:
        return {span.doc_id for span in self.removed + self.added}


def add_span(project: Project, doc_id: int, annotator: str, label: str, start: int, end: int) -> Change:
    span = Span(start=start, end=end, label=label, annotator=annotator, doc_id=doc_id)
    return apply(project, Change(added=(span,)))


def add_spans(project: Project, spans: list[Span]) -> Change:
    """Add several spans at once (label all occurrences); already present ones are skipped."""
    with project.write() as conn:
        added = []
        for span in spans:
            if _find_same(conn, span) is None:
                _check_span(project, conn, span)
                added.append(_insert(conn, span))
    return Change(added=tuple(added))


def remove_span(project: Project, span_id: int) -> Change:
    span = project.span(span_id)
    if span is None:
        raise SpanError(f"span {span_id} no longer exists (another window may have removed it)")
    return apply(project, Change(removed=(span,)))


def relabel_span(project: Project, span_id: int, label: str) -> Change:
    span = project.span(span_id)
    if span is None:
        raise SpanError(f"span {span_id} no longer exists (another window may have removed it)")
    if span.label == label:
        return Change()
    return apply(project, Change(removed=(span,), added=(span._replace(label=label, id=None),)))


def apply(project: Project, change: Change) -> Change:
    """Remove `change.removed` and add `change.added` in one transaction.

    Spans added with an id keep it (that is how undo restores a span), so
    the returned Change holds the spans as stored, ids included.
    """
    with project.write() as conn:
        for span in change.removed:
            if conn.execute("DELETE FROM spans WHERE id = ?", (span.id,)).rowcount != 1:
                raise SpanError(f"span {span.id} no longer exists (another window may have removed it)")
        added = []
        for span in change.added:
            _check_span(project, conn, span)
            if _find_same(conn, span) is not None:
                raise SpanError(f"{span.annotator} already has a {span.label!r} span at "
                                f"[{span.start}, {span.end})")
            added.append(_insert(conn, span))
    return Change(removed=change.removed, added=tuple(added))


def set_status(project: Project, doc_id: int, annotator: str, status: str) -> str:
    """Set `annotator`'s status for a document; returns the previous status."""
    if status not in DOCUMENT_STATUSES:
        raise SpanError(f"unknown status {status!r}; use one of {', '.join(DOCUMENT_STATUSES)}")
    previous = project.status(doc_id, annotator)
    with project.write() as conn:
        conn.execute(
            "INSERT INTO document_status (doc_id, annotator, status) VALUES (?, ?, ?) "
            "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status",
            (doc_id, annotator, status),
        )
    return previous


def _check_span(project: Project, conn, span: Span) -> None:
    row = conn.execute("SELECT length FROM documents WHERE id = ?", (span.doc_id,)).fetchone()
    if row is None:
        raise SpanError(f"there is no document with id {span.doc_id}")
    check_offsets(row[0], span.start, span.end)
    problem = name_problem(span.annotator, "annotator")
    if problem:
        raise SpanError(problem)
    if span.label not in project.label_names():
        raise SpanError(f"unknown label {span.label!r}; known labels are {', '.join(project.label_names())}")


def _find_same(conn, span: Span) -> int | None:
    row = conn.execute(
        'SELECT id FROM spans WHERE doc_id = ? AND annotator = ? AND label = ? AND start = ? AND "end" = ?',
        (span.doc_id, span.annotator, span.label, span.start, span.end),
    ).fetchone()
    return row[0] if row else None


def _insert(conn, span: Span) -> Span:
    cursor = conn.execute(
        'INSERT INTO spans (id, doc_id, annotator, label, start, "end") VALUES (?, ?, ?, ?, ?, ?)',
        (span.id, span.doc_id, span.annotator, span.label, span.start, span.end),
    )
    return span._replace(id=cursor.lastrowid)
