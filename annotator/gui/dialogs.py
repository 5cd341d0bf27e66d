"""Message boxes and small dialogs, all showing user strings as plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QInputDialog, QMessageBox, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from annotator.core.model import name_problem, normalize_name

PLAIN = Qt.TextFormat.PlainText

TAGGING_HELP = """\
Select text      drag with the mouse, double-click a word,
                 or move with the arrow keys holding Shift
Tag selection    the label's key, or click the label:
{labels}
Select a span    click it (click again for the span around it),
                 or step through your spans with ] and [
Relabel span     the new label's key while the span is selected
Remove span      Delete or Backspace

Everything is saved the moment you do it; there is no Save."""


def message(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
            detail: str = "") -> QMessageBox:
    """Show `text` (plain, never rich text) in a window-modal box and return
    it without blocking, so the program (and tests) keep running.  The same
    message already on screen is not opened twice (a key held down)."""
    if parent is not None:
        for box in parent.findChildren(QMessageBox):
            if box.isVisible() and box.text() == text and box.windowTitle() == title:
                return box
    box = QMessageBox(icon, title, "", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    if detail:
        box.setDetailedText(detail)  # detailed text is always plain
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName("messageBox")
    box.open()
    return box


def error(parent, title: str, text: str, detail: str = "") -> QMessageBox:
    return message(parent, QMessageBox.Icon.Warning, title, text, detail)


def info(parent, title: str, text: str) -> QMessageBox:
    return message(parent, QMessageBox.Icon.Information, title, text)


def show_text(parent, title: str, text: str) -> QDialog:
    """A read-only, unwrapped monospace text (a table of keys) in a dialog."""
    dialog = QDialog(parent)
    dialog.setObjectName("textDialog")
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view = QPlainTextEdit(dialog)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setPlainText(text)
    metrics = view.fontMetrics()
    width = max(metrics.horizontalAdvance(line) for line in text.splitlines() or [""])
    view.setMinimumSize(width + 40, min(metrics.lineSpacing() * (text.count("\n") + 3), 640))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    dialog.open()
    return dialog


def ask_annotator(parent, current: str, known: list[str]) -> str | None:
    """Ask for an annotator name (known ones offered); None if cancelled.
    Raises ValueError with the reason for an unusable name."""
    items = list(dict.fromkeys([current, *known]))
    name, ok = QInputDialog.getItem(parent, "Switch annotator",
                                    "Annotate as (type a new name or pick one):",
                                    items, 0, True)
    if not ok:
        return None
    # The stored form, as everywhere else: "José" typed either way is one annotator.
    name = normalize_name(name.strip())
    problem = name_problem(name, "annotator name")
    if problem:
        raise ValueError(problem)
    return name
