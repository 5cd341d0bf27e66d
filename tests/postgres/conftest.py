"""Fixtures for the PostgreSQL tests: one server for the whole session
(started on first use, about 0.7 s; stopped at the end, also after a
failure or Ctrl+C), and a fresh database per test owned by a non-superuser
`owner` that may create roles, as a team's database owner would be.

Where the server binaries or psycopg are missing, every test here is
skipped with the reason.
"""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager

import pytest

from tests.postgres.server import TestServer, why_unavailable

OWNER = "owner"
OWNER_PASSWORD = "owner secret"
_numbers = itertools.count(1)


def _skip_reason() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'annotator[postgres]')"
    return why_unavailable()


# CI sets this (.ci/run): there, a missing server is a failure, not a skip.
REQUIRED = os.environ.get("ANNOTATOR_TEST_POSTGRES") == "required"


@pytest.fixture(scope="session")
def postgres_server():
    reason = _skip_reason()
    if reason and REQUIRED:
        pytest.fail(f"ANNOTATOR_TEST_POSTGRES=required, but {reason}")
    if reason:
        pytest.skip(reason)
    server = TestServer().start()
    try:
        with server.admin() as conn:
            conn.execute("CREATE ROLE owner LOGIN CREATEDB CREATEROLE PASSWORD 'owner secret'")
        yield server
    finally:
        server.stop()


class Database:
    """A database made for one test: its name and URLs to reach it."""

    def __init__(self, server: TestServer, name: str):
        self.server = server
        self.name = name

    @property
    def owner_url(self) -> str:
        return self.server.url(OWNER, OWNER_PASSWORD, self.name)

    def url(self, user: str, password: str | None) -> str:
        return self.server.url(user, password, self.name)

    def admin(self):
        """A superuser connection to this database (bypasses every rule:
        for checking what is really stored)."""
        return self.server.admin(self.name)


@contextmanager
def _new_database(server: TestServer, options: str = ""):
    from psycopg import sql

    name = f"project_{next(_numbers)}"
    with server.admin() as conn:
        before = {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} " + options).format(
            sql.Identifier(name), sql.Identifier(OWNER)))
    try:
        yield Database(server, name)
    finally:
        with server.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            for (role,) in conn.execute("SELECT rolname FROM pg_roles").fetchall():
                if role not in before:
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def database(postgres_server):
    """An empty database owned by `owner`, dropped afterwards with every
    role the test made (roles are cluster-wide, databases are not)."""
    with _new_database(postgres_server) as made:
        yield made


@pytest.fixture
def database_in_english(postgres_server):
    """The same, sorting text as English does (ICU): "Ä" beside "A", "b"
    before "Z", as many real servers do, unlike the test server's default
    code-point order."""
    with _new_database(postgres_server, "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en'") as made:
        yield made


@pytest.fixture(scope="module")
def restarting_server(postgres_server):
    """A server of the module's own, to stop (as an administrator's restart
    does: `halt()`) and start again (`resume()`) without disturbing the
    session's; an empty database `database` in it owned by `owner`."""
    server = TestServer().start()
    try:
        with server.admin() as conn:
            conn.execute("CREATE ROLE owner LOGIN CREATEDB CREATEROLE PASSWORD 'owner secret'")
            conn.execute("CREATE DATABASE restarting OWNER owner")
        server.database = "restarting"
        yield server
    finally:
        server.stop()


def set_up_team(owner_url: str, people: dict[str, str], password, labels: bool = True) -> None:
    """A project as `server init` makes it (with the default labels, unless
    `labels` is false) and each person a login of their role, with
    `password(name)`."""
    from annotator.core.storage.postgres import admin
    from annotator.core.storage.postgres.first_labels import add_first_labels

    report = admin.init_server(owner_url)
    if labels:
        add_first_labels(owner_url, report)
    for name, role in people.items():
        admin.add_user(owner_url, name, role, password(name))


@contextmanager
def opened_people(database, people, password):
    """Each person's own ServerProject (own connection, own login), closed after."""
    from annotator.core.storage.postgres.project import ServerProject

    opened = {name: ServerProject.open(database.url(name, password(name))) for name in people}
    try:
        yield opened
    finally:
        for project in opened.values():
            project.close()
