"""Message boxes and small dialogs, all showing user strings as plain text."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAbstractFileIconProvider, QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog,
                               QFileIconProvider, QInputDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
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

Everything is saved the moment you do it (if another program is
writing to the project, as soon as it is done); there is no Save."""


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


def ask_password(parent, problem: str, url: str) -> str | None:
    """Ask for the password of the login a server project's URL names
    (typed unseen); None if cancelled. `problem`: why again ("" the first
    time). The password is never put in the URL or kept beyond the project."""
    from annotator.core.storage.postgres.url import redact_url

    text = f"Password for {redact_url(url)}:"
    if problem:
        text = f"{problem}\n\n{text}"
    dialog = QInputDialog(parent)
    dialog.setObjectName("passwordDialog")
    dialog.setWindowTitle("Server password")
    dialog.setLabelText(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    for label in dialog.findChildren(QLabel):  # (the server's words and the URL: never rich text)
        label.setTextFormat(PLAIN)
    return dialog.textValue() if dialog.exec() == QDialog.DialogCode.Accepted else None


class _NamesOnlyIcons(QAbstractFileIconProvider):
    """File and folder icons, and a type from the name alone. Qt's own
    provider (and the platform's native dialog) opens each file to sniff its
    type, and on POSIX closing any descriptor of the open project drops all
    of this process's SQLite locks on it (see core.files.hold)."""

    def __init__(self):
        super().__init__()
        self._standard = QFileIconProvider()

    def icon(self, what):
        if isinstance(what, QAbstractFileIconProvider.IconType):
            return self._standard.icon(what)
        kind = QAbstractFileIconProvider.IconType.Folder if what.isDir() else QAbstractFileIconProvider.IconType.File
        return self._standard.icon(kind)

    def type(self, info) -> str:
        if info.isDir():
            return "Folder"
        return f"{info.suffix()} file" if info.suffix() else "File"


class _CheckedFileDialog(QFileDialog):
    """A file dialog that asks `refuse(path)` before accepting a name (and
    before Qt's own "replace it?" question): a name refused keeps the
    dialog open, with the reason shown, so another can be chosen."""

    def __init__(self, parent, title, start, filters, refuse: Callable[[str], str | None] | None):
        super().__init__(parent, title, start, filters)
        self._refuse = refuse

    def accept(self):
        chosen = self.selectedFiles()
        problem = self._refuse(chosen[0]) if chosen and self._refuse else None
        if problem:
            box = QMessageBox(QMessageBox.Icon.Warning, self.windowTitle(), "", QMessageBox.StandardButton.Ok, self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setText(problem)
            box.setObjectName("refusedName")
            box.open()
            return
        super().accept()


def _file_dialog(parent, title: str, start: str, filters: str, mode: QFileDialog.FileMode,
                 saving: bool, refuse: Callable[[str], str | None] | None = None) -> QFileDialog:
    dialog = _CheckedFileDialog(parent, title, start, filters, refuse)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setIconProvider(_NamesOnlyIcons())
    dialog.setFileMode(mode)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if saving else QFileDialog.AcceptMode.AcceptOpen)
    if saving and start:
        dialog.selectFile(start)
    return dialog


# QFileDialog's static functions, without reading any file's content: the
# same arguments and results (path or paths, and the chosen filter).

def get_save_file_name(parent, title: str, start: str, filters: str,
                       refuse: Callable[[str], str | None] | None = None) -> tuple[str, str]:
    """`refuse(path)`: why that name cannot be used, or None (see _CheckedFileDialog)."""
    dialog = _file_dialog(parent, title, start, filters, QFileDialog.FileMode.AnyFile, saving=True,
                          refuse=refuse)
    chosen = dialog.selectedFiles() if dialog.exec() else []
    return (chosen[0] if chosen else "", dialog.selectedNameFilter())


def get_open_file_name(parent, title: str, start: str, filters: str) -> tuple[str, str]:
    dialog = _file_dialog(parent, title, start, filters, QFileDialog.FileMode.ExistingFile, saving=False)
    chosen = dialog.selectedFiles() if dialog.exec() else []
    return (chosen[0] if chosen else "", dialog.selectedNameFilter())


def get_open_file_names(parent, title: str, start: str, filters: str) -> tuple[list[str], str]:
    dialog = _file_dialog(parent, title, start, filters, QFileDialog.FileMode.ExistingFiles, saving=False)
    return (dialog.selectedFiles() if dialog.exec() else [], dialog.selectedNameFilter())


def get_existing_directory(parent, title: str, start: str) -> str:
    dialog = _file_dialog(parent, title, start, "", QFileDialog.FileMode.Directory, saving=False)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    chosen = dialog.selectedFiles() if dialog.exec() else []
    return chosen[0] if chosen else ""


def get_text(parent, title: str, label: str, text: str = "") -> tuple[str, bool]:
    """QInputDialog.getText, but its label shows `label` as plain text (the
    static one guesses at rich text: a label name with markup would render)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    for shown in dialog.findChildren(QLabel):
        shown.setTextFormat(PLAIN)
    dialog.setTextValue(text)
    ok = dialog.exec() == QDialog.DialogCode.Accepted
    return dialog.textValue(), ok
