"""The spans of the current document as a table: label, text, offsets.

A model over the session's spans (not a QTableWidget full of items) so a
document with 50,000 spans fills the table instantly. It keeps only the row
order of the visible spans (Qt must be told a row's number before it goes),
and follows the session's `changed`: rows are inserted and removed one by
one as spans change, so the selection and scroll position survive; the
session's list is taken whole when another document opens, the layers shown
change, or a bulk change (tag all) replaced the spans.
"""

from __future__ import annotations

import html
from bisect import bisect_left

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from annotator.core.model import Span, excerpt
from annotator.gui.session import Session, list_key
from annotator.gui.session_changes import Changed
from annotator.gui.table_model import RowTableModel

EXCERPT = 80
TOOLTIP_EXCERPT = 400  # characters of a span shown on hover


_key = list_key


def swatch_icon(color: str, size: int = 14) -> QIcon:
    """A label's colour as a square with a white ring and a dark edge, so it
    stays distinct on a selected row's highlight (a bare colour swatch blends
    into a blue one)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor("#404040"))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRect(2, 2, size - 4, size - 4)
    painter.end()
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected):  # (not tinted when the row is selected)
        icon.addPixmap(pixmap, mode)
    return icon


class SpanTableModel(RowTableModel):
    COLUMNS = ("Label", "Text", "Offsets", "Annotator")

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        # The visible spans in row order (references to the session's spans).
        self.spans: list[Span] = []
        # id -> span, so row_of can bisect instead of scanning 50,000 rows
        # (a scan cost ~3 ms of every add/remove at 50,000 spans).
        self._by_id: dict[int, Span] = {}
        self.colors: dict[str, QIcon] = {}

    def follow(self, changed: Changed) -> None:
        session = self.session
        if changed.labels:
            self.colors = {label.name: swatch_icon(label.color) for label in session.labels}
        if changed.reset_spans or changed.layers or changed.user:
            self.set_spans(session.visible_spans())
            return
        if changed.loaded:
            self.append(session.visible_of(changed.loaded))
        if changed.spans is not None:
            for span in changed.spans.spans_before:
                self.remove(span)
            for span in changed.spans.spans_after:
                if session.visible(span):
                    self.add(span)
        if changed.labels and self.spans:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.spans) - 1, 0))
        if changed.notes and self.spans:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self.spans) - 1, 1))

    def set_spans(self, spans: list[Span]) -> None:
        """All rows at once; `spans` in list order (the session's)."""
        self.beginResetModel()
        self.spans = spans
        self._by_id = {span.id: span for span in spans}
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
        span = self.spans[row]  # (as listed: a relabelled span's key is its old one)
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
                shown = excerpt(self.session.text[span.start:span.end], EXCERPT)
                return f"✎ {shown}" if span.id in self.session.notes else shown
            if column == 2:
                return f"{span.start}–{span.end}"
            return span.annotator
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self.colors.get(span.label)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            # The whole span text (the cell elides a long one), and its note.
            # Tooltips guess at rich text: always HTML, every string escaped.
            shown = html.escape(excerpt(self.session.text[span.start:span.end], TOOLTIP_EXCERPT))
            note = self.session.notes.get(span.id)
            if note is not None:
                shown += "<br>✎ " + html.escape(note).replace("\n", "<br>")
            return "<qt>" + shown + "</qt>"
        if role == Qt.ItemDataRole.UserRole:
            return span.id
        return None


class SpanList(QTableView):
    spanChosen = Signal(int)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.span_model = SpanTableModel(session, self)
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
        session.changed.connect(self.follow)
        self.follow(Changed.everything())  # (made after the session was filled)

    def follow(self, changed: Changed) -> None:
        """The rows first (quietly: Qt moves the current row when its span
        goes, which is no choice of the person's), then the selection."""
        self._quiet = True
        try:
            self.span_model.follow(changed)
        finally:
            self._quiet = False
        if changed.layers:
            self.setColumnHidden(3, not self.session.show_other_layers)
        if changed.document:
            self.fit_offsets(len(self.session.text))
        if changed.selection or changed.reset_spans or changed.layers or changed.user:
            self.select_span(self.session.selected_id)

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
