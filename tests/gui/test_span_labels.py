"""View > Label names on spans: each span's label name drawn small after its
end, without moving any text, and the choice remembered."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QTextCursor

from tests.gui.conftest import add_document

TEXT = ("Chinese President Xi Jinping and North Korean leader Kim Jong-un exchanged messages "
        "on Sunday.\n\nA second paragraph with no spans at all, long enough to wrap once or twice "
        "in the window, so that there is text well away from every span.")


def _window(project, make_window):
    spans = [(TEXT.index(n), TEXT.index(n) + len(n), label)
             for n, label in (("Xi Jinping", "actor"), ("Sunday", "date"))]
    doc_id = add_document(project, "one", TEXT, spans, annotator="alice")
    return make_window(project, doc_id=doc_id)


def _caret_rect(view, offset) -> QRect:
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_qt(offset))
    return view.cursorRect(cursor)


def _image(view):
    view.viewport().repaint()
    return view.viewport().grab().toImage()


def _changed(a, b, area: QRect) -> int:
    """How many pixels of `area` differ between images `a` and `b`."""
    return sum(a.pixel(x, y) != b.pixel(x, y)
               for x in range(area.left(), area.right() + 1)
               for y in range(area.top(), area.bottom() + 1))


def test_label_names_are_drawn_after_each_span_and_nowhere_else(project, make_window):
    window = _window(project, make_window)
    view = window.view
    assert not window.commands["label_names"].isChecked()  # off unless asked for
    off = _image(view)
    window.commands["label_names"].setChecked(True)
    on = _image(view)
    for needle in ("Xi Jinping", "Sunday"):
        end = _caret_rect(view, TEXT.index(needle) + len(needle))
        # Just after the span's end, hung from the top of its line.
        after = QRect(end.right() + 2, end.top() - end.height() // 2, 30, end.height())
        assert _changed(off, on, after) > 20, needle
    far = _caret_rect(view, TEXT.index("second paragraph"))
    away = QRect(far.left(), far.top(), 200, far.height() * 2)
    assert _changed(off, on, away) == 0
    window.commands["label_names"].setChecked(False)
    assert _image(view) == off


def test_label_names_move_no_text(project, make_window):
    window = _window(project, make_window)
    view = window.view
    offsets = [0, TEXT.index("Xi"), TEXT.index("Sunday") + 6, TEXT.index("second"), len(TEXT)]
    before = [_caret_rect(view, o) for o in offsets]
    lines = view.document().lineCount(), view.verticalScrollBar().maximum()
    window.commands["label_names"].setChecked(True)
    _image(view)
    assert [_caret_rect(view, o) for o in offsets] == before
    assert (view.document().lineCount(), view.verticalScrollBar().maximum()) == lines


def test_the_choice_is_remembered(project, make_window, settings):
    window = _window(project, make_window)
    window.commands["label_names"].setChecked(True)
    window.close()
    again = make_window(project)
    assert again.commands["label_names"].isChecked() and again.view.label_names
    again.commands["label_names"].setChecked(False)
    again.close()
    assert not make_window(project).view.label_names
