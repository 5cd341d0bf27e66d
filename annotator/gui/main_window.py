"""The annotation window: builds the widgets and menus, and wires them to a
`Session` (session.py), which holds the open project and document and runs
every operation. Widgets follow the session's `changed` signal; the window
itself follows it for the title, the status bar and the menus' words."""

from __future__ import annotations

import os
from functools import partial

from PySide6.QtCore import QEvent, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QInputDialog, QLabel, QMainWindow, QPlainTextEdit, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from annotator.core.model import excerpt
from annotator.core.storage import Project
from annotator.gui import dialogs, document_commands, file_commands, review_commands
from annotator.gui.actions import build_actions, build_menus, menu_text
from annotator.gui.document_list import DocumentList
from annotator.gui.document_view import DocumentView
from annotator.gui.label_panel import ElidedLabel, LabelPanel, Notice, heading, plain_label, with_font
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed
from annotator.gui.span_list import SpanList
from annotator.gui.text_indexer import TextIndexing

POLL_MS = 1500
# A server project is told of changes (looking costs no round trip): look
# often, so another person's span appears well within a second.
LIVE_POLL_MS = 250
DEFAULT_FONT_SIZE = 13
NOTICE_RED = "#B00020"
OFFSET_PX = 32  # a second window opens this far right and down of the first
MIN_TEXT_CHARS = 40  # the text column never gets narrower than this (average characters)
PANEL_MIN_PX = 180  # what a side panel needs to be of use


class MainWindow(QMainWindow):
    def __init__(self, project: Project, user: str, settings: QSettings | None = None,
                 poll_ms: int = POLL_MS, review: bool = False):
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.session = Session(project, user, self)
        self.session.changed.connect(self.follow)
        self.session.told.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.session.failed.connect(self._failed)
        self.session.detached.connect(self._detached)
        self.session.connection.connect(self._connection)
        self._poll_ms = poll_ms
        self._label_actions: list[QAction] = []
        self._span_message = ""  # the status bar's description of the selected span
        self._close_when_saved = False
        self.background = None  # the import or export running on a worker, if any
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self.check_for_changes)
        self._build()
        # The command table's QActions by id (not `actions`: that would hide
        # QWidget.actions(), which Qt itself calls).
        self.commands = build_actions(self)
        build_menus(self, self.commands)
        self._show_review_mode()
        self._restore_settings()
        self.set_project(project, user)
        if review:  # `annotator --review`
            self.commands["review_mode"].setChecked(True)
        # Another process (a second window, a CLI import) may change the
        # project: notice it by polling and whenever the window is activated.
        self.poll_timer.start()

    # The session's state, read where the window's commands need it.
    project = property(lambda self: self.session.project)
    user = property(lambda self: self.session.user)
    doc = property(lambda self: self.session.doc)
    history = property(lambda self: self.session.history)
    writes = property(lambda self: self.session.writes)

    # ------------------------------------------------------------- layout

    def _build(self) -> None:
        session = self.session
        self.documents = DocumentList(session, self)
        self.view = DocumentView(session, self)
        self.labels_panel = LabelPanel(session, self)
        self.span_list = SpanList(session, self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        # Review mode's panel (review_panel.py) takes the span list's place;
        # it is made the first time review mode is on (see review_panel), as
        # the search bar is on the first Ctrl+F: neither is on the start-up path.
        self._review_panel = None
        self._right_column = column
        column.addWidget(heading("Labels", right))
        column.addWidget(self.labels_panel)
        column.addSpacing(10)
        self.spans_heading = heading("Spans in this document", right)
        column.addWidget(self.spans_heading)
        column.addWidget(self.span_list, 1)
        left = QWidget(self)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(8, 8, 8, 8)
        left_column.setSpacing(6)
        left_column.addWidget(heading("Documents", left))
        left_column.addWidget(self.documents)
        middle = QWidget(self)
        middle_column = QVBoxLayout(middle)
        middle_column.setContentsMargins(0, 0, 0, 0)
        middle_column.setSpacing(0)
        middle_column.addWidget(self.view, 1)
        self._search_bar = None
        self.document_search = None  # Find in all documents: made on first use
        self._middle_column = middle_column
        self.left_panel, self.right_panel = left, right
        self._auto_hidden: set[str] = set()  # panels hidden because the window is narrow
        self._pinned: set[str] = set()  # panels shown from the View menu while narrow
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(right)
        # The text gets the room first: the panels keep their width only
        # while the text has MIN_TEXT_CHARS (see _fit_panels).
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([250, 740, 350])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.user_label = plain_label("", self)
        self.path_label = ElidedLabel(self)
        self.read_only_label = Notice("Read-only project: changes cannot be saved", NOTICE_RED, self)
        # Clickable, so the explanation can be brought back after "Not now".
        self.detached_label = Notice("Project file moved or replaced: nothing is being saved "
                                     "(click for what to do)", NOTICE_RED, self)
        self.detached_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.detached_label.clicked.connect(lambda: file_commands.explain_detached(self))
        self.detached_label.hide()
        self.disconnected_label = Notice("Server not answering: reconnecting", NOTICE_RED, self)
        self.disconnected_label.setToolTip("Nothing is saved until the window is connected again; what is on "
                                           "screen stays. Click for details.")
        self.disconnected_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.disconnected_label.clicked.connect(
            lambda: dialogs.error(self, "Server not answering", self.session.disconnected_because))
        self.disconnected_label.hide()
        self.pending_label = plain_label("", self)
        with_font(self.pending_label, weight=QFont.Weight.DemiBold)
        self.pending_label.hide()
        self.text_index = TextIndexing(self)
        bar = self.statusBar()
        for label in (self.pending_label, self.text_index.label, self.detached_label, self.disconnected_label,
                      self.read_only_label,
                      self.user_label, self.path_label):
            bar.addPermanentWidget(label)

        self.documents.documentChosen.connect(self.open_document)
        self.documents.filterChanged.connect(lambda _text: self.load_documents())
        self.view.spanClicked.connect(lambda span_id: self.session.select(span_id or None))
        self.span_list.spanChosen.connect(lambda span_id: self.session.select(span_id, reveal=True))
        self.labels_panel.labelClicked.connect(self.apply_label)
        self.resize(1340, 820)

    # ------------------------------------------------------- following

    def follow(self, changed: Changed) -> None:
        """The window's own parts of the session: status bar, title, menus."""
        session = self.session
        if changed.project:
            self.detached_label.hide()
            self.poll_timer.setInterval(min(self._poll_ms, LIVE_POLL_MS) if session.project.live
                                        else self._poll_ms)
            if not self.poll_timer.isActive():
                self.poll_timer.start()
            self.path_label.setText(str(session.project.path))
            self.read_only_label.setVisible(session.project.read_only)
            self.text_index.follow(session.project)
            if self.document_search is not None:
                self.document_search.set_project(session.project)
        if changed.user:
            self.user_label.setText(f"Annotator: {session.user}")
        if changed.labels:
            self._build_label_menu()
        if changed.layers:
            self.commands["other_layers"].setChecked(session.show_other_layers)
        if changed.project or changed.document or changed.user:
            self._update_title()
            if session.doc is not None:
                self.settings.setValue("last_project", str(session.project.path))
                self.settings.setValue("last_document", session.doc.id)
        if changed.history:
            self._show_history()
        if changed.selection:
            self._describe_selection()
        if changed.pending:
            self._show_pending(session.writes.pending)
        if changed.review:
            self._show_review_mode()

    def _show_review_mode(self) -> None:
        """The review keys act only in review mode (a label key then puts into gold)."""
        on = self.session.reviewing
        self.commands["review_mode"].setChecked(on)
        if on or self._review_panel is not None:
            self.review_panel.setVisible(on)
        self._auto_hidden_reset()
        self.span_list.setVisible(not on)
        self.spans_heading.setVisible(not on)
        for action_id in ("next_candidate", "previous_candidate", "next_conflict", "previous_conflict",
                          "next_reading", "previous_reading", "accept_reading", "reject_reading",
                          "accept_all_agreed", "mark_reviewed"):
            self.commands[action_id].setEnabled(on)
        # Alt+arrows step through readings in review mode, and move your
        # span's edges otherwise: one set of actions on at a time.
        for action_id in ("start_left", "start_right", "end_left", "end_right"):
            self.commands[action_id].setEnabled(not on)

    def _build_label_menu(self) -> None:
        menu = self.label_menu
        menu.clear()
        # The old hotkey actions must go, or their shortcuts become ambiguous.
        for action in self._label_actions:
            self.removeAction(action)
            action.deleteLater()
        self._label_actions = []
        for label in self.session.labels:
            action = QAction(menu_text(label.name), self)
            action.setObjectName(f"label:{label.name}")
            keys = list(label.keys)
            # Digits work from the number pad too.
            keys += [f"Num+{k}" for k in keys if k.isdigit()]
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(partial(self.apply_label, label.name))
            menu.addAction(action)
            self.addAction(action)
            self._label_actions.append(action)
        menu.addSeparator()
        menu.addAction(self.commands["edit_labels"])

    def _update_title(self) -> None:
        doc, project = self.session.doc, self.session.project
        parts = [doc.name] if doc else []
        # The annotator too: two windows on one project, as two people, are told apart.
        parts += [project.title, self.session.user, "annotator"]
        if project.read_only:
            parts.append("read-only")
        # "[*]" in a window title is Qt's modified-marker placeholder.
        self.setWindowTitle(" — ".join(parts).replace("[*]", "[[*]]"))

    def _show_history(self) -> None:
        """The Edit menu names the step Undo and Redo would take."""
        for action_id, description in (("undo", self.history.undo_description),
                                       ("redo", self.history.redo_description)):
            action = self.commands[action_id]
            plain = "&Undo" if action_id == "undo" else "&Redo"
            action.setText(f"{plain} {menu_text(description)}" if description else plain)

    def _describe_selection(self) -> None:
        span = self.session.selected_span()
        bar = self.statusBar()
        if span is not None:
            self._span_message = self.session.describe(span)
            bar.showMessage(self._span_message, 8000)
        elif bar.currentMessage() == self._span_message:
            bar.clearMessage()  # it described a span no longer selected

    def _show_pending(self, n: int) -> None:
        """The status bar says how many changes wait for another program's
        write lock; none of them is shown as saved until it is."""
        self.pending_label.setVisible(n > 0)
        if n:
            self.pending_label.setText(f"Saving {n} change{'s' if n != 1 else ''}… waiting for "
                                       "another program that is writing to this project")
        elif self._close_when_saved:
            self.close()

    def _failed(self, title: str, text: str) -> None:
        if title == "Not saved":
            # A change the user was told is being saved was not: stay open
            # so they see it (and can save a copy, or try again).
            self._close_when_saved = False
        dialogs.error(self, title, text)

    def _connection(self, why: str) -> None:
        """A server project's connection lost (why) or back ("")."""
        self.disconnected_label.setVisible(bool(why))
        if not why:
            self.statusBar().showMessage("Connected to the server again: showing what it holds now.", 8000)

    def _detached(self) -> None:
        """The project file was moved, replaced or lost its -wal under us:
        stop polling, say so once, and offer the way out."""
        self._close_when_saved = False
        if self.detached_label.isVisible():
            return
        self.poll_timer.stop()
        self.detached_label.show()
        file_commands.explain_detached(self)

    # ----------------------------------------------------------- commands

    def set_project(self, project: Project, user: str | None = None) -> None:
        self.session.set_project(project, user, prefer=self._last_document(project))
        self.view.setFocus()
        if project.backup_path is not None:
            # Said once: the upgrade happened while opening this very Project.
            dialogs.info(self, "Project upgraded", f"{project.path} was upgraded for this version of "
                         f"annotator. A copy of it as it was is kept as {project.backup_path}.")

    def load_documents(self) -> None:
        self.session.set_name_filter(self.documents.filter.text())

    def open_document(self, doc_id: int | None) -> None:
        self.session.open_document(doc_id)

    def finish_loading(self) -> None:
        self.session.finish_loading()

    def check_for_changes(self) -> bool:
        changed = self.session.check_for_changes()
        if changed:  # (another program's import may have left text to index)
            self.text_index.follow(self.project)
        return changed

    def apply_label(self, label: str) -> None:
        selection = self.view.selection_offsets()
        if selection is None and self.view.textCursor().hasSelection():
            self.statusBar().showMessage("The selection is only blank space: select some text to tag.", 5000)
            return
        self.session.apply_label(label, selection)

    def remove_selected_span(self) -> None:
        self.session.remove_selected_span()

    def tag_all_occurrences(self) -> None:
        self.session.tag_all()

    def undo(self) -> None:
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    def toggle_done(self) -> None:
        self.session.toggle_done()

    def select_next_span(self, step: int = 1) -> None:
        """Walk through your own spans in text order (from the cursor if
        none is selected), scrolling each into view."""
        here = self.view.offsets.to_text(self.view.textCursor().position())
        self.session.next_span(step, here)

    def select_previous_span(self) -> None:
        self.select_next_span(-1)

    # Span boundaries from the keyboard (session_boundaries.py).
    start_left = lambda self: self.session.move_edge("start", -1)  # noqa: E731
    start_right = lambda self: self.session.move_edge("start", 1)  # noqa: E731
    end_left = lambda self: self.session.move_edge("end", -1)  # noqa: E731
    end_right = lambda self: self.session.move_edge("end", 1)  # noqa: E731

    def set_snap_words(self, on: bool) -> None:
        self.session.snap_to_words = on
        self.settings.setValue("snap_to_words", on)

    def set_label_names(self, on: bool) -> None:
        self.view.set_label_names(on)
        self.settings.setValue("label_names", on)

    def edit_note(self) -> None:
        """F2: the selected span's note, in a small editor (blank: none)."""
        span = self.session.selected_span()
        if span is None:
            self.session.edit_note(None)  # (says to select a span first)
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Note on a span")
        dialog.setLabelText(f"Note on {span.label} “{excerpt(self.session.text[span.start:span.end], 40)}” "
                            "(leave it empty for none):")
        for label in dialog.findChildren(QLabel):  # (it would take the span's text for markup)
            label.setTextFormat(Qt.TextFormat.PlainText)
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
        for editor in dialog.findChildren(QPlainTextEdit):  # Tab to the buttons: OK from the keyboard
            editor.setTabChangesFocus(True)
        dialog.setTextValue(self.session.notes.get(span.id, ""))
        dialog.setObjectName("noteDialog")
        dialog.textValueSelected.connect(lambda text: self.session.edit_note(text))
        dialog.open()

    def show_agreement(self) -> None:
        from annotator.gui.agreement_panel import open_agreement

        open_agreement(self)

    def edit_labels(self) -> None:
        """The label schema dialog (one at a time)."""
        from annotator.gui.label_dialog import LabelDialog

        dialog = self.findChild(LabelDialog)
        if dialog is None:
            dialog = LabelDialog(self.session, self)
        dialog.show()
        dialog.raise_()
        dialog.list.setFocus()

    def find(self) -> None:
        """Open the search bar with the selected text (if short) as the query."""
        selection = self.view.selection_offsets()
        text = ""
        if selection is not None and selection[1] - selection[0] <= 200:
            text = self.session.text[selection[0]:selection[1]]
        self.search_bar.open_bar(text)

    def find_next(self) -> None:
        if self.session.search is None:
            self.find()
        else:
            self.session.step_hit(1)

    def find_previous(self) -> None:
        self.session.step_hit(-1)

    def clear_selection(self) -> None:
        if (self._search_bar is not None and self.search_bar.isVisible()
                and self.search_bar.isAncestorOf(self.focusWidget())):
            self.search_bar.close_bar()  # Esc in the search bar closes it
            return
        if self.document_search is not None and self.document_search.isAncestorOf(self.focusWidget()):
            self.document_search.hide()  # and in the Find in all documents panel, that
            self.view.setFocus()
            return
        cursor = self.view.textCursor()
        cursor.clearSelection()
        self.view.setTextCursor(cursor)
        self.session.select(None)

    def busy_saving(self) -> bool:
        return self.session.busy_saving()

    def reads_blocked(self) -> bool:
        return self.session.reads_blocked()

    def set_user(self, name: str) -> None:
        self.session.set_user(name)

    def toggle_other_layers(self, show: bool) -> None:
        self.session.set_show_other_layers(show)

    next_document = document_commands.next_document
    previous_document = document_commands.previous_document
    switch_annotator = document_commands.switch_annotator
    find_in_documents = document_commands.find_in_documents
    font_larger = document_commands.font_larger
    font_smaller = document_commands.font_smaller
    set_font_size = document_commands.set_font_size
    new_project = file_commands.new_project
    open_project = file_commands.open_project
    import_files = file_commands.import_files
    export = file_commands.export
    import_folder = file_commands.import_folder
    backup_project = file_commands.backup_project
    merge_project = file_commands.merge_project
    show_shortcuts = file_commands.show_shortcuts
    toggle_review = review_commands.toggle_review
    next_candidate = review_commands.next_candidate
    previous_candidate = review_commands.previous_candidate
    next_conflict = review_commands.next_conflict
    previous_conflict = review_commands.previous_conflict
    next_reading = review_commands.next_reading
    previous_reading = review_commands.previous_reading
    accept_reading = review_commands.accept_reading
    reject_reading = review_commands.reject_reading
    accept_all_agreed = review_commands.accept_all_agreed
    toggle_reviewed = review_commands.toggle_reviewed
    show_about = file_commands.show_about

    # -------------------------------------------------------------- settings

    def _keep_on_screen(self) -> None:
        """Never (partly) off the screen: a saved place from a larger screen,
        or the offset from another window, is pulled back left or up, and a
        window taller or wider than the screen is made to fit."""
        screen = self.screen().availableGeometry()
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()  # (the frame)
        if frame.width() > screen.width() or frame.height() > screen.height():
            self.resize(min(self.width(), screen.width() - extra_w), min(self.height(), screen.height() - extra_h))
            frame = self.frameGeometry()
        x = min(self.x(), max(screen.left(), screen.right() - frame.width()))
        y = min(self.y(), max(screen.top(), screen.bottom() - frame.height()))
        self.move(x, y)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if self._others_open():
            # Another window is open (another project, or another annotator on
            # this one): not exactly on top of it.
            self.move(self.pos() + QPoint(OFFSET_PX, OFFSET_PX))
        self._keep_on_screen()
        self.settings.setValue("open_windows", self._others_open() + [os.getpid()])
        splitter = self.settings.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        try:
            size = int(self.settings.value("font_size", DEFAULT_FONT_SIZE))
        except (TypeError, ValueError):
            size = DEFAULT_FONT_SIZE
        self.view.set_font_size(max(document_commands.MIN_FONT, min(document_commands.MAX_FONT, size)))
        for action in ("documents_panel", "labels_panel"):
            shown = self.settings.value(action, True)
            self.commands[action].setChecked(True)  # (toggled below if it was hidden)
            self.commands[action].setChecked(shown not in (False, "false", "0"))
        snap = self.settings.value("snap_to_words", True)
        self.commands["snap_words"].setChecked(snap not in (False, "false", "0"))
        self.session.snap_to_words = self.commands["snap_words"].isChecked()
        names = self.settings.value("label_names", False)  # (off unless asked for: see span_labels_paint)
        self.commands["label_names"].setChecked(names not in (False, "false", "0"))

    def _last_document(self, project: Project) -> int | None:
        if self.settings.value("last_project") != str(project.path):
            return None
        try:
            return int(self.settings.value("last_document"))
        except (TypeError, ValueError):
            return None

    # ------------------------------------------------------------- panels

    @property
    def review_panel(self):
        if self._review_panel is None:
            from annotator.gui.review_panel import ReviewPanel

            panel = self._review_panel = ReviewPanel(self.session, self.right_panel)
            panel.hide()
            agreement = QPushButton("Agreement…", panel)
            agreement.setToolTip("How far the annotators agree, here and in the whole project (Ctrl+Shift+K)")
            agreement.clicked.connect(self.show_agreement)
            panel.agreement_slot.addWidget(agreement)
            self._right_column.insertWidget(0, panel, 1)
        return self._review_panel

    @property
    def search_bar(self):
        if self._search_bar is None:
            from annotator.gui.search_bar import SearchBar

            bar = self._search_bar = SearchBar(self.session, self.splitter.widget(1))
            bar.hide()
            bar.closed.connect(lambda: self.view.setFocus())
            self._middle_column.addWidget(bar)
        return self._search_bar

    def toggle_documents_panel(self, show: bool) -> None:
        self._toggle_panel("documents", self.left_panel, show)

    def toggle_labels_panel(self, show: bool) -> None:
        self._toggle_panel("labels", self.right_panel, show)

    def _toggle_panel(self, name: str, panel: QWidget, show: bool) -> None:
        """From the View menu: shown there, a panel stays shown even in a
        narrow window (the other one gives way first)."""
        self._auto_hidden.discard(name)
        panel.setVisible(show)
        if show and self.isVisible():
            self._pinned.add(name)
        else:
            self._pinned.discard(name)
        self._fit_panels()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_panels()

    def _auto_hidden_reset(self) -> None:
        """Which panel gives way depends on the mode: show what the narrow
        window hid, and fit again."""
        for name in list(self._auto_hidden):
            (self.left_panel if name == "documents" else self.right_panel).show()
        self._auto_hidden.clear()
        self._fit_panels()

    def _fit_panels(self) -> None:
        """Keep the text at least MIN_TEXT_CHARS wide: in a narrow window the
        labels panel goes first, then the documents; they come back when
        there is room (unless hidden from the View menu)."""
        if not hasattr(self, "commands"):
            return
        needed = self.view.fontMetrics().averageCharWidth() * MIN_TEXT_CHARS + 2 * 18 + 24
        panels = (("labels", self.right_panel, "labels_panel"), ("documents", self.left_panel, "documents_panel"))
        if self.session.reviewing:  # the review panel is on the right: the document list goes first
            panels = panels[::-1]
        room = self.splitter.width() - sum(max(panel.minimumSizeHint().width(), PANEL_MIN_PX) + self.splitter.handleWidth()
                           for name, panel, action in panels
                           if self.commands[action].isChecked())
        for name, panel, action in panels:
            if not self.commands[action].isChecked() or name in self._pinned:
                continue
            if room < needed:  # no room with it: hide it, and count its room for the text
                if panel.isVisible():
                    panel.hide()
                    self._auto_hidden.add(name)
                room += max(panel.minimumSizeHint().width(), PANEL_MIN_PX) + self.splitter.handleWidth()
            elif name in self._auto_hidden:
                panel.show()
                self._auto_hidden.discard(name)

    def _others_open(self) -> list[int]:
        """Process ids of other annotator windows still running (the
        settings list each window while it is open)."""
        alive = []
        for pid in self.settings.value("open_windows", [], type=list) or []:
            try:
                pid = int(pid)
                if pid != os.getpid():
                    os.kill(pid, 0)
                    alive.append(pid)
            except (ValueError, TypeError, ProcessLookupError, PermissionError):
                continue
        return alive

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        for action in ("documents_panel", "labels_panel"):
            self.settings.setValue(action, self.commands[action].isChecked())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event):
        if self.background is not None:
            # Its worker has the project open: cancel (all of it is undone)
            # and close once it has stopped.
            self._close_when_saved = True
            self.background.cancel()
            event.ignore()
            return
        if self.writes.pending:
            # Closing now would drop changes the user was told are being
            # saved: close once they are (or are reported not saved).
            self._close_when_saved = True
            self.statusBar().showMessage("Closing once the changes being saved are saved…")
            event.ignore()
            return
        self.poll_timer.stop()
        self.text_index.stop()
        if self.document_search is not None:
            self.document_search.stop()
        self.session.close()
        self.save_settings()
        self.settings.setValue("open_windows", self._others_open())
        super().closeEvent(event)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_for_changes()
        super().changeEvent(event)


