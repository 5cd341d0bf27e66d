"""Small things a newcomer tripped on: the title names the annotator, a
second window does not open exactly on top of the first, a blank selection
is called what it is."""

from __future__ import annotations

import os

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import add_document


def test_the_title_names_document_project_and_annotator(project, make_window):
    doc_id = add_document(project, "note", "Kim met Xi.")
    window = make_window(project, user="alice", doc_id=doc_id)
    assert window.windowTitle() == f"note — {project.path.name} — alice — annotator"
    window.set_user("bob")
    assert " — bob — " in window.windowTitle()


def test_a_second_window_opens_offset_from_one_still_open(project, make_window, settings):
    first = make_window(project)
    first.resize(400, 300)  # (small enough that the offset stays on the test screen)
    first.save_settings()  # where a window of this program was last, and its size
    alone = make_window(project).pos()
    settings.setValue("open_windows", [os.getppid()])  # another annotator process, still running
    second = make_window(project)
    dx, dy = second.pos().x() - alone.x(), second.pos().y() - alone.y()
    assert abs(dx - 32) <= 4 and abs(dy - 32) <= 4  # (give or take the platform's frame)
    settings.setValue("open_windows", [999_999_999])  # gone: not counted
    assert make_window(project).pos() == alone


def test_a_blank_selection_is_called_blank(project, make_window, qtbot):
    doc_id = add_document(project, "note", "Kim   met Xi.")
    window = make_window(project, doc_id=doc_id)
    window.view.select_text(3, 6)  # three spaces
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert "only blank space" in window.statusBar().currentMessage()
    assert project.spans(doc_id) == []


def test_every_label_in_the_window_reads_at_wcag_aa_contrast(project, make_window):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLabel

    from annotator.gui.label_panel import MIN_CONTRAST, contrast

    doc_id = add_document(project, "note", "Kim met Xi.")
    window = make_window(project, doc_id=doc_id)
    checked = 0
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.styleSheet():
            continue  # (notices with their own colours are checked where they are drawn)
        palette = label.palette()
        # (the role the label draws its text with, and the colour it has there)
        ratio = contrast(palette.color(label.foregroundRole()), palette.color(QPalette.ColorRole.Window))
        assert ratio >= MIN_CONTRAST, (label.text(), round(ratio, 2))
        checked += 1
    assert checked >= 10  # headings, key hints, counts, status bar


def test_a_narrow_window_keeps_the_text_readable_and_panels_come_back(project, make_window):
    from annotator.gui.main_window import MIN_TEXT_CHARS

    doc_id = add_document(project, "note", "Kim met Xi in Beijing on Sunday. " * 40)
    window = make_window(project, doc_id=doc_id)
    app = QApplication.instance()
    for size in ((640, 480), (800, 500)):
        window.resize(*size)
        app.processEvents()
        chars = window.view.viewport().width() / window.view.fontMetrics().averageCharWidth()
        assert chars >= MIN_TEXT_CHARS, (size, chars)
    assert not window.right_panel.isVisible()  # the labels panel went first
    window.resize(1400, 820)
    app.processEvents()
    assert window.right_panel.isVisible() and window.left_panel.isVisible()  # room again: back
    window.commands["documents_panel"].setChecked(False)  # hidden by hand: stays hidden
    window.resize(1500, 820)
    app.processEvents()
    assert not window.left_panel.isVisible()


def test_a_panel_shown_by_hand_stays_even_when_narrow(project, make_window):
    window = make_window(project)
    app = QApplication.instance()
    window.resize(640, 480)
    app.processEvents()
    assert not window.right_panel.isVisible()
    window.commands["labels_panel"].setChecked(False)
    window.commands["labels_panel"].setChecked(True)  # View > Labels and spans panel
    window.resize(660, 480)
    app.processEvents()
    assert window.right_panel.isVisible()


def test_in_review_mode_a_narrow_window_keeps_the_review_panel(project, make_window):
    window = make_window(project)
    app = QApplication.instance()
    window.resize(800, 520)
    app.processEvents()
    assert not window.right_panel.isVisible() and window.left_panel.isVisible()
    window.commands["review_mode"].setChecked(True)
    app.processEvents()
    assert window.right_panel.isVisible() and not window.left_panel.isVisible()


def test_a_long_span_cut_short_in_the_span_list_is_whole_on_hover(project, make_window):
    name = "the International Department of the Communist Party of China Central Committee"
    text = f"Song Tao, the minister of {name}, spoke."
    start = text.index(name)
    doc_id = add_document(project, "long", text, [(start, start + len(name), "organisation")], annotator="alice")
    window = make_window(project, doc_id=doc_id)
    cell = window.span_list.span_model.index(0, 1)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == f"<qt>{name}</qt>"


def test_a_long_document_name_cut_short_in_the_list_is_whole_on_hover(project, make_window):
    name = "2021-07-11 Xinhua <b>Xi and Kim</b> exchange messages on the treaty's 60th anniversary"
    add_document(project, name, "Kim met Xi.")
    window = make_window(project)
    cell = window.documents.model.index(0, 0)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == (
        "<qt>2021-07-11 Xinhua &lt;b&gt;Xi and Kim&lt;/b&gt; exchange messages on the treaty&#x27;s 60th "
        "anniversary</qt>")


def test_a_second_window_offset_from_a_large_one_stays_on_the_screen(project, qtbot, settings):
    from annotator.gui.main_window import MainWindow

    screen = QApplication.primaryScreen().availableGeometry()
    first = MainWindow(project, "alice", settings, poll_ms=3_600_000)
    qtbot.addWidget(first)
    first.setGeometry(screen.adjusted(0, 0, -8, -8))  # nearly the whole screen
    first.save_settings()
    settings.setValue("open_windows", [os.getppid()])  # another annotator process, still running
    second = MainWindow(project, "bob", settings, poll_ms=3_600_000)
    qtbot.addWidget(second)
    frame = second.frameGeometry()
    assert frame.right() <= screen.right() and frame.bottom() <= screen.bottom()
    assert second.pos() != first.pos() or frame.width() >= screen.width()


def test_the_span_lists_colour_swatch_keeps_a_ring_that_sets_it_off_a_selected_row(project, make_window):
    from PySide6.QtGui import QColor, QIcon

    doc_id = add_document(project, "note", "Kim met Xi.", [(0, 3, "organisation")], annotator="alice")
    window = make_window(project, doc_id=doc_id)
    window.span_list.selectRow(0)
    icon = window.span_list.span_model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    colour = next(label.color for label in window.session.labels if label.name == "organisation")
    image = icon.pixmap(14, 14, QIcon.Mode.Selected).toImage()
    assert image.pixelColor(7, 7) == QColor(colour)  # the label's colour inside,
    assert image.pixelColor(1, 1) == QColor("#ffffff")  # a white ring,
    assert image.pixelColor(0, 7).lightness() < 80  # and a dark edge against any highlight



def test_document_names_cut_short_keep_their_end_where_they_differ(project, make_window):
    window = make_window(project)
    assert window.documents.table.textElideMode() == Qt.TextElideMode.ElideMiddle


@pytest.mark.parametrize("how", ["find", "find_documents"])
def test_opening_the_search_bar_or_panel_never_widens_a_narrow_window(project, make_window, qtbot, how):
    """Seen under Xvfb: at 640x480, Ctrl+F (or a result of Find in all
    documents, which opens the bar) grew the window to over 1,000 pixels,
    off a small screen: the bar's second row asked for its whole width."""
    doc_id = add_document(project, "note", "A walrus.\r\nAnother walrus 🐋.")
    window = make_window(project, doc_id=doc_id)
    app = QApplication.instance()
    window.resize(640, 480)
    app.processEvents()
    window.commands[how].trigger()
    if how == "find_documents":
        panel = window.document_search
        panel.query.setText("walrus")
        panel.search_now()
        qtbot.waitUntil(lambda: panel.results.count() == 1, timeout=10_000)
        panel.results.itemActivated.emit(panel.results.item(0))
    app.processEvents()
    assert window.search_bar.isVisible()
    assert window.width() <= 640, window.width()


def test_a_long_project_path_leaves_the_status_bar_room_for_messages(project, make_window):
    """The path is shortened in the middle (whole in its tooltip), so a
    message such as "Not saved: ..." is not squeezed out of a narrow window."""
    window = make_window(project)
    label = window.path_label
    full = str(project.path)
    label.setText("/very/long/folder/" * 20 + full)
    assert label.sizeHint().width() <= label.WIDEST_PX
    assert label.toolTip() == label.text() and label.text().endswith(full)
    window.resize(800, 600)
    window.statusBar().showMessage("Not saved: no connection")
    QApplication.processEvents()
    assert label.geometry().left() > window.statusBar().fontMetrics().horizontalAdvance("Not saved: no connection")
