"""The session and the widgets that follow it, napari-style: a Session on a
temporary project, a widget wrapped around it, the session changed through
its methods, the widget checked to have followed (and, where it matters, to
have followed by the small step rather than by rebuilding everything)."""

import pytest
from PySide6.QtGui import QColor

from annotator.core import ops
from annotator.core.layers import GOLD_NAME, Layer
from annotator.core.model import Label
from annotator.core.storage import Project
from annotator.gui.document_list import DocumentList
from annotator.gui.document_view import DocumentView
from annotator.gui.label_panel import LabelPanel
from annotator.gui.layer_style import BOX, DASHED, HIGHLIGHT, UNDERLINE, style_for
from annotator.gui.session import Session
from annotator.gui.span_list import SpanList
from tests.gui.conftest import add_document

TEXT = "Xi Jinping met Kim Jong Un in Beijing on July 11, 1961, and said “we agree”."


def at(needle):
    start = TEXT.index(needle)
    return start, start + len(needle)


class Spy:
    """Records a model's structural signals by name."""

    def __init__(self, model):
        self.seen = []
        for name in ("modelReset", "rowsInserted", "rowsRemoved", "dataChanged"):
            getattr(model, name).connect(lambda *args, name=name: self.seen.append(name))

    def clear(self):
        self.seen.clear()


@pytest.fixture
def session(project):
    doc_id = add_document(project, "meeting", TEXT)
    add_document(project, "other", "Nothing here.")
    session = Session(project, "alice")
    session.set_project(project, prefer=doc_id)
    return session


@pytest.fixture
def emitted(session):
    seen = []
    session.changed.connect(seen.append)
    return seen


def test_tagging_emits_one_change_and_every_widget_follows_by_the_small_step(session, emitted, qtbot):
    spans, documents, labels = SpanList(session), DocumentList(session), LabelPanel(session)
    for widget in (spans, documents, labels):
        qtbot.addWidget(widget)
    span_spy, doc_spy = Spy(spans.span_model), Spy(documents.model)
    emitted.clear()

    session.apply_label("actor", at("Xi Jinping"))

    [changed] = emitted  # one operation, one signal
    assert changed.spans is not None and len(changed.spans.added) == 1
    assert changed.documents == {session.doc.id} and changed.history and changed.selection
    assert not changed.reset_spans
    assert span_spy.seen == ["rowsInserted"]
    assert "modelReset" not in doc_spy.seen and "dataChanged" in doc_spy.seen
    row = documents.model.rows[documents.model.row_of(session.doc.id)]
    assert (row.span_count, row.status) == (1, "in progress")
    assert [s.label for s in spans.span_model.spans] == ["actor"]
    assert spans.currentIndex().row() == 0  # the new span is selected in the list too
    assert labels.rows["actor"].count.text() == "1"


def test_a_relabel_replaces_the_span_in_place_everywhere(session, qtbot):
    spans, labels = SpanList(session), LabelPanel(session)
    qtbot.addWidget(spans)
    qtbot.addWidget(labels)
    session.apply_label("actor", at("Kim Jong Un"))
    [tagged] = list(session.index)
    session.apply_label("organisation", None)  # the selected span: relabel
    [relabelled] = list(session.index)
    assert relabelled.id == tagged.id and relabelled.label == "organisation"
    assert session.selected_id == tagged.id
    assert [(s.id, s.label) for s in spans.span_model.spans] == [(tagged.id, "organisation")]
    assert dict(session.counts) == {"actor": 0, "organisation": 1}
    assert labels.rows["actor"].count.text() == "0" and labels.rows["organisation"].count.text() == "1"


def test_views_read_the_one_copy_after_edits(session, qtbot):
    """The copies the window used to keep went stale after an edit; now a
    view rebuilt later (another layer shown) still has every edit."""
    view, spans = DocumentView(session), SpanList(session)
    qtbot.addWidget(view)
    qtbot.addWidget(spans)
    session.apply_label("date", at("July 11, 1961"))
    session.apply_label("actor", at("Xi Jinping"))
    session.remove_selected_span()  # Xi Jinping again
    session.set_show_other_layers(True)  # the list is rebuilt from the session
    assert [TEXT[s.start:s.end] for s in spans.span_model.spans] == ["July 11, 1961"]
    assert view.index is session.index
    assert [TEXT[s.start:s.end] for s in view.index] == ["July 11, 1961"]


def test_other_layers_follow_the_layer_switch_and_cannot_be_edited(session, project, project_path, qtbot):
    view, spans = DocumentView(session), SpanList(session)
    qtbot.addWidget(view)
    qtbot.addWidget(spans)
    view.resize(600, 300)
    view.show()
    with Project.open(project_path) as other:
        ops.add_span(other, session.doc.id, "bob", "actor", *at("Kim Jong Un"))
        assert session.check_for_changes()
    assert spans.span_model.rowCount() == 0 and spans.isColumnHidden(3)
    assert view._visible_spans(view._visible_range()) == []
    session.set_show_other_layers(True)
    [bob] = spans.span_model.spans
    assert bob.annotator == "bob" and not spans.isColumnHidden(3)
    assert view._visible_spans(view._visible_range()) == [bob]
    session.select(bob.id)
    told = []
    session.told.connect(lambda text, _ms: told.append(text))
    session.remove_selected_span()
    assert project.spans(session.doc.id, "bob") == [bob] and "bob's" in told[-1]
    session.set_show_other_layers(False)  # a span no longer shown is no longer selected
    assert session.selected_id is None and spans.span_model.rowCount() == 0


def test_a_label_key_on_someone_elses_span_adopts_it_into_your_layer(session, project, project_path):
    with Project.open(project_path) as other:
        ops.add_span(other, session.doc.id, "bob", "actor", *at("Kim Jong Un"))
    session.check_for_changes()
    session.set_show_other_layers(True)
    [bob] = session.visible_spans()
    session.select(bob.id)
    session.apply_label("organisation", None)
    [mine] = project.spans(session.doc.id, session.user)
    assert (mine.start, mine.end, mine.label) == (bob.start, bob.end, "organisation")
    assert project.spans(session.doc.id, "bob") == [bob]  # bob's layer untouched
    assert session.selected_id == mine.id
    assert session.history.undo_description == "adopt bob's “Kim Jong Un” as organisation"
    session.undo()
    assert project.spans(session.doc.id, session.user) == [] and project.spans(session.doc.id, "bob") == [bob]


def test_undo_and_redo_name_their_steps_and_the_history_flag_is_sent(session, emitted):
    session.apply_label("actor", at("Xi Jinping"))
    session.toggle_done()
    assert session.history.undo_description == "mark done"
    emitted.clear()
    session.undo()
    [changed] = emitted
    assert changed.history and changed.documents == {session.doc.id}
    assert session.history.redo_description == "mark done"
    assert session.documents[session.row_of(session.doc.id)].status == "in progress"
    session.undo()
    assert len(session.index) == 0 and session.history.undo_description is None
    session.redo()
    session.redo()
    assert [s.label for s in session.index] == ["actor"]
    assert session.documents[session.row_of(session.doc.id)].status == "done"


# ------------------------------------------------------------------ styles

def test_style_comes_from_the_layer_kind_and_the_label():
    actor, quote = Label("actor", "#E69F00"), Label("quote", "#CC79A7", display="underline")
    mine, bobs, gold = Layer.named("alice"), Layer.named("bob"), Layer.named(GOLD_NAME)
    assert style_for(mine, actor, "alice").mark == HIGHLIGHT
    assert style_for(mine, quote, "alice").mark == UNDERLINE
    assert style_for(bobs, actor, "alice").mark == DASHED
    assert style_for(bobs, quote, "alice").mark == DASHED
    assert style_for(gold, actor, "alice").mark == BOX and style_for(gold, actor, "alice").color == "#E69F00"
    assert style_for(mine, None, "alice").color == "#888888"  # a label not in the schema


def _pixels(view):
    view.viewport().repaint()
    return view.viewport().grab().toImage()


def _near(color, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], QColor(expected).getRgb()[:3]))


def _span_rect(view, span):
    [(rect, _)] = view._rects(span)
    return rect.toRect()


def test_the_gold_layer_is_a_box_in_the_label_colour(project, qtbot):
    doc_id = add_document(project, "meeting", TEXT, [(*at("Beijing"), "actor")], annotator=GOLD_NAME)
    session = Session(project, "alice")
    view = DocumentView(session)
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    session.set_project(project, prefer=doc_id)
    session.set_show_other_layers(True)
    [gold] = list(session.index)
    assert view.style(gold)[0].mark == BOX
    rect = _span_rect(view, gold)
    image = _pixels(view)
    top = [image.pixelColor(x, rect.top()) for x in range(rect.left() + 2, rect.right() - 2)]
    assert sum(_near(c, "#E69F00") for c in top) > len(top) // 2  # a solid edge in the label colour
    inside = image.pixelColor(rect.center().x(), rect.top() + 3)
    assert not _near(inside, "#E69F00", 60)  # no fill


def test_quote_is_underlined_not_filled(project, qtbot):
    doc_id = add_document(project, "meeting", TEXT, [(*at("“we agree”"), "quote")], annotator="alice")
    session = Session(project, "alice")
    view = DocumentView(session)
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    session.set_project(project, prefer=doc_id)
    [quote] = list(session.index)
    assert session.label("quote").display == "underline"  # (from the project's schema)
    assert view.style(quote)[0].mark == UNDERLINE
    rect = _span_rect(view, quote)
    image = _pixels(view)
    line_y = round(rect.bottom() - 1.5)
    under = [image.pixelColor(x, y) for x in range(rect.left() + 3, rect.right() - 3)
             for y in (line_y - 1, line_y, line_y + 1)]
    assert sum(_near(c, "#CC79A7") for c in under) > len(under) // 4
    top = [image.pixelColor(x, rect.top() + 1) for x in range(rect.left() + 3, rect.right() - 3)]
    assert not any(_near(c, "#CC79A7", 25) for c in top)  # no background fill


# ------------------------------------------------------- other programs' work

def _feed_window(session, qtbot):
    spans, documents = SpanList(session), DocumentList(session)
    qtbot.addWidget(spans)
    qtbot.addWidget(documents)
    return spans, documents


def test_another_connections_span_arrives_without_a_full_reload(project, project_path, make_window):
    doc_id = add_document(project, "meeting", TEXT)
    add_document(project, "other", "Nothing here.")
    window = make_window(project, doc_id=doc_id)
    span_spy, doc_spy = Spy(window.span_list.span_model), Spy(window.documents.model)
    with Project.open(project_path) as other:
        ops.add_span(other, doc_id, "alice", "actor", *at("Xi Jinping"))
        assert window.check_for_changes() is True
    assert [TEXT[s.start:s.end] for s in window.span_list.span_model.spans] == ["Xi Jinping"]
    assert span_spy.seen == ["rowsInserted"]  # an insert, not a reset
    assert "modelReset" not in doc_spy.seen  # the one row, not the list
    row = window.documents.model.rows[window.documents.model.row_of(doc_id)]
    assert row.span_count == 1
    assert window.labels_panel.rows["actor"].count.text() == "1"
    assert window.check_for_changes() is False


def test_relabels_and_removals_elsewhere_apply_in_place_and_twice_is_harmless(session, project_path, qtbot):
    spans, documents = _feed_window(session, qtbot)
    session.apply_label("actor", at("Xi Jinping"))
    session.apply_label("date", at("July 11, 1961"))
    xi, july = sorted(session.index)
    span_spy, doc_spy = Spy(spans.span_model), Spy(documents.model)
    seq = session._seq
    with Project.open(project_path) as other:
        ops.relabel_span(other, xi.id, "organisation")
        ops.remove_span(other, july.id)
        assert session.check_for_changes()
    assert [(s.id, s.label) for s in spans.span_model.spans] == [(xi.id, "organisation")]
    assert session.selected_id is None  # the selected span (July) went
    assert "modelReset" not in span_spy.seen + doc_spy.seen
    assert dict(+session.counts) == {"organisation": 1}
    # The same feed again (our own commits come back through the log too):
    # nothing changes.
    session._apply_feed(session.project.changes_since(seq))
    assert [(s.id, s.label) for s in spans.span_model.spans] == [(xi.id, "organisation")]
    assert len(session.index) == 1 and dict(+session.counts) == {"organisation": 1}


def test_a_status_set_elsewhere_updates_the_open_documents_row(session, project_path, qtbot):
    spans, documents = _feed_window(session, qtbot)
    session.apply_label("actor", at("Xi Jinping"))
    doc_spy = Spy(documents.model)
    with Project.open(project_path) as other:
        ops.set_status(other, session.doc.id, session.user, "done")
        assert session.check_for_changes()
    row = documents.model.rows[documents.model.row_of(session.doc.id)]
    assert (row.span_count, row.status) == (1, "done")
    assert "modelReset" not in doc_spy.seen


def test_without_a_change_log_everything_is_read_again(session, project_path, qtbot, monkeypatch):
    spans, documents = _feed_window(session, qtbot)
    monkeypatch.setattr(session.project, "changes_since", lambda seq: None, raising=False)
    span_spy, doc_spy = Spy(spans.span_model), Spy(documents.model)
    with Project.open(project_path) as other:
        ops.add_span(other, session.doc.id, "alice", "actor", *at("Beijing"))
        add_document(other, "new one", "More text.")
    assert session.check_for_changes()
    assert "modelReset" in span_spy.seen and "modelReset" in doc_spy.seen
    assert [TEXT[s.start:s.end] for s in spans.span_model.spans] == ["Beijing"]
    assert sorted(r.name for r in documents.model.rows) == ["meeting", "new one", "other"]


def test_a_label_renamed_elsewhere_or_here_renames_the_shown_spans(session, project_path):
    from annotator.core import schema

    session.apply_label("actor", at("Xi Jinping"))
    [span] = session.visible_spans()
    with Project.open(project_path) as other:
        schema.rename_label(other, "actor", "person")
    assert session.check_for_changes()
    assert [s.label for s in session.visible_spans()] == ["person"] and session.index.get(span.id).label == "person"
    assert session.labels[0].name == "person" and dict(+session.counts) == {"person": 1}
    # The same from this window, and its undo.
    session._commit(schema.rename_label, "person", "who", then=lambda change: session._record(change, "rename"))
    assert [s.label for s in session.visible_spans()] == ["who"]
    session.undo()
    assert [s.label for s in session.visible_spans()] == ["person"] and session.labels[0].name == "person"


def test_two_labels_swapped_elsewhere_are_swapped_here(session, project_path):
    from annotator.core import schema

    session.apply_label("actor", at("Xi Jinping"))
    session.apply_label("date", at("July 11, 1961"))
    with Project.open(project_path) as other:  # three renames between two polls: every name still exists
        schema.rename_label(other, "actor", "tmp")
        schema.rename_label(other, "date", "actor")
        schema.rename_label(other, "tmp", "date")
    assert session.check_for_changes()
    assert sorted((TEXT[s.start:s.end], s.label) for s in session.visible_spans()) == [
        ("July 11, 1961", "actor"), ("Xi Jinping", "date")]
