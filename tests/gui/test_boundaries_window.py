"""Span edges moved from the keyboard and mouse selections snapped to whole
words (View > Snap to words), each move one undo step keeping the span."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from tests.gui.conftest import add_document

TEXT = "President Xi Jinping met Kim Jong-un; Kim’s ally said so."
ALT, SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier


def _window(project, make_window, needle="Xi Jinping"):
    doc_id = add_document(project, "one", TEXT)
    window = make_window(project, doc_id=doc_id)
    start = TEXT.index(needle)
    window.view.select_text(start, start + len(needle))
    window.apply_label("actor")
    return window, doc_id


def _shown(project, doc_id):
    [span] = project.spans(doc_id)
    return span, TEXT[span.start:span.end]


def test_alt_arrows_move_the_edges_by_words_and_undo_puts_them_back(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    first, _ = _shown(project, doc_id)
    qtbot.keyClick(window.view, Qt.Key.Key_Right, ALT | SHIFT)  # the end, a word right
    span, text = _shown(project, doc_id)
    assert text == "Xi Jinping met" and span.id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_Left, ALT)  # the start, a word left
    assert _shown(project, doc_id)[1] == "President Xi Jinping met"
    assert window.session.selected_id == first.id  # still selected: keep going
    assert window.history.undo_description == "move the start of “Xi Jinping met” to “President Xi Jinping met”"
    window.undo()
    window.undo()
    assert _shown(project, doc_id) == (first, "Xi Jinping")


def test_without_snapping_the_edges_move_by_characters(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    window.commands["snap_words"].setChecked(False)
    qtbot.keyClick(window.view, Qt.Key.Key_Left, ALT | SHIFT)
    assert _shown(project, doc_id)[1] == "Xi Jinpin"
    assert window.settings.value("snap_to_words") in (False, "false")


def test_a_drag_snaps_to_whole_words_leaving_punctuation_and_possessives_out(project, make_window, qtbot):
    window, _ = _window(project, make_window)
    view = window.view

    def drag(start, end):
        points = []
        for offset in (start, end):
            cursor = QTextCursor(view.document())
            cursor.setPosition(offset)
            points.append(view.cursorRect(cursor).center())
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=points[0])
        qtbot.mouseMove(view.viewport(), points[1])
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=points[1])
        selection = view.selection_offsets()
        return TEXT[selection[0]:selection[1]]

    k = TEXT.index("Kim Jong-un")
    assert drag(k + 1, k + 7) == "Kim Jong-un"  # "im Jon" grows to the hyphenated name
    k2 = TEXT.index("Kim’s")
    assert drag(k2 + 1, k2 + 6) == "Kim"  # "im’s " without the possessive
    window.commands["snap_words"].setChecked(False)
    assert drag(k + 1, k + 7) == "im Jon"
