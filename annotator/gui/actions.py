"""Every command of the window as data: (id, text, shortcuts, handler), and
the menus as lists of ids.  Handlers are method names on MainWindow, so the
table can be read (and the Help text checked) without building a window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence

StandardKey = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    shortcuts: tuple = ()
    handler: str = ""
    checkable: bool = False
    tip: str = ""
    # Walks or changes the open document's spans (or writes): the spans still
    # being read after it was shown are read first (MainWindow.finish_loading).
    needs_spans: bool = False


ACTIONS = (
    ActionSpec("new_project", "&New project…", (StandardKey.New,), "new_project"),
    ActionSpec("open_project", "&Open project…", (StandardKey.Open,), "open_project"),
    ActionSpec("import_files", "&Import files…", ("Ctrl+I",), "import_files", needs_spans=True,
               tip="Import files into this project, in any format annotator reads"),
    ActionSpec("import_folder", "Import &folder…", (), "import_folder", needs_spans=True,
               tip="Import a brat folder (a .txt and an .ann file per document)"),
    ActionSpec("export", "&Export…", ("Ctrl+E",), "export",
               tip="Write the documents and the chosen annotators' spans to a file, in a format you choose"),
    ActionSpec("merge_project", "&Merge project…", (), "merge_project", needs_spans=True,
               tip="Bring other annotators' layers from their project files into this one"),
    ActionSpec("backup_project", "&Back up project…", (), "backup_project",
               tip="Write a complete copy of this project (safe while others have it open)"),
    ActionSpec("switch_annotator", "Switch &annotator…", ("Ctrl+Shift+U",), "switch_annotator"),
    ActionSpec("quit", "&Quit", (StandardKey.Quit, "Ctrl+Q"), "close"),
    ActionSpec("undo", "&Undo", (StandardKey.Undo,), "undo", needs_spans=True),
    ActionSpec("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", needs_spans=True),
    ActionSpec("remove_span", "&Remove selected span", ("Delete", "Backspace"), "remove_selected_span",
               needs_spans=True),
    # A word at a time while "Snap to words" is on, else a character.
    ActionSpec("start_left", "Move span start left", ("Alt+Left",), "start_left", needs_spans=True),
    ActionSpec("start_right", "Move span start right", ("Alt+Right",), "start_right", needs_spans=True),
    # (Alt+, and Alt+. too: some window managers, openbox among them, take Alt+Shift+arrows.)
    ActionSpec("end_left", "Move span end left", ("Alt+Shift+Left", "Alt+,"), "end_left", needs_spans=True),
    ActionSpec("end_right", "Move span end right", ("Alt+Shift+Right", "Alt+."), "end_right", needs_spans=True),
    ActionSpec("documents_panel", "&Documents panel", ("Ctrl+Shift+1",), "toggle_documents_panel", checkable=True),
    ActionSpec("labels_panel", "&Labels and spans panel", ("Ctrl+Shift+2",), "toggle_labels_panel",
               checkable=True),
    ActionSpec("snap_words", "&Snap to words", (), "set_snap_words", checkable=True,
               tip="Selections made with the mouse, span edges dragged with the mouse or moved "
                   "with Alt+arrows, go by whole words (off: by characters)"),
    ActionSpec("label_names", "Label &names on spans", (), "set_label_names", checkable=True,
               tip="Write each span's label name in a small tag after it, so labels are told "
                   "apart without colour"),
    ActionSpec("edit_note", "&Note on span…", ("F2",), "edit_note", needs_spans=True,
               tip="Add, change or take away the selected span's note"),
    ActionSpec("clear_selection", "&Clear selection", ("Esc",), "clear_selection"),
    ActionSpec("tag_all", "Tag &all occurrences", ("Ctrl+Shift+A",), "tag_all_occurrences", needs_spans=True,
               tip="Give every occurrence of the selected span's text the same label"),
    ActionSpec("find", "&Find…", (StandardKey.Find, "Ctrl+F"), "find",
               tip="Find text or a pattern in this document, and tag every match"),
    ActionSpec("find_documents", "Find in all &documents…", ("Ctrl+Shift+F",), "find_in_documents",
               tip="The documents whose text contains a word or phrase (any script, case ignored)"),
    ActionSpec("find_next", "Find ne&xt", ("F3",), "find_next"),
    ActionSpec("find_previous", "Find pre&vious", ("Shift+F3",), "find_previous"),
    ActionSpec("next_span", "Select ne&xt span", ("]",), "select_next_span", needs_spans=True),
    ActionSpec("previous_span", "Select pre&vious span", ("[",), "select_previous_span",
               needs_spans=True),
    ActionSpec("next_document", "&Next document", ("Ctrl+PgDown",), "next_document"),
    ActionSpec("previous_document", "&Previous document", ("Ctrl+PgUp",), "previous_document"),
    ActionSpec("mark_done", "Mark document &done", ("Ctrl+D",), "toggle_done", needs_spans=True,
               tip="Mark this document done for you (again: back to in progress)"),
    ActionSpec("font_larger", "&Larger text", (StandardKey.ZoomIn, "Ctrl++", "Ctrl+="), "font_larger"),
    ActionSpec("font_smaller", "&Smaller text", (StandardKey.ZoomOut, "Ctrl+-"), "font_smaller"),
    ActionSpec("other_layers", "Show &other annotators' spans", ("Ctrl+L",), "toggle_other_layers",
               checkable=True),
    ActionSpec("edit_labels", "&Edit labels…", ("Ctrl+Shift+L",), "edit_labels",
               tip="Add, rename, recolour, re-key, reorder or remove labels (each one undo step)"),
    # Review mode (session_review.py): the keys act only while it is on.
    ActionSpec("review_mode", "&Review", ("Ctrl+Shift+R",), "toggle_review", checkable=True,
               tip="Review mode: every annotator's layer and gold, where they agree and where not"),
    ActionSpec("next_candidate", "Ne&xt candidate", ("Alt+Down",), "next_candidate", needs_spans=True),
    ActionSpec("previous_candidate", "Pre&vious candidate", ("Alt+Up",), "previous_candidate",
               needs_spans=True),
    ActionSpec("next_conflict", "Next &conflict", ("F8",), "next_conflict", needs_spans=True,
               tip="The next candidate in conflict that review has not settled"),
    ActionSpec("previous_conflict", "Previous co&nflict", ("Shift+F8",), "previous_conflict",
               needs_spans=True),
    ActionSpec("next_reading", "Next &reading", ("Alt+Right",), "next_reading"),
    ActionSpec("previous_reading", "Previous readin&g", ("Alt+Left",), "previous_reading"),
    ActionSpec("accept_reading", "&Accept reading into gold", ("Ctrl+Return", "Ctrl+Enter"), "accept_reading",
               needs_spans=True),
    ActionSpec("reject_reading", "Re&ject reading", ("Ctrl+Backspace",), "reject_reading", needs_spans=True),
    ActionSpec("accept_all_agreed", "Accept all a&greed", ("Ctrl+Shift+G",), "accept_all_agreed",
               needs_spans=True, tip="Every span the chosen number of annotators tagged alike into gold, "
                                     "in this document (one undo step)"),
    ActionSpec("mark_reviewed", "Mark document revie&wed", ("Ctrl+Shift+D",), "toggle_reviewed",
               needs_spans=True, tip="Mark this document reviewed (again: not reviewed)"),
    ActionSpec("agreement", "A&greement…", ("Ctrl+Shift+K",), "show_agreement",
               tip="How far the annotators agree: span F1, token kappa, Fleiss' kappa, Krippendorff's alpha"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", (StandardKey.HelpContents, "F1"), "show_shortcuts"),
    ActionSpec("about", "&About annotator", (), "show_about"),
)

MENUS = (
    ("&File", ("new_project", "open_project", None, "import_files", "import_folder", "merge_project", "export", "backup_project", None,
               "switch_annotator", None, "quit")),
    ("&Edit", ("undo", "redo", None, "tag_all", None, "find", "find_documents", "find_next", "find_previous", None,
               "next_span", "previous_span", "remove_span", "edit_note", "clear_selection", None,
               "start_left", "start_right", "end_left", "end_right")),
    ("&Document", ("next_document", "previous_document", None, "mark_done")),
    ("&View", ("font_larger", "font_smaller", None, "other_layers", "review_mode", None, "snap_words", "label_names", None, "documents_panel", "labels_panel")),
    ("&Review", ("next_candidate", "previous_candidate", "next_conflict", "previous_conflict", "next_reading",
                 "previous_reading", None, "accept_reading", "reject_reading", "accept_all_agreed", None,
                 "mark_reviewed", None, "agreement")),
    # "&Labels" is built from the project's label schema (see MainWindow).
    ("&Help", ("shortcuts", "about")),
)


def build_actions(window) -> dict[str, QAction]:
    actions = {}
    for spec in ACTIONS:
        action = QAction(spec.text, window)
        action.setObjectName(spec.id)
        keys = []
        for shortcut in spec.shortcuts:
            if isinstance(shortcut, StandardKey):
                # The platform's primary binding only (others are media keys).
                keys.extend(QKeySequence.keyBindings(shortcut)[:1])
            else:
                keys.append(QKeySequence(shortcut))
        unique = []
        for key in keys:
            if not key.isEmpty() and key not in unique:
                unique.append(key)
        action.setShortcuts(unique)
        action.setCheckable(spec.checkable)
        if spec.tip:
            action.setStatusTip(spec.tip)
        handler = getattr(window, spec.handler)
        if spec.needs_spans:
            handler = _after_loading(window, handler)
        if spec.checkable:
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        window.addAction(action)
        actions[spec.id] = action
    return actions


def _after_loading(window, handler):
    def run(*args):
        window.finish_loading()
        return handler(*args)
    return run


def build_menus(window, actions: dict[str, QAction]) -> None:
    bar = window.menuBar()
    for title, ids in MENUS:
        if title == "&Help":
            window.label_menu = bar.addMenu("&Labels")
        menu = bar.addMenu(title)
        for action_id in ids:
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[action_id])


def menu_text(user_text: str) -> str:
    """User text for a QAction/QMenu: '&' would otherwise be a mnemonic."""
    return user_text.replace("&", "&&")
