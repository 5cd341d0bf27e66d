"""Connections to a project's server, and the server's errors as messages.

psycopg 3 is an optional extra (`annotator[postgres]`): without it,
connecting says how to install it. libpq does the rest as usual: a
password from the URL, `PGPASSWORD` or `~/.pgpass`, `sslmode` in the URL.
Every message that may quote the URL is shown without its password.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from annotator.core.errors import ProjectError
from annotator.core.storage.postgres.url import hide_password, redact_url

if TYPE_CHECKING:
    import psycopg

INSTALL_HINT = "pip install 'annotator[postgres]'"
# A server that does not answer should not hang the program.
CONNECT_TIMEOUT_S = 10


def driver():
    """The psycopg module, or a ProjectError saying how to get it."""
    try:
        import psycopg
    except ImportError:
        raise ProjectError(f"Projects on a PostgreSQL server need the postgres extra: {INSTALL_HINT}") from None
    return psycopg


def connect(url: str, *, autocommit: bool = False, timeout: int = CONNECT_TIMEOUT_S,
            **options: object) -> psycopg.Connection:
    """A connection to the project at `url`. Not autocommit by default:
    each statement then joins one transaction until commit. A reader wants
    autocommit: each read sees the latest commit, and no transaction is
    left open between them (`conn.transaction()` still makes one).
    `options`: more libpq settings (link.py's keepalives)."""
    psycopg = driver()
    try:
        return psycopg.connect(url, connect_timeout=timeout, application_name="annotator",
                               autocommit=autocommit, **options)
    except psycopg.Error as e:
        said = server_message(e, url)
        if options.get("password"):  # (libpq does not repeat it; never let a message show it)
            said = said.replace(str(options["password"]), "***")
        if "no password supplied" in said:
            said += (" (give the password in ~/.pgpass, a line HOST:PORT:DATABASE:USER:PASSWORD, or in "
                     "PGPASSWORD; see the README's \"Team server\")")
        raise ProjectError(f"Cannot connect to {redact_url(url)}: {said}") from None


def _sentences(text: str) -> str:
    """libpq's message lines as one line, each line its own sentence
    ("Connection refused. Is the server running...?")."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(line if line[-1] in ".?!:;," else line + "." for line in lines[:-1]) + (
        (" " if len(lines) > 1 else "") + lines[-1] if lines else "")


def server_message(error: Exception, url: str) -> str:
    """What the server (or libpq) said, on one line, without the URL's password."""
    diag = getattr(error, "diag", None)
    text = (getattr(diag, "message_primary", None) or _sentences(str(error)) or type(error).__name__).strip()
    detail = getattr(diag, "message_detail", None)
    if detail:
        text = f"{text} ({detail.strip()})"
    return hide_password(" ".join(text.split()), url)


@contextmanager
def transaction(conn: psycopg.Connection, url: str, doing: str) -> Iterator[psycopg.Cursor]:
    """One transaction: committed when the block ends, rolled back on any
    error. A server error becomes a ProjectError saying what was being done."""
    psycopg = driver()
    try:
        with conn.transaction(), conn.cursor() as cur:
            yield cur
    except psycopg.errors.InsufficientPrivilege as e:
        raise ProjectError(f"{doing}: not allowed on {redact_url(url)}: {server_message(e, url)}") from None
    except psycopg.Error as e:
        raise ProjectError(f"{doing} on {redact_url(url)} failed: {server_message(e, url)}") from None


def reading(method):
    """For a store's read methods: a server error becomes a ProjectError
    naming the project, a lost connection a ProjectDisconnected (the
    store's `read_failed` decides which)."""
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self._psycopg.Error as e:
            raise self.read_failed(e) from None
    return read
