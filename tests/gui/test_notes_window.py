"""Span notes in the window: F2 edits the selected span's note; shown in the
span list and tooltips literally; undone like any step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel

from annotator.core import ops
from annotator.core.storage import Project
from annotator.gui.document_view import tooltip_html
from tests.gui.conftest import add_document

TEXT = "<i>Xi</i> Jinping met Kim."
NOTE = "<b>check</b> & verify\nsecond line"


def _tagged(project, make_window):
    doc_id = add_document(project, "one", TEXT)
    window = make_window(project, doc_id=doc_id)
    window.view.select_text(0, 9)
    window.apply_label("actor")
    return window, doc_id, window.session.selected_span()


def test_f2_sets_a_note_shown_literally_and_undo_takes_it_away(project, make_window, qtbot):
    window, doc_id, span = _tagged(project, make_window)
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    dialog = window.findChild(QInputDialog, "noteDialog")
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in dialog.findChildren(QLabel))
    assert "“<i>Xi</i>”" in dialog.labelText()
    dialog.setTextValue(NOTE)
    dialog.accept()
    assert project.notes(doc_id) == {span.id: NOTE}
    model = window.span_list.span_model
    assert model.index(0, 1).data().startswith("✎ ")
    tip = model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;check&lt;/b&gt; &amp; verify<br>second line" in tip
    assert "&lt;b&gt;check&lt;/b&gt;" in tooltip_html([span], TEXT, window.session.notes)
    assert window.history.undo_description == "note on “<i>Xi</i>”"
    window.undo()
    assert project.notes(doc_id) == {} and not model.index(0, 1).data().startswith("✎")


def test_a_note_made_elsewhere_shows_up(project, project_path, make_window):
    window, doc_id, span = _tagged(project, make_window)
    with Project.open(project_path) as other:
        ops.set_note(other, span.id, "from the other window", window.user)
    assert window.check_for_changes()
    assert window.session.notes == {span.id: "from the other window"}
    assert window.span_list.span_model.index(0, 1).data().startswith("✎ ")
