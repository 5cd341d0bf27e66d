"""The window indexes, in the background, the text a large import left out
of the full-text index (see storage/sqlite/fulltext.py; on a server,
storage/postgres/search.py's trigram index): a worker thread
with its own connection indexes a slice of documents per short write, so
the index is built on the second core while the person works, and the
window's own writes get the lock between slices. Searches are right
meanwhile (they read the unindexed text), only slower.

Stopping part way loses nothing: each slice commits, and what is left is
picked up by the next window that opens the project.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from annotator.core.errors import AnnotatorError, ProjectBusy
from annotator.core.storage import Project
from annotator.gui.label_panel import plain_label

# Documents per write: about 60 ms of the write lock on the bench machine
# for news articles (5,000 a second), short enough that a tag waiting for it
# is not felt; long documents are sliced by their text as well
# (fulltext.SLICE_CHARS, about 0.3 s).
SLICE = 500
PAUSE_S = 0.02  # between slices: the window's writes go first
BUSY_PAUSE_S = 0.25  # another program is writing: try again after this


class TextIndexer(QObject):
    # Emitted on the worker thread, delivered on the GUI thread.
    progressed = Signal(int, int)  # documents left, documents pending when it began
    finished = Signal(str)  # "" when everything is indexed, else why it stopped

    def __init__(self, project: Project, parent=None):
        super().__init__(parent)
        self._open_same = project.opener()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="annotator-text-index", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        """Stop after the slice being written (at most one slice's time)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait_s)

    def _run(self) -> None:
        try:
            self._index()
        except RuntimeError as e:  # Qt's "Signal source has been deleted"
            if "deleted" not in str(e):
                raise
            # the window went away while this thread worked: no one to tell

    def _index(self) -> None:
        try:
            project = self._open_same()
        except AnnotatorError as e:
            self.finished.emit(str(e))
            return
        try:
            project.wait_for_lock = False
            left = first = project.text_index_pending()
            while left and not self._stop.is_set():
                try:
                    left = project.index_pending_text(SLICE)
                except ProjectBusy:  # (also a file another program's long write keeps changing)
                    self._stop.wait(BUSY_PAUSE_S)
                    continue
                first = max(first, left)  # (another import added some meanwhile)
                self.progressed.emit(left, first)
                self._stop.wait(PAUSE_S)
            self.finished.emit("" if not left else "stopped")
        except AnnotatorError as e:  # the file was replaced, the disk is full...
            self.finished.emit(str(e))
        finally:
            project.close()



class TextIndexing(QObject):
    """The window's part: starts an indexer when its project has text
    pending (opened, or another program imported into it), and says how far
    it got in the status bar."""

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self._project: Project | None = None
        self.indexer: TextIndexer | None = None
        self.label = plain_label("", window)
        self.label.setObjectName("textIndexLabel")
        self.label.setToolTip("Text from a large import is being added to the search index. "
                              "Searches find everything meanwhile, only more slowly.")
        self.label.hide()

    def follow(self, project: Project) -> None:
        """Index `project`'s pending text, if any, unless already doing so."""
        if project is not self._project:
            self.stop()
            self._project = project
        if self.indexer is not None and self.indexer.running:
            return
        if project.read_only or project.detached is not None or not project.text_index_pending():
            return
        self.indexer = TextIndexer(project, self)
        self.indexer.progressed.connect(self._show)
        self.indexer.finished.connect(self._finished)
        self.indexer.start()

    def stop(self) -> None:
        if self.indexer is not None:
            self.indexer.stop()
            self.indexer = None
        self.label.hide()

    def _show(self, left: int, first: int) -> None:
        if self.indexer is None:
            return
        done = first - left
        self.label.setText(f"Indexing text for search: {done:,} of {first:,} documents")
        self.label.setVisible(left > 0)

    def _finished(self, problem: str) -> None:
        self.label.hide()
        if problem and problem != "stopped":
            self._window.statusBar().showMessage(f"Text search index not finished: {problem}", 10000)
