"""Document and View menu commands (methods of MainWindow, kept here so the
window module stays about composition and tagging)."""

from __future__ import annotations

from annotator.core import ops
from annotator.core.errors import AnnotatorError
from annotator.gui import dialogs

MIN_FONT, MAX_FONT = 8, 40


def next_document(window, step: int = 1) -> None:
    rows = window.documents.model.rows
    if not rows:
        return
    ids = [r.id for r in rows]
    i = ids.index(window.doc.id) if window.doc and window.doc.id in ids else -step
    window.open_document(ids[(i + step) % len(ids)])


def previous_document(window) -> None:
    next_document(window, -1)


def toggle_done(window) -> None:
    if window.doc is None or window.project.read_only:
        return
    status = "in progress" if window.project.status(window.doc.id, window.user) == "done" else "done"
    try:
        ops.set_status(window.project, window.doc.id, window.user, status)
    except AnnotatorError as e:
        dialogs.error(window, "Not saved", str(e))
        return
    window.documents.model.update(window.doc.id, status=status)
    window.statusBar().showMessage(f"Marked {status}.", 3000)


def switch_annotator(window) -> None:
    try:
        name = dialogs.ask_annotator(window, window.user, window.project.annotators())
    except ValueError as e:
        dialogs.error(window, "Switch annotator", str(e))
        return
    if name and name != window.user:
        window.set_user(name)


def font_larger(window) -> None:
    set_font_size(window, window.view.font_size() + 1)


def font_smaller(window) -> None:
    set_font_size(window, window.view.font_size() - 1)


def set_font_size(window, size: int) -> None:
    size = max(MIN_FONT, min(MAX_FONT, size))
    window.view.set_font_size(size)
    window.settings.setValue("font_size", size)
