"""The project's documents: name, this annotator's span count, status.

A table model over the session's `DocumentSummary` rows, which carry no
text, so a project of 10,000 documents lists instantly; filtering re-asks the
store (an indexed SQL filter) rather than hiding rows one by one. A change
to one document's count or status redraws that row only.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLineEdit, QTableView,
                               QVBoxLayout, QWidget)

from annotator.core.model import DocumentSummary
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed
from annotator.gui.table_model import RowTableModel


class DocumentTableModel(RowTableModel):
    PLAIN_COLUMNS = ("Document", "Spans", "Status")
    REVIEW_COLUMN = 3  # in review mode: not started / in review / reviewed (session_review.py)

    @property
    def COLUMNS(self) -> tuple[str, ...]:
        return self.PLAIN_COLUMNS + (("Review",) if self.session.reviewing else ())

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session

    @property
    def rows(self) -> list[DocumentSummary]:
        return self.session.documents

    def follow(self, changed: Changed) -> None:
        if changed.documents is None:
            self.beginResetModel()
            self.endResetModel()
            return
        last = len(self.COLUMNS) - 1
        for doc_id in changed.documents:
            row = self.row_of(doc_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def row_of(self, doc_id: int) -> int | None:
        return self.session.row_of(doc_id)

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        summary = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == self.REVIEW_COLUMN:
                return self.session.review_status(summary.id)
            return (summary.name, summary.span_count, summary.status)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            # The whole name (a narrow list cuts it short). Tooltips guess at
            # rich text: always HTML, the name escaped.
            return "<qt>" + html.escape(summary.name) + "</qt>"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return summary.id
        return None


class DocumentList(QWidget):
    documentChosen = Signal(int)
    filterChanged = Signal(str)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter documents by name")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableView(self)
        self.model = DocumentTableModel(session, self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 52)
        header.resizeSection(2, 84)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self._quiet = False
        self.filter.textChanged.connect(self.filterChanged)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        session.changed.connect(self.follow)
        self.follow(Changed.everything())  # (made after the session was filled)

    def follow(self, changed: Changed) -> None:
        self._quiet = True
        try:
            self.model.follow(changed)
        finally:
            self._quiet = False
        if changed.documents is None or changed.document:
            self.select(self.session.doc.id if self.session.doc else None)
        if changed.review or changed.documents is None:
            self._show_review_column()

    def _show_review_column(self) -> None:
        """In review mode the reviewer sees the review status, not their own
        span count and status."""
        reviewing = self.session.reviewing
        self.table.setColumnHidden(1, reviewing)
        self.table.setColumnHidden(2, reviewing)
        if reviewing and self.model.columnCount() > self.model.REVIEW_COLUMN:
            header = self.table.horizontalHeader()
            header.setSectionResizeMode(self.model.REVIEW_COLUMN, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(self.model.REVIEW_COLUMN, 90)

    def _row_changed(self, current, _previous):
        if not self._quiet and current.isValid():
            self.documentChosen.emit(self.model.rows[current.row()].id)

    def select(self, doc_id: int | None) -> None:
        row = self.model.row_of(doc_id) if doc_id is not None else None
        quiet, self._quiet = self._quiet, True
        try:
            if row is None:
                self.table.clearSelection()
            else:
                index = self.model.index(row, 0)
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
        finally:
            self._quiet = quiet
