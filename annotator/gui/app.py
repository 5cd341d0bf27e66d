"""Starting the window: the QApplication, the project, and an error hook
that shows unexpected errors in a message box instead of killing the
program (every change is already saved, so carrying on is safe)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.core.errors import AnnotatorError
from annotator.core import storage
from annotator.core.storage import Project
from annotator.gui import dialogs


def install_error_hook(app: QApplication) -> None:
    showing: list[QMessageBox] = []

    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        if isinstance(value, KeyboardInterrupt):
            app.quit()
            return
        # An error that repeats (say, in every repaint) gets one box, not hundreds.
        if any(box.isVisible() for box in showing):
            return
        showing.clear()
        if isinstance(value, AnnotatorError):
            text, detail = str(value), ""
        else:
            text = ("Something went wrong, but your work so far is saved.\n\n"
                    f"{kind.__name__}: {value}")
            detail = "".join(traceback.format_exception(kind, value, tb))
        showing.append(dialogs.message(app.activeWindow(), QMessageBox.Icon.Critical, "annotator",
                                       text, detail))

    sys.excepthook = hook


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("annotator")
    app.setApplicationName("annotator")
    app.setApplicationDisplayName("annotator")
    return app


# What libpq says when the password is missing or wrong: then the window
# asks for it, as a desktop client would (the command line leaves it to
# libpq's sources: ~/.pgpass, PGPASSWORD, the URL).
_PASSWORD_WANTED = ("no password supplied", "password authentication failed")
PASSWORD_TRIES = 3


def open_store(db: Path | str, user: str | None, seeds: Path | None):
    """The project the window opens, and whose layer it shows as own: a
    file, or a server project (a URL string) as the login it gives, which
    `user`, when given, must be. A server that wants a password libpq
    could not find (or was given a wrong one) gets it asked for."""
    if not isinstance(db, str):
        return Project.open(db, seeds=seeds), user
    from annotator.core.storage.postgres.opening import open_server_project

    password = None
    for attempt in range(PASSWORD_TRIES + 1):
        try:
            project = open_server_project(db, user, password=password)
            return project, project.login
        except AnnotatorError as e:
            if attempt == PASSWORD_TRIES or not any(said in str(e) for said in _PASSWORD_WANTED):
                raise
            password = dialogs.ask_password(None, str(e) if attempt else "", db)
            if password is None:  # cancelled
                raise
    raise AssertionError("unreachable")


def main(db: Path | str, user: str | None, seeds: Path | None, review: bool = False) -> int:
    from annotator.gui.main_window import MainWindow

    app = make_app()
    project = None
    try:
        project, user = open_store(db, user, seeds)
        window = MainWindow(project, user, QSettings(), review=review)
    except AnnotatorError as e:
        # The project cannot be opened, or is damaged past listing its
        # documents: say so in a box (the window would be empty anyway).
        if project is not None:
            project.close()
        print(f"annotator: {e}", file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Critical, "annotator", "")
        box.setTextFormat(dialogs.PLAIN)
        box.setText(str(e))
        box.exec()
        return 1
    install_error_hook(app)
    abandoned_before = storage.abandoned()
    window.show()
    try:
        code = app.exec()
    finally:
        sys.excepthook = sys.__excepthook__
        window.project.close()
    if storage.abandoned() > abandoned_before:
        # A project file was replaced under the window: the interpreter's
        # clean-up would close its connection, and SQLite's closing
        # checkpoint could touch the -wal now beside another database.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
