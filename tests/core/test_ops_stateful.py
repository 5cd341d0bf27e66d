"""Random sequences of add, remove, relabel, status, undo and redo, driving
the core undo history as the window does, checked against a plain model
after every step (and from a second connection, as another process or a
restart would see it). Relabels, and their undo and redo, keep the id."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from annotator.core import ops
from annotator.core.errors import SpanError
from annotator.core.history import History
from annotator.core.storage import Project

LABELS = ("actor", "organisation", "date", "quote")
TEXT = "Xi 👋 Kim\r\nSunday\u00a0quote"


class OpsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / "p.db"
        self.project = Project.open(self.path)
        with self.project.write() as unit:
            self.doc = unit.insert_document("d", TEXT, "x", {}, unit.now())
        self.model: dict[int, tuple] = {}  # id -> (label, start, end)
        self.status = "new"
        self.history = History()

    def teardown(self):
        self.project.close()
        self.tmp.cleanup()

    def _applied(self, change: ops.Change) -> None:
        for span in change.spans_before:
            del self.model[span.id]
        for span in change.spans_after:
            self.model[span.id] = (span.label, span.start, span.end)
        for status in change.statuses:
            assert status.before == self.status
            self.status = status.after

    def _done(self, change: ops.Change, what: str) -> None:
        self._applied(change)
        self.history.push(change, what)

    def _exists(self, label, start, end) -> bool:
        return (label, start, end) in self.model.values()

    @rule(start=st.integers(0, len(TEXT) - 1), length=st.integers(1, 8), label=st.sampled_from(LABELS))
    def add(self, start, length, label):
        end = min(len(TEXT), start + length)
        if self._exists(label, start, end):
            try:
                ops.add_span(self.project, self.doc, "ann", label, start, end)
            except SpanError:
                return
            raise AssertionError("a duplicate span was accepted")
        self._done(ops.add_span(self.project, self.doc, "ann", label, start, end), "add")

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data):
        span_id = data.draw(st.sampled_from(sorted(self.model)))
        self._done(ops.remove_span(self.project, span_id), "remove")

    @precondition(lambda self: self.model)
    @rule(data=st.data(), label=st.sampled_from(LABELS))
    def relabel(self, data, label):
        span_id = data.draw(st.sampled_from(sorted(self.model)))
        old_label, start, end = self.model[span_id]
        if label != old_label and self._exists(label, start, end):
            try:
                ops.relabel_span(self.project, span_id, label)
            except SpanError:
                return  # and the old span must still be there: checked by the invariant
            raise AssertionError("relabelling onto an existing span was accepted")
        change = ops.relabel_span(self.project, span_id, label)
        if label == old_label:
            assert change == ops.Change()
            return
        assert [after.id for _, after in change.relabeled] == [span_id]  # in place
        self._done(change, "relabel")

    @rule(status=st.sampled_from(("new", "in progress", "done")))
    def set_status(self, status):
        self._done(ops.set_status(self.project, self.doc, "ann", status), "status")

    @precondition(lambda self: self.history.undo_description is not None)
    @rule()
    def undo_last(self):
        done = ops.apply(self.project, self.history.next_undo())
        self._applied(done)
        self.history.undone(done)

    @precondition(lambda self: self.history.redo_description is not None)
    @rule()
    def redo_last(self):
        done = ops.apply(self.project, self.history.next_redo())
        self._applied(done)
        self.history.redone(done)

    @invariant()
    def store_matches_model(self):
        stored = {s.id: (s.label, s.start, s.end) for s in self.project.spans(self.doc, "ann")}
        assert stored == self.model
        conn = sqlite3.connect(self.path)  # what another process (or a restart) sees
        try:
            rows = conn.execute('SELECT id, label, start, "end" FROM spans').fetchall()
        finally:
            conn.close()
        assert {r[0]: r[1:] for r in rows} == self.model
        assert self.project.status(self.doc, "ann") == self.status


OpsMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestOps = OpsMachine.TestCase
