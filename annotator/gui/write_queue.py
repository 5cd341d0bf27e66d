"""The window's changes, saved without ever freezing the window.

A change is first tried at once on the GUI thread, with a project that does
not wait for the write lock: when no other program is writing (nearly
always) it commits in a few milliseconds, exactly as before. When another
program holds the lock (a long import from the command line), the change
goes to a worker thread with its own connection to the same file, which
waits for the lock there (up to the store's BUSY_TIMEOUT_SECONDS). Until it
commits, the change is pending: the window says so and does not show it as
saved. Changes made meanwhile queue behind it in order. If it cannot commit,
it is reported not saved and nothing of it is shown.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from annotator.core.errors import AnnotatorError, ProjectBusy
from annotator.core.storage import Project


@dataclass
class _Job:
    key: tuple  # which project (the file's path and (device, inode) then)
    open_same: Callable[[], Project]  # a connection of the worker's own to it
    operation: Callable[..., Any]
    args: tuple
    saved: Callable[[Any], None]
    failed: Callable[[AnnotatorError], None]


class WriteQueue(QObject):
    # (job, result, error), emitted on the worker thread, delivered on the GUI thread.
    _done = Signal(object, object, object)
    # How many changes are waiting to be saved.
    pendingChanged = Signal(int)
    # A change that had to wait was saved (its `saved` callback has run).
    savedLater = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pending = 0
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._running = False  # a worker thread is on the queue
        self._done.connect(self._finish)

    def submit(self, project: Project, operation: Callable[..., Any], args: tuple,
               saved: Callable[[Any], None], failed: Callable[[AnnotatorError], None]) -> None:
        """Save `operation(project, *args)`; then call `saved(result)`, or
        `failed(error)` if it could not be saved. Both run on the GUI
        thread, possibly before this returns."""
        if self.pending == 0:
            project.wait_for_lock = False
            try:
                result = operation(project, *args)
            except ProjectBusy:
                pass  # another program is writing: wait for it off this thread
            except AnnotatorError as e:
                failed(e)
                return
            else:
                saved(result)
                return
        self.pending += 1
        self.pendingChanged.emit(self.pending)
        identity = project.identity
        job = _Job((project.path, identity.file if identity else None), project.opener(), operation, args,
                   saved, failed)
        with self._lock:
            self._jobs.put(job)
            if not self._running:
                self._running = True
                threading.Thread(target=self._work, name="annotator-writes", daemon=True).start()

    def _work(self) -> None:
        """The worker thread: one connection per project file, which waits
        for the write lock as long as the store allows. It ends, closing
        its connections, as soon as the queue is empty, and before the last
        result reaches the window: once nothing is pending, no connection
        but the window's own has the file open here (a reconnect or reopen
        must not meet one, see Project._reconnect)."""
        connections: dict[tuple, Project] = {}
        while True:
            job = self._jobs.get()
            try:
                own = connections.get(job.key)
                if own is None:
                    own = connections[job.key] = job.open_same()
                result, error = job.operation(own, *job.args), None
            except AnnotatorError as e:
                result, error = None, e
            except Exception as e:  # a bug: report it as not saved, keep the thread
                result, error = None, AnnotatorError(f"the change could not be saved: {e!r}")
            with self._lock:
                idle = self._jobs.empty()
                if idle:
                    self._running = False
            if idle:
                for own in connections.values():
                    own.close()
            self._done.emit(job, result, error)
            if idle:
                return

    def _finish(self, job: _Job, result: Any, error: AnnotatorError | None) -> None:
        self.pending -= 1
        # The outcome first: a window closing once its changes are saved
        # must know one failed before it hears that none is waiting.
        if error is not None:
            job.failed(error)
        else:
            job.saved(result)
            self.savedLater.emit()
        self.pendingChanged.emit(self.pending)
