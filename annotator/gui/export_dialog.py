"""File > Export…: which format, which annotators' layers, the format's
options; the file (or folder) is asked for next, by the usual save dialog.

Every choice comes from the format registry (core/formats), so a new format
appears here without a change to this module. A format whose optional
package is missing is listed but cannot be chosen, with the extra to install.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QListWidget, QListWidgetItem, QVBoxLayout)

from annotator.core.formats import FORMATS, Format, by_name
from annotator.gui.dialogs import PLAIN

# The package each optional extra brings (a format's `extra`).
_EXTRA_MODULES = {"spacy": "spacy", "html": "trafilatura"}


@dataclass(frozen=True)
class ExportChoice:
    format: Format
    annotators: list[str] | None  # None: every layer
    options: dict[str, bool]


def missing_extra(format_: Format) -> str | None:
    """The `pip install` that `format_` still needs here, or None."""
    module = _EXTRA_MODULES.get(format_.extra or "")
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    return f"pip install 'annotator[{format_.extra}]'"


class ExportDialog(QDialog):
    def __init__(self, parent, annotators: list[str], last_format: str | None = None):
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self._formats = [f for f in FORMATS if f.write]
        self.format_box = QComboBox(objectName="exportFormat")
        for format_ in self._formats:
            missing = missing_extra(format_)
            where = "a folder" if format_.folder else " ".join(f"*{s}" for s in format_.suffixes)
            self.format_box.addItem(f"{format_.title} ({where})" + (f": needs {missing}" if missing else ""),
                                    format_.name)
            if missing:  # listed, so people learn it exists, but not choosable
                item = self.format_box.model().item(self.format_box.count() - 1)
                item.setEnabled(False)
        names = [f.name for f in self._formats]
        self.format_box.setCurrentIndex(names.index(last_format if last_format in names else "jsonl"))

        self.layers = QListWidget(objectName="exportLayers")
        for name in annotators:
            item = QListWidgetItem(name)  # (a QListWidgetItem's text is never rich text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.layers.addItem(item)
        self.layers.setMaximumHeight(140)

        self.option_boxes: dict[str, QCheckBox] = {}
        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        layers_label = QLabel("Layers (annotators):" if annotators else "Layers: nobody has annotated yet")
        layers_label.setTextFormat(PLAIN)
        form.addRow(layers_label, self.layers)
        self.layers.setVisible(bool(annotators))
        for format_ in self._formats:
            for option in format_.options:
                box = QCheckBox(option.help)
                box.setObjectName(f"exportOption_{format_.name}_{option.name}")
                self.option_boxes[f"{format_.name}.{option.name}"] = box
                form.addRow("", box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.format_box.currentIndexChanged.connect(self._show_options)
        self.layers.itemChanged.connect(self._enable_export)
        self._show_options()

    def _enable_export(self) -> None:
        """No layer ticked would be an export of nothing: not offered."""
        items = [self.layers.item(row) for row in range(self.layers.count())]
        self.export_button.setEnabled(not items or any(i.checkState() == Qt.CheckState.Checked for i in items))

    def _show_options(self) -> None:
        name = self.format_box.currentData()
        for key, box in self.option_boxes.items():
            box.setVisible(key.startswith(f"{name}."))

    def select_format(self, name: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(name))

    def set_layers(self, names: set[str]) -> None:
        for row in range(self.layers.count()):
            item = self.layers.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)

    def choice(self) -> ExportChoice:
        format_ = by_name(self.format_box.currentData())
        items = [self.layers.item(row) for row in range(self.layers.count())]
        checked = [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]
        options = {option.name: self.option_boxes[f"{format_.name}.{option.name}"].isChecked()
                   for option in format_.options}
        return ExportChoice(format_, None if len(checked) == len(items) else checked,
                            {name: on for name, on in options.items() if on})
