"""The project file: one SQLite database; its schema is made and upgraded by
sqlite-utils migrations (see migrations.py), its queries are plain SQL.

Guarantees (see README, "Your data is safe"):
- every write runs in its own `BEGIN IMMEDIATE` transaction and is committed
  before the call returns, so a killed process loses nothing reported done;
- WAL and a busy timeout let two processes share one file: a writer waits
  for the other instead of failing with "database is locked";
- the schema is created and upgraded by numbered migrations, after a backup
  copy of the old file is written beside it; a file from a newer annotator,
  or one that is not an annotator project, is refused and left untouched;
- each commit is checkpointed into the main file at once and the -wal
  emptied, so the .db file alone holds every change at rest (a copy of it,
  or the file moved away, is complete) and no -wal of ours can be replayed
  onto another database put in its place;
- a file moved, replaced or stripped of its -wal while open is noticed
  (`check_file`, and before every write) and never written again.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import sqlite3
import tempfile
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from annotator.core import files

# quick_check reads every page (about 3 s a GB here): a million-article project
# of 3 GB would wait 9 s at every open. Larger files are not checked whole at
# open; SQLite still refuses any damaged page it reads (shown as a message),
# and `annotator backup` checks the copy it makes whole.
QUICK_CHECK_MAX_BYTES = 512 * 2**20
from annotator.core import labels as label_defaults
from annotator.core.errors import ProjectBusy, ProjectDetached, ProjectError, ProjectUnsettled
from annotator.core.files import remove_abandoned, this_machine
from annotator.core.model import Label
from annotator.core.storage.sqlite import connect as connection, migrations
from annotator.core.storage.sqlite.changelog import Recorder
from annotator.core.storage.sqlite.connect import (
    DiskFull, busy_message, check_is_sqlite, connect, connect_read_only, describe,
    is_busy, reading, writable)
from annotator.core.storage.sqlite.reads import Reads, SpanReader
from annotator.core.storage.sqlite.unit import Unit
from annotator.core.storage.sqlite.watch import (
    ABANDONED, FileIdentity, file_stamp, header_user_version, open_descriptors, wal_path)


class MustReconnect(Exception):
    """check_file found that a new connection is needed, inside a transaction."""


class Project(Reads):
    """An open project file. Use `Project.open(path)`; close it when done."""

    # Another program's commits are seen by polling the file (a server
    # project is told of them: storage/postgres/link.py).
    live = False

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool):
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.read_only_reason = "the file or its folder is read-only" if read_only else ""
        self._labels: list[Label] | None = None
        self._readers: weakref.WeakSet[SpanReader] = weakref.WeakSet()
        # Set when opening upgraded an older file: where its backup was written.
        self.backup_path: Path | None = None
        # Whether a write waits (up to BUSY_TIMEOUT_SECONDS) for another
        # program's write lock. The window sets False and, on ProjectBusy,
        # retries the change on a worker thread, so it never freezes.
        self.wait_for_lock = True
        self._busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        # What this connection has open: the file, and its -wal (see check_file).
        self._opened: FileIdentity | None = None
        # Why the file at `path` is no longer the one opened (then never written).
        self.detached: str | None = None
        # What tells an overwrite in place (see _watch_contents).
        self._file_id = 0
        self._seen_version: int | None = None
        self._stamp: tuple[int, int] | None = None
        self._overwritten = False
        # Counts reconnections after a rewrite in place: data_version of a
        # new connection says nothing about what the old one had seen.
        self.reconnects = 0
        self._may_reconnect = True
        self._closed = False
        self._depth = 0  # how deep in write() units of work we are (0: none)
        self._unit: Unit | None = None  # the one open, if any
        self._recorder = Recorder()  # what the open unit touched (the change log)
        self._held: tuple[int, int] | None = None  # see files.hold
        # Whether every frame this connection committed is in the main file
        # (the last checkpoint completed): then a -wal deleted under us holds
        # nothing of ours, and reconnecting loses nothing.
        self._wal_clean = True

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike, *, seeds: Path | None = None) -> "Project":
        """Open (creating if needed) the project at `path`.

        `seeds`: a folder of .txt files imported when the project is new.
        """
        path = Path(path)
        if path.exists() and not path.is_file() and not path.is_dir():
            # (/dev/null, a pipe: SQLite's "disk I/O error" on the first write said nothing useful)
            raise ProjectError(f"{path}: is not a regular file (a device, pipe or socket); a project is a "
                               "file (name a new one to make one)")
        existed = path.exists() and path.stat().st_size > 0
        if existed and not files.held(path):  # (a file open here is one, and must not be open()ed)
            check_is_sqlite(path)
        elif path.exists() and path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        read_only = existed and not writable(path)
        if not existed:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise ProjectError(f"{path}: cannot create the project folder: {e.strerror or e}") from None
        conn = connect(path, read_only)
        project = cls(path, conn, read_only)
        project._held = files.hold(path)
        try:
            project._prepare(is_new=not existed, seeds=seeds)
        except DiskFull as e:
            conn.close()
            files.release(project._held)
            if not existed:
                raise ProjectError(str(e)) from None
            # Reading needs no space: open it read-only, as for a read-only
            # folder, so `list`, `export` and the window still work.
            reader = connect_read_only(path)
            if migrations.pending(reader):
                reader.close()
                raise ProjectError(str(e)) from None
            project = cls(path, reader, read_only=True)
            project.read_only_reason = "the disk is full"
            project._held = files.hold(path)
            return project
        except BaseException:
            conn.close()
            files.release(project._held)
            raise
        if not read_only:
            project._opened = FileIdentity.of(path)
            project._watch_contents()
        return project

    @classmethod
    def open_same(cls, path: Path, file: tuple[int, int] | None) -> "Project":
        """Another connection to the file (device, inode) `file` that `path`
        named when it was first opened (a worker thread's own); raises
        ProjectDetached, without opening anything, if `path` now names
        another file: opening may write to it."""
        problem = ProjectDetached(f"{path}: the project file was moved or replaced while this program "
                                  "had it open; nothing was changed")
        if file is not None and files.inode(path) != file:
            raise problem
        project = cls.open(path)
        if file is not None and (project.identity is None or project.identity.file != file):
            project.close()
            raise problem
        return project

    @property
    def title(self) -> str:
        """What a window's title calls the project: the file's name."""
        return self.path.name

    @property
    def folder(self) -> Path:
        """Where file dialogs start: the project file's folder."""
        return self.path.parent

    @property
    def stem(self) -> str:
        """What files made from the project (exports) are named after."""
        return self.path.stem

    def opener(self) -> Callable[[], "Project"]:
        """How a worker thread opens its own connection to this project:
        to the same file, refused if the path names another one by then."""
        return functools.partial(Project.open_same, self.path, self.identity.file if self.identity else None)

    @property
    def identity(self) -> "FileIdentity | None":
        """The file (and -wal) this project opened; None if read-only."""
        return self._opened

    def _prepare(self, is_new: bool, seeds: Path | None = None) -> None:
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not is_new:
                # Before anything may write (even switching to WAL rewrites
                # the header): a file we must refuse is left byte for byte.
                self._check_existing()
            pending = migrations.pending(self.conn)
            if pending:
                if self.read_only:
                    raise ProjectError(
                        f"{self.path}: this project needs upgrading but is read-only; "
                        "open a writable copy instead"
                    )
                if migrations.applied(self.conn):
                    # Before anything writes, even the switch to WAL below.
                    self.backup_path = self._backup_before_upgrade()
            if not self.read_only:
                self._use_wal()
                # FULL: a commit is on disk before we report it, even if the
                # machine loses power right after (WAL + NORMAL only survives
                # a killed process).
                self.conn.execute("PRAGMA synchronous = FULL")
            if pending:
                with self.write():
                    # Look again inside the lock: another process may have
                    # created or upgraded the same file since we looked.
                    fresh_schema = not migrations.applied(self.conn)
                    migrations.apply(self.conn)
                    if fresh_schema:
                        self._unit.insert_labels(label_defaults.default_labels())
                        if seeds is not None:
                            # In the same transaction as the schema: a process
                            # killed here leaves no project without its seeds.
                            self._insert_seeds(seeds)
            if not self.read_only and migrations.missing_read_indexes(self.conn):
                try:
                    with self.write():
                        migrations.add_read_indexes(self.conn)
                except (ProjectError, sqlite3.Error):
                    pass  # only makes reads faster: opened without it, tried again next time
        except sqlite3.DatabaseError as e:
            if is_busy(e):
                raise ProjectError(busy_message(self.path)) from None
            if describe(e, self.path) != str(e):
                raise DiskFull(f"{self.path}: cannot be opened: the disk holding it is full ({e}); "
                                "free some space and try again. The project was not changed.") from None
            raise ProjectError(f"{self.path}: cannot be opened as an annotator project: {e} "
                               "(the file is damaged or not a project); it was not changed") from None
        except UnicodeDecodeError:
            # Python's sqlite3 fails this way when SQLite's own error message
            # quotes damaged schema text that is no longer UTF-8.
            raise ProjectError(f"{self.path}: cannot be opened as an annotator project: its schema is "
                               "damaged; it was not changed") from None

    def _use_wal(self) -> None:
        """Switch the file to WAL (a no-op once it is). SQLite answers this
        pragma with "database is locked" at once, without waiting out the
        busy timeout, when another process is committing to the same file
        while this one holds a read lock (waiting could deadlock): seen when
        two imports create one project together. Trying again after the
        statement has let go of its read lock succeeds."""
        deadline = time.monotonic() + connection.BUSY_TIMEOUT_SECONDS
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if not is_busy(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def _insert_seeds(self, seeds: Path) -> None:
        from annotator.core.formats import read_file
        from annotator.core.model import text_digest

        now, seen = self._unit.now(), set()
        for doc in (doc for path in sorted(seeds.glob("*.txt")) for doc in read_file(path)):
            key = (doc.name, text_digest(doc.text))
            if key not in seen:
                seen.add(key)
                self._unit.insert_document(doc.name, doc.text, key[1], {}, now)

    def _check_existing(self) -> None:
        """Refuse, without writing, a damaged file, another program's
        database, or a project written by a newer annotator."""
        problems = ["ok"]
        if _file_size(self.path) <= QUICK_CHECK_MAX_BYTES:
            problems = [row[0] for row in self.conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            lines = [line for line in "\n".join(problems).splitlines()
                     if line.strip() and not line.startswith("***")]
            first = lines[0] if lines else "unknown damage"
            raise ProjectError(
                f"{self.path}: the project file is damaged ({first}); it was not changed. "
                f"Restore it from a backup (for example a {self.path.name}.backup-* file beside it)."
            )
        newer = migrations.unknown_applied(self.conn)
        if newer:
            raise ProjectError(
                f"{self.path}: this project was written by a newer version of annotator "
                f"(it has schema changes {', '.join(newer)}); upgrade annotator to open it. "
                "The file was not changed."
            )
        if not migrations.applied(self.conn):
            tables = [row[0] for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name LIMIT 3")]
            if tables:
                raise ProjectError(
                    f"{self.path}: is a SQLite database of another program (it has tables "
                    f"{', '.join(tables)}), not an annotator project; it was not changed"
                )

    def _backup_before_upgrade(self) -> Path:
        self._remove_abandoned_backups()
        applied = migrations.applied(self.conn)
        version = applied[-1] if applied else "unversioned"
        backup = self.path.with_name(f"{self.path.name}.backup-{version}")
        n = 1
        while backup.exists():
            n += 1
            backup = self.path.with_name(f"{self.path.name}.backup-{version}-{n}")
        # sqlite's online backup copies a consistent snapshot even while
        # another process is writing, which a file copy would not. It goes
        # to a temporary name first, so a file called *.backup-* is always
        # complete, even if the process is killed half-way.
        partial = backup.with_name(f"{backup.name}.{this_machine()}.{os.getpid()}.partial")
        try:
            # One with our own process id is from a dead process that had it before.
            for stale in (partial, partial.with_name(partial.name + "-journal")):
                stale.unlink(missing_ok=True)
            dest = sqlite3.connect(partial)
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
            os.replace(partial, backup)
        except (OSError, sqlite3.Error) as e:
            try:
                os.remove(partial)
            except OSError:
                pass
            raise ProjectError(f"{self.path}: needs upgrading, but the backup copy could not be written "
                               f"({e}); nothing was changed") from None
        return backup

    def _remove_abandoned_backups(self) -> None:
        """Delete half-written backup copies (NAME.backup-*.HOST.PID.partial
        and their -journal) left by an upgrade on this machine whose process
        was killed: the upgrade about to run makes a complete one."""
        remove_abandoned(self.path.parent, f"{self.path.name}.backup-", (".partial", ".partial-journal"))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.detached is not None and self._opened is not None and self._opened.moved(self.path):
            # Another database may now share our -wal and -shm by name.
            self.abandon()
            return
        # Still the same file (only its -wal was deleted or replaced): every
        # commit is checkpointed, so SQLite's closing checkpoint has nothing
        # to copy, and closing frees this process to open the file afresh
        # (SQLite shares one -shm mapping between a process's connections
        # to a file, so a connection kept open would hand the stale one on).
        self.conn.close()
        files.release(self._held)
        self._held = None
        self._opened = None  # SQLite deletes the -wal on closing: not a loss

    def _copy_original(self, dest: Path) -> bool:
        """Copy the very file this project opened, by its open descriptor,
        to `dest` (every commit of ours reached it, see _wal_clean): how a
        detached project's last state
        is read once its path names another database whose -wal now sits at
        ours. False where /proc is missing (not Linux)."""
        for fd in open_descriptors():
            try:
                st = os.stat(fd)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) != self._opened.file:
                continue
            # (Opening it again is safe where a project's own file is not, see
            # files.hold: a moved-away file is no longer anyone else's.)
            with open(fd, "rb") as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            return True
        return False

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --------------------------------------------------------- transactions

    @contextmanager
    def write(self) -> Iterator[Unit]:
        """One write transaction, begun IMMEDIATE so that it waits for other
        writers up front (see `wait_for_lock`) instead of failing
        half-way with 'database is locked'. Committed on leaving the block,
        then checkpointed; rolled back on any error.

        Units of work nest: a `write()` inside another is a savepoint, so
        several operations make one commit (all or nothing), and an inner
        one that fails is undone alone if its caller catches the error."""
        if self._depth:
            with self._savepoint():
                yield self._unit
            return
        if self.read_only:
            raise ProjectError(f"{self.path}: the project is open read-only ({self.read_only_reason}); "
                               "nothing was changed")
        if any(not reader.done for reader in self._readers):
            # Its read snapshot would make BEGIN IMMEDIATE fail at once once
            # another process commits (SQLITE_BUSY_SNAPSHOT): a caller's bug.
            raise RuntimeError("a SpanReader of this project is still open: read it to the end "
                               "or close it before writing")
        for _attempt in range(3):
            self.check_file()
            self._begin_immediate()
            try:
                # Again inside the lock: a file swapped while we waited for it.
                self._check_file(reconnect=False)
                break
            except MustReconnect:
                self.conn.execute("ROLLBACK")  # and reconnect outside the transaction
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        else:
            raise ProjectUnsettled(f"{self.path}: the project file keeps changing under this program; "
                                   "nothing was changed")
        self._depth = 1
        self._recorder.reset()
        self._unit = Unit(self.conn, self._recorder)
        try:
            yield self._unit
            # The change log commits with the change it describes.
            self._recorder.flush(self.conn)
            self.conn.execute("COMMIT")
        except (sqlite3.Error, UnicodeDecodeError) as e:  # the latter: damaged text read back
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise ProjectError(f"{self.path}: the change could not be saved and was undone: "
                               f"{describe(e, self.path)}") from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
            self._unit = None
        self._checkpoint()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._depth += 1
        depth = self._depth
        self.conn.execute(f"SAVEPOINT unit_{int(depth)}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO unit_{int(depth)}")
            self.conn.execute(f"RELEASE unit_{int(depth)}")
            raise
        else:
            self.conn.execute(f"RELEASE unit_{int(depth)}")
        finally:
            self._depth -= 1

    def settle(self) -> None:
        """Empty a -wal that a commit could not empty (a reader elsewhere was
        in the way, or another program's commit was): the window calls this
        at each poll, so the main file alone holds everything, and no stale
        frames wait to be replayed, within seconds of any commit."""
        if self.read_only or self.detached is not None or self._opened is None:
            return
        try:
            if os.stat(wal_path(self.path)).st_size == 0:
                return
        except OSError:
            return
        self._checkpoint()

    def _begin_immediate(self) -> None:
        if not self.wait_for_lock:
            self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if is_busy(e):
                if not self.wait_for_lock:
                    raise ProjectBusy(f"{self.path}: another program is writing to this project; "
                                      "the change waits for it") from None
                raise ProjectError(busy_message(self.path)) from None
            raise ProjectError(f"{self.path}: could not start writing: {describe(e, self.path)}") from None
        finally:
            if not self.wait_for_lock:
                self._restore_busy_timeout()

    def _checkpoint(self) -> None:
        """Copy what was just committed from the -wal into the main file and
        empty the -wal. An emptied -wal matters as much as the copy: SQLite
        replays any -wal it finds beside a file that nobody has open, frames
        already copied included, so frames left in `p.db-wal` would be
        replayed onto whatever file is put at `p.db` next (a restore, a sync
        tool) and corrupt it. Never waits: with a reader elsewhere it copies
        what it can and the next commit tries again. Failing here loses
        nothing: the commit is already durable in the -wal."""
        try:
            self.conn.execute("PRAGMA busy_timeout = 0")
            try:
                _, frames, copied = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                # Copied, even if a reader kept the -wal from being emptied.
                self._wal_clean = frames == copied
            finally:
                self._restore_busy_timeout()
        except sqlite3.Error:
            pass
        if self._stamp is not None:
            self._stamp = file_stamp(self.path)  # our own checkpoint changed the file

    def _restore_busy_timeout(self) -> None:
        # What sqlite3.connect(timeout=...) set: reads and the rest wait as usual.
        self.conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")

    def check_file(self) -> None:
        """Raise ProjectDetached if the file at `path` is no longer the one
        this project opened: moved or deleted, replaced by another file
        (a restore, a sync tool), its -wal file deleted or replaced, or its
        bytes overwritten in place by another database (`cp other.db p.db`).
        SQLite keeps using what it opened, so writing on would put changes
        where no one will find them, or into another database. Costs three
        stat calls and two PRAGMAs; once detached, always detached."""
        self._check_file(reconnect=True)

    def _check_file(self, reconnect: bool) -> None:
        """check_file; `reconnect=False` (inside a transaction): raise
        MustReconnect where a new connection is needed, for the caller to
        roll back first."""
        self._may_reconnect = reconnect
        if self.detached is None and self._opened is not None:
            self.detached = self._opened.problem(self.path)
            if self.detached is not None and not self._opened.moved(self.path) and self._wal_clean:
                # Only the -wal or -shm went: SQLite does that itself when
                # another program closing the project thinks it is the last
                # one (as after this process lost its locks, see files.hold).
                # Nothing of ours was only there: carry on with a fresh
                # connection rather than stop saving.
                self.detached = None
                self._reconnect()
            if self.detached is None:
                self.detached = self._contents_problem()
        if self.detached is not None:
            rescue = ("What this program saved to it is no longer on disk: use your last backup "
                      "or export" if self._overwritten else
                      "Save a copy of what this program holds (it is complete up to now)")
            raise ProjectDetached(
                f"{self.path}: {self.detached} while this program had it open. To protect both "
                f"files, nothing more is saved to it. {rescue}, or open the project again.")

    @property
    def file_id(self) -> int:
        """This project's random id (PRAGMA user_version; 0: none yet), which
        its backups carry too."""
        return self._file_id

    @property
    def can_save_copy(self) -> bool:
        """Whether `backup` can still copy what this project saved: not once
        its file was overwritten in place."""
        return not self._overwritten

    def _watch_contents(self) -> None:
        """Give the file a random id in its header (PRAGMA user_version,
        unused otherwise) and note its size and time: an overwrite in place
        keeps the inode, so only its bytes tell (see _contents_problem)."""
        self._file_id = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if not self._file_id:
            self._file_id = secrets.randbelow(2**31 - 1) + 1
            try:
                with self.write():
                    self.conn.execute(f"PRAGMA user_version = {int(self._file_id)}")
            except ProjectError:
                self._file_id = 0  # not now (locked, disk full): watched from the next open
        self._seen_version = self.data_version()
        self._stamp = file_stamp(self.path)

    def _contents_problem(self) -> str | None:
        """Why the file's bytes are no longer this project's, or None. Only
        checkpoints write the main file (each commit is checkpointed), and
        each follows a commit, which changes data_version: a file that
        changed while data_version did not was written by something else.
        Its header says whether it is still this project (a copy of it put
        back: reconnect, dropping SQLite's now stale page cache) or not."""
        if not self._file_id:
            return None
        before = self.data_version()
        stamp = file_stamp(self.path)
        after = self.data_version()
        if before != self._seen_version or after != before:
            self._seen_version, self._stamp = after, stamp
            return None
        if stamp == self._stamp:
            return None
        if header_user_version(self.path) != self._file_id:
            self._overwritten = True
            return "the project file was overwritten with another database"
        # The same project's bytes, rewritten (a restore from a copy of it,
        # or a checkpoint we could not tell apart): read it afresh, once no
        # page of spans is still being read from the old connection.
        if any(not reader.done for reader in self._readers):
            return None
        self._reconnect()
        return None

    def _reconnect(self) -> None:
        """A new connection to the same file: no page cache, and a -wal and
        -shm of its own if the old ones were deleted. Closing the old one
        copies nothing (every commit of ours is in the main file) and, if
        another program has the file open, deletes nothing either."""
        if not self._may_reconnect:
            self.detached = None
            raise MustReconnect()
        for reader in list(self._readers):
            reader.close()
        self.conn.close()
        self.conn = connect(self.path, read_only=False)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self._labels = None
        self.reconnects += 1
        self._opened = FileIdentity.of(self.path)
        self._seen_version, self._stamp = self.data_version(), file_stamp(self.path)

    def backup(self, dest: sqlite3.Connection) -> None:
        """Copy this project, a consistent snapshot with everything still in
        its -wal, into `dest` (SQLite's online backup: other programs may go
        on writing). A detached project is copied from the file it opened,
        not from what its path names now (whose -wal may have become
        another database's)."""
        if self._overwritten:
            raise ProjectError(f"{self.path}: was overwritten in place by another database; what this "
                               "program saved to it is no longer on disk. Use your last backup or export.")
        if self.detached is None or not self._opened.moved(self.path) or not self._wal_clean:
            # (Moved, but with our last commits still only in the -wal at the
            # old name: through the connection is the one way to them; the
            # caller checks the copy.)
            self.conn.backup(dest)
            return
        with tempfile.TemporaryDirectory(prefix="annotator-rescue-") as folder:
            copy = Path(folder) / self.path.name
            if not self._copy_original(copy):
                raise ProjectError(f"{self.path}: the file this program opened can no longer be "
                                   "found to copy it")
            source = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True, isolation_level=None)
            try:
                source.backup(dest)
            finally:
                source.close()

    def abandon(self) -> None:
        """Let go of a detached project without closing its connection.
        Closing runs SQLite's last-connection checkpoint and deletes
        `path`-wal by name, which now may belong to another database; the
        connection is kept until the process exits (see `abandoned`)."""
        ABANDONED.append(self.conn)

    def forget_cached(self) -> None:
        """Drop cached data (the label schema) after it changed, here or in
        another process (see data_version)."""
        self._labels = None

    @reading
    def data_version(self) -> int:
        """Changes whenever another connection commits; poll it to notice
        another annotator's work."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]


def _file_size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
