"""Dragging a span's start or end edge with the mouse: a resize cursor over
an edge you may move, the new extent written once on release (one undo step,
same id), snapped to whole words unless View > Snap to words is off, never
empty, Esc cancels; drags elsewhere still select text."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from tests.gui.conftest import add_document

TEXT = "President Xi Jinping met Kim Jong-un; Kim’s ally said so."
LEFT = Qt.MouseButton.LeftButton
RESIZE = Qt.CursorShape.SizeHorCursor


def _window(project, make_window, text=TEXT, spans=(("Xi Jinping", "actor"),), other=()):
    """A window on `text` with your spans (needle, label) and bob's."""
    def located(pairs):
        return [(text.index(n), text.index(n) + len(n), label) for n, label in pairs]

    doc_id = add_document(project, "one", text, located(spans), annotator="alice")
    if other:
        add_document(project, "one", text, located(other), annotator="bob")
    window = make_window(project, doc_id=doc_id)
    return window, doc_id


def _span(project, doc_id, annotator="alice", label="actor"):
    [span] = [s for s in project.spans(doc_id) if s.annotator == annotator and s.label == label]
    return span


def _caret(view, offset) -> QPoint:
    """Viewport point of the caret at stored `offset`: where an edge is."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_qt(offset))
    rect = view.cursorRect(cursor)
    return QPoint(rect.left(), rect.center().y())


def _inside(view, offset) -> QPoint:
    """A point over the middle of the character at `offset`."""
    a, b = _caret(view, offset), _caret(view, offset + 1)
    return QPoint((a.x() + b.x()) // 2, a.y())


def _drag(qtbot, view, start: QPoint, end: QPoint, *, escape=False):
    viewport = view.viewport()
    qtbot.mousePress(viewport, LEFT, pos=start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(viewport, middle)
    qtbot.mouseMove(viewport, end)
    if escape:
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, LEFT, pos=end)


def _hover_shape(qtbot, view, point):
    qtbot.mouseMove(view.viewport(), point)
    return view.viewport().cursor().shape()


def test_dragging_the_end_snaps_to_the_word_and_one_undo_puts_it_back(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, before = window.view, _span(project, doc_id)
    j = TEXT.index("Jong-un")
    _drag(qtbot, view, _caret(view, before.end), _inside(view, j + 1))  # over the "o" of Jong-un
    after = _span(project, doc_id)
    assert TEXT[after.start:after.end] == "Xi Jinping met Kim Jong-un"  # the whole hyphenated name
    assert after.id == before.id
    assert window.history.undo_description.startswith("move the end of “Xi Jinping”")
    window.undo()
    assert _span(project, doc_id) == before
    assert window.history.undo_description is None  # one step, not one per mouse move


def test_without_snapping_the_edge_goes_where_the_mouse_is(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    window.commands["snap_words"].setChecked(False)
    view, before = window.view, _span(project, doc_id)
    k = TEXT.index("Kim")
    _drag(qtbot, view, _caret(view, before.end), _caret(view, k + 2))
    after = _span(project, doc_id)
    assert TEXT[after.start:after.end] == "Xi Jinping met Ki"
    _drag(qtbot, view, _caret(view, after.start), _caret(view, after.start + 1))  # the start, too
    assert TEXT[slice(*_span(project, doc_id)[:2])] == "i Jinping met Ki"


def test_the_extent_is_shown_while_dragging_and_written_only_on_release(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, before = window.view, _span(project, doc_id)
    viewport = view.viewport()
    target = _inside(view, TEXT.index("met") + 1)
    qtbot.mousePress(viewport, LEFT, pos=_caret(view, before.end))
    still = viewport.grab().toImage()
    qtbot.mouseMove(viewport, target)
    assert _span(project, doc_id) == before  # nothing written yet
    assert viewport.grab().toImage() != still  # but the new extent is painted
    qtbot.mouseRelease(viewport, LEFT, pos=target)
    assert TEXT[slice(*_span(project, doc_id)[:2])] == "Xi Jinping met"


def test_escape_cancels_a_drag(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, before = window.view, _span(project, doc_id)
    _drag(qtbot, view, _caret(view, before.end), _inside(view, TEXT.index("met") + 1), escape=True)
    assert _span(project, doc_id) == before
    assert window.history.undo_description is None
    assert window.session.selected_id is None  # the release after Esc is no click either


def test_dragging_an_edge_past_the_other_never_makes_an_empty_span(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, before = window.view, _span(project, doc_id)
    far_right = _caret(view, len(TEXT) - 1)
    _drag(qtbot, view, _caret(view, before.start), far_right)  # the start, past the end
    after = _span(project, doc_id)
    assert after.end == before.end and after.start < after.end
    assert TEXT[after.start:after.end] == "Jinping"  # (snapped: the last word left)
    window.commands["snap_words"].setChecked(False)
    _drag(qtbot, view, _caret(view, after.end), _caret(view, 0))  # the end, past the start
    last = _span(project, doc_id)
    assert last.start == after.start and last.end == last.start + 1


def test_resize_cursor_only_over_edges_of_spans_you_may_edit(project, make_window, qtbot):
    window, doc_id = _window(project, make_window, other=(("Kim Jong-un", "actor"),))
    window.commands["other_layers"].setChecked(True)
    view, mine, bobs = window.view, _span(project, doc_id), _span(project, doc_id, "bob")
    assert _hover_shape(qtbot, view, _caret(view, mine.end)) == RESIZE
    assert _hover_shape(qtbot, view, _inside(view, mine.start + 3)) != RESIZE  # inside: not an edge
    assert _hover_shape(qtbot, view, _caret(view, bobs.end)) != RESIZE
    assert _hover_shape(qtbot, view, _caret(view, bobs.start)) != RESIZE
    _drag(qtbot, view, _caret(view, bobs.end), _inside(view, TEXT.index("ally")))
    assert _span(project, doc_id, "bob") == bobs  # a drag there selects text instead
    assert view.selection_offsets() is not None


def test_a_drag_that_starts_off_an_edge_still_selects_text(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, before = window.view, _span(project, doc_id)
    k = TEXT.index("Kim Jong-un")
    _drag(qtbot, view, _inside(view, k + 1), _inside(view, k + 6))
    start, end = view.selection_offsets()
    assert TEXT[start:end] == "Kim Jong-un"
    assert _span(project, doc_id) == before


def test_a_click_on_an_edge_selects_its_span(project, make_window, qtbot):
    window, doc_id = _window(project, make_window)
    view, span = window.view, _span(project, doc_id)
    qtbot.mouseClick(view.viewport(), LEFT, pos=_caret(view, span.end))
    assert window.session.selected_id == span.id
    assert _span(project, doc_id) == span


def test_a_drag_that_would_cross_a_span_of_the_same_label_is_refused(project, make_window, qtbot):
    window, doc_id = _window(project, make_window, spans=(("Xi Jinping", "actor"), ("Kim Jong-un", "organisation"),
                                                          ("Kim’s", "actor")))
    view = window.view
    xi = next(s for s in project.spans(doc_id) if s.start == TEXT.index("Xi"))
    window.commands["snap_words"].setChecked(False)
    k2 = TEXT.index("Kim’s")
    _drag(qtbot, view, _caret(view, xi.end), _caret(view, k2 + 2))  # into the other actor
    assert next(s for s in project.spans(doc_id) if s.id == xi.id) == xi
    assert "cross" in window.statusBar().currentMessage()
    _drag(qtbot, view, _caret(view, xi.end), _caret(view, TEXT.index("Jong-un") + 3))  # over another label
    moved = next(s for s in project.spans(doc_id) if s.id == xi.id)
    assert TEXT[moved.start:moved.end] == "Xi Jinping met Kim Jon"


RTL = "قال الرئيس شي جين بينغ اليوم في بكين"


def test_right_to_left_edges_are_found_by_character_position(project, make_window, qtbot):
    needle = "الرئيس"
    window, doc_id = _window(project, make_window, text=RTL, spans=((needle, "actor"),))
    window.commands["snap_words"].setChecked(False)
    view, span = window.view, _span(project, doc_id)
    start, end = _caret(view, span.start), _caret(view, span.end)
    assert start.x() > end.x()  # right to left: the start edge is on the right
    assert _hover_shape(qtbot, view, start) == RESIZE
    assert _hover_shape(qtbot, view, end) == RESIZE
    after_next = RTL.index("شي") + len("شي")
    _drag(qtbot, view, end, _caret(view, after_next))
    moved = _span(project, doc_id)
    assert RTL[moved.start:moved.end] == "الرئيس شي" and moved.id == span.id


def test_the_end_of_a_wrapped_span_is_on_its_last_line(project, make_window, qtbot):
    text = "word " * 30 + "Xi Jinping of China " + "word " * 30
    window, doc_id = _window(project, make_window, text=text, spans=(("Xi Jinping of China", "actor"),))
    view, span = window.view, _span(project, doc_id)
    # Narrow the text until the span wraps, its start and end on different lines.
    for width in range(600, 100, -10):
        view.setFixedWidth(width)
        qtbot.wait(1)
        if _caret(view, span.start).y() != _caret(view, span.end).y():
            break
    start, end = _caret(view, span.start), _caret(view, span.end)
    assert start.y() < end.y(), "the span should wrap at some width"
    assert _hover_shape(qtbot, view, end) == RESIZE
    assert _hover_shape(qtbot, view, QPoint(end.x(), start.y())) != RESIZE  # that x on the first line: no edge
    window.commands["snap_words"].setChecked(False)
    _drag(qtbot, view, end, _caret(view, span.end - 2))
    assert text[slice(*_span(project, doc_id)[:2])] == "Xi Jinping of Chi"
