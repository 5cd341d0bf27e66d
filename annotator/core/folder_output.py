"""Writing an export that is a folder (brat: a .txt and an .ann per
document) whole or not at all.

The files are written into a new temporary folder beside the target, which
is renamed into place only when every file is on disk: a killed or failed
export leaves the target as it was. The target may be missing, an empty
folder, or a folder an earlier export made and nobody added to since (its
MARKER file lists every file the export wrote), which is replaced; any
other folder is refused, since replacing it would delete files someone else
put there. Temporary folders of killed exports are removed by the next.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from annotator.core.errors import AnnotatorError
from annotator.core.files import process_running, this_machine

# Written into every exported folder: "annotator made this; a new export may
# replace it", then the files it wrote, one per line.
MARKER = ".annotator-export"
_MARKER_HEADER = ("Written by annotator export. The next export here replaces this folder, if it holds\n"
                  "only the files listed below.\n")
_MARKER_LINES = _MARKER_HEADER.count("\n")


def write_folder_atomically(path: str | os.PathLike, fill: Callable[[Path], object]) -> object:
    """`fill(folder)` writes the export into an empty folder, which then
    becomes `path`. Returns what `fill` does."""
    target = Path(os.path.abspath(path))  # ("." has no name to put a temporary folder beside)
    if not target.name or _inside(target):
        # (The folder is replaced whole: the one a shell is in would be
        # swapped from under it, leaving it in a deleted folder.)
        raise AnnotatorError(f"{path}: that is the folder you are in (or holds it); name a new folder "
                             "for the export, such as brat-export. Nothing was written.")
    _check_replaceable(target)
    _remove_abandoned(target)
    temporary = target.with_name(f".{target.name}.{this_machine()}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)  # left by a killed run of a process with our id
    try:
        temporary.mkdir()
        result = fill(temporary)
        written = sorted(_files_in(temporary))
        (temporary / MARKER).write_text(_MARKER_HEADER + "".join(f"{name}\n" for name in written),
                                        encoding="utf-8")
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
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not (target / MARKER).is_file():
        raise AnnotatorError(f"{target}: the folder is not empty, and not an earlier export; name a new "
                             "or empty folder (an export never deletes files it did not write). "
                             "Nothing was written.")
    listed = set((target / MARKER).read_text(encoding="utf-8").splitlines()[_MARKER_LINES:])
    added = sorted(set(_files_in(target)) - listed - {MARKER})
    if added:
        raise AnnotatorError(f"{target}: an earlier export, but {added[0]}"
                             f"{f' and {len(added) - 1} more' if len(added) > 1 else ''} was put there "
                             "since; replacing the folder would delete it. Move it, or name a new or "
                             "empty folder. Nothing was written.")


def _inside(target: Path) -> bool:
    """Whether the current folder is `target` or inside it."""
    try:
        return Path.cwd().resolve().is_relative_to(target.resolve())
    except OSError:  # (the current folder was deleted: it is not the target)
        return False


def _files_in(folder: Path) -> list[str]:
    """Every file and folder under `folder`, as paths relative to it (/-separated)."""
    found = []
    for root, dirs, files in os.walk(folder):
        relative = Path(root).relative_to(folder)
        found += [(relative / name).as_posix() for name in (*dirs, *files)]
    return found


def _remove_abandoned(target: Path) -> None:
    """Temporary folders beside `target` of exports killed on this machine."""
    host = this_machine()
    prefix = f".{target.name}.{host}."
    for sibling in target.parent.iterdir():
        name = sibling.name
        if not name.startswith(prefix) or not name.endswith((".tmp", ".old")):
            continue
        pid = name[len(prefix):-4]
        if pid.isdigit() and int(pid) != os.getpid() and not process_running(int(pid)):
            shutil.rmtree(sibling, ignore_errors=True)


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
