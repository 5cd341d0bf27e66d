"""Labels > Edit labels…: add, rename, recolour, re-key, reorder and remove
labels (core/schema.py). Every change is saved at once and is one undo step
in the Edit menu, like a tag; errors (a key another label has) come back
as a message naming the problem."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QColorDialog, QDialog, QDialogButtonBox, QHBoxLayout,
                               QListWidget, QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout)

from annotator.core import schema
from annotator.gui import dialogs
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class LabelDialog(QDialog):
    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Labels — annotator")
        self.session = session
        self.list = QListWidget(self)
        self.list.setObjectName("labels")
        buttons = QVBoxLayout()
        self.buttons = {}
        for key, text, handler in (("add", "&Add…", self.add), ("rename", "&Rename…", self.rename),
                                   ("colour", "&Colour…", self.recolour), ("key", "&Key…", self.rekey),
                                   ("up", "Move &up", lambda: self.move(-1)),
                                   ("down", "Move do&wn", lambda: self.move(1)),
                                   ("remove", "Re&move…", self.remove)):
            button = QPushButton(text, self)
            button.setObjectName(key)
            button.clicked.connect(handler)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(close)
        session.changed.connect(self.follow)
        self.follow(Changed(labels=True))
        self.resize(460, 320)

    # ------------------------------------------------------------ showing

    def follow(self, changed: Changed) -> None:
        if not changed.labels:
            return
        chosen = self.chosen()
        self.list.clear()
        for label in self.session.labels:
            keys = " ".join(label.keys) or "no key"
            item = QListWidgetItem(_swatch(label.color), f"{label.name}    ({keys})")
            item.setData(Qt.ItemDataRole.UserRole, label.name)
            item.setToolTip("")  # (a description could hold markup: shown in the panel, as plain text)
            self.list.addItem(item)
            if label.name == chosen:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _label(self):
        return self.session.label(self.chosen()) if self.chosen() else None

    # ------------------------------------------------------------ changing

    def _change(self, operation, *args, description: str, **options) -> None:
        self.session.change_labels(operation, *args, description=description, **options)

    def add(self) -> None:
        name, ok = dialogs.get_text(self, "Add a label", "Name of the new label:")
        if ok and name.strip():
            self._change(schema.add_label, name.strip(), description=f"add the label {name.strip()}")

    def rename(self) -> None:
        label = self._label()
        if label is None:
            return
        name, ok = dialogs.get_text(self, "Rename a label", f"New name for {label.name}:", text=label.name)
        if ok and name.strip() and name.strip() != label.name:
            self._change(schema.rename_label, label.name, name.strip(),
                         description=f"rename the label {label.name} to {name.strip()}")

    def recolour(self) -> None:
        label = self._label()
        if label is None:
            return
        color = QColorDialog.getColor(QColor(label.color), self, f"Colour of {label.name}")
        if color.isValid():
            self._change(schema.update_label, label.name, color=color.name().upper(),
                         description=f"recolour the label {label.name}")

    def rekey(self) -> None:
        label = self._label()
        if label is None:
            return
        key, ok = dialogs.get_text(self, "Key of a label",
                                       f"A digit 1-9 or a letter for {label.name} (empty: no key):",
                                       text=label.hotkey or label.mnemonic or "")
        if not ok:
            return
        if key.strip():
            self._change(schema.update_label, label.name, key=key.strip(),
                         description=f"give the label {label.name} the key {key.strip().upper()}")
        else:
            self._change(schema.update_label, label.name, clear_keys=True,
                         description=f"take the keys of the label {label.name} away")

    def move(self, step: int) -> None:
        row = self.list.currentRow()
        label = self._label()
        if label is None or not 0 <= row + step < self.list.count():
            return
        self._change(schema.move_label, label.name, row + step, description=f"move the label {label.name}")

    def remove(self) -> None:
        label = self._label()
        if label is None:
            return
        used = self.session.project.span_counts_by_label().get(label.name, 0)
        if used and not self.confirm_remove(label.name, used):
            return
        self._change(schema.remove_label, label.name, force=bool(used),
                     description=f"remove the label {label.name}" + (f" and {used:,} spans" if used else ""))

    def confirm_remove(self, name: str, used: int) -> bool:
        """Ask before removing a label that spans use (they go with it)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Remove a label", "", QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{used:,} span{'s' if used != 1 else ''} use the label {name}. Remove the label and "
                    "those spans? (Edit > Undo puts them back.)")
        remove = box.addButton("Remove label and spans", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is remove
