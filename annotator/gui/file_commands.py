"""File and Help menu commands (methods of MainWindow, kept here so the
window module stays about annotation).  Import and export call the same core
functions as the command line."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from annotator import __version__
from annotator.core.errors import AnnotatorError, Cancelled
from annotator.core.storage import Project
from annotator.gui import dialogs
from annotator.gui.actions import ACTIONS
from annotator.gui.background import BackgroundJob, own_connection

PROJECT_FILTER = "Annotator projects (*.db *.annotator.db *.sqlite);;All files (*)"


def new_project(window) -> None:
    if window.busy_saving():
        return
    path, _ = dialogs.get_save_file_name(window, "New project", str(Path.home() / "project.db"),
                                          PROJECT_FILTER)
    if not path:
        return
    if Path(path).exists() and Path(path).stat().st_size > 0:
        dialogs.error(window, "New project", f"{path} already exists; use Open project to open it.")
        return
    _switch_to(window, path, create=True)


def open_project(window) -> None:
    if window.busy_saving():
        return
    path, _ = dialogs.get_open_file_name(window, "Open project", str(window.project.folder),
                                          PROJECT_FILTER)
    if path:
        _switch_to(window, path)


def _switch_to(window, path: str, create: bool = False) -> None:
    if window.busy_saving():
        return
    if not create and not (Path(path).is_file() and Path(path).stat().st_size > 0):
        dialogs.error(window, "Cannot open project",
                      f"{path}: there is no project there (it was moved or deleted?); nothing was "
                      "created. Use Open project… to find it, or New project… to start one.")
        return
    if window.project.detached is not None:
        # Let go of the old file first: a connection to it still open here
        # would hand SQLite's stale state to the new one (same file).
        window.project.close()
    try:
        project = Project.open(path)
    except AnnotatorError as e:
        dialogs.error(window, "Cannot open project", str(e))
        return
    window.set_project(project)


def import_files(window) -> None:
    if window.busy_saving() or window.reads_blocked():
        return
    from annotator.core import formats  # (imported when first used: not on the start-up path)

    paths, _ = dialogs.get_open_file_names(window, "Import files", "", formats.import_filter())
    if paths:
        import_paths(window, paths)


def import_folder(window) -> None:
    """File > Import folder…: a folder format (a brat collection)."""
    if window.busy_saving() or window.reads_blocked():
        return
    path = dialogs.get_existing_directory(window, "Import folder (brat: .txt and .ann files)", "")
    if path:
        import_paths(window, [path])


def import_paths(window, paths: list[str]) -> BackgroundJob:
    """Import on a worker, with progress and Cancel; the window goes on painting."""
    from annotator.core.importer import import_files as core_import_files

    project, user = window.project, window.user

    def work(progress):
        own = own_connection(project)
        try:
            return core_import_files(own, paths, annotator=user, progress=progress)
        finally:
            own.close()

    def done(result, error) -> None:
        if isinstance(error, Cancelled):
            window.statusBar().showMessage("Import cancelled: nothing was imported.", 8000)
            return
        if error is not None:
            dialogs.error(window, "Nothing was imported", str(error))
            return
        window.project.forget_cached()
        window.check_for_changes()  # (another connection wrote it: shown as any other's change)
        if window.doc is None and window.documents.model.rows:
            window.open_document(window.documents.model.rows[0].id)
        parts = [f"{result.documents_added} document(s) added", f"{result.spans_added} span(s) added"]
        if result.documents_existing:
            parts.insert(1, f"{result.documents_existing} already present")
        window.statusBar().showMessage("Imported: " + ", ".join(parts) + ".", 8000)

    return _start(window, "Importing", work, done)


def _start(window, title: str, work, done) -> BackgroundJob:
    def finished(result, error) -> None:
        window.background = None
        done(result, error)
        if window._close_when_saved and not window.writes.pending:
            window.close()

    job = BackgroundJob(window, title, work, finished)
    window.background = job
    job.start()
    return job


def merge_project(window) -> None:
    """File > Merge project…: other annotators' project files into this one."""
    if window.busy_saving() or window.reads_blocked():
        return
    paths, _ = dialogs.get_open_file_names(window, "Merge project", str(window.project.folder),
                                           PROJECT_FILTER)
    if paths:
        merge_paths(window, paths)


def merge_paths(window, paths: list[str], prefer: str | None = None) -> BackgroundJob:
    """Merge on a worker, with progress and Cancel: all of it or nothing. On
    a clash, ask which side wins and merge again with that preference."""
    from annotator.core.merge import MergeClash, merge_projects

    project = window.project

    def work(progress):
        own = own_connection(project)
        try:
            return merge_projects(own, paths, prefer=prefer, progress=progress)
        finally:
            own.close()

    def done(result, error) -> None:
        if isinstance(error, Cancelled):
            window.statusBar().showMessage("Merge cancelled: nothing was merged.", 8000)
        elif isinstance(error, MergeClash) and prefer is None:
            _ask_which_wins(window, paths, error)
        elif error is not None:
            dialogs.error(window, "Nothing was merged", str(error))
        else:
            window.project.forget_cached()
            window.check_for_changes()  # (another connection wrote it: shown as any other's change)
            window.statusBar().showMessage(f"Merged: {result.summary()} The merge is not a step "
                                           "Undo takes back.", 15000)

    return _start(window, "Merging", work, done)


def _ask_which_wins(window, paths: list[str], clash) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, "Layers clash", "", QMessageBox.StandardButton.NoButton, window)
    box.setObjectName("mergeClashBox")
    box.setTextFormat(dialogs.PLAIN)
    box.setText(str(clash))
    incoming = box.addButton("Take theirs", QMessageBox.ButtonRole.DestructiveRole)
    existing = box.addButton("Keep these", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Merge nothing", QMessageBox.ButtonRole.RejectRole)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(button) -> None:
        if button is incoming:
            merge_paths(window, paths, "incoming")
        elif button is existing:
            merge_paths(window, paths, "existing")
        else:
            window.statusBar().showMessage("Nothing was merged.", 8000)

    box.buttonClicked.connect(chosen)
    box.open()
    return box


def export(window):
    """File > Export…: the format and layers first (ExportDialog), then
    where to (the save dialog, which refuses the project at once)."""
    if window.reads_blocked():
        return None
    from annotator.core import exporter, formats
    from annotator.gui.export_dialog import ExportDialog  # (not on the start-up path)

    dialog = ExportDialog(window, exporter.known_annotators(window.project),
                          window.settings.value("export_format"))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen() -> None:
        choice = dialog.choice()
        window.settings.setValue("export_format", choice.format.name)
        format_ = choice.format
        project_path = window.project.folder / f"{window.project.stem}.db"  # (named after the project)
        if format_.folder:
            default, filters = str(project_path.with_name(f"{project_path.stem}-{format_.name}")), "Folders (*)"
        else:
            default, filters = str(project_path.with_suffix(format_.suffixes[0])), formats.export_filter(format_.name)
        path, _ = dialogs.get_save_file_name(window, f"Export {format_.title}", default, filters,
                                             refuse=lambda chosen: _export_refused(window, chosen))
        if path:
            export_to(window, path, choice)

    dialog.accepted.connect(chosen)
    dialog.open()
    return dialog


def _export_refused(window, path: str) -> str | None:
    """Why exporting to `path` is refused (asked before Qt asks "replace?")."""
    from annotator.core import exporter

    try:
        exporter.check_output(Path(path), window.project.path)
    except AnnotatorError as e:
        return str(e)
    return None


def export_to(window, path: str, choice=None) -> BackgroundJob | None:
    """Export on a worker, with progress and Cancel: a whole file (or
    folder) or none. Without `choice`: every layer, as JSONL."""
    from annotator.core import exporter, formats
    from annotator.gui.export_dialog import ExportChoice

    choice = choice or ExportChoice(formats.by_name("jsonl"), None, {})
    try:
        # The same refusal as the command line: never over the project,
        # its -wal/-shm, or any other database.
        exporter.check_output(Path(path), window.project.path)
    except AnnotatorError as e:
        dialogs.error(window, "Export failed", str(e))
        return None
    project, notes = window.project, []

    def work(progress):
        own = own_connection(project)
        try:
            total = own.document_count()

            def records():
                for n, record in enumerate(exporter.layers(own, choice.annotators)):
                    if n % 200 == 0:
                        progress("Writing documents", n, total)
                    yield record

            return exporter.write_export(records(), choice.format, Path(path), report=notes.append,
                                         **choice.options)
        finally:
            own.close()

    def done(written, error) -> None:
        if isinstance(error, Cancelled):
            window.statusBar().showMessage(f"Export cancelled: {path} was not written.", 8000)
        elif error is not None:
            dialogs.error(window, "Export failed", str(error))
        else:
            unit = choice.format.unit
            window.statusBar().showMessage(f"Exported {written:,} {unit}{'s' if written != 1 else ''} "
                                           f"to {path}.", 8000)
            if notes:  # what the format could not hold: said, never silent
                dialogs.info(window, "Exported, with notes", "\n\n".join(notes))

    return _start(window, "Exporting", work, done)


def backup_project(window) -> None:
    """File > Back up project…: a complete copy, -wal included, checked."""
    if window.project.live:
        dialogs.info(window, "Back up project", "A project on a server is backed up on the server "
                     "(pg_dump, by its administrator). File > Export… writes what it holds to a file.")
        return
    default = window.project.path.with_name(f"{window.project.path.stem}-backup.db")
    path, _ = dialogs.get_save_file_name(window, "Back up project", str(default), PROJECT_FILTER)
    if path:
        _write_copy(window, Path(path), "Backed up")


def _write_copy(window, dest: Path, done: str) -> bool:
    from annotator.core.backup import backup_project as core_backup

    try:
        result = core_backup(window.project, dest)
    except AnnotatorError as e:
        dialogs.error(window, "No copy written", str(e))
        return False
    window.statusBar().showMessage(
        f"{done} to {result.path}: {result.documents:,} document{'s' if result.documents != 1 else ''}, "
        f"{result.spans:,} span{'s' if result.spans != 1 else ''}.", 10000)
    return True


def explain_detached(window) -> None:
    """Say that the project file was moved or replaced under the window,
    and offer the two ways on: save what this window holds elsewhere, or
    open whatever is at the path now."""
    project = window.project
    box = QMessageBox(QMessageBox.Icon.Critical, "Project file moved or replaced", "",
                      QMessageBox.StandardButton.NoButton, window)
    box.setObjectName("detachedBox")
    box.setTextFormat(dialogs.PLAIN)
    if project.can_save_copy:
        rescue = ("Everything saved until now is kept in the file this window opened.\n\n"
                  "Save a copy of it under a new name, or open the project again to work on the "
                  "file that is there now.")
    else:
        rescue = ("What this window saved was in the bytes that were overwritten: restore your last "
                  "backup or export, or open the project again to work on the file that is there now.")
    box.setText(f"{project.path}: {project.detached} while this window had it open.\n\n"
                "To protect both files, this window has stopped saving: changes you make now are "
                f"refused. {rescue}")
    save = box.addButton("Save a copy…", QMessageBox.ButtonRole.AcceptRole) if project.can_save_copy else None
    reopen = box.addButton("Open again", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(button) -> None:
        if button is save:
            save_copy(window)
        elif button is reopen:
            _switch_to(window, str(project.path))

    box.buttonClicked.connect(chosen)
    box.open()


def save_copy(window) -> None:
    """Save the open project's last state (detached or not) to a new file."""
    default = window.project.path.with_name(f"{window.project.path.stem}-saved.db")
    path, _ = dialogs.get_save_file_name(window, "Save a copy of the project", str(default), PROJECT_FILTER)
    if path:
        _write_copy(window, Path(path), "Saved a copy")


def shortcuts_text(window) -> str:
    """The tagging keys, then every command's shortcut from the action
    table, so the help cannot drift from the real key bindings."""
    labels = "\n".join(
        f"{'':17}{'/'.join(label.keys) or '-':<6} {label.name}"
        for label in window.project.labels())
    lines = [dialogs.TAGGING_HELP.format(labels=labels), ""]
    for spec in ACTIONS:
        keys = window.commands[spec.id].shortcuts()
        if keys:
            name = spec.text.replace("&", "").rstrip("…")
            shown = " / ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys[:2])
            lines.append(f"{name:<32} {shown}")
    return "\n".join(lines)


def show_shortcuts(window) -> None:
    dialogs.show_text(window, "Keyboard shortcuts", shortcuts_text(window))


def show_about(window) -> None:
    dialogs.info(window, "About annotator",
                 f"annotator {__version__}\n\nLabel spans of text offline; every action is saved "
                 f"at once to the project file.\n\nProject: {window.project.path}")
