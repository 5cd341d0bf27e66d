"""A complete, checked copy of an open project in one file.

Copying the .db file misses whatever is still in its -wal file; SQLite's
online backup copies a consistent snapshot with all of it, even while other
programs write. The copy goes to a temporary file beside the destination
(see files.replacing), is checked, and only then renamed into place, so a
file at the destination is always a whole backup.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from annotator.core.errors import AnnotatorError
from annotator.core.files import destination, held, is_database_file, is_project_file, new_file_mode, replacing
from annotator.core.storage import Project
from annotator.core.storage.sqlite.copies import CopyFailed, file_id, write_copy


class BackupResult(NamedTuple):
    path: Path  # the file written (inside `dest` when that is a folder)
    documents: int
    spans: int


def backup_project(project: Project, dest: Path) -> BackupResult:
    """Copy `project` into `dest` (a file, replaced if it exists, or a
    folder to hold a file named like the project). Refuses the project's
    own files; an existing file that is not a backup of this project (a
    document, or another project: replacing it by mistake would lose it);
    and a file with a -wal, -shm or -journal beside it (open elsewhere, or
    a -wal that would be applied to the copy).
    Raises AnnotatorError; on failure nothing is left at or beside `dest`."""
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / project.path.name
    if is_project_file(dest, project.path):
        raise AnnotatorError(f"{dest}: that is the project itself (or one of its -wal/-shm/-journal "
                             "files); choose another file or folder for the backup")
    target = destination(dest)
    if target.stream or _occupied_by_non_database(target.path):
        raise AnnotatorError(f"{dest}: exists and is not a database, so not an earlier backup; it was "
                             "not replaced. Choose another file or folder for the backup.")
    pending = _companion(target.path)
    if pending:
        raise AnnotatorError(
            f"{dest}: has a {pending.name} file beside it: it is open in another program or was not "
            "closed cleanly, and that file would be applied to the new copy and damage it. It was not "
            "replaced; close it (or open and close it with annotator) or choose another destination.")
    if _another_database(target.path, project):
        raise AnnotatorError(
            f"{dest}: is another database (another project?), not a backup of this one; it was not "
            "replaced. Choose another name, or move it away first.")
    mode = new_file_mode(target.path if target.path.exists() else project.path)
    try:
        with replacing(target.path, mode) as tmp:
            documents, spans = write_copy(project, tmp)
    except (OSError, CopyFailed) as e:
        raise AnnotatorError(f"{dest}: the backup could not be written ({_reason(e)}); "
                             "no file was left behind") from None
    return BackupResult(target.path, documents, spans)


def _occupied_by_non_database(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > 0 and not is_database_file(path)


def _companion(path: Path) -> Path | None:
    """A -wal, -shm or -journal beside `path`. A non-empty -wal or -journal
    is applied to whatever file has that name next, even a different
    database; any of them means a program may have it open now (an open
    project's -wal is empty between changes, see store)."""
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            return companion
    return None


def _another_database(path: Path, project: Project) -> bool:
    """Whether `path` is a database that is not a backup of `project`:
    backups carry the project's file id (PRAGMA user_version, see store),
    so a nightly backup replaces yesterday's, never another project."""
    if held(path):
        return True  # a project open in this very program
    if not path.exists() or not is_database_file(path):
        return False
    copied_from = file_id(path)
    return copied_from is None or not project.file_id or copied_from != project.file_id


def _reason(error: Exception) -> str:
    full = (isinstance(error, OSError) and error.errno == errno.ENOSPC) or (
        isinstance(error, CopyFailed) and error.disk_full)
    if full:
        return "the disk is full"
    return (error.strerror if isinstance(error, OSError) else None) or str(error)
