"""The review panel (review mode's side panel): the document's candidates at
a glance, the selected candidate's readings (who tagged what there), and
the buttons for the keys. Everything user-typed is plain text: QLabels in
PlainText format and a table view, whose default delegate never renders
HTML.

The window puts its Agreement… button (agreement_panel.py) into `agreement_slot`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QSpinBox,
                               QTableView, QVBoxLayout, QWidget)

from annotator.core.model import excerpt
from annotator.core.review_candidates import AGREED_ALL, AGREED_SOME, CONFLICT, Candidate
from annotator.gui.label_panel import Swatch, heading, muted, plain_label
from annotator.gui.review_style import CLASS_COLORS, candidate_color, class_words
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed
from annotator.gui.session_review import OPEN
from annotator.gui.table_model import RowTableModel

KEYS_HINT = ("Alt+↓ / Alt+↑ next / previous candidate · F8 / Shift+F8 next / previous conflict · "
             "Alt+→ / Alt+← reading · Ctrl+Enter accept · Ctrl+Backspace reject · a label's key: "
             "into gold with that label · Ctrl+Shift+G accept all agreed · Ctrl+Shift+D reviewed")


class ReadingTableModel(RowTableModel):
    """The selected candidate's readings: one row each."""

    COLUMNS = ("Text", "Label", "Characters", "Annotators", "Gold")

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.candidate: Candidate | None = None

    def show(self, candidate: Candidate | None) -> None:
        self.beginResetModel()
        self.candidate = candidate
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.candidate.readings) if self.candidate is not None else 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.candidate is None:
            return None
        reading = self.candidate.readings[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            gold = "in gold" if reading.in_gold else "rejected" if reading.rejected else ""
            return (excerpt(self.session.text[reading.start:reading.end], 40), reading.label,
                    f"{reading.start}–{reading.end}", ", ".join(reading.annotators), gold)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and reading.rejected and not reading.in_gold:
            return QColor("#808080")
        return None


class ReviewPanel(QWidget):
    acceptAllAgreed = Signal(int)  # how many annotators must agree

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(heading("Review", self))
        self.summary = plain_label("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        legend = QHBoxLayout()
        legend.setSpacing(4)
        for kind in (AGREED_ALL, AGREED_SOME, CONFLICT):
            legend.addWidget(Swatch(CLASS_COLORS[kind], self))
            legend.addWidget(muted(plain_label(kind, self)))
            legend.addSpacing(6)
        legend.addStretch(1)
        layout.addLayout(legend)
        row = QHBoxLayout()
        self.swatch = Swatch("#ffffff", self)
        self.candidate_label = plain_label("", self)
        self.candidate_label.setWordWrap(True)
        row.addWidget(self.swatch, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.candidate_label, 1)
        layout.addLayout(row)
        self.readings = QTableView(self)
        self.model = ReadingTableModel(session, self)
        self.readings.setModel(self.model)
        self.readings.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.readings.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.readings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.readings.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the window
        self.readings.setWordWrap(False)
        self.readings.setShowGrid(False)
        self.readings.verticalHeader().hide()
        self.readings.verticalHeader().setDefaultSectionSize(22)
        header = self.readings.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.readings.setMinimumHeight(90)
        self.readings.clicked.connect(lambda index: session.select_reading(index.row()))
        layout.addWidget(self.readings, 1)
        self.nobody = muted(plain_label("", self))
        self.nobody.setWordWrap(True)
        layout.addWidget(self.nobody)
        buttons = QHBoxLayout()
        self.accept = QPushButton("Accept", self)
        self.accept.setToolTip("Put the selected reading into gold (Ctrl+Enter)")
        self.reject = QPushButton("Reject", self)
        self.reject.setToolTip("Reject the selected reading; out of gold if it is there (Ctrl+Backspace)")
        self.reviewed = QPushButton("Mark reviewed", self)
        self.reviewed.setToolTip("Mark this document reviewed, or not (Ctrl+Shift+D)")
        for button in (self.accept, self.reject, self.reviewed):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        agreed = QHBoxLayout()
        self.accept_all = QPushButton("Accept all agreed", self)
        self.accept_all.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.accept_all.setToolTip("Put into gold every span at least this many annotators tagged exactly "
                                   "alike, in this document: one undo step (Ctrl+Shift+G)")
        self.min_agree = QSpinBox(self)
        self.min_agree.setMinimum(1)
        self.min_agree.setToolTip("How many annotators must agree (default: all of them)")
        self.of_label = muted(plain_label("", self))
        agreed.addWidget(self.accept_all)
        agreed.addWidget(plain_label("by at least", self))
        agreed.addWidget(self.min_agree)
        agreed.addWidget(self.of_label)
        agreed.addStretch(1)
        layout.addLayout(agreed)
        self.keys = muted(plain_label(KEYS_HINT, self))
        self.keys.setWordWrap(True)
        layout.addWidget(self.keys)
        # The agreement panel (core/agreement.py) is added here by its author.
        self.agreement_slot = QVBoxLayout()
        layout.addLayout(self.agreement_slot)
        self.accept.clicked.connect(session.accept_reading)
        self.reject.clicked.connect(session.reject_reading)
        self.reviewed.clicked.connect(session.toggle_reviewed)
        self.accept_all.clicked.connect(lambda: session.accept_all_agreed(self.chosen_min_agree()))
        self._annotators: tuple[str, ...] = ()
        session.changed.connect(self.follow)
        self.follow(Changed.everything())

    def chosen_min_agree(self) -> int | None:
        """None (all of them) unless fewer were chosen."""
        value = self.min_agree.value()
        return None if value >= len(self.session.review_annotators) else value

    def follow(self, changed: Changed) -> None:
        if not (changed.review or changed.document or changed.project):
            return
        session = self.session
        self._show_annotators()
        counts = session.review_counts
        total = sum(counts[k] for k in (AGREED_ALL, AGREED_SOME, CONFLICT))
        if session.doc is None:
            self.summary.setText("No document open.")
        elif not session.review_annotators:
            self.summary.setText("Nobody has annotated this document yet: nothing to review.")
        elif not session.review_complete:
            self.summary.setText(f"Annotators: {', '.join(session.review_annotators)}. Finding candidates…")
        else:
            self.summary.setText(
                f"Annotators: {', '.join(session.review_annotators)}. {total:,} candidate"
                f"{'s' if total != 1 else ''}: {counts[AGREED_ALL]:,} agreed by all, {counts[AGREED_SOME]:,} "
                f"by some, {counts[CONFLICT]:,} in conflict; {counts[OPEN]:,} still open. "
                f"Document {session.review_status(session.doc.id) if session.doc else ''}.")
        candidate = session.selected_candidate()
        self.model.show(candidate)
        if candidate is None:
            self.swatch.color = QColor("#ffffff")
            self.candidate_label.setText("No candidate selected: Alt+↓ for the next, F8 for the next "
                                         "conflict, or click one in the text.")
            self.nobody.setText("")
        else:
            number = session.candidate_number()
            color, _ = candidate_color(candidate)
            self.swatch.color = QColor(color)
            self.candidate_label.setText(f"Candidate {number + 1:,} of {len(session.review_candidates):,}: "
                                         f"{class_words(candidate)}, characters {candidate.start}–{candidate.end}")
            reading = session.selected_reading()
            self.readings.selectRow(candidate.readings.index(reading))
            holders = {name for r in candidate.readings for name in r.annotators}
            missing = [name for name in session.review_annotators if name not in holders]
            gold = [s for s in candidate.gold if (s.start, s.end, s.label) not in
                    {(r.start, r.end, r.label) for r in candidate.readings}]
            notes = []
            if missing:
                notes.append(f"Nothing here from: {', '.join(missing)}.")
            for span in gold:
                notes.append(f"Gold also holds “{excerpt(session.text[span.start:span.end], 30)}” as "
                             f"{span.label} ({span.start}–{span.end}).")
            self.nobody.setText(" ".join(notes))
        self.swatch.update()
        reviewing = session.doc is not None
        self.accept.setEnabled(reviewing and candidate is not None)
        self.reject.setEnabled(reviewing and candidate is not None)
        self.accept_all.setEnabled(reviewing and bool(session.review_annotators))
        self.reviewed.setEnabled(reviewing)
        self.reviewed.setText("Unmark reviewed" if session.is_reviewed() else "Mark reviewed")

    def _show_annotators(self) -> None:
        names = tuple(self.session.review_annotators)
        if names == self._annotators:
            return
        self._annotators = names
        self.min_agree.setMaximum(max(1, len(names)))
        self.min_agree.setValue(max(1, len(names)))  # default: all of them
        self.of_label.setText(f"of {len(names)}")
