"""Errors the core raises for things a user can fix.

Every one of them carries a message fit to show as it is: the CLI turns them
into `click.ClickException`, the GUI into a message box. Anything else that
escapes the core is a bug.
"""

from __future__ import annotations

import os


class AnnotatorError(Exception):
    """Base class: a problem to report to the user, not a crash."""


class InputError(AnnotatorError):
    """Bad input in a file, located by path and (when known) line number."""

    def __init__(self, path: str | os.PathLike | None, line: int | None, message: str):
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        # A file name may hold a newline, an escape sequence or a bidi
        # override: shown escaped, it cannot rewrite the terminal or the line.
        where = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                        for ch in self.path) if self.path else "<input>"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.message}"


class ImportRejected(AnnotatorError):
    """One or more files failed validation; nothing was imported."""

    def __init__(self, errors: list[InputError], documents: list | None = None):
        self.errors = errors
        # The documents that did parse, so the importer can still check
        # them (an unknown label) and report every bad line in one go.
        self.documents = documents or []
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"Nothing was imported:\n{shown}{more}")


class ProjectError(AnnotatorError):
    """The project file cannot be opened or written as asked."""


class ProjectBusy(ProjectError):
    """Another program holds the project's write lock, and this one was told
    not to wait for it (the window retries off its GUI thread)."""


class ProjectUnsettled(ProjectBusy):
    """The file kept changing while a write waited to begin (another program
    busy with a long write): nothing was changed; trying later may work."""


class ProjectDetached(ProjectError):
    """The project file was moved, replaced or lost its -wal file while open:
    writing on would corrupt or lose data, so nothing more is written."""


class ProjectDisconnected(ProjectError):
    """The connection to a server project is lost (the server restarted, the
    network dropped): nothing more is read or written until the project
    reconnects, which it tries by itself."""


class Cancelled(AnnotatorError):
    """The person cancelled a long import or export; nothing was changed."""


class SpanError(AnnotatorError):
    """A span operation that cannot be done (bad offsets, duplicate, unknown label)."""
