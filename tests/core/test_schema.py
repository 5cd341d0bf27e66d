"""The label schema changed like any other step: rename (spans follow),
recolour, re-key, reorder, remove (refused while used unless forced), each
undone and redone through its Change."""

from __future__ import annotations

import pytest

from annotator.core import ops, schema
from annotator.core.errors import SpanError
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import snapshot


@pytest.fixture
def doc(project, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Xi Jinping met Kim Jong-un on Sunday in Beijing.", encoding="utf-8")
    import_files(project, [path], annotator="ann")
    return project.document_summaries("ann")[0].id


def _names(project):
    return [label.name for label in project.labels()]


def test_a_rename_carries_the_spans_along_and_undo_brings_the_old_name_back(project, doc):
    span = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    change = schema.rename_label(project, "actor", "person")
    assert _names(project)[0] == "person"
    assert project.span(span.id) == span._replace(label="person")  # same id, new name
    ops.apply(project, change.inverse())
    assert _names(project)[0] == "actor" and project.span(span.id) == span
    ops.apply(project, change)
    assert project.span(span.id).label == "person"


def test_a_rename_carries_review_decisions_and_gold_along(project, doc):
    from annotator.core import review

    ops.add_span(project, doc, "ann", "actor", 0, 10)
    review.accept(project, doc, "rita", 0, 10, "actor")
    schema.rename_label(project, "actor", "person")
    assert [(d.label, d.decision) for d in project.decisions(doc)] == [("person", "accept")]
    assert [s.label for s in project.spans(doc, "gold")] == ["person"]


def test_a_rename_to_a_name_in_use_or_a_bad_name_is_refused(project, doc, project_path):
    before = snapshot(project_path)
    for new, message in (("date", "already a label"), ("", "empty"), ("a\u200bb", "invisible")):
        with pytest.raises(SpanError, match=message):
            schema.rename_label(project, "actor", new)
    with pytest.raises(SpanError, match="there is no label 'nobody'"):
        schema.rename_label(project, "nobody", "x")
    assert snapshot(project_path) == before


def test_keys_colours_descriptions_and_order(project):
    change = schema.update_label(project, "quote", color="#112233", key="7", description="Said")
    quote = project.labels()[3]
    assert (quote.color, quote.hotkey, quote.mnemonic, quote.description) == ("#112233", "7", "q", "Said")
    with pytest.raises(SpanError, match="the key A already applies the label 'actor'"):
        schema.update_label(project, "quote", key="a")
    with pytest.raises(SpanError, match="one digit 1-9 or one letter"):
        schema.update_label(project, "quote", key="F5")
    with pytest.raises(SpanError, match="not a colour"):
        schema.update_label(project, "quote", color="blue")
    schema.move_label(project, "quote", 0)
    assert _names(project) == ["quote", "actor", "organisation", "date"]
    schema.update_label(project, "quote", clear_keys=True)
    assert project.labels()[0].keys == []
    with pytest.raises(SpanError, match="changed meanwhile"):
        ops.apply(project, change.inverse())  # the schema is no longer what that step left


def test_adding_a_label_picks_a_free_colour_and_checks_its_key(project):
    change = schema.add_label(project, "place", key="5")
    place = project.labels()[-1]
    assert (place.name, place.hotkey) == ("place", "5")
    assert place.color not in {label.color for label in project.labels()[:-1]}
    with pytest.raises(SpanError, match="already a label"):
        schema.add_label(project, "place")
    ops.apply(project, change.inverse())
    assert "place" not in _names(project)


def test_removing_a_used_label_needs_force_and_undo_restores_label_and_spans(project, doc, project_path):
    spans = [ops.add_span(project, doc, who, "date", 30, 36).added[0] for who in ("ann", "bob")]
    before = snapshot(project_path)
    with pytest.raises(SpanError, match="2 spans in 1 document use the label 'date'"):
        schema.remove_label(project, "date")
    assert snapshot(project_path) == before
    change = schema.remove_label(project, "date", force=True)
    assert "date" not in _names(project) and project.spans(doc) == []
    ops.apply(project, change.inverse())
    assert _names(project) == ["actor", "organisation", "date", "quote"]
    assert project.spans(doc) == sorted(spans)  # the same ids


def test_another_connection_learns_the_schema_changed(project, project_path, doc):
    with Project.open(project_path) as other:
        seq = other.change_seq()
        schema.rename_label(project, "actor", "person")
        feed = other.changes_since(seq)
        assert feed.labels
        other.forget_cached()
        assert other.label_names()[0] == "person"
