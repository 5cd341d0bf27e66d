"""Document and View menu commands (methods of MainWindow, kept here so the
window module stays about composition and tagging)."""

from __future__ import annotations

from annotator.gui import dialogs

MIN_FONT, MAX_FONT = 8, 40


def next_document(window, step: int = 1) -> None:
    """The next document in the list's order (its sort and filter), read
    from the store by position: the list holds only the pages shown."""
    rows = window.session.documents
    total = len(rows)
    if not total:
        return
    row = window.session.row_of(window.doc.id) if window.doc else None
    i = row if row is not None else -step
    window.open_document(rows[(i + step) % total].id)


def previous_document(window) -> None:
    next_document(window, -1)


def switch_annotator(window) -> None:
    if window.busy_saving():
        return
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
