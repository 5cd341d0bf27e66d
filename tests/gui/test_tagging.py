"""Driving the real window: selections made in the view (cursor, Shift+arrows,
double-click) plus hotkeys or label clicks store exactly the selected text."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from tests.gui.conftest import add_document

TRICKY = ("Héllo 😀 wörld\r\nChinese President Xi Jinping said “we\u00a0agree” on July 11, 1961.\r"
          "Next\u2028line\u2029para\ttab e\u0301t\u00e9 👩\u200d👩\u200d👧 family שלום end\r\n")


def qt_pos(text, i):
    """Qt position of code point i, computed independently of offsets.py:
    UTF-16 length of the prefix, each CRLF counted once."""
    prefix = text[:i]
    return len(prefix.encode("utf-16-le")) // 2 - prefix.count("\r\n")


def select(view, text, start, end):
    cursor = QTextCursor(view.document())
    cursor.setPosition(qt_pos(text, start))
    cursor.setPosition(qt_pos(text, end), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)


def stored(project, doc_id, text, user="alice"):
    return sorted((text[s.start:s.end], s.label) for s in project.spans(doc_id, user))


@pytest.fixture
def tricky(project, make_window):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    window.view.setFocus()
    return window, doc_id


@pytest.mark.parametrize("needle", ["Xi Jinping", "😀 wörld", "“we\u00a0agree”", "wörld\r\nChinese",
                                    "line\u2029para", "Next\u2028line", "e\u0301t\u00e9",
                                    "👩\u200d👩\u200d👧", "שלום", "1961.\rNext", "tab"])
def test_hotkey_tags_exactly_the_selected_text(project, tricky, qtbot, needle):
    window, doc_id = tricky
    start = TRICKY.index(needle)
    select(window.view, TRICKY, start, start + len(needle))
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    [span] = project.spans(doc_id, "alice")
    assert (span.start, span.end, span.label) == (start, start + len(needle), "actor")
    assert TRICKY[span.start:span.end] == needle


def test_mnemonic_letters_and_whitespace_trimming(project, tricky, qtbot):
    window, doc_id = tricky
    start = TRICKY.index("July")
    select(window.view, TRICKY, start - 1, start + len("July 11, 1961") + 0)  # " July 11, 1961"
    qtbot.keyClick(window.view, Qt.Key.Key_D)
    start = TRICKY.index("Chinese President")
    select(window.view, TRICKY, start - 2, start + 7)  # "\r\nChinese": the line break is trimmed
    qtbot.keyClick(window.view, Qt.Key.Key_O)
    assert stored(project, doc_id, TRICKY) == [("Chinese", "organisation"), ("July 11, 1961", "date")]


def test_shift_arrows_select_over_emoji_and_crlf(project, tricky, qtbot):
    window, doc_id = tricky
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(qt_pos(TRICKY, TRICKY.index("😀")))
    view.setTextCursor(cursor)
    for _ in range(len("😀 wörld") + 1 + len("Chinese")):  # the CRLF is one step
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_4)
    assert stored(project, doc_id, TRICKY) == [("😀 wörld\r\nChinese", "quote")]


def test_double_click_selects_a_word_then_label_click_tags_it(project, tricky, qtbot):
    window, doc_id = tricky
    view = window.view
    cursor = QTextCursor(view.document())
    cursor.setPosition(qt_pos(TRICKY, TRICKY.index("President") + 3))
    point = view.cursorRect(cursor).center()
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert view.textCursor().hasSelection()
    qtbot.mouseClick(window.labels_panel.rows["actor"], Qt.MouseButton.LeftButton)
    assert stored(project, doc_id, TRICKY) == [("President", "actor")]
    assert window.labels_panel.rows["actor"].count.text() == "1"


def test_double_click_inside_a_span_selects_the_word_not_the_span(project, tricky, qtbot):
    window, doc_id = tricky
    view = window.view
    start = TRICKY.index("Xi Jinping")
    select(view, TRICKY, start, start + len("Xi Jinping"))
    qtbot.keyClick(view, Qt.Key.Key_1)
    [span] = project.spans(doc_id, "alice")
    # A real double-click: press, release (which selects the span), press
    # again as a double-click, release.
    cursor = QTextCursor(view.document())
    cursor.setPosition(qt_pos(TRICKY, TRICKY.index("Jinping") + 2))
    point = view.cursorRect(cursor).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.session.selected_id == span.id
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.session.selected_id is None  # the span is let go ...
    assert view.selection_offsets() == (TRICKY.index("Jinping"), TRICKY.index("Jinping") + 7)  # ... the word kept
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # so Delete removes nothing
    assert project.spans(doc_id, "alice") == [span]
    qtbot.keyClick(view, Qt.Key.Key_2)  # and a label key tags the word
    assert stored(project, doc_id, TRICKY) == [("Jinping", "organisation"), ("Xi Jinping", "actor")]


def click_offset(qtbot, view, text, offset):
    cursor = QTextCursor(view.document())
    cursor.setPosition(qt_pos(text, offset))
    rect = view.cursorRect(cursor)
    # Just right of the cursor position: on the character at `offset`.
    point = rect.center()
    point.setX(point.x() + 3)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_click_selects_innermost_span_then_relabel_remove_undo_redo(project, tricky, qtbot):
    window, doc_id = tricky
    view = window.view
    quote = TRICKY.index("Chinese President")
    quote_end = TRICKY.index(" said")
    xi = TRICKY.index("Xi Jinping")
    select(view, TRICKY, quote, quote_end)
    qtbot.keyClick(view, Qt.Key.Key_Q)
    select(view, TRICKY, xi, xi + len("Xi Jinping"))
    qtbot.keyClick(view, Qt.Key.Key_A)
    window.clear_selection()
    assert view.selected_span_id is None

    click_offset(qtbot, view, TRICKY, xi + 2)
    inner = view.index.get(view.selected_span_id)
    assert TRICKY[inner.start:inner.end] == "Xi Jinping"
    click_offset(qtbot, view, TRICKY, xi + 2)  # again: the span around it
    assert view.index.get(view.selected_span_id).label == "quote"
    click_offset(qtbot, view, TRICKY, xi + 2)
    assert view.index.get(view.selected_span_id).label == "actor"

    qtbot.keyClick(view, Qt.Key.Key_2)  # relabel the selected span
    assert stored(project, doc_id, TRICKY) == [("Chinese President Xi Jinping", "quote"),
                                               ("Xi Jinping", "organisation")]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert stored(project, doc_id, TRICKY) == [("Chinese President Xi Jinping", "quote")]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the removal
    assert stored(project, doc_id, TRICKY) == [("Chinese President Xi Jinping", "quote"),
                                               ("Xi Jinping", "organisation")]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the relabel
    assert stored(project, doc_id, TRICKY) == [("Chinese President Xi Jinping", "quote"),
                                               ("Xi Jinping", "actor")]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert stored(project, doc_id, TRICKY) == [("Chinese President Xi Jinping", "quote"),
                                               ("Xi Jinping", "organisation")]
    # Backspace removes too; the view and span list follow the store.
    click_offset(qtbot, view, TRICKY, quote + 2)
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert stored(project, doc_id, TRICKY) == [("Xi Jinping", "organisation")]
    assert [s.label for s in window.span_list.span_model.spans] == ["organisation"]
    assert [s.label for s in view.index] == ["organisation"]


def test_span_list_follows_and_choosing_a_row_selects_the_span(project, tricky, qtbot):
    window, doc_id = tricky
    for needle, key in (("July 11, 1961", Qt.Key.Key_3), ("Xi Jinping", Qt.Key.Key_1)):
        start = TRICKY.index(needle)
        select(window.view, TRICKY, start, start + len(needle))
        qtbot.keyClick(window.view, key)
    model = window.span_list.span_model
    rows = [(model.index(r, 0).data(), model.index(r, 1).data(), model.index(r, 2).data())
            for r in range(model.rowCount())]
    xi = TRICKY.index("Xi Jinping")
    july = TRICKY.index("July")
    assert rows == [("actor", "Xi Jinping", f"{xi}–{xi + 10}"), ("date", "July 11, 1961", f"{july}–{july + 13}")]
    window.span_list.setCurrentIndex(model.index(1, 1))
    span = window.view.index.get(window.view.selected_span_id)
    assert TRICKY[span.start:span.end] == "July 11, 1961"
    assert window.view.textCursor().position() == qt_pos(TRICKY, july)
    assert window.statusBar().currentMessage().startswith("date “July 11, 1961”")
    # The offsets fit their column.
    shown = model.index(1, 2).data()
    assert window.span_list.columnWidth(2) > window.span_list.fontMetrics().horizontalAdvance(shown)
    # Selecting in the text moves the list.
    click_offset(qtbot, window.view, TRICKY, xi + 1)
    assert window.span_list.currentIndex().row() == 0
    # The document list shows the new count.
    summary = window.documents.model.rows[window.documents.model.row_of(doc_id)]
    assert summary.span_count == 2


def test_only_own_spans_are_editable_and_other_layers_show_on_request(project, tricky, qtbot, monkeypatch):
    window, doc_id = tricky
    xi = TRICKY.index("Xi Jinping")
    select(window.view, TRICKY, xi, xi + 10)
    qtbot.keyClick(window.view, Qt.Key.Key_1)

    from annotator.gui import dialogs
    monkeypatch.setattr(dialogs.QInputDialog, "getItem", staticmethod(lambda *a, **k: ("bob", True)))
    window.commands["switch_annotator"].trigger()
    assert window.user == "bob"
    assert "bob" in window.user_label.text()
    assert window.span_list.span_model.rowCount() == 0
    assert window.labels_panel.rows["actor"].count.text() == "0"

    window.commands["other_layers"].setChecked(True)
    assert [s.annotator for s in window.span_list.span_model.spans] == ["alice"]
    click_offset(qtbot, window.view, TRICKY, xi + 1)
    assert window.view.selected_span_id is not None  # visible and selectable ...
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # ... but not bob's to remove
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # nor to relabel
    assert stored(project, doc_id, TRICKY, "alice") == [("Xi Jinping", "actor")]

    select(window.view, TRICKY, xi, xi + 10)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert stored(project, doc_id, TRICKY, "bob") == [("Xi Jinping", "organisation")]
    window.commands["other_layers"].setChecked(False)
    assert [s.annotator for s in window.span_list.span_model.spans] == ["bob"]


def test_an_invalid_annotator_name_is_refused(project, tricky, monkeypatch):
    window, _ = tricky
    from annotator.gui import dialogs
    monkeypatch.setattr(dialogs.QInputDialog, "getItem", staticmethod(lambda *a, **k: ("a\tb", True)))
    window.commands["switch_annotator"].trigger()
    assert window.user == "alice"


def test_the_same_span_twice_is_not_an_error(project, tricky, qtbot):
    window, doc_id = tricky
    xi = TRICKY.index("Xi Jinping")
    for _ in range(2):
        select(window.view, TRICKY, xi, xi + 10)
        qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert stored(project, doc_id, TRICKY) == [("Xi Jinping", "actor")]
    assert window.view.index.get(window.view.selected_span_id).label == "actor"


def test_spans_survive_reopening(project_path, make_window, qtbot):
    from annotator.core.storage import Project
    with Project.open(project_path) as project:
        doc_id = add_document(project, "tricky", TRICKY)
        window = make_window(project, doc_id=doc_id)
        xi = TRICKY.index("Xi Jinping")
        select(window.view, TRICKY, xi, xi + 10)
        qtbot.keyClick(window.view, Qt.Key.Key_1)
        # No save step: a fresh connection sees it at once.
        with Project.open(project_path) as other:
            assert stored(other, doc_id, TRICKY) == [("Xi Jinping", "actor")]
        window.close()


def test_brackets_step_through_own_spans(project, tricky, qtbot):
    window, doc_id = tricky
    for needle in ("Xi Jinping", "July 11, 1961", "Héllo"):
        start = TRICKY.index(needle)
        select(window.view, TRICKY, start, start + len(needle))
        qtbot.keyClick(window.view, Qt.Key.Key_1)
    window.clear_selection()
    cursor = window.view.textCursor()
    cursor.setPosition(qt_pos(TRICKY, TRICKY.index("President")))
    window.view.setTextCursor(cursor)
    seen = []
    for _ in range(4):
        qtbot.keyClick(window.view, Qt.Key.Key_BracketRight)
        span = window.view.index.get(window.view.selected_span_id)
        seen.append(TRICKY[span.start:span.end])
    assert seen == ["Xi Jinping", "July 11, 1961", "Héllo", "Xi Jinping"]
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    span = window.view.index.get(window.view.selected_span_id)
    assert TRICKY[span.start:span.end] == "Héllo"


def test_keypad_digits_tag_and_typing_in_the_filter_does_not(project, tricky, qtbot):
    window, doc_id = tricky
    start = TRICKY.index("Xi Jinping")
    select(window.view, TRICKY, start, start + 10)
    qtbot.keyClick(window.view, Qt.Key.Key_2, Qt.KeyboardModifier.KeypadModifier)
    assert stored(project, doc_id, TRICKY) == [("Xi Jinping", "organisation")]
    window.session.select(project.spans(doc_id)[0].id)
    window.documents.filter.setFocus()
    qtbot.keyClicks(window.documents.filter, "a1q")
    qtbot.keyClick(window.documents.filter, Qt.Key.Key_Backspace)
    assert window.documents.filter.text() == "a1"
    assert stored(project, doc_id, TRICKY) == [("Xi Jinping", "organisation")]
    assert window.documents.model.rowCount() == 0  # "a1" matches no document name


def test_status_follows_work_and_ctrl_d_marks_done(project, tricky, qtbot):
    window, doc_id = tricky
    row = lambda: window.documents.model.rows[window.documents.model.row_of(doc_id)]  # noqa: E731
    assert row().status == "new"
    start = TRICKY.index("Xi Jinping")
    select(window.view, TRICKY, start, start + 10)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert row().status == "in progress" == project.status(doc_id, "alice")
    qtbot.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert row().status == "done" == project.status(doc_id, "alice")
    qtbot.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert row().status == "in progress" == project.status(doc_id, "alice")


def test_tag_all_occurrences_as_whole_words_and_undo_in_one_step(project, make_window, qtbot):
    text = "Xi met Kim. Xi said: Xin? No, Xi.\r\nXi 😀 Xi"
    doc_id = add_document(project, "xi", text)
    window = make_window(project, doc_id=doc_id)
    select(window.view, text, 0, 2)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    starts = [s.start for s in project.spans(doc_id, "alice")]
    assert starts == [i for i in range(len(text)) if text.startswith("Xi", i) and text[i + 2:i + 3] != "n"]
    assert all(text[s.start:s.end] == "Xi" for s in project.spans(doc_id))
    assert window.labels_panel.rows["actor"].count.text() == str(len(starts))
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [s.start for s in project.spans(doc_id, "alice")] == [0]


def test_offsets_column_fits_the_offsets_of_a_5_mb_document(qtbot, project):
    from annotator.gui.session import Session
    from annotator.gui.span_list import SpanList

    spans = SpanList(Session(project, "alice"))
    qtbot.addWidget(spans)
    spans.fit_offsets(4_950_170)
    assert spans.columnWidth(2) > spans.fontMetrics().horizontalAdvance("4950169–4950170")


def test_status_bar_describes_the_selected_span_and_forgets_it_when_cleared(project, tricky, qtbot):
    window, doc_id = tricky
    start = TRICKY.index("Xi Jinping")
    select(window.view, TRICKY, start, start + 10)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert window.statusBar().currentMessage() == f"actor “Xi Jinping” · alice · characters {start}–{start + 10}"
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.statusBar().currentMessage() == ""
