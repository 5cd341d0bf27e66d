"""Watching the project file: which file (and -wal) a connection opened,
what its header says, and connections that must never be closed.

See Project.check_file for how these tell a moved, replaced or overwritten
file from the one opened.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import NamedTuple

from annotator.core import files

# Connections of detached projects, never closed (see Project.abandon).
ABANDONED: list[sqlite3.Connection] = []


def abandoned() -> int:
    """How many connections this process holds that it must not close: a
    program that abandoned one ends with os._exit, skipping the
    interpreter's own clean-up, which would close them."""
    return len(ABANDONED)


class FileIdentity(NamedTuple):
    """Which file (device, inode) a path named, and its -wal file's."""

    file: tuple[int, int]
    wal: tuple[int, int] | None

    @classmethod
    def of(cls, path: Path) -> "FileIdentity":
        return cls(files.inode(path), files.inode(wal_path(path)))

    def moved(self, path: Path) -> bool:
        """Whether `path` no longer names the file itself."""
        return files.inode(path) != self.file

    def problem(self, path: Path) -> str | None:
        """Why `path` is no longer this file (or its -wal), or None."""
        now = files.inode(path)
        if now is None:
            return "the project file was moved, renamed or deleted"
        if now != self.file:
            return "the project file was replaced by another file"
        if self.wal is not None:
            wal = files.inode(wal_path(path))
            if wal is None:
                return "the project's -wal file was deleted"
            if wal != self.wal:
                return "the project's -wal file was replaced"
        return None


def wal_path(path: Path) -> Path:
    # SQLite names the -wal after the real file when the project is a link.
    return Path(f"{os.path.realpath(path)}-wal")


def file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def header_user_version(path: Path) -> int | None:
    """PRAGMA user_version as the file on disk says it, past this project's
    page cache: read by a new connection (never by open(), see files.hold)."""
    try:
        fresh = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        return fresh.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return None  # not a database any more: not ours
    finally:
        fresh.close()


def open_descriptors() -> list[str]:
    try:
        return [f"/proc/self/fd/{fd}" for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return []
