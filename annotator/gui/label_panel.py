"""The labels: colour swatch, name, keys and how often each is used in the
current document.  Clicking a label applies it, exactly like its hotkey."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from annotator.core.model import Label


def plain_label(text: str = "", parent=None) -> QLabel:
    """A QLabel that never interprets its text as rich text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class LabelRow(QFrame):
    clicked = Signal(str)

    def __init__(self, label: Label, parent=None):
        super().__init__(parent)
        self.label = label
        self.setObjectName("labelRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        tip = f"Apply “{label.name}” to the selection"
        if label.description:
            tip += "\n" + label.description
        self.setToolTip("<qt>" + html.escape(tip).replace("\n", "<br>") + "</qt>")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 5, 8, 5)
        row.setSpacing(8)
        swatch = QLabel(self)
        swatch.setFixedSize(14, 14)
        # The colour is validated as #RRGGBB by the core, so it is safe here.
        swatch.setStyleSheet(f"background: {label.color}; border-radius: 3px;")
        self.name = plain_label(label.name, self)
        self.name.setStyleSheet("font-weight: 600;")
        keys = " ".join(k.upper() for k in (label.hotkey, label.mnemonic) if k)
        self.keys = plain_label(keys, self)
        self.keys.setObjectName("keycap")
        self.count = plain_label("0", self)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setMinimumWidth(28)
        row.addWidget(swatch)
        row.addWidget(self.name, 1)
        row.addWidget(self.keys)
        row.addWidget(self.count)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.label.name)


class LabelPanel(QWidget):
    labelClicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.rows: dict[str, LabelRow] = {}
        self.setStyleSheet(
            "#labelRow { border-radius: 5px; }"
            "#labelRow:hover { background: palette(midlight); }"
            "#keycap { color: palette(dark); font-family: monospace; }")

    def set_labels(self, labels: list[Label]) -> None:
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for label in labels:
            row = LabelRow(label, self)
            row.clicked.connect(self.labelClicked)
            self._layout.addWidget(row)
            self.rows[label.name] = row

    def set_counts(self, counts: dict[str, int]) -> None:
        for name, row in self.rows.items():
            row.count.setText(str(counts.get(name, 0)))
