"""Find in all documents (Ctrl+Shift+F): the documents whose text contains
a string, each shown with the words around its first occurrence; choosing
one opens it with the string found in it (the search bar's hits).

The search is the store's full-text search (storage/sqlite/fulltext.py):
case-insensitive, any script, exact. It runs on a worker thread with its own
connection, so a search of a million documents (or of text a large import
left unindexed, which is read) never freezes the window; typing on replaces
the query, and only the newest one's results are shown. Everything shown is
plain text.
"""

from __future__ import annotations

import queue
import threading

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.storage import Project
from annotator.gui.label_panel import heading, muted, plain_label

LIMIT = 200  # documents listed, first by name: enough to browse, few enough to read at once
# Characters shown before and after the first occurrence: few before, so the
# string itself is in sight at the panel's usual width.
BEFORE, AFTER = 20, 60
TYPING_PAUSE_MS = 250  # a search starts once typing pauses this long


def in_context(text: str, query: str, before: int = BEFORE, after: int = AFTER) -> str:
    """The words around the first occurrence of `query` in `text` (case
    ignored), on one line: "…before found after…"."""
    lowered = text.lower()
    at = lowered.find(query.lower())
    if at < 0 or len(lowered) != len(text):
        # (lower() changed the length, 'İ' -> 'i̇': offsets differ; look in the text as written)
        at = max(text.find(query), 0)
    start, end = max(0, at - before), min(len(text), at + len(query) + after)
    snippet = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


class _Searcher(QObject):
    """A worker thread answering queries with its own connection, newest first."""

    found = Signal(int, object, str)  # token, [(doc_id, name, context)], problem

    def __init__(self, project: Project):
        super().__init__()
        self._path = project.path
        self._open_same = project.opener()
        self._read_only = project.read_only
        self._queries: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="annotator-document-search", daemon=True)
        self._thread.start()

    def ask(self, token: int, query: str) -> None:
        self._queries.put((token, query))

    def stop(self) -> None:
        self._queries.put(None)

    def _open(self) -> Project:
        if self._read_only:
            from annotator.core.storage import open_read_only

            return open_read_only(self._path)
        return self._open_same()

    def _run(self) -> None:
        project = None
        try:
            while True:
                item = self._queries.get()
                while not self._queries.empty():  # typed on meanwhile: only the newest counts
                    item = self._queries.get()
                if item is None:
                    return
                token, query = item
                try:
                    if project is None:
                        project = self._open()
                    project.forget_cached()
                    ids = project.search_documents(query, limit=LIMIT)
                    rows = []
                    for doc_id in ids:
                        try:
                            doc = project.document(doc_id)
                        except ProjectError:  # removed since (by another program): not found
                            continue
                        rows.append((doc_id, doc.name, in_context(doc.text, query)))
                    self.found.emit(token, rows, "")
                except AnnotatorError as e:
                    self.found.emit(token, [], str(e))
        finally:
            if project is not None:
                project.close()


class DocumentSearch(QWidget):
    """The panel: a query field and the documents found."""

    documentChosen = Signal(int, str)  # doc_id, the query (to find in it)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("documentSearch")
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Text in any document")
        self.query.setClearButtonEnabled(True)
        self.status = muted(plain_label("", self))
        self.status.setWordWrap(True)
        self.results = QListWidget(self)
        self.results.setUniformItemSizes(True)
        # Each result is two lines, its name and the words around the text;
        # cut at the panel's edge (the whole of both is the tooltip).
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(heading("Find in all documents", self))
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self._searcher: _Searcher | None = None
        self._project: Project | None = None
        self._token = 0
        self._asked = ""
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.search_now)
        self.query.textChanged.connect(lambda _text: self._typing.start())
        self.query.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(self._chosen)
        self.results.itemClicked.connect(self._chosen)
        self.query.installEventFilter(self)

    def eventFilter(self, watched, event):
        # Up and Down in the query field walk the results (Enter opens one),
        # as in any search box with a list under it.
        if watched is self.query and event.type() == QEvent.Type.KeyPress and self.results.count():
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(event.key())
            if step is not None:
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def set_project(self, project: Project) -> None:
        """Search `project` from now on (the window opened another)."""
        if project is self._project:
            return
        self.stop()
        self._project = project
        self.results.clear()
        self.status.setText("")
        if self.query.text():
            self.search_now()

    def stop(self) -> None:
        if self._searcher is not None:
            self._searcher.stop()
            self._searcher.found.disconnect(self._show)
            self._searcher = None

    def search_now(self) -> None:
        self._typing.stop()
        query = self.query.text()
        self._token += 1
        self._asked = query
        if not query or self._project is None:
            self.results.clear()
            self.status.setText("")
            return
        if self._searcher is None:
            self._searcher = _Searcher(self._project)
            self._searcher.found.connect(self._show)
        self.status.setText("Searching…")
        self._searcher.ask(self._token, query)

    def _show(self, token: int, rows: list, problem: str) -> None:
        if token != self._token:
            return  # an older query's answer
        self.results.clear()
        if problem:
            self.status.setText(f"Search failed: {problem}")
            return
        for doc_id, name, context in rows:
            item = QListWidgetItem(f"{name}\n{context}")
            item.setData(Qt.ItemDataRole.UserRole, doc_id)
            item.setToolTip(f"{name}\n{context}")
            self.results.addItem(item)
        if not rows:
            self.status.setText("No document contains this text.")
        elif len(rows) == LIMIT:
            self.status.setText(f"The first {LIMIT} by name; add words to narrow them.")
        else:
            self.status.setText(f"{len(rows):,} document{'s' if len(rows) != 1 else ''} contain"
                                f"{'s' if len(rows) == 1 else ''} it.")
        if rows and self.results.currentRow() < 0:
            self.results.setCurrentRow(0)

    def _enter(self) -> None:
        if self._typing.isActive() or self.query.text() != self._asked:
            self.search_now()
        elif self.results.count():
            self._chosen(self.results.currentItem() or self.results.item(0))

    def _chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.documentChosen.emit(item.data(Qt.ItemDataRole.UserRole), self._asked)
