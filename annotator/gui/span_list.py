"""The spans of the current document as a table: label, text, offsets.

A model over a sorted list (not a QTableWidget full of items) so a document
with 50,000 spans fills the table instantly; rows are inserted and removed
one by one as spans change, so the selection and scroll position survive.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import attrgetter

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from annotator.core.model import Span, excerpt
from annotator.gui.table_model import RowTableModel

EXCERPT = 80


_key = attrgetter("start", "end", "label", "annotator", "id")


class SpanTableModel(RowTableModel):
    COLUMNS = ("Label", "Text", "Offsets", "Annotator")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.spans: list[Span] = []
        # id -> span, so row_of can bisect instead of scanning 50,000 rows
        # (a scan cost ~3 ms of every add/remove at 50,000 spans).
        self._by_id: dict[int, Span] = {}
        self.text = ""
        self.colors: dict[str, QColor] = {}

    def set_spans(self, spans: list[Span], text: str, presorted: bool = False) -> None:
        """`presorted`: already in (start, end, label, annotator) order, as
        the store returns them (sorting 50,000 spans again costs ~50 ms)."""
        self.beginResetModel()
        self.spans = list(spans) if presorted else sorted(spans, key=_key)
        self._by_id = {span.id: span for span in self.spans}
        self.text = text
        self.endResetModel()

    def append(self, spans: list[Span]) -> None:
        """Add spans that sort after every row already here (the next page
        of a document read in order), as one insertion at the end; spans
        already listed (by id) are skipped."""
        spans = [span for span in spans if span.id not in self._by_id]
        if not spans:
            return
        if self.spans and _key(spans[0]) <= _key(self.spans[-1]):
            for span in spans:  # not after the last row after all: one by one
                self.add(span)
            return
        n = len(self.spans)
        self.beginInsertRows(QModelIndex(), n, n + len(spans) - 1)
        self.spans.extend(spans)
        self._by_id.update((span.id, span) for span in spans)
        self.endInsertRows()

    def add(self, span: Span) -> None:
        row = bisect_left(self.spans, _key(span), key=_key)
        self.beginInsertRows(QModelIndex(), row, row)
        self.spans.insert(row, span)
        self._by_id[span.id] = span
        self.endInsertRows()

    def remove(self, span: Span) -> None:
        row = self.row_of(span.id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.spans[row]
        del self._by_id[span.id]
        self.endRemoveRows()

    def row_of(self, span_id: int) -> int | None:
        span = self._by_id.get(span_id)
        if span is None:
            return None
        row = bisect_left(self.spans, _key(span), key=_key)
        if row < len(self.spans) and self.spans[row].id == span_id:
            return row
        # Not where the sort order says (should not happen): look everywhere.
        return next((i for i, s in enumerate(self.spans) if s.id == span_id), None)

    def row_total(self) -> int:
        return len(self.spans)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        span = self.spans[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return span.label
            if column == 1:
                return excerpt(self.text[span.start:span.end], EXCERPT)
            if column == 2:
                return f"{span.start}–{span.end}"
            return span.annotator
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self.colors.get(span.label)
        if role == Qt.ItemDataRole.UserRole:
            return span.id
        return None


class SpanList(QTableView):
    spanChosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.span_model = SpanTableModel(self)
        self.setModel(self.span_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(40)
        header.resizeSection(0, 104)
        header.resizeSection(2, 78)
        header.resizeSection(3, 64)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setColumnHidden(3, True)
        self._quiet = False
        self.selectionModel().currentRowChanged.connect(self._row_changed)

    def _row_changed(self, current, _previous):
        if not self._quiet and current.isValid():
            self.spanChosen.emit(self.span_model.spans[current.row()].id)

    def fit_offsets(self, text_length: int) -> None:
        """Make the Offsets column wide enough for this document's largest
        offsets ("3959244–3959256" in a 5 MB text), never narrower than at first."""
        widest = f"{text_length}–{text_length}"
        needed = self.fontMetrics().horizontalAdvance(widest) + 16
        header = self.horizontalHeader()
        if header.sectionSize(2) < needed:
            header.resizeSection(2, needed)

    def show_annotators(self, show: bool) -> None:
        self.setColumnHidden(3, not show)

    def select_span(self, span_id: int | None) -> None:
        """Follow a selection made elsewhere, without emitting spanChosen."""
        self._quiet = True
        try:
            row = self.span_model.row_of(span_id) if span_id else None
            if row is None:
                self.clearSelection()
                self.setCurrentIndex(QModelIndex())
            else:
                index = self.span_model.index(row, 0)
                self.setCurrentIndex(index)
                self.scrollTo(index)
        finally:
            self._quiet = False
