"""Setting a server project up: `init_server` (the schema, the project's
roles, grants and policies), `add_user`, `users`. The CLI's
`annotator --db URL server init|add-user|users` are one call each.
Each runs in transactions: a failure leaves nothing half-done.
"""

from __future__ import annotations

from typing import NamedTuple

from annotator.core.errors import ProjectError
from annotator.core.model import normalize_name, shown
from annotator.core.storage.postgres import migrations, security
from annotator.core.storage.postgres.connect import connect, driver, transaction
from annotator.core.storage.postgres.url import redact_url

ROLES = security.KINDS
DEFAULT_ROLE = "annotator"

# Whether the connected role may set the project up: the database's owner
# (or a member of the owning role), or a superuser.
IS_OWNER = """
SELECT pg_catalog.pg_get_userbyid(d.datdba), current_user,
       pg_catalog.pg_has_role(d.datdba, 'MEMBER') OR r.rolsuper
FROM pg_database d, pg_roles r
WHERE d.datname = current_database() AND r.rolname = current_user"""
ENCODING = "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
MAY_CREATE_ROLES = "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"


class InitReport(NamedTuple):
    database: str
    applied: tuple[str, ...]      # migrations applied now (none: it was up to date)
    groups: dict[str, str]        # kind -> group role name
    created_groups: tuple[str, ...]


class ServerUser(NamedTuple):
    name: str
    role: str  # one of ROLES


def _runner(conn, url):
    def run(doing: str):
        return transaction(conn, url, doing)
    return run


def init_server(url: str) -> InitReport:
    """Create or upgrade the project's schema at `url`, then (again) its
    group roles, grants and policies. Run by the database's owner; running
    it again on an up-to-date project changes nothing but re-asserts the
    grants. Refuses a database holding other tables, or one set up by a
    newer annotator."""
    with connect(url) as conn:
        run = _runner(conn, url)
        with run("Checking who may set the project up") as cur:
            cur.execute(IS_OWNER)
            owner, me, allowed = cur.fetchone()
            cur.execute(MAY_CREATE_ROLES)
            may_create_roles = cur.fetchone()[0]
            cur.execute(ENCODING)
            encoding = cur.fetchone()[0]
        if not allowed:
            raise ProjectError(f"Only the database's owner ({owner}) can set up the project at "
                               f"{redact_url(url)}; connected as {me}")
        if not may_create_roles:
            raise ProjectError(f"{me} may not create roles (CREATEROLE), which a project's groups and "
                               f"users are: ask the server's administrator to grant it")
        if encoding != "UTF8":
            # offsets count code points, which char_length() does only in UTF8
            raise ProjectError(f"the database at {redact_url(url)} is in {encoding}: a project needs UTF8 "
                               f"(CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)")
        applied = migrations.apply_pending(conn, run)
        with run("Setting up the project's roles and grants") as cur:
            chosen, created = security.ensure_groups(cur)
            security.apply_grants(cur, chosen)
            database = security.current_database(cur)
    return InitReport(database, tuple(applied), chosen, tuple(created))


def _open_project(cur, url: str) -> dict[str, str]:
    try:
        migrations.check_current(cur)
    except ProjectError as e:
        raise ProjectError(f"{redact_url(url)}: {e}") from None
    return security.groups(cur)


def add_user(url: str, name: str, role: str = DEFAULT_ROLE, password: str | None = None) -> str:
    """Make `name` a person of the project at `url` in `role`'s group.

    A new name becomes a LOGIN role (with `password`, sent only as a SCRAM
    verifier, or none: then whatever authentication the server's
    pg_hba.conf gives it). An existing login role (role names are shared
    by every database of the server) joins this project, or moves to
    `role` if it was in another of its groups; `password`, if given,
    replaces its password everywhere. Returns what happened: "created",
    "added", "changed" or "unchanged"."""
    if role not in ROLES:
        raise ProjectError(f"unknown role {shown(role)}: one of {', '.join(ROLES)}")
    name = normalize_name(name) if isinstance(name, str) else name
    problem = security.user_name_problem(name)
    if problem:
        raise ProjectError(problem)
    with connect(url) as conn:
        with transaction(conn, url, f"Adding {shown(name)}") as cur:
            chosen = _open_project(cur, url)
            if name in chosen.values():
                raise ProjectError(f"{shown(name)} is one of the project's groups, not a person")
            existing = security.role(cur, name)
            if existing is not None and not existing[0]:
                raise ProjectError(f"{shown(name)} is a role that cannot log in (a group), not a person")
            before = [kind for member, kind in security.members(cur) if member == name]
            if existing is None:
                security.run_quoted(cur, security.CREATE_LOGIN, name)
            for kind in before:
                if kind != role:
                    security.run_quoted(cur, security.REVOKE_MEMBERSHIP, chosen[kind], name)
            if role not in before:
                security.run_quoted(cur, security.GRANT_MEMBERSHIP, chosen[role], name)
            if password is not None:
                verifier = conn.pgconn.encrypt_password(password.encode("utf-8"), name.encode("utf-8"),
                                                        b"scram-sha-256")
                security.run_quoted(cur, security.SET_PASSWORD, name, verifier.decode("ascii"))
    if existing is None:
        return "created"
    if not before:
        return "added"
    return "unchanged" if before == [role] else "changed"


def users(url: str) -> list[ServerUser]:
    """The project's people and their roles, by name."""
    with connect(url) as conn, transaction(conn, url, "Listing users") as cur:
        _open_project(cur, url)
        return [ServerUser(name, kind) for name, kind in security.members(cur)]


__all__ = ["DEFAULT_ROLE", "ROLES", "InitReport", "ServerUser", "add_user", "driver", "init_server", "users"]
