"""Every change a person makes, as a function that saves it and returns what
changed, so the GUI can refresh just that and undo it.

Each operation runs in its own write transaction: when it returns, the change
is on disk. `Change.inverse()` (see changes.py) describes the undo;
`apply(project, change)` performs any change (used for undo and redo).
"""

from __future__ import annotations

import functools
from annotator.core.changes import Change, StatusChange
from annotator.core.errors import SpanError
from annotator.core.model import DOCUMENT_STATUSES, Span, check_offsets, name_problem
from annotator.core.search import occurrences
from annotator.core.store import Project


# Span(...) without its Python-level __new__: tag-all makes tens of thousands.
_with_id = functools.partial(tuple.__new__, Span)


def add_span(project: Project, doc_id: int, annotator: str, label: str, start: int, end: int) -> Change:
    span = Span(start=start, end=end, label=label, annotator=annotator, doc_id=doc_id)
    return apply(project, Change(added=(span,)))


def tag_span(project: Project, doc_id: int, annotator: str, label: str, start: int, end: int) -> Change:
    """A person tags a stretch of text: the span, and (the first time) the
    document is "in progress" for them, in one commit and one undo step."""
    with project.write():
        change = add_span(project, doc_id, annotator, label, start, end)
        return Change(added=change.added, statuses=_started(project, doc_id, annotator))


def tag_all(project: Project, span: Span, text: str) -> Change:
    """Give every other occurrence of `span`'s text in its document (`text`)
    the same label and owner, skipping those already tagged so."""
    others = [Span(s, e, span.label, span.annotator, span.doc_id) for s, e in occurrences(text, span.start, span.end)]
    if not others:
        return Change()
    with project.write():
        change = add_spans(project, others)
        return Change(added=change.added, statuses=_started(project, span.doc_id, span.annotator)
                      if change.added else ())


def _started(project: Project, doc_id: int, annotator: str) -> tuple[StatusChange, ...]:
    """A document someone has tagged in is no longer "new" to them."""
    if project.status(doc_id, annotator) != "new":
        return ()
    return set_status(project, doc_id, annotator, "in progress").statuses


def may_change(span: Span, annotator: str) -> bool:
    """Whether `annotator` may relabel or remove `span`: only their own layer."""
    return span.annotator == annotator


def add_spans(project: Project, spans: list[Span]) -> Change:
    """Add several spans in one transaction (tag all occurrences); spans
    already in their layer, or given twice, are skipped.

    Built for tens of thousands at once: each document, annotator and label
    is checked once, offsets in Python, the layer's existing spans read
    with one query per (document, annotator, label), and the rows written
    with one executemany under ids handed out here (we hold the write lock,
    so no one else takes an id meanwhile)."""
    spans = list(dict.fromkeys(span if span.id is None else span._replace(id=None) for span in spans))
    with project.write() as conn:
        lengths: dict[int, int] = {}
        existing: dict[tuple, set] = {}
        new = []
        for span in spans:
            if span.doc_id not in lengths:
                lengths[span.doc_id] = _document_length(conn, span.doc_id)
            layer = (span.doc_id, span.annotator, span.label)
            if layer not in existing:
                _check_names(project, span)
                existing[layer] = _layer_positions(conn, *layer)
            check_offsets(lengths[span.doc_id], span.start, span.end)
            if (span.start, span.end) not in existing[layer]:
                new.append(span)
        first_id = _next_span_id(conn)
        added = tuple(_with_id(span[:5] + (first_id + i,)) for i, span in enumerate(new))
        conn.executemany(
            'INSERT INTO spans (id, doc_id, annotator, label, start, "end") VALUES (?, ?, ?, ?, ?, ?)',
            [(s.id, s.doc_id, s.annotator, s.label, s.start, s.end) for s in added])
    return Change(added=added)


def remove_span(project: Project, span_id: int) -> Change:
    span = project.span(span_id)
    if span is None:
        raise _gone(span_id)
    return apply(project, Change(removed=(span,)))


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
    with project.write() as conn:
        for span in change.removed:
            if conn.execute("DELETE FROM spans WHERE id = ?", (span.id,)).rowcount != 1:
                raise _gone(span.id)
        for before, after in change.relabeled:
            _check_names(project, after)
            if _find_same(conn, after) not in (None, after.id):
                raise SpanError(f"{after.annotator} already has a {after.label!r} span at "
                                f"[{after.start}, {after.end})")
            if conn.execute("UPDATE spans SET label = ? WHERE id = ? AND label = ?",
                            (after.label, after.id, before.label)).rowcount != 1:
                raise SpanError(f"span {before.id} no longer exists as it was (another window may have "
                                "removed or relabelled it)")
        added = []
        for span in change.added:
            _check_span(project, conn, span)
            if _find_same(conn, span) is not None:
                raise SpanError(f"{span.annotator} already has a {span.label!r} span at "
                                f"[{span.start}, {span.end})")
            added.append(_insert(conn, span))
        for status in change.statuses:
            _write_status(conn, status)
    return Change(removed=change.removed, added=tuple(added), relabeled=change.relabeled,
                  statuses=change.statuses)


def set_status(project: Project, doc_id: int, annotator: str, status: str) -> Change:
    """Set `annotator`'s status for a document (undoable, like any change)."""
    previous = project.status(doc_id, annotator)
    if previous == status:
        return Change()
    return apply(project, Change(statuses=(StatusChange(doc_id, annotator, previous, status),)))


def _write_status(conn, status: StatusChange) -> None:
    if status.after not in DOCUMENT_STATUSES:
        raise SpanError(f"unknown status {status.after!r}; use one of {', '.join(DOCUMENT_STATUSES)}")
    conn.execute(
        "INSERT INTO document_status (doc_id, annotator, status) VALUES (?, ?, ?) "
        "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status",
        (status.doc_id, status.annotator, status.after),
    )


def _gone(span_id: int | None) -> SpanError:
    return SpanError(f"span {span_id} no longer exists (another window may have removed it)")


def _check_span(project: Project, conn, span: Span) -> None:
    check_offsets(_document_length(conn, span.doc_id), span.start, span.end)
    _check_names(project, span)


def _document_length(conn, doc_id: int) -> int:
    # INDEXED BY: looked up by id, SQLite reads the table row, and `length`
    # sits after the text, so a 48 MB document cost 16 ms a lookup; the
    # (id, length) index answers in microseconds whatever the size.
    row = conn.execute("SELECT length FROM documents INDEXED BY documents_length WHERE id = ?",
                       (doc_id,)).fetchone()
    if row is None:
        raise SpanError(f"there is no document with id {doc_id}")
    return row[0]


def _check_names(project: Project, span: Span) -> None:
    problem = name_problem(span.annotator, "annotator")
    if problem:
        raise SpanError(problem)
    if span.label not in project.label_names():
        raise SpanError(f"unknown label {span.label!r}; known labels are {', '.join(project.label_names())}")


def _layer_positions(conn, doc_id: int, annotator: str, label: str) -> set[tuple[int, int]]:
    rows = conn.execute('SELECT start, "end" FROM spans WHERE doc_id = ? AND annotator = ? AND label = ?',
                        (doc_id, annotator, label))
    return set(rows)


def _next_span_id(conn) -> int:
    # AUTOINCREMENT keeps the highest id ever used here, so a removed span's
    # id (which undo may put back) is never handed out again.
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
    return (row[0] if row else 0) + 1


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
