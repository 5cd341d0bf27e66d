"""The annotation window: composes the widgets and turns commands into core
operations.  Every change goes through `annotator.core.ops`, which commits
it before returning; only then is it shown."""

from __future__ import annotations

from collections import Counter
from functools import partial

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from annotator.core import ops
from annotator.core.layers import may_change
from annotator.core.errors import AnnotatorError, ProjectDetached
from annotator.core.history import History
from annotator.core.model import Document, Span, excerpt
from annotator.core.storage import Project, SpanReader
from annotator.gui import dialogs, document_commands, file_commands
from annotator.gui.actions import build_actions, build_menus, menu_text
from annotator.gui.document_list import DocumentList
from annotator.gui.document_view import DocumentView
from annotator.gui.label_panel import LabelPanel, Notice, heading, plain_label, with_font
from annotator.gui.span_list import SpanList
from annotator.gui.write_queue import WriteQueue

POLL_MS = 1500
DEFAULT_FONT_SIZE = 13
# Opening a document reads the spans of its first screen before painting it
# and the rest a page per event-loop turn after (see open_document).
FIRST_SCREEN = 30_000  # code points: more than a window shows at once
FIRST_PAGE = 1_000  # spans read at a time until past FIRST_SCREEN
PAGE = 3_000  # spans: ~10 ms to read and show, so the window keeps reacting
# A change touching more spans than this is shown by rebuilding the span
# views once rather than span by span (see _show_bulk_change).
BULK_CHANGE = 500
NOTICE_RED = "#B00020"


class MainWindow(QMainWindow):
    def __init__(self, project: Project, user: str, settings: QSettings | None = None,
                 poll_ms: int = POLL_MS):
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.project = project
        self.user = user
        self.doc: Document | None = None
        self.history = History()  # undo and redo (core); the Edit menu names its steps
        self.counts: Counter = Counter()
        self._doc_spans: list = []  # the current document's spans as last loaded
        self._labels: list | None = None
        self._label_actions: list[QAction] = []
        self._data_version = None
        self._reader: SpanReader | None = None  # the open document's spans still to read
        self._span_message = ""  # the status bar's description of the selected span
        self._close_when_saved = False
        self.background = None  # the import or export running on a worker, if any
        self.writes = WriteQueue(self)
        self.writes.pendingChanged.connect(self._show_pending)
        self.writes.savedLater.connect(lambda: self.statusBar().showMessage("Saved.", 3000))
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self.check_for_changes)
        self._build()
        # The command table's QActions by id (not `actions`: that would hide
        # QWidget.actions(), which Qt itself calls).
        self.commands = build_actions(self)
        build_menus(self, self.commands)
        self._restore_settings()
        self.set_project(project, user)
        # Another process (a second window, a CLI import) may change the
        # project: notice it by polling and whenever the window is activated.
        self.poll_timer.start()

    # ------------------------------------------------------------- layout

    def _build(self) -> None:
        self.documents = DocumentList(self)
        self.view = DocumentView(self)
        self.labels_panel = LabelPanel(self)
        self.span_list = SpanList(self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addWidget(heading("Labels", right))
        column.addWidget(self.labels_panel)
        column.addSpacing(10)
        column.addWidget(heading("Spans in this document", right))
        column.addWidget(self.span_list, 1)
        left = QWidget(self)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(8, 8, 8, 8)
        left_column.setSpacing(6)
        left_column.addWidget(heading("Documents", left))
        left_column.addWidget(self.documents)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 740, 350])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.user_label = plain_label("", self)
        self.path_label = plain_label("", self)
        self.read_only_label = Notice("Read-only project: changes cannot be saved", NOTICE_RED, self)
        # Clickable, so the explanation can be brought back after "Not now".
        self.detached_label = Notice("Project file moved or replaced: nothing is being saved "
                                     "(click for what to do)", NOTICE_RED, self)
        self.detached_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.detached_label.clicked.connect(lambda: file_commands.explain_detached(self))
        self.detached_label.hide()
        self.pending_label = plain_label("", self)
        with_font(self.pending_label, weight=QFont.Weight.DemiBold)
        self.pending_label.hide()
        bar = self.statusBar()
        bar.addPermanentWidget(self.pending_label)
        bar.addPermanentWidget(self.detached_label)
        bar.addPermanentWidget(self.read_only_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.path_label)

        self.documents.documentChosen.connect(self.open_document)
        self.documents.filterChanged.connect(lambda _text: self.load_documents())
        self.view.spanClicked.connect(self._span_clicked)
        self.span_list.spanChosen.connect(self._span_chosen_in_list)
        self.labels_panel.labelClicked.connect(self.apply_label)
        self.resize(1340, 820)

    # ------------------------------------------------------------ project

    def set_project(self, project: Project, user: str | None = None) -> None:
        self._stop_loading()  # before its project closes under it
        if project is not self.project:
            self.project.close()
        # Writes never wait for the lock on this thread (see write_queue).
        project.wait_for_lock = False
        self.project = project
        self.detached_label.hide()
        if not self.poll_timer.isActive():
            self.poll_timer.start()
        if user is not None:
            self.user = user
        self.history.clear()
        self._show_history()
        self.doc = None
        self._data_version = project.data_version()
        self._reconnects = project.reconnects
        self._labels = None
        self.path_label.setText(str(project.path))
        self.read_only_label.setVisible(project.read_only)
        self._load_labels()
        self._show_user()
        self.load_documents()
        last = self._last_document()
        rows = self.documents.model.rows
        try:
            self.open_document((last if any(r.id == last for r in rows) else rows[0].id) if rows else None)
        except AnnotatorError as e:
            # The project opens; only this document cannot be shown.
            dialogs.error(self, "Document not opened", str(e))
        self.view.setFocus()
        if project.backup_path is not None:
            # Said once: the upgrade happened while opening this very Project.
            dialogs.info(self, "Project upgraded", f"{project.path} was upgraded for this version of "
                         f"annotator. A copy of it as it was is kept as {project.backup_path}.")

    def _load_labels(self) -> None:
        labels = self.project.labels()
        if labels == self._labels:
            return
        self._labels = labels
        self.view.set_labels(labels)
        self.labels_panel.set_labels(labels)
        self.span_list.span_model.colors = self.view.colors()
        menu = self.label_menu
        menu.clear()
        # The old hotkey actions must go, or their shortcuts become ambiguous.
        for action in self._label_actions:
            self.removeAction(action)
            action.deleteLater()
        self._label_actions = []
        for label in labels:
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
        self.labels_panel.set_counts(self.counts)

    def _show_user(self) -> None:
        self.user_label.setText(f"Annotator: {self.user}")
        self.view.set_owner(self.user)

    def load_documents(self) -> None:
        rows = self.project.document_summaries(self.user, self.documents.filter.text())
        self.documents.set_rows(rows, self.doc.id if self.doc else None)

    def open_document(self, doc_id: int | None) -> None:
        if doc_id is not None and self.reads_blocked():
            return
        self._open_document(doc_id)

    def _open_document(self, doc_id: int | None) -> None:
        """Show a document at once: its text and the spans of its first
        screen are read before the first paint, the rest of its spans a page
        per event-loop turn after it. A 5 MB document with 50,000 spans is
        painted in about the time Qt takes to lay out its text, and stays
        responsive while the rest arrive (~0.1 s); any command first reads
        what is left (finish_loading), so none sees half a document."""
        self._stop_loading()
        if doc_id is None:
            self.doc = None
            self._doc_spans = []
            self.view.set_document("", [], self.user)
        else:
            reader = None
            try:
                doc = self.project.document(doc_id)
                reader = self.project.read_spans(doc_id)
                spans = reader.read(FIRST_PAGE)
                while not reader.done and spans[-1].start < FIRST_SCREEN:
                    spans += reader.read(FIRST_PAGE)
            except AnnotatorError:
                # Never half a document (the old one's text with the new
                # one's id would put spans at the wrong offsets): none.
                if reader is not None:
                    reader.close()
                self.open_document(None)
                raise
            self.doc = doc
            self._doc_spans = spans
            self.view.set_document(self.doc.text, spans, self.user)
            if not reader.done:
                self._reader = reader
                QTimer.singleShot(0, partial(self._load_more, reader))
            self.settings.setValue("last_project", str(self.project.path))
            self.settings.setValue("last_document", doc_id)
        self.documents.select(doc_id)
        self._refresh_span_views()
        self._update_title()

    def _load_more(self, reader: SpanReader) -> None:
        """Read and show the next page of the open document's spans."""
        if reader is not self._reader:
            return  # another document was opened, or loading was finished
        try:
            page = reader.read(PAGE)
        except AnnotatorError:
            # The rest of this document cannot be read: show none of it
            # rather than a part that looks whole (and would be edited so).
            self._stop_loading()
            self.open_document(None)
            raise
        if reader.done:
            self._reader = None
        else:
            QTimer.singleShot(0, partial(self._load_more, reader))
        if not page:
            return
        self._doc_spans.extend(page)
        self.view.add_loaded(page)
        own = [s for s in page if s.annotator == self.user]
        self.span_list.span_model.append(page if self.view.show_other_layers else own)
        self.counts.update(s.label for s in own)
        self.labels_panel.set_counts(self.counts)

    def finish_loading(self) -> None:
        """Read the rest of the open document's spans now: every command
        (and every write: a reader must not be open then) sees them all."""
        while self._reader is not None:
            self._load_more(self._reader)

    def _stop_loading(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _load_spans(self, doc_id: int) -> list:
        """All layers of a document, in store order; remembered (sorted) for
        the span list, so opening a document sorts nothing."""
        self._stop_loading()
        self._doc_spans = self.project.spans(doc_id)
        return self._doc_spans

    def _reload_span_views(self) -> None:
        if self.doc is not None:
            self._load_spans(self.doc.id)
        self._refresh_span_views()

    def _refresh_span_views(self) -> None:
        """Span list and label counts from the spans just loaded."""
        spans = self._doc_spans
        own = [s for s in spans if s.annotator == self.user]
        visible = spans if self.view.show_other_layers else own
        self.span_list.span_model.set_spans(visible, self.view.text, presorted=True)
        self.span_list.fit_offsets(len(self.view.text))
        self.counts = Counter(s.label for s in own)
        self.labels_panel.set_counts(self.counts)
        self.span_list.select_span(self.view.selected_span_id)

    def _update_title(self) -> None:
        parts = [self.doc.name] if self.doc else []
        parts += [self.project.path.name, "annotator"]
        if self.project.read_only:
            parts.append("read-only")
        # "[*]" in a window title is Qt's modified-marker placeholder.
        self.setWindowTitle(" — ".join(parts).replace("[*]", "[[*]]"))

    def check_for_changes(self) -> bool:
        """Reload what another connection changed; True if anything did."""
        if self.project.detached is not None or self.writes.pending:
            # Detached: what the connection reads may be another database's.
            # Pending: the queue's results arrive (and are shown) on their own;
            # a reload between its commit and its result would show them twice.
            return False
        try:
            self.project.check_file()
            version = self.project.data_version()
            self.project.settle()
        except ProjectDetached:
            self._detached()
            return False
        except Exception:  # the project was closed under us (shutdown)
            return False
        if version == self._data_version and self.project.reconnects == self._reconnects:
            return False
        self._data_version, self._reconnects = version, self.project.reconnects
        self.project.forget_cached()
        self._load_labels()
        self.load_documents()
        if self.doc is not None:
            # set_spans keeps the selected span if it still exists, and
            # leaves the text cursor (a selection in progress) alone.
            self.view.set_spans(self._load_spans(self.doc.id))
            self._refresh_span_views()
        return True

    # ------------------------------------------------------------ tagging

    def _commit(self, operation, *args, then=None, failed=None) -> None:
        """Save one core operation, then show it and call `then(change)`:
        at once when no other program is writing, else when the write
        queue has saved it (see write_queue). `failed(error)` runs instead
        if it could not be saved, after the error is shown."""
        self.finish_loading()
        if self.project.read_only:
            dialogs.error(self, "Read-only project", f"{self.project.path} is open read-only; "
                          "nothing can be changed.")
            return

        def saved(change):
            self._show_change(change)
            if then is not None:
                then(change)

        def not_saved(error):
            self._not_saved(error)
            if failed is not None:
                failed(error)

        self.writes.submit(self.project, operation, args, saved, not_saved)

    def _detached(self) -> None:
        """The project file was moved, replaced or lost its -wal under us:
        stop reading and writing it, say so once, and offer the way out."""
        if self.detached_label.isVisible():
            return
        self.poll_timer.stop()
        self.detached_label.show()
        file_commands.explain_detached(self)

    def _not_saved(self, error: AnnotatorError) -> None:
        if self._close_when_saved:
            # A change the user was told is being saved was not: stay open
            # so they see it (and can save a copy, or try again).
            self._close_when_saved = False
        if isinstance(error, ProjectDetached) and self.project.detached is None:
            # The worker's own connection saw it: the window's project looks
            # for itself (on this thread), so the notice says what it found.
            try:
                self.project.check_file()
            except ProjectDetached:
                pass
            else:
                dialogs.error(self, "Not saved", str(error))
                return
        if isinstance(error, ProjectDetached):
            self.statusBar().showMessage("Not saved: the project file was moved or replaced "
                                         "(see the red notice below).", 8000)
            self._detached()
            return
        dialogs.error(self, "Not saved", str(error))

    def _show_pending(self, n: int) -> None:
        """The status bar says how many changes wait for another program's
        write lock; none of them is shown as saved until it is."""
        self.pending_label.setVisible(n > 0)
        if n:
            self.pending_label.setText(f"Saving {n} change{'s' if n != 1 else ''}… waiting for "
                                       "another program that is writing to this project")
        elif self._close_when_saved:
            self.close()

    def _show_change(self, change: ops.Change) -> None:
        for status in change.statuses:
            if status.annotator == self.user:
                self.documents.model.update(status.doc_id, status=status.after)
        # A relabel shows as its span taken out and put back with the new label.
        before, after = change.spans_before, change.spans_after
        if not before and not after:
            return
        for doc_id in change.doc_ids:
            mine = sum(1 for s in after if s.annotator == self.user and s.doc_id == doc_id) \
                - sum(1 for s in before if s.annotator == self.user and s.doc_id == doc_id)
            row = self.documents.model.row_of(doc_id)
            if row is not None and mine:
                count = self.documents.model.rows[row].span_count + mine
                self.documents.model.update(doc_id, span_count=count)
        if self.doc is None or self.doc.id not in change.doc_ids:
            return
        if len(before) + len(after) > BULK_CHANGE:
            self._show_bulk_change(change)
            return
        self.view.apply_change(before, after)
        model = self.span_list.span_model
        for span in before:
            model.remove(span)
            if span.annotator == self.user:
                self.counts[span.label] -= 1
        for span in after:
            if self.view.visible(span):
                model.add(span)
            if span.annotator == self.user:
                self.counts[span.label] += 1
        self.labels_panel.set_counts(self.counts)

    def _show_bulk_change(self, change: ops.Change) -> None:
        """Tag-all's thousands of spans: rebuild the index and list once
        (one sort) instead of thousands of list inserts, each moving every
        row after it (69,000 matches: minutes)."""
        removed = {span.id for span in change.spans_before}
        spans = [s for s in self.view.index if s.id not in removed]
        spans += [s for s in change.spans_after if s.doc_id == self.doc.id]
        spans.sort()
        self._doc_spans = spans
        self.view.set_spans(spans)
        self._refresh_span_views()

    def _record(self, change: ops.Change, description: str) -> None:
        self.history.push(change, description)
        self._show_history()

    def _show_history(self) -> None:
        """The Edit menu names the step Undo and Redo would take."""
        for action_id, description in (("undo", self.history.undo_description),
                                       ("redo", self.history.redo_description)):
            action = self.commands[action_id]
            plain = "&Undo" if action_id == "undo" else "&Redo"
            action.setText(f"{plain} {menu_text(description)}" if description else plain)

    def _quoted(self, span: Span) -> str:
        return f"“{excerpt(self.view.text[span.start:span.end], 30)}”"

    def selected_span(self):
        return self.view.index.get(self.view.selected_span_id)

    def apply_label(self, label: str) -> None:
        """A label's hotkey or button: tag the selection, or relabel the
        selected span."""
        if self.doc is None:
            return
        self.finish_loading()  # the check for an identical span needs them all
        selection = self.view.selection_offsets()
        span = self.selected_span()
        if selection is not None:
            start, end = selection
            existing = [s for s in self.view.index.overlapping(start, end)
                        if (s.start, s.end, s.label, s.annotator) == (start, end, label, self.user)]
            if existing:
                self._select(existing[0].id)
                return
            self._commit(ops.tag_span, self.doc.id, self.user, label, start, end, then=self._tagged)
        elif span is not None and may_change(span, self.user):
            self._commit(ops.relabel_span, span.id, label, then=self._tagged)
        elif span is not None:
            self.statusBar().showMessage(f"That span is {span.annotator}'s; only your own spans can be changed.", 5000)
            return
        else:
            self.statusBar().showMessage("Select some text first (drag, double-click, or Shift+arrows).", 5000)

    def _tagged(self, change: ops.Change) -> None:
        if not change.spans_after:
            return
        span = change.spans_after[0]
        verb = "tag" if change.added else "relabel"
        self._record(change, f"{verb} {self._quoted(span)} as {span.label}")
        if self.doc is not None and span.doc_id == self.doc.id:
            self._select(span.id)  # (a relabelled span keeps its id, and stays selected)

    def remove_selected_span(self) -> None:
        span = self.selected_span()
        if span is None:
            self.statusBar().showMessage("Click a span to select it, then press Delete.", 5000)
            return
        if not may_change(span, self.user):
            self.statusBar().showMessage(f"That span is {span.annotator}'s; only your own spans can be removed.", 5000)
            return
        description = f"remove {self._quoted(span)}"
        self._commit(ops.remove_span, span.id, then=lambda change: self._record(change, description))
        self._select(None)

    def undo(self) -> None:
        self._replay(self.history.next_undo(), self.history.undone, self.history.undo_description, "Undid",
                     "Nothing to undo.")

    def redo(self) -> None:
        self._replay(self.history.next_redo(), self.history.redone, self.history.redo_description, "Redid",
                     "Nothing to redo.")

    def _replay(self, change: ops.Change | None, done, description: str | None, verb: str, empty: str) -> None:
        if change is None:
            self.statusBar().showMessage(empty, 3000)
            return
        if self.writes.pending:
            # Which change comes next is only known once those are saved.
            self.statusBar().showMessage("Wait until the changes being saved are saved.", 5000)
            return
        doc_ids = change.doc_ids
        if self.doc is None or self.doc.id not in doc_ids:
            self.open_document(next(iter(doc_ids)))

        def applied(result: ops.Change) -> None:
            # Only now does the step move: a failed undo keeps its place.
            done(result)
            self._show_history()
            after = result.spans_after
            self._select(after[0].id if after else None)
            self.statusBar().showMessage(f"{verb}: {description}.", 5000)

        self._commit(ops.apply, change, then=applied)

    def tag_all_occurrences(self) -> None:
        """Give every other occurrence of the selected span's text (as a
        whole word where it starts/ends with a letter or digit) the same
        label, in one change (one undo)."""
        span = self.selected_span()
        if span is None or not may_change(span, self.user):
            self.statusBar().showMessage("Select one of your spans first.", 5000)
            return

        def done(change: ops.Change) -> None:
            count = len(change.added)
            self._record(change, f"tag {count:,} occurrence{'s' if count != 1 else ''} as {span.label}")
            self.statusBar().showMessage(f"Tagged {count} more occurrence{'s' if count != 1 else ''} "
                                         f"as {span.label}.", 5000)

        self._commit(ops.tag_all, span, self.view.text, then=done)

    def select_next_span(self, step: int = 1) -> None:
        """Walk through your own spans in text order (from the cursor if
        none is selected), scrolling each into view."""
        self.finish_loading()
        spans = [s for s in self.span_list.span_model.spans if s.annotator == self.user]
        if not spans:
            return
        current = self.selected_span()
        if current is not None and current in spans:
            i = spans.index(current) + step
        else:
            here = self.view.offsets.to_text(self.view.textCursor().position())
            i = next((k for k, s in enumerate(spans) if s.start >= here), len(spans))
            i = i if step > 0 else i - 1
        chosen = spans[i % len(spans)]
        self._select(chosen.id, scroll=True)

    def select_previous_span(self) -> None:
        self.select_next_span(-1)

    def clear_selection(self) -> None:
        cursor = self.view.textCursor()
        cursor.clearSelection()
        self.view.setTextCursor(cursor)
        self._select(None)

    def _select(self, span_id: int | None, scroll: bool = False) -> None:
        """Select a span everywhere (view, list) and describe it in the
        status bar; `scroll` brings it into view."""
        self.view.select_span(span_id, scroll=scroll)
        self.span_list.select_span(span_id)
        span = self.selected_span()
        bar = self.statusBar()
        if span is not None:
            quoted = excerpt(self.view.text[span.start:span.end], 80)
            self._span_message = (f"{span.label} “{quoted}” · {span.annotator} · "
                                  f"characters {span.start}–{span.end}")
            bar.showMessage(self._span_message, 8000)
        elif bar.currentMessage() == self._span_message:
            bar.clearMessage()  # it described a span no longer selected

    def _span_clicked(self, span_id: int) -> None:
        self._select(span_id or None)

    def _span_chosen_in_list(self, span_id: int) -> None:
        self._select(span_id, scroll=True)

    # --------------------------------------------------------- other commands

    def busy_saving(self) -> bool:
        """True (and says so) while changes wait to be saved: they belong to
        this project and annotator, so neither may change under them."""
        if self.writes.pending:
            self.statusBar().showMessage("Wait until the changes being saved are saved.", 5000)
        return bool(self.writes.pending)

    def reads_blocked(self) -> bool:
        """True (and says so) once the project file was moved or replaced:
        its connection may now read another database's pages."""
        if self.project.detached is not None:
            self.statusBar().showMessage("The project file was moved or replaced: save a copy or open "
                                         "it again first (click the red notice).", 8000)
        return self.project.detached is not None

    def set_user(self, name: str) -> None:
        self.user = name
        self.history.clear()
        self._show_history()
        self._show_user()
        self.load_documents()
        self._reload_span_views()

    def toggle_other_layers(self, show: bool) -> None:
        self.view.set_show_other_layers(show)
        self.span_list.show_annotators(show)
        self._reload_span_views()

    next_document = document_commands.next_document
    previous_document = document_commands.previous_document
    toggle_done = document_commands.toggle_done
    switch_annotator = document_commands.switch_annotator
    font_larger = document_commands.font_larger
    font_smaller = document_commands.font_smaller
    set_font_size = document_commands.set_font_size
    new_project = file_commands.new_project
    open_project = file_commands.open_project
    import_files = file_commands.import_files
    export_jsonl = file_commands.export_jsonl
    backup_project = file_commands.backup_project
    show_shortcuts = file_commands.show_shortcuts
    show_about = file_commands.show_about

    # -------------------------------------------------------------- settings

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        try:
            size = int(self.settings.value("font_size", DEFAULT_FONT_SIZE))
        except (TypeError, ValueError):
            size = DEFAULT_FONT_SIZE
        self.view.set_font_size(max(document_commands.MIN_FONT, min(document_commands.MAX_FONT, size)))

    def _last_document(self) -> int | None:
        if self.settings.value("last_project") != str(self.project.path):
            return None
        try:
            return int(self.settings.value("last_document"))
        except (TypeError, ValueError):
            return None

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
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
        self._stop_loading()
        self.save_settings()
        super().closeEvent(event)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_for_changes()
        super().changeEvent(event)


