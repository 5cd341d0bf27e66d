"""Span notes: set, changed, taken away, undone; they go and come back with
their span; JSONL carries them both ways, literally."""

from __future__ import annotations

import io

import pytest

from annotator.core import exporter, ops
from annotator.core.errors import ImportRejected, SpanError
from annotator.core.formats import jsonl
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import snapshot, write_jsonl

TEXT = "Xi Jinping met Kim Jong-un on Sunday in Beijing."
NOTE = "<b>unsure</b> — is this the “same” person?\nSee line 2 & the 🙂"


@pytest.fixture
def span(project, tmp_path):
    import_files(project, [write_jsonl(tmp_path / "d.jsonl", [{"text": TEXT, "meta": {"name": "d"}}])],
                 annotator=None)
    return ops.add_span(project, 1, "ann", "actor", 0, 10).added[0]


def test_a_note_is_set_changed_taken_away_and_each_step_undone(project, span):
    first = ops.set_note(project, span.id, NOTE, "ann")
    assert project.notes(1) == {span.id: NOTE}  # stored exactly
    second = ops.set_note(project, span.id, "sure now", "ann")
    third = ops.set_note(project, span.id, "  ", "ann")  # blank: no note
    assert project.notes(1) == {}
    assert ops.set_note(project, span.id, None, "ann") == ops.Change()
    for change, expected in ((third, "sure now"), (second, NOTE), (first, None)):
        ops.apply(project, change.inverse())
        assert project.notes(1).get(span.id) == expected


def test_a_removed_span_takes_its_note_and_undo_brings_both_back(project, span):
    ops.set_note(project, span.id, NOTE, "ann")
    removal = ops.remove_span(project, span.id)
    assert project.notes(1) == {} and project.span(span.id) is None
    ops.apply(project, removal.inverse())
    assert project.span(span.id) == span and project.notes(1) == {span.id: NOTE}


def test_only_your_own_spans_take_your_notes(project, span, project_path):
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="that span is ann's"):
        ops.set_note(project, span.id, "mine now", "bob")
    with pytest.raises(SpanError, match="at most 10,000 characters"):
        ops.set_note(project, span.id, "x" * 10_001, "ann")
    assert snapshot(project_path) == before


def test_notes_go_out_and_come_back_through_jsonl(project, span, tmp_path, project_path):
    ops.set_note(project, span.id, NOTE, "ann")
    out = io.StringIO()
    jsonl.write(exporter.layers(project, "ann"), out)
    assert '"note": "<b>unsure</b>' in out.getvalue()  # literally, not escaped to HTML
    path = tmp_path / "out.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    with Project.open(tmp_path / "other.db") as other:
        import_files(other, [path], annotator=None)
        [copy] = other.spans(1, "ann")
        assert other.notes(1) == {copy.id: NOTE}


@pytest.mark.parametrize("note, message", [(5, "must be a string, not a number"),
                                           (["a"], "must be a string"),
                                           ("x" * 10_001, "longer than 10,000")])
def test_a_bad_note_rejects_the_file_naming_the_line(project, tmp_path, note, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        {"text": TEXT, "meta": {"name": "ok"}},
        {"text": TEXT, "meta": {"name": "bad"}, "annotator": "ann",
         "spans": [{"start": 0, "end": 2, "label": "actor", "note": note}]}])
    with pytest.raises(ImportRejected) as e:
        import_files(project, [path], annotator=None)
    assert e.value.errors[0].line == 2 and message in str(e.value.errors[0])
    assert project.document_count() == 0


def test_another_window_learns_a_note_changed(project, span, project_path):
    with Project.open(project_path) as other:
        seq = other.change_seq()
        ops.set_note(project, span.id, "seen", "ann")
        assert list(other.changes_since(seq).spans[1]) == [span.id]


def test_notes_come_back_when_a_reject_or_a_forced_label_removal_is_undone(project, span):
    from annotator.core import review, schema

    accepted = review.accept(project, 1, "rita", 0, 10, "actor")
    gold = accepted.added[0]
    ops.set_note(project, gold.id, "gold note", "rita", reviewing=True)
    ops.set_note(project, span.id, "ann's note", "ann")
    rejected = review.reject(project, 1, "rita", 0, 10, "actor")
    assert project.notes(1) == {span.id: "ann's note"}  # the gold span went, with its note
    ops.apply(project, rejected.inverse())
    assert project.notes(1) == {span.id: "ann's note", gold.id: "gold note"}
    removal = schema.remove_label(project, "actor", force=True)
    assert project.notes(1) == {} and project.decisions(1) == []
    ops.apply(project, removal.inverse())
    assert project.notes(1) == {span.id: "ann's note", gold.id: "gold note"}
    assert [d.decision for d in project.decisions(1)] == ["accept"]


def test_a_label_used_by_review_decisions_is_refused_naming_them(project, span, project_path):
    from annotator.core import review, schema

    review.reject(project, 1, "rita", 20, 30, "organisation")
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="0 spans in 0 documents and 1 review decision use the label"):
        schema.remove_label(project, "organisation")
    assert snapshot(project_path) == before


def test_a_reimport_does_not_overwrite_a_note_written_here(project, tmp_path):
    path = write_jsonl(tmp_path / "n.jsonl", [{"text": TEXT, "meta": {"name": "n"}, "annotator": "ann",
                                               "spans": [{"start": 0, "end": 10, "label": "actor",
                                                          "note": "from the file"}]}])
    import_files(project, [path], annotator=None)
    [span] = project.spans(1)
    ops.set_note(project, span.id, "edited here", "ann")
    import_files(project, [path], annotator=None)
    assert project.notes(1) == {span.id: "edited here"}
