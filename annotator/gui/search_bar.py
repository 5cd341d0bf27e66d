"""The search bar under the text (Ctrl+F): find text or a pattern in the open
document, step through the hits, and tag them all with one label, here or in
every document (one undo step)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from annotator.gui.label_panel import muted, plain_label
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed

PROBLEM_RED = "#B00020"
NARROWEST_PX = 300  # the width the bar asks of the window at least (see minimumSizeHint)


class SearchBar(QWidget):
    closed = Signal()

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Find in this document")
        self.query.setClearButtonEnabled(True)
        self.case = QCheckBox("Match case", self)
        self.words = QCheckBox("Whole words", self)
        self.words.setChecked(True)
        self.regex = QCheckBox("Pattern", self)
        self.regex.setToolTip("Treat the text as a regular expression (Python syntax)")
        self.count = muted(plain_label("", self))
        self.previous = QToolButton(self)
        self.previous.setText("↑")
        self.previous.setToolTip("Previous match (Shift+F3)")
        self.next = QToolButton(self)
        self.next.setText("↓")
        self.next.setToolTip("Next match (F3 or Enter)")
        self.label = QComboBox(self)
        self.label.setToolTip("The label to give every match")
        self.scope = QComboBox(self)
        self.scope.addItems(["in this document", "in every document"])
        # Alt+T tags, Alt+A picks the label ("as"): the bar works from the
        # keyboard (Alt+L would open the Labels menu).
        self.tag = QPushButton("&Tag all matches", self)
        self.tag.setToolTip("Give every match this label in your layer (skipping those already tagged "
                            "so, or inside a span of the label): one undo step")
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close the search bar (Esc)")
        # Two rows, so the bar never widens the text column (and squeezes
        # the side panels) in a narrow window: finding, then options and tagging.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)
        first, second = QHBoxLayout(), QHBoxLayout()
        for row, widgets in ((first, (self.query, self.previous, self.next, self.count)),
                             (second, (self.case, self.words, self.regex))):
            row.setSpacing(6)
            for widget in widgets:
                row.addWidget(widget, 1 if widget is self.query else 0)
            layout.addLayout(row)
        first.addStretch(0)
        first.addWidget(close)
        second.addStretch(1)
        as_label = QLabel("&as", self)
        as_label.setBuddy(self.label)
        for widget in (self.tag, as_label, self.label, self.scope):
            second.addWidget(widget)
        for combo, letters in ((self.label, 8), (self.scope, 15)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(letters)
        self.query.setMinimumWidth(120)
        self.count.setMinimumWidth(60)
        self.query.textChanged.connect(lambda _text: self.run())
        for box in (self.case, self.words, self.regex):
            box.toggled.connect(lambda _on: self.run())
        self.query.returnPressed.connect(lambda: session.step_hit(1))
        self.next.clicked.connect(lambda: session.step_hit(1))
        self.previous.clicked.connect(lambda: session.step_hit(-1))
        self.tag.clicked.connect(self.tag_all)
        self.scope.currentIndexChanged.connect(lambda _i: self._show_count())
        close.clicked.connect(self.close_bar)
        for combo in (self.label, self.scope):
            combo.installEventFilter(self)
        session.changed.connect(self.follow)
        self.follow(Changed.everything())

    def minimumSizeHint(self) -> QSize:
        # The second row (options, Tag all matches, label, scope) is about
        # 700 px: asked for whole, it widened a 640 px window past the screen
        # (seen under Xvfb). In a narrow window it is cut at the right
        # instead; the first row (query, arrows, count, close) still fits.
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), NARROWEST_PX), hint.height())

    def eventFilter(self, watched, event):
        # A letter typed in a combo box here chooses an item; without this,
        # the window's one-key label shortcuts ("O": organisation) would take
        # it and tag the selected text instead.
        if (event.type() == QEvent.Type.ShortcutOverride and event.text().isprintable() and event.text()
                and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
            event.accept()
            return True
        return super().eventFilter(watched, event)

    def open_bar(self, text: str = "") -> None:
        """Show the bar with `text` (the selected text, if any) and focus it."""
        self.show()
        if text:
            self.query.setText(text)
        self.query.selectAll()
        self.query.setFocus()
        self.run()

    def close_bar(self) -> None:
        self.hide()
        self.session.clear_search()
        self.closed.emit()

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)

    def run(self) -> None:
        if self.isVisible():
            self.session.find(self.query.text(), regex=self.regex.isChecked(),
                              case_sensitive=self.case.isChecked(), whole_word=self.words.isChecked(),
                              here=self.session.selected_span().start if self.session.selected_span() else 0)

    def tag_all(self) -> None:
        if self.label.currentText():
            self.session.tag_hits(self.label.currentText(), everywhere=self.scope.currentIndex() == 1)

    def follow(self, changed: Changed) -> None:
        if changed.labels:
            chosen = self.label.currentText()
            self.label.clear()
            self.label.addItems([label.name for label in self.session.labels])
            if chosen:
                self.label.setCurrentText(chosen)
        if changed.search or changed.document:
            self._show_count()

    def _show_count(self) -> None:
        search = self.session.search
        color = ""
        if search is None:
            text = ""
        elif search.problem:
            text, color = search.problem, PROBLEM_RED
        elif not search.hits:
            text = "no matches"
        else:
            text = f"{(search.current or 0) + 1:,} of {len(search.hits):,}"
        self.count.setText(text)
        self.count.setStyleSheet(f"color: {color}" if color else "")
        found = bool(search and search.hits)
        self.tag.setEnabled(found or bool(search and not search.problem and self.scope.currentIndex() == 1))
        self.next.setEnabled(found)
        self.previous.setEnabled(found)
