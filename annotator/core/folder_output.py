"""Writing an export that is a folder (brat: a .txt and an .ann per
document) whole or not at all.

The files are written into a new temporary folder beside the target, which
is renamed into place only when every file is on disk: a killed or failed
export leaves the target as it was. The target may be missing, an empty
folder, or a folder an earlier export made (it holds our MARKER file), which
is replaced; any other folder is refused, since replacing it would delete
files someone else put there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from annotator.core.errors import AnnotatorError
from annotator.core.files import this_machine

# Written into every exported folder: "annotator made this; a new export may replace it".
MARKER = ".annotator-export"


def write_folder_atomically(path: str | os.PathLike, fill: Callable[[Path], object]) -> object:
    """`fill(folder)` writes the export into an empty folder, which then
    becomes `path`. Returns what `fill` does."""
    target = Path(path)
    _check_replaceable(target)
    temporary = target.with_name(f".{target.name}.{this_machine()}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)  # left by a killed run of a process with our id
    try:
        temporary.mkdir()
        result = fill(temporary)
        (temporary / MARKER).write_text("Written by annotator export; the next export here replaces "
                                        "this folder.\n", encoding="utf-8")
        _sync_tree(temporary)
        _swap_in(temporary, target)
    except OSError as e:
        raise AnnotatorError(f"{target}: the export could not be written ({e.strerror or e}); "
                             "the folder was left as it was") from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return result


def _check_replaceable(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise AnnotatorError(f"{target}: this format writes a folder, and that is a file (or a link); "
                             "name a new or empty folder. Nothing was written.")
    if not target.parent.is_dir():
        raise AnnotatorError(f"{target}: the folder {target.parent} does not exist. Nothing was written.")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise AnnotatorError(f"{target}: the folder is not empty, and not an earlier export; name a new "
                             "or empty folder (an export never deletes files it did not write). "
                             "Nothing was written.")


def _swap_in(new: Path, target: Path) -> None:
    """Rename `new` to `target`; an old `target` is moved aside first and
    deleted only once the new one is in place."""
    if not target.exists():
        os.rename(new, target)
        return
    if not any(target.iterdir()):
        target.rmdir()
        os.rename(new, target)
        return
    old = target.with_name(f".{target.name}.{this_machine()}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)  # put the earlier export back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _sync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
