"""The project's documents: name, this annotator's span count, status.

A table model over the session's `DocumentRows`, which read a page of rows
when the view first shows one of them (`data()`), so a million documents
open, scroll, sort (click a heading; again: reversed) and filter (by the
start of the name) in the time a screen of rows takes: see
gui/document_rows.py and core/storage/sqlite/document_list.py.

How the list follows a change (`follow`): a change to documents' counts or
statuses redraws their rows if they are on screen; documents added (by
another program) or rows moved (sorted by count or status) are a layout
change: the rows are read again from the same scroll position, and the
selection follows its document to its new row. Not rows inserted one by
one: an import elsewhere adds thousands, and one layout change costs the
same for one as for all. The whole list (a new filter, sort, annotator or
project) is a model reset.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLineEdit, QTableView,
                               QVBoxLayout, QWidget)

from annotator.gui.document_rows import DocumentRows
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed
from annotator.gui.table_model import RowTableModel


class DocumentTableModel(RowTableModel):
    PLAIN_COLUMNS = ("Document", "Spans", "Status")
    SORTS = ("name", "spans", "status")  # by column (core/document_query.py)
    REVIEW_COLUMN = 3  # in review mode: not started / in review / reviewed (session_review.py)

    @property
    def COLUMNS(self) -> tuple[str, ...]:
        return self.PLAIN_COLUMNS + (("Review",) if self.session.reviewing else ())

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self._version = (None, 0)  # (rows, version) last shown

    @property
    def rows(self) -> DocumentRows:
        return self.session.documents

    def follow(self, changed: Changed) -> None:
        rows = self.rows
        if changed.documents is None:
            self.beginResetModel()
            self._version = (rows, rows.version)
            self.endResetModel()
            return
        if self._version != (rows, rows.version):
            self._relayout(rows)
            return
        last = len(self.COLUMNS) - 1
        for doc_id in changed.documents:
            row = rows.cached_row(doc_id)  # (a row not cached is not on screen)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _relayout(self, rows: DocumentRows) -> None:
        """Rows were added or moved: every persistent index (the selection,
        the current row) moves to its document's new row."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        new = []
        for index in old:
            doc_id = rows.previous_id(index.row())
            row = rows.row_of(doc_id) if doc_id is not None else None
            new.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(old, new)
        self._version = (rows, rows.version)
        self.layoutChanged.emit()

    def row_of(self, doc_id: int) -> int | None:
        return self.session.row_of(doc_id)

    def row_total(self) -> int:
        return len(self.rows)

    def sort_of(self, column: int) -> str | None:
        return self.SORTS[column] if column < len(self.SORTS) else None

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
        # Names cut in the middle: "article-00012" and "article-00013" differ at the end,
        # which an ellipsis there would hide (every row read "article-00...").
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 52)
        header.resizeSection(2, 84)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # A click on a heading sorts by it (again: the other way); the store
        # sorts (an index walk), not the view, which sees only a page.
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._heading_clicked)
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
        if changed.documents is None:
            self._show_sort()

    def _heading_clicked(self, column: int) -> None:
        sort = self.model.sort_of(column)
        query = self.session.list_query
        if sort is None:  # the review column: not a sort (keep the indicator where it was)
            self._show_sort()
            return
        self.session.set_document_sort(sort, descending=sort == query.sort and not query.descending)

    def _show_sort(self) -> None:
        query = self.session.list_query
        order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self.model.SORTS.index(query.sort), order)
        header.blockSignals(False)

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
                self.model.rows[row]  # its page, read now: the open document's row is redrawn as it changes
                index = self.model.index(row, 0)
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
        finally:
            self._quiet = quiet
