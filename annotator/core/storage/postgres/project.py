"""A project on a PostgreSQL server: storage/interface.py's `Store` reads,
`write()`, whose unit of work (unit.py) holds every write, and what a
window needs to follow other people's work: change notices and the change
feed (changelog.py), and a connection that comes back by itself after the
server restarts or the network drops (link.py).

One connection in autocommit: each read is one statement and sees the
latest commit, as the file's reads do. Text is ordered COLLATE "C" (code
point order, as SQLite's default and Python's sort), whatever the
database's collation. Times are shown in the file's format
(YYYY-MM-DDTHH:MM:SS.mmmZ, UTC).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.core.changes import Decision
from annotator.core.errors import ProjectDisconnected, ProjectError
from annotator.core.feed import Feed, IdRanges
from annotator.core.model import DOCUMENT_STATUSES, Document, Label, Span
from annotator.core.storage.postgres import changelog, migrations, refusals
from annotator.core.storage.postgres.bulk_reads import BulkReads
from annotator.core.storage.postgres.connect import driver, reading, server_message
from annotator.core.storage.postgres.document_list import DocumentList
from annotator.core.storage.postgres.link import RECONNECT_TIMEOUT_S, Link, open_listening
from annotator.core.storage.postgres.search import Search
from annotator.core.storage.postgres.unit import ServerUnit
from annotator.core.storage.postgres.url import database_name, redact_url, server_host

SPAN_COLUMNS = 'start, "end", label, annotator, doc_id, id'
_SPAN = functools.partial(tuple.__new__, Span)  # a row is always the six SPAN_COLUMNS
_TIME = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
DECISION_COLUMNS = ('doc_id, start, "end", label, decision, reviewer, '
                    + _TIME.format("decided_at") + ", gold_span_id, id")

# How long a write waits for a lock another transaction holds (an admin's
# label rename locks everyone's spans of that label; an import, the next
# document ids). The window's own writes do not wait: they raise
# ProjectBusy at once and the window's write queue retries them on a
# worker thread (gui/write_queue.py), which waits as long as the file's
# writers do. (A server that stops answering altogether is another matter:
# link.py's TCP timeouts.)
LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %s, true)"
WINDOW_WAITS = "200ms"
WINDOW_RECONNECT_WAIT_S = 0.3
WAIT_FOR_LOCKS_S = 30

# Whether the login is outside the project's rules (it owns the tables, or
# is a superuser or BYPASSRLS role): then it makes no layer of its own.
UNBOUND = ("SELECT r.rolname FROM pg_roles r, pg_class c WHERE r.rolname = session_user "
           "AND c.oid = 'public.spans'::regclass AND (r.rolsuper OR r.rolbypassrls OR c.relowner = r.oid)")

LABELS = ('SELECT name, color, hotkey, mnemonic, description, display FROM labels '
          'ORDER BY position, name COLLATE "C"')
DOCUMENT = "SELECT id, name, text, meta FROM documents WHERE id = %s"
DOCUMENT_COUNT = "SELECT count(*) FROM documents"
HIGHEST_DOCUMENT = "SELECT COALESCE(max(id), 0) FROM documents"
STATUS = "SELECT status FROM document_status WHERE doc_id = %s AND annotator = %s"
SPANS_OF_DOCUMENT = (f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s '
                     'ORDER BY start, "end", label COLLATE "C", annotator COLLATE "C"')
SPANS_OF_LAYER = (f'SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s AND annotator = %s '
                  'ORDER BY start, "end", label COLLATE "C"')
SPAN = f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = %s"
SPANS_BETWEEN = f"SELECT {SPAN_COLUMNS} FROM spans WHERE id BETWEEN %s AND %s ORDER BY id"
SPANS_OF_DOCUMENT_BETWEEN = (f"SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = %s AND id BETWEEN %s AND %s "
                             "ORDER BY id")
ANNOTATORS = 'SELECT DISTINCT annotator COLLATE "C" FROM spans ORDER BY 1'
ANNOTATORS_OF_DOCUMENT = 'SELECT DISTINCT annotator COLLATE "C" FROM spans WHERE doc_id = %s ORDER BY 1'
STATUS_ANNOTATORS = 'SELECT DISTINCT annotator COLLATE "C" FROM document_status ORDER BY 1'
NOTES = "SELECT n.span_id, n.note FROM span_notes n JOIN spans s ON s.id = n.span_id WHERE s.doc_id = %s"
SPAN_COUNTS = ('SELECT doc_id, annotator, count(*) FROM spans GROUP BY doc_id, annotator '
               'ORDER BY doc_id, annotator COLLATE "C"')
SPAN_COUNTS_BY_LABEL = "SELECT label, count(*) FROM spans GROUP BY label"
DECISIONS = f"SELECT {DECISION_COLUMNS} FROM review_decisions WHERE doc_id = %s ORDER BY id"
DOCUMENT_KEYS = "SELECT id, name, text_sha256 FROM documents ORDER BY id"
SPAN_ROWS = ('SELECT doc_id, annotator, start, "end", label FROM spans '
             'ORDER BY doc_id, annotator COLLATE "C", start, "end", label COLLATE "C"')
ALL_STATUSES = 'SELECT doc_id, annotator, status FROM document_status ORDER BY doc_id, annotator COLLATE "C"'
MERGED_LAYERS = "SELECT doc_id, annotator, source_id, source_name, fingerprint FROM merged_layers"


class ServerProject(BulkReads, DocumentList, Search):
    """An open project on a server, as the person the URL logs in as."""

    read_only = False
    read_only_reason = ""
    wait_for_lock = True
    file_id = 0
    # Other people's commits arrive as notices: looking costs no round
    # trip, so a window may look often.
    live = True
    # what a project file has and a server does not (the window asks)
    identity = None
    detached = None
    backup_path = None
    can_save_copy = False

    def __init__(self, url: str, password: str | None = None) -> None:
        self._psycopg = driver()
        self._url = url
        # what messages and the window's title show: never the password
        self.path = redact_url(url)
        # `password`: one the person typed (the window asks when libpq has
        # none); kept only here, for workers' connections and reconnecting
        self._password = password
        self._link = Link(url, self.path, open_listening(url, password=password), password)
        self._labels: list[Label] | None = None
        self._unit: ServerUnit | None = None  # the open unit of work, if any
        self._unbound: str | None | bool = False  # (False: not asked yet)
        try:
            with self.conn.cursor() as cur:
                migrations.check_current(cur)
        except ProjectError as e:
            self.conn.close()
            raise ProjectError(f"{self.path}: {e}") from None
        except self._psycopg.Error as e:
            self.conn.close()
            raise ProjectError(f"{self.path}: {server_message(e, url)}") from None

    @classmethod
    def open(cls, url: str, password: str | None = None) -> ServerProject:
        return cls(url, password)

    @property
    def title(self) -> str:
        """What a window's title calls the project: the database's name
        and where it is ("news on db.example.org")."""
        return f"{self.stem} on {server_host(self._url)}"

    @property
    def folder(self) -> Path:
        """Where file dialogs start: the home folder (the project is no file)."""
        return Path.home()

    @property
    def stem(self) -> str:
        """What files made from the project (exports) are named after."""
        return database_name(self._url) or "project"

    def opener(self):
        """How a worker thread opens its own connection to this project."""
        return functools.partial(_open_as, self._url, getattr(self, "login", None), self._password)

    @property
    def conn(self):
        """The connection now (another one after a reconnect)."""
        return self._link.conn

    def close(self) -> None:
        self._link.close()

    def read_failed(self, error: Exception) -> ProjectError:
        """The error to raise for a read the server did not answer."""
        if self.conn.broken or self.conn.closed:
            self._link.drop(error)
            return self._link.disconnected()
        if isinstance(error, self._psycopg.errors.LockNotAvailable):
            return ProjectError(f"{self.path}: reading waited too long: another change on the server holds what "
                                "it needs (an upgrade, or someone's lock on a table); try again in a moment")
        return ProjectError(f"{self.path}: reading failed: {server_message(error, self._url)}")

    # ------------------------------------------- following other people's work

    @property
    def reconnects(self) -> int:
        """How often the connection was lost and made again: what was read
        before may be out of date (the window reads everything again)."""
        return self._link.reconnects

    def check_file(self) -> None:
        """Raise ProjectDisconnected while the server cannot be reached
        (trying to reconnect, see link.py). The name is the file's: the
        window asks every store this at each poll."""
        self._link.check()

    def data_version(self) -> int:
        """Moves when anyone (this connection too) committed a change:
        the change notices received, counted without a round trip."""
        return self._link.notices()

    def settle(self) -> None:
        """Nothing to do: a server keeps no -wal for us to empty."""

    def change_seq(self) -> str:
        """The change log's position now: pass it to `changes_since` later."""
        try:
            return changelog.position(self.conn)
        except self._psycopg.Error as e:
            raise self.read_failed(e) from None

    @reading
    def changes_since(self, seq: str) -> Feed | None:
        """What everyone (this connection too) committed after `seq`; None
        when the log was pruned past it: then read afresh."""
        return changelog.changes_since(self.conn, seq)

    def __enter__(self) -> ServerProject:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def forget_cached(self) -> None:
        self._labels = None

    # --------------------------------------------------------------- writing

    @contextmanager
    def write(self) -> Iterator[ServerUnit]:
        """One transaction on this person's own connection, committed when
        the block ends, rolled back on any error; the change log rows go in
        just before COMMIT. Reads of this project inside the block see its
        writes (one connection). Units nest: an inner `write()` is a
        SAVEPOINT of the same unit, so an inner failure its caller catches
        is undone alone. What the server refuses is a message (refusals.py)."""
        if self._unit is not None:
            with self.conn.transaction():  # psycopg: a savepoint inside a transaction
                yield self._unit
            return
        self._check_connected()
        recorder = changelog.Recorder()
        self._unit = ServerUnit(self.conn, recorder, self._url, self.path, self._unbound_login())
        txid, committing = None, False
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                cur.execute(LOCK_TIMEOUT, (f"{WAIT_FOR_LOCKS_S}s" if self.wait_for_lock else WINDOW_WAITS,))
                yield self._unit
                if self.conn.info.transaction_status == self._psycopg.pq.TransactionStatus.INERROR:
                    # a failed statement whose error the block swallowed: the server would roll back anyway
                    raise ProjectError(f"{self.path}: a step of the change failed; nothing was changed")
                txid = changelog.flush(recorder, cur)
                committing = True
        except self._psycopg.errors.LockNotAvailable:
            raise refusals.busy(self.path) from None
        except self._psycopg.Error as e:
            if not (self.conn.broken or self.conn.closed):
                raise ProjectError(f"{self.path}: the change could not be saved and was undone: "
                                   f"{server_message(e, self._url)}") from None
            self._link.drop(e)
            if not committing or txid is None:
                raise ProjectError(f"{self.path}: the change was not saved: the connection to the server "
                                   f"was lost ({self._link.lost}). The window reconnects by itself; try "
                                   "again then.") from None
            # COMMIT was sent and its answer lost: the server knows what became of it.
            outcome = self._link.outcome(txid)
            if outcome != "committed":
                known = ("the server says it was not saved" if outcome == "aborted" else
                         "whether it was saved is not known until the server answers again; the window "
                         "then shows what the server holds")
                raise ProjectError(f"{self.path}: the connection to the server was lost while saving the "
                                   f"change ({server_message(e, self._url)}): {known}.") from None
        finally:
            self._unit = None

    def _unbound_login(self) -> str | None:
        """The login if the project's rules do not bind it (see UNBOUND); asked once."""
        if self._unbound is False:
            try:
                row = self.conn.execute(UNBOUND).fetchone()
            except self._psycopg.Error as e:
                raise self.read_failed(e) from None
            self._unbound = row[0] if row else None
        return self._unbound

    def _check_connected(self) -> None:
        """Before a write: a connection found lost is made again here and
        now if the server answers (a restart the poll has not noticed yet
        would otherwise refuse the first change after it)."""
        try:
            self._link.notices()  # reads a goodbye the server left on the socket
        except ProjectDisconnected:
            pass
        try:
            # (the window's own writes wait a moment, not the connect timeout)
            self._link.check(wait=RECONNECT_TIMEOUT_S if self.wait_for_lock else WINDOW_RECONNECT_WAIT_S)
        except ProjectDisconnected as e:
            raise ProjectDisconnected(f"Not saved: {e}") from None

    # ----------------------------------------------------------------- labels

    @reading
    def labels(self) -> list[Label]:
        if self._labels is None:
            self._labels = [Label(*row) for row in self.conn.execute(LABELS)]
        return self._labels

    def label_names(self) -> list[str]:
        return [label.name for label in self.labels()]

    # -------------------------------------------------------------- documents

    @reading
    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(DOCUMENT, (doc_id,)).fetchone()
        if row is None:
            raise ProjectError(f"{self.path}: there is no document with id {doc_id}")
        return Document(row[0], row[1], row[2], row[3])  # jsonb arrives as a dict

    @reading
    def document_count(self) -> int:
        return self.conn.execute(DOCUMENT_COUNT).fetchone()[0]

    @reading
    def highest_document_id(self) -> int:
        return self.conn.execute(HIGHEST_DOCUMENT).fetchone()[0]

    @reading
    def status(self, doc_id: int, annotator: str) -> str:
        row = self.conn.execute(STATUS, (doc_id, annotator)).fetchone()
        return row[0] if row else DOCUMENT_STATUSES[0]

    @reading
    def status_annotators(self) -> list[str]:
        return [row[0] for row in self.conn.execute(STATUS_ANNOTATORS)]

    # ------------------------------------------------------------------ spans

    @reading
    def spans(self, doc_id: int, annotator: str | None = None) -> list[Span]:
        """Spans of one document, sorted by (start, end); one layer or all."""
        if annotator is None:
            rows = self.conn.execute(SPANS_OF_DOCUMENT, (doc_id,))
        else:
            rows = self.conn.execute(SPANS_OF_LAYER, (doc_id, annotator))
        return list(map(_SPAN, rows))

    @reading
    def read_spans(self, doc_id: int) -> HeldSpans:
        """Every layer's spans of a document, in the order of `spans(doc_id)`,
        to be read a page at a time (the window's first screen first)."""
        cursor = self._held_cursor()
        cursor.execute(SPANS_OF_DOCUMENT, (doc_id,))
        return HeldSpans(self, cursor)

    @reading
    def span(self, span_id: int) -> Span | None:
        row = self.conn.execute(SPAN, (span_id,)).fetchone()
        return _SPAN(row) if row else None

    @reading
    def spans_by_id(self, ids: IdRanges) -> list[Span]:
        found: list[Span] = []
        for first, last in ids.ranges:
            if ids.doc_id is None:
                rows = self.conn.execute(SPANS_BETWEEN, (first, last))
            else:
                rows = self.conn.execute(SPANS_OF_DOCUMENT_BETWEEN, (ids.doc_id, first, last))
            found += map(_SPAN, rows)
        return found

    @reading
    def annotators(self, doc_id: int | None = None) -> list[str]:
        if doc_id is None:
            rows = self.conn.execute(ANNOTATORS)
        else:
            rows = self.conn.execute(ANNOTATORS_OF_DOCUMENT, (doc_id,))
        return [row[0] for row in rows]

    @reading
    def notes(self, doc_id: int) -> dict[int, str]:
        return dict(self.conn.execute(NOTES, (doc_id,)).fetchall())

    @reading
    def span_counts(self) -> dict[int, dict[str, int]]:
        counts: dict[int, dict[str, int]] = {}
        for doc_id, annotator, n in self.conn.execute(SPAN_COUNTS):
            counts.setdefault(doc_id, {})[annotator] = n
        return counts

    @reading
    def span_counts_by_label(self) -> dict[str, int]:
        return dict(self.conn.execute(SPAN_COUNTS_BY_LABEL).fetchall())

    # ----------------------------------------------------- review and merging

    @reading
    def decisions(self, doc_id: int) -> list[Decision]:
        return [Decision(*row) for row in self.conn.execute(DECISIONS, (doc_id,))]

    @reading
    def document_keys(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(DOCUMENT_KEYS).fetchall()

    @reading
    def span_rows(self) -> list[tuple[int, str, int, int, str]]:
        return self.conn.execute(SPAN_ROWS).fetchall()

    @reading
    def all_statuses(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(ALL_STATUSES).fetchall()

    @reading
    def merged_layers(self) -> dict[tuple[int, str], tuple[int, str, str]]:
        return {(doc_id, annotator): (source_id, name, fingerprint)
                for doc_id, annotator, source_id, name, fingerprint in self.conn.execute(MERGED_LAYERS)}



class HeldSpans:
    """A document's spans read a page at a time from a cursor held on the
    server (WITH HOLD: made whole when opened, so the pages are one
    snapshot however long the window waits between them)."""

    def __init__(self, project: ServerProject, cursor) -> None:
        self._project = project
        self._cursor = cursor

    @property
    def done(self) -> bool:
        return self._cursor is None

    def read(self, n: int) -> list[Span]:
        """The next `n` spans (fewer at the end, then none)."""
        if self._cursor is None:
            return []
        try:
            page = list(map(_SPAN, self._cursor.fetchmany(n)))
        except self._project._psycopg.Error as e:
            self._cursor = None
            raise self._project.read_failed(e) from None
        if len(page) < n:
            self.close()
        return page

    def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            try:
                cursor.close()
            except self._project._psycopg.Error:
                pass  # the connection is gone, and the cursor with it


def _open_as(url: str, login: str | None, password: str | None) -> ServerProject:
    project = ServerProject.open(url, password)
    if login is not None:
        project.login = login
    return project
