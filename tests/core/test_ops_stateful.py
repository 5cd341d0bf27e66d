"""Random sequences of add, remove, relabel, undo and redo, checked against a
plain model after every step (and from a second connection, as another
process or a restart would see it)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from annotator.core import ops
from annotator.core.errors import SpanError
from annotator.core.store import Project

LABELS = ("actor", "organisation", "date", "quote")
TEXT = "Xi 👋 Kim\r\nSunday\u00a0quote"


class OpsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / "p.db"
        self.project = Project.open(self.path)
        with self.project.write() as conn:
            self.doc = conn.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES (?, ?, ?, ?)",
                                    ("d", TEXT, "x", len(TEXT))).lastrowid
        self.model: dict[int, tuple] = {}  # id -> (label, start, end)
        self.undo: list[ops.Change] = []
        self.redo: list[ops.Change] = []

    def teardown(self):
        self.project.close()
        self.tmp.cleanup()

    def _applied(self, change: ops.Change) -> None:
        for span in change.removed:
            del self.model[span.id]
        for span in change.added:
            self.model[span.id] = (span.label, span.start, span.end)

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
        change = ops.add_span(self.project, self.doc, "ann", label, start, end)
        self._applied(change)
        self.undo.append(change)
        self.redo.clear()

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data):
        span_id = data.draw(st.sampled_from(sorted(self.model)))
        change = ops.remove_span(self.project, span_id)
        self._applied(change)
        self.undo.append(change)
        self.redo.clear()

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
        self._applied(change)
        self.undo.append(change)
        self.redo.clear()

    @precondition(lambda self: self.undo)
    @rule()
    def undo_last(self):
        change = self.undo.pop()
        done = ops.apply(self.project, change.inverse())
        self._applied(done)
        self.redo.append(done.inverse())

    @precondition(lambda self: self.redo)
    @rule()
    def redo_last(self):
        change = self.redo.pop()
        done = ops.apply(self.project, change)
        self._applied(done)
        self.undo.append(done)

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


OpsMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestOps = OpsMachine.TestCase
