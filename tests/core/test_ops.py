"""Annotation operations: each saves at once, returns what changed, and can
be undone; refused operations change nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotator.core import ops
from annotator.core.errors import SpanError
from annotator.core.importer import import_files
from annotator.core.model import Span
from tests.core.helpers import snapshot, spans_as_text


@pytest.fixture
def doc(project, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Xi Jinping met Kim Jong-un on Sunday 👋 in Beijing.", encoding="utf-8")
    import_files(project, [path], annotator="ann")
    return project.document_summaries("ann")[0].id


def test_core_does_not_load_qt(tmp_path):
    # In a fresh interpreter (pytest-qt has loaded Qt into this one): every
    # core module, used for real, pulls in no Qt and no GUI.
    code = f"""
import pkgutil, importlib, sys
import annotator.core as core
for m in pkgutil.walk_packages(core.__path__, "annotator.core."):
    importlib.import_module(m.name)
from annotator.core.storage import Project
from annotator.core import ops
with Project.open({str(tmp_path / 'p.db')!r}) as p:
    with p.write() as unit:
        unit.insert_document("d", "abc", "x", {{}}, unit.now())
    ops.add_span(p, 1, "a", "actor", 0, 2)
print(sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "annotator.gui"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_add_span_is_stored_with_its_text(project, project_path, doc):
    change = ops.add_span(project, doc, "ann", "actor", 0, 10)
    assert change.removed == () and len(change.added) == 1
    span = change.added[0]
    assert span.id is not None and (span.start, span.end, span.label) == (0, 10, "actor")
    assert spans_as_text(project_path) == {("doc", "ann", "actor", 0, 10, "Xi Jinping")}
    assert change.doc_ids == {doc}


def test_offsets_after_an_emoji_count_code_points(project, project_path, doc):
    text = project.document(doc).text
    start = text.index("Beijing")
    ops.add_span(project, doc, "ann", "organisation", start, start + 7)
    assert ("doc", "ann", "organisation", start, start + 7, "Beijing") in spans_as_text(project_path)


def test_overlapping_and_nested_spans_of_other_labels_are_allowed(project, doc):
    ops.add_span(project, doc, "ann", "quote", 0, 25)
    ops.add_span(project, doc, "ann", "actor", 0, 10)
    ops.add_span(project, doc, "ann", "organisation", 5, 20)
    ops.add_span(project, doc, "other", "quote", 0, 25)  # same span, another annotator
    assert len(project.spans(doc)) == 4


@pytest.mark.parametrize("annotator, label, start, end, fragment", [
    ("ann", "actor", 0, 0, "before its end"),
    ("ann", "actor", 5, 2, "before its end"),
    ("ann", "actor", -1, 2, "negative"),
    ("ann", "actor", 0, 10_000, "past the end"),
    ("ann", "actor", 0.0, 2, "integer"),
    ("ann", "actor", True, 2, "integer"),
    ("ann", "nonsense", 0, 2, "unknown label 'nonsense'; known labels are actor, organisation, date, quote"),
    ("", "actor", 0, 2, "annotator is empty"),
    ("a\nb", "actor", 0, 2, "control"),
])
def test_refused_span_changes_nothing(project, project_path, doc, annotator, label, start, end, fragment):
    before = snapshot(project_path)
    with pytest.raises(SpanError) as e:
        ops.add_span(project, doc, annotator, label, start, end)
    assert fragment in str(e.value)
    assert snapshot(project_path) == before


def test_an_exact_duplicate_is_refused(project, project_path, doc):
    ops.add_span(project, doc, "ann", "actor", 0, 10)
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="already has"):
        ops.add_span(project, doc, "ann", "actor", 0, 10)
    assert snapshot(project_path) == before


def test_missing_document_is_refused(project, doc):
    with pytest.raises(SpanError, match="no document"):
        ops.add_span(project, doc + 99, "ann", "actor", 0, 1)


def test_remove_and_undo_restores_the_same_span_and_id(project, doc):
    added = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    removed = ops.remove_span(project, added.id)
    assert removed.removed == (added,) and project.spans(doc) == []
    restored = ops.apply(project, removed.inverse())
    assert restored.added == (added,)
    assert project.spans(doc) == [added]
    # Redo the removal, then undo the add as a whole.
    ops.apply(project, removed)
    assert project.spans(doc) == []


def test_relabel_keeps_the_span_and_its_id_through_undo_and_redo(project, doc):
    added = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    change = ops.relabel_span(project, added.id, "organisation")
    assert change.relabeled == ((added, added._replace(label="organisation")),)
    assert project.spans(doc) == [added._replace(label="organisation")]  # same id
    undone = ops.apply(project, change.inverse())
    assert project.spans(doc) == [added]
    ops.apply(project, undone.inverse())  # redo
    assert project.spans(doc) == [added._replace(label="organisation")]
    assert ops.relabel_span(project, added.id, "organisation") == ops.Change()


def test_a_relabel_whose_span_changed_meanwhile_is_refused(project, project_path, doc):
    added = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    change = ops.relabel_span(project, added.id, "organisation")
    ops.relabel_span(project, added.id, "date")  # another window, say
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="no longer exists as it was"):
        ops.apply(project, change.inverse())
    assert snapshot(project_path) == before


def test_operations_on_a_span_already_gone_are_refused_cleanly(project, project_path, doc):
    added = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    ops.remove_span(project, added.id)
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="no longer exists"):
        ops.remove_span(project, added.id)
    with pytest.raises(SpanError, match="no longer exists"):
        ops.relabel_span(project, added.id, "date")
    with pytest.raises(SpanError, match="no longer exists"):
        ops.apply(project, ops.Change(removed=(added,)))
    assert snapshot(project_path) == before


def test_a_change_failing_half_way_leaves_nothing_behind(project, project_path, doc):
    good = Span(0, 10, "actor", "ann", doc)
    bad = Span(0, 10_000, "actor", "ann", doc)
    before = snapshot(project_path)
    with pytest.raises(SpanError):
        ops.apply(project, ops.Change(added=(good, bad)))
    assert snapshot(project_path) == before


def test_add_spans_skips_existing_ones_and_checks_the_rest(project, project_path, doc):
    first = ops.add_span(project, doc, "ann", "actor", 0, 2).added[0]
    change = ops.add_spans(project, [Span(0, 2, "actor", "ann", doc), Span(15, 18, "actor", "ann", doc)])
    assert [(s.start, s.end) for s in change.added] == [(15, 18)]
    assert [s.id for s in project.spans(doc)][0] == first.id
    before = snapshot(project_path)
    with pytest.raises(SpanError):
        ops.add_spans(project, [Span(20, 22, "actor", "ann", doc), Span(20, 22, "bogus", "ann", doc)])
    assert snapshot(project_path) == before


def test_status(project, doc):
    assert project.status(doc, "ann") == "new"
    change = ops.set_status(project, doc, "ann", "done")
    assert project.status(doc, "ann") == "done" and project.status(doc, "other") == "new"
    ops.apply(project, change.inverse())  # marking done is undoable
    assert project.status(doc, "ann") == "new"
    ops.apply(project, change)
    assert ops.set_status(project, doc, "ann", "done") == ops.Change()
    with pytest.raises(SpanError, match="unknown status"):
        ops.set_status(project, doc, "ann", "finished")
    assert project.status(doc, "ann") == "done"


def test_tag_all_never_hands_out_an_id_that_undo_will_put_back(project, doc):
    first = ops.add_span(project, doc, "ann", "actor", 0, 2).added[0]
    removed = ops.remove_span(project, ops.add_span(project, doc, "ann", "actor", 3, 10).added[0].id)
    many = ops.add_spans(project, [Span(15, 18, "actor", "ann", doc), Span(19, 27, "actor", "ann", doc)])
    assert {s.id for s in many.added}.isdisjoint({first.id, removed.removed[0].id})
    ops.apply(project, removed.inverse())  # undo the removal: its old id comes back
    assert len(project.spans(doc, "ann")) == 4


def test_tag_all_adds_each_span_once_and_skips_those_already_there(project, doc):
    ops.add_span(project, doc, "ann", "actor", 0, 2)
    twice = [Span(0, 2, "actor", "ann", doc), Span(15, 18, "actor", "ann", doc), Span(15, 18, "actor", "ann", doc)]
    change = ops.add_spans(project, twice)
    assert [(s.start, s.end) for s in change.added] == [(15, 18)]
    assert sorted((s.start, s.end) for s in project.spans(doc, "ann")) == [(0, 2), (15, 18)]


def test_units_of_work_nest_and_roll_back_together(project, project_path, doc):
    before = snapshot(project_path)
    with pytest.raises(SpanError):
        with project.write():
            ops.add_span(project, doc, "ann", "actor", 0, 2)  # an inner unit: a savepoint
            ops.set_status(project, doc, "ann", "in progress")
            ops.add_span(project, doc, "ann", "bogus", 3, 5)  # fails: everything goes
    assert snapshot(project_path) == before
    with project.write():
        ops.add_span(project, doc, "ann", "actor", 0, 2)
        try:
            ops.add_span(project, doc, "ann", "bogus", 3, 5)
        except SpanError:
            pass  # an inner unit undone alone, the outer one goes on
        ops.set_status(project, doc, "ann", "done")
    assert [(s.start, s.label) for s in project.spans(doc)] == [(0, "actor")]
    assert project.status(doc, "ann") == "done"


def test_tagging_marks_the_document_in_progress_in_the_same_step(project, doc):
    change = ops.tag_span(project, doc, "ann", "actor", 0, 10)
    assert project.status(doc, "ann") == "in progress"
    second = ops.tag_span(project, doc, "ann", "date", 30, 36)
    assert second.statuses == ()  # only the first time
    ops.apply(project, second.inverse())
    ops.apply(project, change.inverse())  # one undo takes both back
    assert project.spans(doc) == [] and project.status(doc, "ann") == "new"


def test_tag_all_finds_whole_words_only_and_skips_what_is_tagged(project, tmp_path):
    path = tmp_path / "xi.txt"
    path.write_text("Xi met Xinhua. Xi left; Xi's aide stayed. Xi", encoding="utf-8")
    import_files(project, [path], annotator="ann")
    doc = project.document_summaries("ann")[0].id
    text = project.document(doc).text
    first = ops.tag_span(project, doc, "ann", "actor", 0, 2).added[0]
    ops.add_span(project, doc, "ann", "actor", 15, 17)  # already tagged
    change = ops.tag_all(project, first, text)
    assert sorted((s.start, s.end) for s in change.added) == [(24, 26), (42, 44)]  # not "Xinhua"
    assert ops.tag_all(project, first, text) == ops.Change()  # a second time adds nothing


def test_tagging_never_writes_the_gold_layer(project, doc):
    # Gold is written by review operations only; a person named "gold" tags nothing.
    with pytest.raises(SpanError, match="gold"):
        ops.tag_span(project, doc, "gold", "actor", 0, 10)
    mine = ops.add_span(project, doc, "ann", "actor", 0, 2).added[0]
    with pytest.raises(SpanError, match="gold"):
        ops.tag_all(project, mine._replace(annotator="gold"), "Xi Jinping met Xi")
    assert project.spans(doc, "gold") == []


def test_toggle_done_marks_done_then_back_to_in_progress(project, doc):
    first = ops.toggle_done(project, doc, "ann")
    assert [(s.before, s.after) for s in first.statuses] == [("new", "done")]
    second = ops.toggle_done(project, doc, "ann")
    assert [(s.before, s.after) for s in second.statuses] == [("done", "in progress")]
    ops.apply(project, second.inverse())
    assert project.status(doc, "ann") == "done"


def test_tag_all_skips_occurrences_inside_a_span_of_the_same_label(project, tmp_path):
    path = tmp_path / "xi.txt"
    text = "Xi Jinping met Xi. Xi Jinping left."
    path.write_text(text, encoding="utf-8")
    import_files(project, [path], annotator="ann")
    doc = project.document_summaries("ann")[0].id
    ops.add_span(project, doc, "ann", "actor", 0, 10)
    ops.add_span(project, doc, "ann", "actor", 19, 29)
    xi = ops.add_span(project, doc, "ann", "actor", 15, 17).added[0]
    assert ops.tag_all(project, xi, text) == ops.Change()  # both other "Xi" are inside actors
    # Inside a span of another label is no reason to skip.
    org = ops.add_span(project, doc, "ann", "organisation", 15, 17).added[0]
    added = ops.tag_all(project, org, text).added
    assert sorted((s.start, s.end, s.label) for s in added) == [(0, 2, "organisation"), (19, 21, "organisation")]
