"""Rich-text injection: a document name, text, label and annotator name full
of markup are shown literally by every widget of the window.  The test walks
all widgets and renders each string the way that widget would."""

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QAction, QTextCursor, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QHeaderView, QLabel, QMessageBox,
                               QStyledItemDelegate, QToolTip, QWidget)

from tests.gui.conftest import add_document

MARKUP = "<b>x</b> <img src=x> <a href=y>link</a> &amp; [*]"
DOC_NAME = "doc " + MARKUP
LABEL = "<i>lab</i>&amp;"
USER = "<b>ann</b>&amp;"
TEXT = f"Start {MARKUP} <script>alert(1)</script> end &lt; &#65;"
# (Entities alone, like "&lt;", are not listed: escaping produces them too.)
USER_STRINGS = [MARKUP, DOC_NAME, LABEL, USER, "<script>alert(1)</script>"]


def rendered(raw: str, fmt=Qt.TextFormat.AutoText) -> str:
    """What a label/tooltip with this text and format actually shows."""
    if fmt == Qt.TextFormat.PlainText or (fmt == Qt.TextFormat.AutoText and not QtGuiNamespace.mightBeRichText(raw)):
        return raw
    doc = QTextDocument()
    doc.setHtml(raw)
    return doc.toPlainText()


def shown_by_action(raw: str) -> str:
    """QAction/QMenu text: '&' marks a mnemonic, '&&' is a literal '&'."""
    return raw.replace("&&", "\0").replace("&", "").replace("\0", "&")


def assert_literal(raw: str, shown: str, where: str):
    for user_string in USER_STRINGS:
        if user_string in raw:
            assert user_string in shown, f"{where} would not show {user_string!r} literally: {raw!r}"


def walk(window):
    """Check every widget; return everything shown, for positive checks."""
    everything = []
    widgets = [window, *window.findChildren(QWidget)]
    for widget in widgets:
        tip = widget.toolTip()
        if tip:
            assert_literal(tip, rendered(tip), f"tooltip of {widget!r}")
            everything.append(rendered(tip))
        if isinstance(widget, QLabel):
            shown = rendered(widget.text(), widget.textFormat())
            assert_literal(widget.text(), shown, f"label {widget!r}")
            everything.append(shown)
        if isinstance(widget, QMessageBox):
            assert widget.textFormat() == Qt.TextFormat.PlainText
        if isinstance(widget, QComboBox):
            # A combo box's items are plain text (its popup's delegate draws
            # text, never markup): collected for the positive checks.
            everything += [widget.itemText(i) for i in range(widget.count())]
        if (isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView)
                and not isinstance(widget.parent() and widget.parent().parent(), QComboBox)):
            assert type(widget.itemDelegate()) is QStyledItemDelegate  # draws plain text
            model = widget.model()
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    index = model.index(row, column)
                    display = index.data(Qt.ItemDataRole.DisplayRole)
                    if display is not None:
                        everything.append(str(display))
                    tip = index.data(Qt.ItemDataRole.ToolTipRole)
                    if tip:
                        assert_literal(tip, rendered(tip), "item tooltip")
    for action in window.findChildren(QAction):
        assert_literal(action.text(), shown_by_action(action.text()), f"action {action.text()!r}")
        everything.append(shown_by_action(action.text()))
    title = window.windowTitle().replace("[[*]]", "[*]")
    assert "[*]" not in window.windowTitle().replace("[[*]]", "")
    everything.append(title)
    return "\n".join(everything)


def test_markup_in_every_user_string_is_shown_literally(project, make_window, monkeypatch, tmp_path, qtbot):
    start = TEXT.index("<b>")
    doc_id = add_document(project, DOC_NAME, TEXT, spans=[(start, start + len(MARKUP), LABEL)], annotator=USER)
    window = make_window(project, user=USER, doc_id=doc_id)
    window.commands["other_layers"].setChecked(True)
    span = project.spans(doc_id)[0]
    window.session.select(span.id)
    # An error message quoting user strings (a bad file with markup in its name).
    bad = tmp_path / "<b>bad<img src=x>.jsonl"
    bad.write_text('{"text": "<b>t</b>", "spans": [[0, 1, "<i>nope</i>"]]}\n', encoding="utf-8")
    from annotator.gui import dialogs

    monkeypatch.setattr(dialogs, "get_open_file_names", lambda *a, **k: ([str(bad)], ""))
    window.commands["import_files"].trigger()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)
    window.commands["about"].trigger()

    shown = walk(window)

    assert DOC_NAME in window.windowTitle().replace("[[*]]", "[*]")
    assert DOC_NAME in shown  # document list
    assert LABEL in shown and USER in shown  # label panel, span list, status bar, Labels menu
    assert "<b>bad<img src=x>.jsonl" in shown  # the error message box
    assert window.view.toPlainText() == TEXT
    assert window.labels_panel.rows[LABEL].name.text() == LABEL
    assert USER in window.user_label.text()

    # Hovering the span: the tooltip names label, annotator and text literally.
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(start + 2)
    point = window.view.cursorRect(cursor).center() + QPoint(3, 0)
    event = QHelpEvent(QEvent.Type.ToolTip, point, window.view.viewport().mapToGlobal(point))
    QApplication.sendEvent(window.view.viewport(), event)
    tip = QToolTip.text()
    assert tip, "hovering a span shows a tooltip"
    assert_literal(tip, rendered(tip), "span tooltip")
    for expected in (LABEL, USER, MARKUP):
        assert expected in rendered(tip)
