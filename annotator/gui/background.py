"""Long work (an import, an export) on a worker thread, with a progress
dialog and Cancel, while the window goes on painting.

The work is a function of one argument, `progress(step, done, total)`,
which it calls now and then; after Cancel, the next call raises
`Cancelled`, and the work undoes itself (the import's transaction rolls
back, the export's temporary file is removed). The work must use its own
connection to the project (see `own_connection`): the window's belongs to
the GUI thread.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

from annotator.core.errors import AnnotatorError, Cancelled
from annotator.core.storage import Project


class BackgroundJob(QObject):
    # Emitted on the worker thread, delivered on the GUI thread.
    _progressed = Signal(str, int, int)
    _finished = Signal(object, object)  # result, error

    def __init__(self, parent, title: str, work: Callable[[Callable[[str, int, int], None]], Any],
                 done: Callable[[Any, AnnotatorError | None], None]):
        super().__init__(parent)
        self._work = work
        self._done = done
        self._cancelled = threading.Event()
        self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
        self.dialog.setObjectName("progressDialog")
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)  # a quick job shows no dialog at all
        self.dialog.setAutoReset(False)
        self.dialog.setAutoClose(False)
        self.dialog.canceled.connect(self.cancel)
        self._progressed.connect(self._show_progress)
        self._finished.connect(self._finish)
        self.running = False

    def start(self) -> None:
        self.running = True
        threading.Thread(target=self._run, name="annotator-background", daemon=True).start()

    def cancel(self) -> None:
        self._cancelled.set()
        self.dialog.setLabelText("Cancelling…")

    def _progress(self, step: str, done: int, total: int) -> None:
        if self._cancelled.is_set():
            raise Cancelled("cancelled")
        self._progressed.emit(step, done, total)

    def _run(self) -> None:
        try:
            result, error = self._work(self._progress), None
        except AnnotatorError as e:
            result, error = None, e
        except Exception as e:  # a bug: report it, never leave the dialog up
            result, error = None, AnnotatorError(f"{type(e).__name__}: {e}")
        self._finished.emit(result, error)

    def _show_progress(self, step: str, done: int, total: int) -> None:
        if self._cancelled.is_set():
            return
        self.dialog.setLabelText(f"{step}… {done:,} of {total:,}")
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)

    def _finish(self, result: Any, error: AnnotatorError | None) -> None:
        self.running = False
        self.dialog.close()
        self.dialog.deleteLater()
        self._done(result, error)
        self.deleteLater()


def own_connection(project: Project) -> Project:
    """A connection of the worker's own to the project the window has open
    (the same file, or the same server project as the same person)."""
    return project.opener()()
