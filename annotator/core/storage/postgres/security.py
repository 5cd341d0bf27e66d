"""The project's roles and grants on the server.

A project is one database, but role names are cluster-wide: each project
gets three group roles of its own, named from the database
(`news_annotators`, `news_reviewers`, `news_admins`), chosen once by
`server init` and kept in the table `project_roles` (the policies of
migration 0002 look them up there, so a renamed database keeps working and
a name already taken gets a numbered one instead of sharing another
project's people). Reviewers are members of annotators and admins of
reviewers, so each group has the rights of the one below. A person is a
LOGIN role in one of the groups; their role name is the annotator name
their spans carry.

Identifiers cannot be query parameters, and every execute() in the package
takes a constant (tests/reliability/test_sql.py). So names are passed as
parameters and quoted by the server itself: `run_quoted` hands a constant
template and the names to PostgreSQL's format(), whose %I quotes an
identifier and %L a literal (quote_ident/quote_literal): nothing is
spliced into SQL on this side.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING

from annotator.core.layers import GOLD_NAME
from annotator.core.model import name_problem, shown

if TYPE_CHECKING:
    import psycopg

KINDS = ("annotator", "reviewer", "admin")
_GROUP_SUFFIX = {"annotator": "annotators", "reviewer": "reviewers", "admin": "admins"}
# PostgreSQL's NAMEDATALEN - 1: a longer role name is silently cut short.
MAX_ROLE_BYTES = 63
# Names PostgreSQL reserves or reads as something else in GRANT and policies.
_RESERVED = {"public", "none", "current_user", "current_role", "session_user"}

_SET_QUOTED = ("SELECT set_config('annotator.ddl', %s, true), "
               "set_config('annotator.ddl_names', %s, true)")
_RUN_QUOTED = """
DO $$
BEGIN
    EXECUTE format(current_setting('annotator.ddl'), VARIADIC ARRAY(
        SELECT n.value FROM json_array_elements_text(current_setting('annotator.ddl_names')::json)
            WITH ORDINALITY AS n (value, i)
        ORDER BY n.i));
END
$$"""
_ONLY_QUOTED_PLACEHOLDERS = re.compile(r"%(?:[0-9]+\$)?[IL]")

CREATE_GROUP = "CREATE ROLE %I NOLOGIN"
CREATE_LOGIN = "CREATE ROLE %I LOGIN INHERIT"
SET_PASSWORD = "ALTER ROLE %I PASSWORD %L"
GRANT_MEMBERSHIP = "GRANT %I TO %I"
REVOKE_MEMBERSHIP = "REVOKE %I FROM %I"
DATABASE_CLOSED = "REVOKE ALL ON DATABASE %I FROM PUBLIC"
DATABASE_CONNECT = "GRANT CONNECT ON DATABASE %I TO %I"
SCHEMA_USAGE = "GRANT USAGE ON SCHEMA public TO %I"
# Grants are set from scratch each time, so they are exactly these.
TABLES_RESET = "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I"
READ_EVERYTHING = "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I"
# UPDATE only of the columns an operation changes: an id, a span's
# document or owner never changes (a span "moved" to another layer is
# removed and added), so no one may rewrite them.
ANNOTATOR_WRITES = ("GRANT INSERT, DELETE ON spans, span_notes, document_status, layer_counts, "
                    "merged_layers TO %I")
ANNOTATOR_UPDATES = """
GRANT UPDATE (label, start, "end") ON spans TO %1$I;
GRANT UPDATE (note) ON span_notes TO %1$I;
GRANT UPDATE (status) ON document_status TO %1$I;
GRANT UPDATE (spans) ON layer_counts TO %1$I;
GRANT UPDATE (source_id, source_name, fingerprint, merged_at) ON merged_layers TO %1$I"""
CHANGE_LOG_WRITES = "GRANT INSERT (kind, doc_id, first_id, last_id) ON change_log TO %I"
REVIEWER_WRITES = ('GRANT INSERT, DELETE, UPDATE (start, "end", label, decision, decided_at, gold_span_id) '
                   "ON review_decisions TO %I")
ADMIN_WRITES = ("GRANT INSERT, DELETE, UPDATE (name, text, meta) ON documents TO %1$I; "
                "GRANT INSERT, UPDATE, DELETE ON labels TO %1$I; "
                # (for SELECT ... FOR UPDATE: the import's document id lock, unit.py)
                "GRANT UPDATE (only_row) ON document_id_lock TO %1$I")
# Migration 0005's functions, which run as the owner: everyone's window
# indexes text a large import left pending; an import's end indexes its
# own few documents (only admins add documents). No one else: not PUBLIC.
FUNCTIONS_RESET = ("REVOKE ALL ON FUNCTION index_pending_text(integer), index_text_between(bigint, bigint) "
                   "FROM %I")
INDEXING_TEXT = "GRANT EXECUTE ON FUNCTION index_pending_text(integer) TO %I"
INDEXING_IMPORTS = "GRANT EXECUTE ON FUNCTION index_text_between(bigint, bigint) TO %I"

GROUPS = "SELECT kind, role_name FROM project_roles"
RECORD_GROUP = "INSERT INTO project_roles (kind, role_name) VALUES (%s, %s)"
ROLE = "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s"
CURRENT_DATABASE = "SELECT current_database()"
# Direct members of the project's groups that are not groups themselves.
MEMBERS = """
SELECT m.rolname, g.kind
FROM project_roles g
JOIN pg_roles gr ON gr.rolname = g.role_name
JOIN pg_auth_members am ON am.roleid = gr.oid
JOIN pg_roles m ON m.oid = am.member
WHERE NOT EXISTS (SELECT 1 FROM project_roles other WHERE other.role_name = m.rolname)
ORDER BY m.rolname, g.kind"""


def run_quoted(cur: psycopg.Cursor, template: str, *names: str) -> None:
    """Run the constant `template`, each %I (identifier) or %L (literal)
    filled in order with `names`, quoted by the server's format()."""
    assert "%" not in _ONLY_QUOTED_PLACEHOLDERS.sub("", template), f"unquoted placeholder in {template!r}"
    cur.execute(_SET_QUOTED, (template, json.dumps(list(names))))
    cur.execute(_RUN_QUOTED)


def _cut_to_bytes(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def group_role_name(database: str, kind: str, attempt: int = 1) -> str:
    """The name for the project's `kind` group: the database's name and
    the group's (a hash of the name where it would not fit; "pg_" is
    PostgreSQL's own prefix, so avoided), numbered after the first attempt."""
    suffix = "_" + _GROUP_SUFFIX[kind] + ("" if attempt == 1 else f"_{attempt}")
    base = "db_" + database if database.lower().startswith("pg_") else database
    room = MAX_ROLE_BYTES - len(suffix.encode("utf-8"))
    if len(base.encode("utf-8")) > room:
        digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:8]
        base = _cut_to_bytes(base, room - 9) + "_" + digest
    return base + suffix


def user_name_problem(name: str) -> str | None:
    """Why `name` cannot be a person on a server project (an annotator's
    name that is also a role name), or None."""
    problem = name_problem(name, "user name")
    if problem:
        return problem
    if name == GOLD_NAME:
        return f"user name {shown(name)} is the reviewed layer's name, not a person's"
    if name.lower() in _RESERVED or name.lower().startswith("pg_"):
        return f"user name {shown(name)} is reserved by PostgreSQL"
    if len(name.encode("utf-8")) > MAX_ROLE_BYTES:
        return (f"user name {shown(name)} is longer than PostgreSQL allows for a role "
                f"({MAX_ROLE_BYTES} bytes in UTF-8)")
    return None


def current_database(cur: psycopg.Cursor) -> str:
    cur.execute(CURRENT_DATABASE)
    return cur.fetchone()[0]


def groups(cur: psycopg.Cursor) -> dict[str, str]:
    """kind -> the project's group role name, as chosen at init."""
    cur.execute(GROUPS)
    return dict(cur.fetchall())


def _role_exists(cur: psycopg.Cursor, name: str) -> bool:
    cur.execute(ROLE, (name,))
    return cur.fetchone() is not None


def ensure_groups(cur: psycopg.Cursor) -> tuple[dict[str, str], list[str]]:
    """The project's three groups, made where missing; returns them and
    the names of those created now."""
    database = current_database(cur)
    chosen = groups(cur)
    created = []
    for kind in KINDS:
        if kind in chosen and _role_exists(cur, chosen[kind]):
            continue
        if kind in chosen:  # recorded but dropped since: make it again under its name
            name = chosen[kind]
        else:
            attempt = 1
            while _role_exists(cur, group_role_name(database, kind, attempt)):
                attempt += 1  # another project's (or anyone's) role: never share it
            name = group_role_name(database, kind, attempt)
            cur.execute(RECORD_GROUP, (kind, name))
        run_quoted(cur, CREATE_GROUP, name)
        chosen[kind] = name
        created.append(name)
    run_quoted(cur, GRANT_MEMBERSHIP, chosen["annotator"], chosen["reviewer"])
    run_quoted(cur, GRANT_MEMBERSHIP, chosen["reviewer"], chosen["admin"])
    return chosen, created


def apply_grants(cur: psycopg.Cursor, chosen: dict[str, str]) -> None:
    """Who may connect, read and write which table (rows: the policies)."""
    database = current_database(cur)
    run_quoted(cur, DATABASE_CLOSED, database)
    run_quoted(cur, DATABASE_CONNECT, database, chosen["annotator"])
    for kind in KINDS:
        run_quoted(cur, TABLES_RESET, chosen[kind])
        run_quoted(cur, FUNCTIONS_RESET, chosen[kind])
        run_quoted(cur, INDEXING_TEXT, chosen[kind])
    group = chosen["annotator"]  # the others are members: they inherit these
    run_quoted(cur, SCHEMA_USAGE, group)
    run_quoted(cur, READ_EVERYTHING, group)
    run_quoted(cur, ANNOTATOR_WRITES, group)
    run_quoted(cur, ANNOTATOR_UPDATES, group)
    run_quoted(cur, CHANGE_LOG_WRITES, group)
    run_quoted(cur, REVIEWER_WRITES, chosen["reviewer"])
    run_quoted(cur, ADMIN_WRITES, chosen["admin"])
    run_quoted(cur, INDEXING_IMPORTS, chosen["admin"])


def members(cur: psycopg.Cursor) -> list[tuple[str, str]]:
    """(role name, kind) of every person in the project's groups."""
    cur.execute(MEMBERS)
    return [(name, kind) for name, kind in cur.fetchall()]


def role(cur: psycopg.Cursor, name: str) -> tuple[bool, bool] | None:
    """(can log in, is superuser) of an existing role, or None."""
    cur.execute(ROLE, (name,))
    row = cur.fetchone()
    return None if row is None else (bool(row[0]), bool(row[1]))
