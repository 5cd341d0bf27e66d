"""Labels > Edit labels…: each change saved, shown everywhere, one undo step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from annotator.gui import label_dialog
from annotator.gui.label_dialog import LabelDialog
from tests.gui.conftest import add_document

TEXT = "Xi Jinping met Kim Jong Un in Beijing."


def _open(project, make_window):
    doc_id = add_document(project, "one", TEXT)
    window = make_window(project, doc_id=doc_id)
    window.view.select_text(0, 10)
    window.apply_label("actor")
    window.edit_labels()
    dialog = window.findChild(LabelDialog)
    return window, dialog, doc_id


def _answer(monkeypatch, text):
    monkeypatch.setattr(label_dialog.dialogs, "get_text", lambda *a, **k: (text, True))


def test_rename_relabels_spans_everywhere_and_undo_takes_it_back(project, make_window, monkeypatch):
    window, dialog, doc_id = _open(project, make_window)
    dialog.list.setCurrentRow(0)
    _answer(monkeypatch, "person")
    dialog.buttons["rename"].click()
    assert [s.label for s in project.spans(doc_id)] == ["person"]
    assert dialog.list.item(0).text().startswith("person")
    assert [a.text() for a in window.label_menu.actions()][0] == "person"
    assert window.labels_panel.rows["person"].count.text() == "1"
    assert window.history.undo_description == "rename the label actor to person"
    window.undo()
    assert [s.label for s in project.spans(doc_id)] == ["actor"] and dialog.list.item(0).text().startswith("actor")


def test_recolour_and_a_key_clash_is_refused_with_a_message(project, make_window, monkeypatch):
    window, dialog, _ = _open(project, make_window)
    dialog.list.setCurrentRow(3)  # quote
    monkeypatch.setattr(label_dialog.QColorDialog, "getColor", lambda *a, **k: QColor("#123456"))
    dialog.buttons["colour"].click()
    assert project.labels()[3].color == "#123456"
    _answer(monkeypatch, "1")
    dialog.buttons["key"].click()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any("the key 1 already applies the label 'actor'" in b.text() for b in boxes)
    assert project.labels()[3].hotkey == "4"


def test_removing_a_used_label_asks_and_undo_restores_its_spans(project, make_window, monkeypatch):
    window, dialog, doc_id = _open(project, make_window)
    spans = project.spans(doc_id)
    dialog.list.setCurrentRow(0)
    monkeypatch.setattr(LabelDialog, "confirm_remove", lambda self, name, used: False)
    dialog.buttons["remove"].click()
    assert "actor" in project.label_names()  # declined: nothing removed
    asked = []
    monkeypatch.setattr(LabelDialog, "confirm_remove", lambda self, name, used: asked.append((name, used)) or True)
    dialog.buttons["remove"].click()
    assert asked == [("actor", 1)]
    assert "actor" not in project.label_names() and project.spans(doc_id) == []
    assert window.session.visible_spans() == []
    window.undo()
    assert project.label_names()[0] == "actor" and project.spans(doc_id) == spans


def test_reorder_and_add(project, make_window, monkeypatch):
    window, dialog, _ = _open(project, make_window)
    dialog.list.setCurrentRow(2)  # date
    dialog.buttons["up"].click()
    assert project.label_names() == ["actor", "date", "organisation", "quote"]
    _answer(monkeypatch, "place")
    dialog.buttons["add"].click()
    assert project.label_names()[-1] == "place" and "place" in window.labels_panel.rows


def test_the_text_asked_for_shows_a_label_name_as_plain_text(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QLabel

    from annotator.gui import dialogs

    seen = []

    def look():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible())
        seen.extend(label.textFormat() for label in dialog.findChildren(QLabel))
        dialog.reject()

    QTimer.singleShot(50, look)
    dialogs.get_text(None, "Rename a label", "New name for <b>big</b><img src=x>:")
    assert seen and all(f == Qt.TextFormat.PlainText for f in seen)
