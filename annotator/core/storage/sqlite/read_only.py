"""Opening another project file strictly to read it (a merge's sources).

`Project.open` may write to the file it opens: it gives it a file id in its
header, switches it to WAL, adds read indexes and upgrades an older schema.
A file someone else owns must never be changed by reading it, so this opens
it with SQLite's `mode=ro`, upgrades nothing, and refuses (naming the file)
what is not a readable annotator project: missing, a folder, not SQLite,
another program's database, damaged, or written by a newer annotator.

An older project is read as it is: the reads used on it (documents, spans,
statuses, `merged_layers` when present) exist since the first schema.
SQLite may leave empty -wal and -shm files beside a WAL file it read (as
any reader does); the file's own bytes are never changed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from annotator.core import files
from annotator.core.errors import ProjectError
from annotator.core.storage.sqlite import migrations
from annotator.core.storage.sqlite.connect import check_is_sqlite, connect_read_only
from annotator.core.storage.sqlite.project import Project

_FILE_ID = "PRAGMA user_version"


class ReadOnlyProject(Project):
    """A project file opened only to be read: `write()` refuses."""

    @classmethod
    def open(cls, path: str | os.PathLike, **_ignored) -> "ReadOnlyProject":
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        if files.held(path):
            # Open here already (it is this program's own project): reading
            # its header with open() would drop this process's locks on it.
            raise ProjectError(f"{path}: is the project this program has open")
        if path.stat().st_size == 0:
            raise ProjectError(f"{path}: is an empty file, not an annotator project")
        check_is_sqlite(path)
        try:
            conn = connect_read_only(path)
        except sqlite3.Error as e:
            raise ProjectError(f"{path}: cannot be read as an annotator project: {e} (the file is "
                               "damaged or not a project)") from None
        project = cls(path, conn, read_only=True)
        project.read_only_reason = "it is only read"
        try:
            conn.execute("PRAGMA query_only = ON")  # belt and braces: mode=ro already refuses writes
            project._check_existing()
            if not migrations.applied(conn):
                raise ProjectError(f"{path}: is an empty SQLite database, not an annotator project")
            project._file_id = conn.execute(_FILE_ID).fetchone()[0]
        except sqlite3.DatabaseError as e:
            conn.close()
            raise ProjectError(f"{path}: cannot be read as an annotator project: {e} (the file is "
                               "damaged or not a project)") from None
        except UnicodeDecodeError:
            conn.close()
            raise ProjectError(f"{path}: cannot be read as an annotator project: its schema is "
                               "damaged") from None
        except BaseException:
            conn.close()
            raise
        project._held = files.hold(path)
        return project


def open_read_only(path: str | os.PathLike) -> ReadOnlyProject:
    """Open the project at `path` to read it, never writing to it (see above)."""
    return ReadOnlyProject.open(path)
