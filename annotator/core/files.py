"""Writing files without losing any: a new file goes to a temporary file
beside it and is renamed into place whole; a pipe, terminal or device is
written in place (renaming over it would replace it with a plain file); a
temporary file left by a killed process is named after its owner (machine
and process id) so the next writer can tell it is abandoned and remove it.

Also the checks that keep a write off a SQLite database: the project itself
(however its path is spelled) and any other.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator, NamedTuple

from annotator.core.errors import AnnotatorError

SQLITE_HEADER = b"SQLite format 3\x00"
# What SQLite keeps beside a database while it is open or was killed.
COMPANIONS = ("-wal", "-shm", "-journal")
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
_JOURNAL_MAGIC = b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7"
_TEMP_SUFFIXES = (".tmp", *(f".tmp{c}" for c in COMPANIONS))
# Paths that name an open file descriptor (/dev/stdout links to one): what
# they lead to was opened by someone else (the shell), so it is written in place.
_DESCRIPTOR = re.compile(r"^/(?:proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd|dev/fd)/\d+$")
_MAX_LINKS = 40  # as Linux's own limit on a chain of symbolic links

# Temporary files this process is writing now: never "abandoned", even though
# their process id (ours) is alive by definition and a dead one's is not.
_writing: set[Path] = set()
_writing_lock = threading.Lock()


# Database files this process has open through SQLite, by (device, inode).
# POSIX drops every lock a process holds on a file as soon as the process
# closes ANY descriptor of it: a plain open() and close() of an open project
# here would silently take SQLite's locks away, and another program closing
# the project would then think itself the last user and delete its -wal and
# -shm under us. So a held file is never opened outside SQLite.
_held: dict[tuple[int, int], int] = {}
_held_lock = threading.Lock()


def hold(path: Path) -> tuple[int, int] | None:
    """Note that SQLite has `path` open in this process; returns its key."""
    key = inode(path)
    if key is not None:
        with _held_lock:
            _held[key] = _held.get(key, 0) + 1
    return key


def release(key: tuple[int, int] | None) -> None:
    with _held_lock:
        if key in _held:
            _held[key] -= 1
            if not _held[key]:
                del _held[key]


def held(path: Path) -> bool:
    """Whether SQLite has `path` open in this process (never open() it then)."""
    key = inode(path)
    return key is not None and key in _held


def inode(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file `path` names (links followed), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def this_machine() -> str:
    import socket

    return socket.gethostname() or "localhost"


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # POSIX: checks the process exists, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_abandoned(folder: Path, prefix: str, suffixes: tuple[str, ...] = _TEMP_SUFFIXES) -> list[Path]:
    """Delete files in `folder` named PREFIX...HOST.PID + one of `suffixes`
    whose process on this machine has ended (killed half-way). Files of a
    running process, of another machine (a shared folder) or that this
    process is writing now are left alone. Returns what was removed."""
    if os.name != "posix":
        return []  # os.kill(pid, 0) would end the process on Windows, not probe it
    host, removed = this_machine(), []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        suffix = next((s for s in suffixes if name.endswith(s)), None)
        if not name.startswith(prefix) or suffix is None:
            continue
        rest, _, pid = name[len(prefix):len(name) - len(suffix)].rpartition(".")
        if not pid.isdigit() or not (rest == host or rest.endswith(f".{host}")):
            continue
        # A file with our own id that we are not writing was left by an
        # earlier, dead process that had the same id.
        if (folder / name[:len(name) - len(suffix)] in _writing
                or (int(pid) != os.getpid() and process_running(int(pid)))):
            continue
        try:
            os.remove(folder / name)
            removed.append(folder / name)
        except OSError:
            pass  # not ours to remove after all; harmless to leave
    return removed


def _temp_prefix(target: Path) -> str:
    """The start of the names of `target`'s temporary files (.NAME.), NAME
    cut short so that the whole name fits the usual 255-byte limit."""
    budget = 255 - len(os.fsencode(f"..{this_machine()}.{2**22}.tmp-journal"))
    name = target.name
    while len(os.fsencode(name)) > budget:
        name = name[:-1]
    return f".{name}."


@contextmanager
def replacing(target: Path, mode: int) -> Iterator[Path]:
    """A new, empty temporary file beside `target` (.NAME.HOST.PID.tmp),
    renamed over `target` with permissions `mode` once the block ends and
    the data is on disk; removed, with any SQLite companions, if the block
    fails. Abandoned ones of earlier writers are removed first."""
    folder = target.parent
    prefix = _temp_prefix(target)
    owner = folder / f"{prefix}{this_machine()}.{os.getpid()}"
    tmp = owner.with_name(f"{owner.name}.tmp")
    with _writing_lock:
        if owner in _writing:
            raise AnnotatorError(f"{target}: this program is already writing that file; try again "
                                 "when it is done")
        remove_abandoned(folder, prefix)
        _create_new(tmp)
        _writing.add(owner)
    try:
        yield tmp
        os.chmod(tmp, mode)
        _fsync(tmp, os.O_RDWR)
        os.replace(tmp, target)
        _fsync(folder, os.O_RDONLY)  # the rename itself
    except BaseException:
        for leftover in (tmp, *(Path(f"{tmp}{c}") for c in COMPANIONS)):
            try:
                os.remove(leftover)
            except OSError:
                pass
        raise
    finally:
        with _writing_lock:
            _writing.discard(owner)


def _create_new(path: Path) -> None:
    # O_EXCL: never follow a link someone placed at this predictable name.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        # Ours by name, yet not being written: left by a dead process that
        # had our id (where remove_abandoned cannot probe processes).
        os.remove(path)
        os.close(os.open(path, flags, 0o600))


def _fsync(path: Path, flags: int) -> None:
    try:
        fd = os.open(path, flags)
    except OSError:
        if flags == os.O_RDONLY:
            return  # a folder that cannot be opened (Windows): the rename stands regardless
        raise
    try:
        os.fsync(fd)
    except OSError:
        if flags != os.O_RDONLY:
            raise  # folders on some file systems refuse fsync; files must not
    finally:
        os.close(fd)


def new_file_mode(path: Path) -> int:
    """The permissions of the file at `path`, or those a plain write would
    give a new one (the temporary file starts private, 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


class Destination(NamedTuple):
    path: Path
    # True: a pipe, terminal, device or open descriptor, written in place;
    # False: a regular file (or none yet), replaced through a temporary file.
    stream: bool


def destination(path: Path) -> Destination:
    """Where writing to `path` goes: the regular file at the end of its
    symbolic links (so the links stay links), or a stream. A folder, a
    socket, a disk device or a loop of links raises AnnotatorError."""
    current = Path(path)
    for _ in range(_MAX_LINKS):
        if _DESCRIPTOR.match(os.path.abspath(current)):
            return _descriptor(Path(path))
        try:
            st = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            return Destination(current, False)  # a new file; a missing folder is reported on writing
        except OSError as e:
            raise AnnotatorError(f"{path}: cannot be written: {e.strerror or e}") from None
        if not stat.S_ISLNK(st.st_mode):
            break
        # Joined, not normalised: ".." in a link means what the kernel says.
        current = current.parent / os.readlink(current)
    else:
        raise AnnotatorError(f"{path}: too many symbolic links (a loop?); nothing was written")
    if stat.S_ISREG(st.st_mode):
        return Destination(current, False)
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return Destination(current, True)
    raise AnnotatorError(f"{path}: {_odd_kind(st.st_mode)}; choose a file name")


def _descriptor(path: Path) -> Destination:
    try:
        st = os.stat(path)
    except OSError as e:
        raise AnnotatorError(f"{path}: cannot be written: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise AnnotatorError(f"{path}: {_odd_kind(st.st_mode)}; choose a file name")
    return Destination(path, True)


def _odd_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISBLK(mode):
        return "is a disk device; writing there would destroy what is on it"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def write_atomically(path: str | os.PathLike, write: Callable[[IO], object], binary: bool = False) -> object:
    """Write UTF-8 text (or bytes, `binary`) to `path` through
    `write(stream)`: a regular file (or one a symbolic link points to) is
    replaced whole or not at all; a pipe, terminal or device is written in
    place. Returns what `write` does."""
    path = Path(path)
    dest = destination(path)
    if dest.stream:
        return _write_in_place(dest.path, write, binary)
    try:
        with replacing(dest.path, new_file_mode(dest.path)) as tmp:
            with _opened(tmp, binary) as f:
                result = write(f)
        return result
    except OSError as e:
        raise AnnotatorError(f"{path}: the export could not be written ({e.strerror or e}); "
                             "no file was left behind") from None


def _opened(file: str | os.PathLike | int, binary: bool) -> IO:
    return open(file, "wb") if binary else open(file, "w", encoding="utf-8", newline="\n")


def _write_in_place(path: Path, write: Callable[[IO], object], binary: bool = False) -> object:
    # No O_CREAT, no O_TRUNC: it is never made or replaced; a regular file
    # behind /dev/stdout (`>> log`) is appended to, as the shell asked.
    flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        if stat.S_ISREG(os.stat(path).st_mode):
            flags |= os.O_APPEND
        with _opened(os.open(path, flags), binary) as f:
            return write(f)
    except OSError as e:
        raise AnnotatorError(f"{path}: could not be written: {e.strerror or e}") from None


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_project_file(path: Path, project_path: Path) -> bool:
    """Whether `path` is the project file or its -wal, -shm or -journal,
    however spelled: another relative path, a symbolic or hard link."""
    real = os.path.realpath(path)
    # SQLite names the -wal after the real file when the project is a link.
    names = [project_path, *(Path(f"{base}{c}") for base in (project_path, os.path.realpath(project_path))
                             for c in COMPANIONS)]
    return any(real == os.path.realpath(name) or same_file(path, name) for name in names)


def is_database_file(path: Path) -> bool:
    """Whether `path` is an existing SQLite database, or the -wal, -shm or
    -journal of one (by its content or by the database beside it)."""
    name = Path(path).name
    bases = [Path(path).with_name(name[:-len(c)]) for c in COMPANIONS if name.endswith(c) and len(name) > len(c)]
    if held(path) or any(held(base) for base in bases):
        return True  # open here: known to be one, and must not be opened (see hold)
    if _head(path, 16).startswith(SQLITE_HEADER):
        return True
    head = _head(path, 8)
    if head[:4] in _WAL_MAGIC or head == _JOURNAL_MAGIC:
        return True
    return any(_head(base, 16) == SQLITE_HEADER for base in bases)


def _head(path: Path, n: int) -> bytes:
    """The first `n` bytes of a regular file; b"" for anything else (reading
    a pipe would wait for a writer)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""
