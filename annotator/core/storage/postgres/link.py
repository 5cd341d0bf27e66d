"""A server project's connection, kept alive: listening for other
people's commits, noticing when the server goes away, and reconnecting.

The window asks three things of it, all without waiting on the network
when nothing happened: how many change notices arrived (`notices()`: a
look at the socket, no round trip), whether the connection still stands
(`check()`), and a fresh connection once the server answers again. A
reconnect is tried on a thread of its own, so a server that does not
answer (a network gone, not a refused port) never freezes the window for
the connect timeout; its result is taken up at the next check. TCP
keepalives make a connection whose peer vanished without a word fail
within about half a minute instead of the system's two hours.
"""

from __future__ import annotations

import select
import threading
import time
from typing import TYPE_CHECKING

from annotator.core.errors import ProjectDisconnected
from annotator.core.storage.postgres.changelog import CHANGES_CHANNEL
from annotator.core.storage.postgres.connect import CONNECT_TIMEOUT_S, connect, driver, server_message

if TYPE_CHECKING:
    import psycopg

LISTEN = "LISTEN annotator_changes"
assert CHANGES_CHANNEL in LISTEN
XACT_STATUS = "SELECT pg_xact_status(%s::xid8)"

# libpq's keepalive settings for the window's connections: silence for 10 s,
# then a probe every 5 s, and 3 unanswered probes end the connection; and
# what was sent but not acknowledged for 10 s (a network gone mid-request)
# ends it too, rather than leaving a statement waiting for minutes.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
             "tcp_user_timeout": 10_000,
             # A read waits at most 2 s for a lock (anyone who may DELETE
             # spans may LOCK the table; an upgrade holds its tables): it
             # then fails with a message rather than freeze the window.
             # Writes set their own (project.py).
             "options": "-c lock_timeout=2s"}
# A reconnect attempt gives up after this long (libpq's smallest useful value).
RECONNECT_TIMEOUT_S = 3
# Between attempts: from one second, doubling, to at most ten.
FIRST_WAIT_S, LONGEST_WAIT_S = 1.0, 10.0
# How long a write whose COMMIT lost its answer asks the server what became
# of it (reconnecting, and while the server says "in progress").
OUTCOME_WAIT_S = 3.0


def open_listening(url: str, timeout: int = CONNECT_TIMEOUT_S, password: str | None = None) -> psycopg.Connection:
    """An autocommit connection that LISTENs for change notices
    (`password`: one the person typed, else libpq's usual sources)."""
    options = dict(KEEPALIVE, password=password) if password is not None else KEEPALIVE
    conn = connect(url, autocommit=True, timeout=timeout, **options)
    try:
        conn.execute(LISTEN)
    except driver().Error:
        conn.close()
        raise
    return conn


class Link:
    """The connection a ServerProject reads and writes through."""

    def __init__(self, url: str, path: str, conn: psycopg.Connection, password: str | None = None) -> None:
        self._url = url
        self._password = password  # (typed by the person: kept for reconnecting, never shown)
        self._path = path
        self.conn = conn
        self.reconnects = 0  # how often a lost connection was replaced
        self.lost: str | None = None  # why, while the connection is lost
        self._notices = 0
        self._attempt: threading.Thread | None = None
        self._attempted: tuple[object, str] | None = None  # (connection or None, problem)
        self._wait = FIRST_WAIT_S
        self._next_try = 0.0
        self._closing = threading.Lock()  # close() against a reconnect thread finishing
        self._closed = False

    # ------------------------------------------------------------ noticing

    def notices(self) -> int:
        """How many change notices have arrived so far (ours too): moves
        when anyone committed. Reads only what the socket already holds;
        a closed socket is how a lost server shows here."""
        psycopg = driver()
        try:
            # Those read during other statements are queued already.
            self._notices += sum(1 for _ in self.conn.notifies(timeout=0))
            # A readable socket holds notices, or the server's goodbye (a
            # message, then the end of the stream: two reads): give psycopg
            # a moment for each (with no wait it does not read).
            for _ in range(3):
                if not select.select([self.conn.fileno()], [], [], 0)[0]:
                    break
                self._notices += sum(1 for _ in self.conn.notifies(timeout=0.001))
        except (psycopg.Error, ValueError, OSError) as e:  # ValueError: fileno() of a closed one
            self.drop(e)
            raise self.disconnected() from None
        return self._notices

    def drop(self, error: BaseException) -> None:
        """The connection failed: remember why, close it, reconnect later."""
        if self.lost is None:
            self.lost = server_message(error, self._url) if not isinstance(error, str) else error
            self._wait, self._next_try = FIRST_WAIT_S, time.monotonic()
        try:
            self.conn.close()
        except Exception:
            pass  # already gone

    def disconnected(self) -> ProjectDisconnected:
        return ProjectDisconnected(f"{self._path}: the connection to the server was lost ({self.lost}); "
                                   "reconnecting by itself. Nothing can be saved until then; what is on "
                                   "screen is kept.")

    # --------------------------------------------------------- reconnecting

    def check(self, *, wait: float = 0.0) -> None:
        """Raise ProjectDisconnected while the connection is lost, after
        trying to get it back on a thread of its own: its result is taken
        up here, waited for at most `wait` seconds (the window's own writes
        wait a moment, never the connect timeout), else at a later check.
        A write's first try after a loss does not wait for the back-off."""
        if self.lost is None and self.conn.broken:
            self.drop("the connection broke")
        if self.lost is None:
            return
        if self._attempted is None and self._attempt is None and (wait or time.monotonic() >= self._next_try):
            self._attempt = threading.Thread(target=self._try, name="annotator-reconnect", daemon=True)
            self._attempt.start()
        if self._attempted is None and self._attempt is not None and wait:
            self._attempt.join(wait)
        if self._attempted is not None:
            self._attempt = None
            conn, problem = self._attempted
            self._attempted = None
            if conn is not None:
                self.conn, self.lost = conn, None
                self.reconnects += 1
                return
            self.lost = problem or self.lost
            self._next_try = time.monotonic() + self._wait
            self._wait = min(self._wait * 2, LONGEST_WAIT_S)
        raise self.disconnected()

    def _try(self) -> None:
        from annotator.core.errors import ProjectError

        try:
            conn = open_listening(self._url, RECONNECT_TIMEOUT_S, self._password)
        except ProjectError as e:
            self._attempted = (None, str(e).split(": ", 1)[-1])
            return
        except Exception as e:  # never let the thread die silently
            self._attempted = (None, repr(e))
            return
        with self._closing:
            if self._closed:  # the project was closed meanwhile: nobody will take it up
                conn.close()
                return
            self._attempted = (conn, "")

    def outcome(self, txid: str) -> str | None:
        """Whether the transaction `txid`, whose COMMIT lost its answer
        with the connection, committed: "committed", "aborted", or None
        when the server cannot say now (not reachable, or the transaction
        is still "in progress" there after OUTCOME_WAIT_S: a network cut
        while the server was still committing)."""
        deadline = time.monotonic() + OUTCOME_WAIT_S
        while True:
            try:
                self.check(wait=max(0.1, deadline - time.monotonic()))
                row = self.conn.execute(XACT_STATUS, (txid,)).fetchone()
            except ProjectDisconnected:
                return None
            except driver().Error as e:
                self.drop(e)
                return None
            status = row[0] if row else None
            if status != "in progress" or time.monotonic() >= deadline:
                return status if status != "in progress" else None
            time.sleep(0.05)

    def close(self) -> None:
        with self._closing:
            self._closed = True
            attempted, self._attempted = self._attempted, None
        self.conn.close()
        if attempted is not None and attempted[0] is not None:
            attempted[0].close()
