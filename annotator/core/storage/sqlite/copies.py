"""Whole-file copies of a project (backups): writing one, checking one, and
reading which project a database file is a copy of."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class CopyFailed(Exception):
    """The copy could not be written or is damaged; str() says why."""

    def __init__(self, reason: str, disk_full: bool = False):
        super().__init__(reason)
        self.disk_full = disk_full


def write_copy(project, path: Path) -> tuple[int, int]:
    """Copy `project` (a consistent snapshot, see Project.backup) into the new
    file `path`, check the copy as SQLite reads it alone, and return its
    (documents, spans) counts. Raises CopyFailed."""
    try:
        copy = sqlite3.connect(path, isolation_level=None)
        try:
            project.backup(copy)
        finally:
            copy.close()
        return _verify(path)
    except sqlite3.Error as e:
        raise CopyFailed(str(e), getattr(e, "sqlite_errorname", "") == "SQLITE_FULL") from None


def file_id(path: Path) -> int | None:
    """The project id a database file carries (PRAGMA user_version; 0: none),
    None if it cannot be read as a database."""
    try:
        conn = _immutable(path)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _verify(copy: Path) -> tuple[int, int]:
    # Immutable: no -wal or -shm is looked for or made beside the copy.
    conn = _immutable(copy)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise CopyFailed(f"the copy is damaged: {problems[0]}")
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        spans = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
        return documents, spans
    finally:
        conn.close()


def _immutable(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
