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
    login = getattr(window.project, "login", None)
    if login is not None:  # a server project: the server knows who is writing
        dialogs.info(window, "Switch annotator",
                     f"On a team server you work as the login you connected with ({login}): the server "
                     "decides by it which layer is yours. To work as someone else, open the window with "
                     "their login.")
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


def find_in_documents(window) -> None:
    """Show the Find in all documents panel (made on first use, under the
    document list) with the selected text, if short, as the query."""
    panel = window.document_search
    if panel is None:
        from annotator.gui.document_search import DocumentSearch

        panel = window.document_search = DocumentSearch(window.left_panel)
        window.left_panel.layout().addWidget(panel, 1)
        panel.documentChosen.connect(lambda doc_id, query: open_found(window, doc_id, query))
        panel.set_project(window.project)
    if not window.left_panel.isVisible():  # (hidden from the View menu, or by a narrow window)
        window.commands["documents_panel"].setChecked(True)
        window.toggle_documents_panel(True)
    panel.show()
    selection = window.view.selection_offsets()
    if selection is not None and 0 < selection[1] - selection[0] <= 200:
        panel.query.setText(window.session.text[selection[0]:selection[1]])
        panel.search_now()
    panel.query.selectAll()
    panel.query.setFocus()


def open_found(window, doc_id: int, query: str) -> None:
    """A document the panel found: opened, with the text found in it (the
    search bar's hits, as a plain substring), the panel keeping the focus
    so the arrow keys go on through the results."""
    window.open_document(doc_id)
    if window.doc is None or window.doc.id != doc_id:
        return
    bar = window.search_bar
    for box, on in ((bar.case, False), (bar.words, False), (bar.regex, False)):
        box.setChecked(on)
    bar.open_bar(query)
    window.document_search.results.setFocus()
