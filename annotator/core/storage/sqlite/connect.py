"""Opening SQLite connections to a project file, and turning SQLite's
errors into messages a person can act on."""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
from pathlib import Path

from annotator.core.errors import ProjectError
from annotator.core.files import SQLITE_HEADER

BUSY_TIMEOUT_SECONDS = 30.0


def reading(method):
    """A query on a file that turns out to be damaged past what the check on
    opening can see (bytes inside a record) raises ProjectError, like every
    other problem the core reports, instead of a bare sqlite3 error."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
            raise ProjectError(f"{self.path}: could not be read: {e} (the file may be damaged; "
                               "restore it from a backup)") from None
    return wrapper


class DiskFull(ProjectError):
    """Opening needs room on the disk (a -shm file) that is not there."""


def describe(error: sqlite3.Error, path: Path) -> str:
    """SQLite's message, with the likely cause where SQLite's is misleading:
    a full disk shows up as 'disk I/O error' in many places."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or (name.startswith("SQLITE_IOERR") and disk_full(path)):
        return f"the disk is full ({error})"
    return str(error)


def disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent if path.parent != Path("") else Path(".")).free < 1 << 20
    except OSError:
        return False


def is_busy(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(error)


def busy_message(path: Path) -> str:
    return (f"{path}: another program has been writing to this project for over "
            f"{BUSY_TIMEOUT_SECONDS:.0f} seconds without finishing (database is locked); "
            "nothing was changed. Try again when it is done.")


def check_is_sqlite(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise ProjectError(f"{path}: cannot be read: {e.strerror or e}") from None
    if header != SQLITE_HEADER:
        raise ProjectError(
            f"{path}: is not an annotator project (not a SQLite database); it was not changed"
        )


def writable(path: Path) -> bool:
    # WAL needs to create -wal and -shm files beside the project.
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def wal_holds_changes(path: Path) -> bool:
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except FileNotFoundError:
        return False


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    # isolation_level=None: we begin and commit transactions ourselves
    # (see Project.write), so Python's sqlite3 never opens one implicitly.
    try:
        if read_only:
            return connect_read_only(path)
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS,
                               isolation_level=None, check_same_thread=False)
    except sqlite3.Error as e:
        raise ProjectError(f"{path}: cannot be opened: {e}") from None


def connect_read_only(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                           isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    # A WAL project needs a -shm file beside it even to be read, which a
    # read-only folder cannot hold. With no -wal file there are no changes
    # waiting outside the main file, so reading that file as it is, is exact.
    if wal_holds_changes(path):
        raise ProjectError(
            f"{path}: cannot be opened: no -shm file can be made beside it (its folder is read-only, "
            "or the disk is full) and it has changes still in its -wal file; open it where it can "
            "be written, or copy the project with its -wal file")
    return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                           isolation_level=None, check_same_thread=False)
