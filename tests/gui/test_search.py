"""The search bar (Ctrl+F): hits found and shown, stepped through, and
tagged in one undo step, here or in every document."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.gui.document_view import HIT_CURRENT
from tests.gui.conftest import add_document

TEXT = "Xi Jinping met Kim. Later xi jinping left; Xinhua said Xi's trip ended. Xi Jinping again."


def _window(project, make_window):
    doc_id = add_document(project, "one", TEXT)
    add_document(project, "two", "Elsewhere, Xi Jinping spoke.")
    window = make_window(project, doc_id=doc_id)
    window.finish_loading()
    return window, doc_id


def _type(qtbot, window, text):
    bar = window.search_bar
    bar.query.clear()
    qtbot.keyClicks(bar.query, text)
    return bar


def test_ctrl_f_finds_steps_and_escape_closes(project, make_window, qtbot):
    window, _ = _window(project, make_window)
    window.view.select_text(0, 10)  # "Xi Jinping" selected: the bar starts with it
    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.search_bar
    assert bar.isVisible() and bar.query.text() == "Xi Jinping"
    hits = window.session.search.hits
    assert [TEXT[s:e] for s, e in hits] == ["Xi Jinping", "xi jinping", "Xi Jinping"]  # any case
    assert bar.count.text() == "1 of 3"
    qtbot.keyClick(bar.query, Qt.Key.Key_Return)
    assert bar.count.text() == "2 of 3" and window.view.selection_offsets() == hits[1]
    qtbot.keyClick(bar.query, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "1 of 3"
    bar.case.setChecked(True)
    assert bar.count.text() == "1 of 2"
    qtbot.keyClick(bar.query, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.session.search is None


def test_whole_words_and_patterns_and_a_bad_pattern_says_why(project, make_window, qtbot):
    window, _ = _window(project, make_window)
    window.find()
    bar = _type(qtbot, window, "Xi")
    assert len(window.session.search.hits) == 4  # not inside "Xinhua"
    bar.words.setChecked(False)
    assert len(window.session.search.hits) == 5
    bar.regex.setChecked(True)
    _type(qtbot, window, "(Xi")
    assert "not a valid regular expression" in bar.count.text() and not bar.tag.isEnabled()
    _type(qtbot, window, r"[Xx]i \w+")
    assert [TEXT[s:e] for s, e in window.session.search.hits][:2] == ["Xi Jinping", "xi jinping"]


def test_tag_all_matches_is_one_step_and_skips_what_is_tagged(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    window.find()
    bar = _type(qtbot, window, "xi jinping")
    bar.label.setCurrentText("actor")
    qtbot.mouseClick(bar.tag, Qt.MouseButton.LeftButton)
    assert sorted(TEXT[s.start:s.end] for s in project.spans(doc_id, "alice")) == [
        "Xi Jinping", "Xi Jinping", "xi jinping"]
    assert project.spans(2, "alice") == []  # this document only
    assert window.history.undo_description == "tag 3 matches of “xi jinping” as actor"
    _type(qtbot, window, "Xi")
    qtbot.mouseClick(bar.tag, Qt.MouseButton.LeftButton)  # only "Xi's" is not inside an actor
    assert len(project.spans(doc_id, "alice")) == 4
    window.undo()
    window.undo()
    assert project.spans(doc_id, "alice") == []


def test_tag_in_every_document(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    window.find()
    bar = _type(qtbot, window, "Xi Jinping")
    bar.label.setCurrentText("actor")
    bar.scope.setCurrentIndex(1)
    qtbot.mouseClick(bar.tag, Qt.MouseButton.LeftButton)
    other = next(d.id for d in project.document_summaries("alice") if d.name == "two")
    assert len(project.spans(doc_id, "alice")) == 3 and len(project.spans(other, "alice")) == 1
    assert "in every document" in window.statusBar().currentMessage()
    window.undo()
    assert project.spans(doc_id, "alice") == [] and project.spans(other, "alice") == []


def test_the_current_hit_is_painted(project, make_window, qtbot):
    from annotator.core.model import Span

    window, _ = _window(project, make_window)
    window.find()
    _type(qtbot, window, "Kim")
    cursor = window.view.textCursor()
    cursor.clearSelection()  # (Qt's own selection colour would paint over it)
    window.view.setTextCursor(cursor)
    window.view.viewport().repaint()
    image = window.view.viewport().grab().toImage()
    [(start, end)] = window.session.search.hits
    [(rect, _)] = window.view._rects(Span(start, end, "", "", 0))
    colours = {QColor(image.pixel(int(x), int(y))).name()
               for x in range(int(rect.left()) + 1, int(rect.right()) - 1)
               for y in range(int(rect.top()) + 1, int(rect.bottom()) - 1)}
    assert HIT_CURRENT.name() in colours
    window.search_bar.close_bar()
    window.view.viewport().repaint()
    image = window.view.viewport().grab().toImage()
    assert HIT_CURRENT.name() not in {QColor(image.pixel(int(rect.left()) + 2, int(rect.center().y()))).name()}


def test_letters_typed_in_the_bars_label_list_choose_a_label_not_tag(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    window.find()
    bar = _type(qtbot, window, "Kim")  # (the hit is selected in the text)
    bar.label.setFocus()
    qtbot.keyClick(bar.label, Qt.Key.Key_O)  # "O" is also organisation's window-wide key
    assert bar.label.currentText() == "organisation"
    assert project.spans(doc_id) == []  # the selected hit was not tagged by the letter
    assert bar.tag.shortcut().toString() == "Alt+T"  # (pressed for real under Xvfb: see the README)
    bar.tag.click()
    assert [s.label for s in project.spans(doc_id, "alice")] == ["organisation"]
