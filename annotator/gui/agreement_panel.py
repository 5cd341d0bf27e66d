"""Review > Agreement…: how far the annotators agree, in the open document
or the whole project (core/agreement.py): each pair's span F1 (exact and
overlap) and token kappa, Fleiss' kappa and Krippendorff's alpha, the
label confusion of a pair as a heat map, and the documents worst first.

Everything here is plain text: names and labels are drawn by QPainter or
shown by models, never as markup. The whole-project figures are computed on
a worker (bench: 10,000 documents in a few seconds) with the usual progress
dialog and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from annotator.core.agreement import Report, document_agreement, project_agreement, shown_label
from annotator.core.errors import AnnotatorError
from annotator.gui.background import BackgroundJob, own_connection
from annotator.gui.label_panel import plain_label
from annotator.gui.session import Session


def _figure(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


class _Rows(QAbstractTableModel):
    """A read-only table of strings (plain text: the default delegate)."""

    def __init__(self, columns: tuple[str, ...], parent=None):
        super().__init__(parent)
        self.columns = columns
        self.rows: list[tuple] = []

    def set_rows(self, rows: list[tuple]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return str(self.rows[index.row()][index.column()])
        return None


class HeatMap(QWidget):
    """A label confusion matrix: rows the first annotator's token labels,
    columns the second's; darker is more tokens (each row's share)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(220, 160)
        self.labels: list[str] = []
        self.names: list[str] = []
        self.counts: dict[tuple[str, str], int] = {}
        self.pair = ("", "")

    def show_pair(self, pair, report: Report) -> None:
        labels = sorted({a for a, _ in pair.confusion} | {b for _, b in pair.confusion})
        self.labels = labels
        self.names = [shown_label(report, label) for label in labels]
        self.counts = dict(pair.confusion)
        self.pair = (pair.a, pair.b)
        self.update()

    def cell(self, a: str, b: str) -> int:
        return self.counts.get((a, b), 0)

    def paintEvent(self, event):
        painter = QPainter(self)
        n = len(self.labels)
        if not n:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No tokens to compare")
            return
        metrics = painter.fontMetrics()
        margin = max(metrics.horizontalAdvance(name) for name in self.names) + 10
        top = metrics.height() * 2 + 6
        size = max(14.0, min((self.width() - margin - 4) / n, (self.height() - top - 4) / n))
        painter.drawText(QRectF(margin, 0, self.width() - margin, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, f"{self.pair[1]} →")
        painter.drawText(QRectF(0, top - metrics.height(), margin, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, f"{self.pair[0]} ↓")
        for j, name in enumerate(self.names):
            painter.drawText(QRectF(margin + j * size, metrics.height(), size, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, metrics.elidedText(name, Qt.TextElideMode.ElideRight,
                                                                                int(size)))
        for i, a in enumerate(self.labels):
            total = sum(self.cell(a, b) for b in self.labels) or 1
            painter.drawText(QRectF(0, top + i * size, margin - 6, size),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.names[i])
            for j, b in enumerate(self.labels):
                share = self.cell(a, b) / total
                color = QColor.fromHsvF(0.6 if i != j else 0.33, 0.15 + 0.85 * share, 1.0 - 0.45 * share)
                rect = QRectF(margin + j * size, top + i * size, size - 1, size - 1)
                painter.fillRect(rect, color)
                if self.cell(a, b):
                    painter.setPen(QColor("#ffffff") if share > 0.5 else QColor("#1a1a1a"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{self.cell(a, b):,}")
                    painter.setPen(self.palette().windowText().color())
        painter.end()


class AgreementWindow(QDialog):
    documentChosen = Signal(int)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Agreement — annotator")
        self.session = session
        self.report: Report | None = None
        self.scope = QComboBox(self)
        self.scope.addItems(["This document", "Whole project"])
        self.refresh_button = QPushButton("&Refresh", self)
        self.summary = plain_label("", self)
        self.summary.setWordWrap(True)
        self.pairs = _Rows(("Pair", "Exact P", "Exact R", "Exact F1", "Overlap F1", "Token κ", "Tokens"), self)
        self.pair_table = self._table(self.pairs)
        self.heat = HeatMap(self)
        self.documents = _Rows(("Document", "Annotators", "Token κ", "Exact F1", "Overlap F1"), self)
        self.document_table = self._table(self.documents)
        self.document_table.doubleClicked.connect(self._open_document)
        self.document_table.setToolTip("Worst first; double-click opens the document")
        top = QHBoxLayout()
        top.addWidget(QLabel("Agreement in", self))
        top.addWidget(self.scope)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.heat)
        lower.addWidget(self.document_table)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.pair_table, 1)
        layout.addWidget(lower, 2)
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.pair_table.selectionModel().currentRowChanged.connect(self._show_pair)
        self.resize(760, 560)

    def _table(self, model) -> QTableView:
        table = QTableView(self)
        table.setModel(model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    # -------------------------------------------------------------- computing

    def refresh(self) -> None:
        session = self.session
        if self.scope.currentIndex() == 0:
            if session.doc is None:
                self._show(None, "No document is open.")
                return
            try:
                report = document_agreement(session.project, session.doc.id)
            except AnnotatorError as e:
                self._show(None, str(e))
                return
            self._show(report, "Fewer than two annotators annotated this document." if report is None else "")
            return
        if session.busy_saving():
            return

        def work(progress):
            progress("Measuring agreement", 0, 1)
            project = own_connection(session.project)
            try:
                return project_agreement(project)
            finally:
                project.close()

        def done(report, error):
            if error is not None:
                self._show(None, str(error))
            else:
                self._show(report, "")

        BackgroundJob(self, "Measuring agreement", work, done).start()

    def _show(self, report: Report | None, problem: str) -> None:
        self.report = report
        if report is None:
            self.summary.setText(problem)
            self.pairs.set_rows([])
            self.documents.set_rows([])
            self.heat.counts, self.heat.labels = {}, []
            self.heat.update()
            return
        self.summary.setText(
            f"{', '.join(report.annotators)} · {report.documents:,} document"
            f"{'s' if report.documents != 1 else ''} · Fleiss' κ {_figure(report.fleiss_kappa)} · "
            f"Krippendorff's α {_figure(report.krippendorff_alpha)} (tokens, nominal). "
            "Precision counts the second annotator's spans; – means undefined.")
        rows = []
        for pair in report.pairs:
            exact, overlap = pair.exact(), pair.overlap()
            rows.append((f"{pair.a} – {pair.b}", _figure(exact.precision), _figure(exact.recall),
                         _figure(exact.f1), _figure(overlap.f1), _figure(pair.kappa), f"{pair.tokens:,}"))
        self.pairs.set_rows(rows)
        self.documents.set_rows([(d.name, d.annotators, _figure(d.kappa), _figure(d.exact_f1),
                                  _figure(d.overlap_f1), d.doc_id) for d in report.per_document])
        if report.pairs:
            self.pair_table.selectRow(0)
            self._show_pair(self.pairs.index(0, 0))

    def _show_pair(self, current, _previous=None) -> None:
        if self.report is not None and current.isValid():
            self.heat.show_pair(self.report.pairs[current.row()], self.report)

    def _open_document(self, index) -> None:
        if index.isValid():
            self.documentChosen.emit(self.documents.rows[index.row()][5])


def open_agreement(window) -> AgreementWindow:
    """The window's agreement window (one), refreshed for what is open."""
    panel = window.findChild(AgreementWindow)
    if panel is None:
        panel = AgreementWindow(window.session, window)
        panel.documentChosen.connect(window.open_document)
    panel.show()
    panel.raise_()
    panel.refresh()
    return panel

