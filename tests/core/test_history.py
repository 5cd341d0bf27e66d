"""The undo history: steps named for the Edit menu, undone and redone in
order, and an undo that fails stays to be tried again. (`doc`: the
document fixture of test_ops.)"""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.errors import SpanError
from annotator.core.history import History
from tests.core.test_ops import doc  # noqa: F401  (a fixture)


def test_steps_are_named_and_undone_and_redone_in_order(project, doc):
    history = History()
    history.push(ops.add_span(project, doc, "ann", "actor", 0, 10), "tag “Xi Jinping” as actor")
    history.push(ops.set_status(project, doc, "ann", "done"), "mark done")
    assert history.undo_description == "mark done" and history.redo_description is None
    history.undone(ops.apply(project, history.next_undo()))
    assert project.status(doc, "ann") == "new"
    assert (history.undo_description, history.redo_description) == ("tag “Xi Jinping” as actor", "mark done")
    history.undone(ops.apply(project, history.next_undo()))
    assert project.spans(doc) == []
    history.redone(ops.apply(project, history.next_redo()))
    assert [s.label for s in project.spans(doc)] == ["actor"]
    history.push(ops.add_span(project, doc, "ann", "date", 30, 36), "tag “Sunday” as date")
    assert history.redo_description is None  # a new step ends what could be redone


def test_an_undo_that_fails_keeps_its_step(project, doc):
    history = History()
    span = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    history.push(ops.relabel_span(project, span.id, "organisation"), "relabel as organisation")
    ops.remove_span(project, span.id)  # another window removes it meanwhile
    with pytest.raises(SpanError):
        ops.apply(project, history.next_undo())
    assert history.undo_description == "relabel as organisation"  # still there, to try again
    assert history.next_undo() is not None
