"""Setting a server project up: `init_server` on an empty database (and
again), refusing newer schemas and foreign tables, `add_user` and `users`,
and URLs whose passwords never reach a message."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from annotator.core.errors import ProjectError
from annotator.core.storage.postgres import admin, is_server_url, redact_url
from annotator.core.storage.postgres.migrations import MIGRATIONS
from annotator.core.storage.postgres.security import MAX_ROLE_BYTES, group_role_name

TABLES = {"documents", "labels", "spans", "document_status", "span_notes", "review_decisions",
          "merged_layers", "layer_counts", "change_log", "change_log_horizon", "document_id_lock", "schema_migrations", "project_roles"}


def public_tables(database) -> set[str]:
    with database.admin() as conn:
        return {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def roles(database) -> set[str]:
    with database.admin() as conn:
        return {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}


def test_init_sets_up_an_empty_database_and_again_changes_nothing(database):
    report = admin.init_server(database.owner_url)
    assert report.database == database.name
    assert report.applied == tuple(m.name for m in MIGRATIONS)
    assert report.groups == {"annotator": f"{database.name}_annotators", "reviewer": f"{database.name}_reviewers",
                             "admin": f"{database.name}_admins"}
    assert set(report.created_groups) == set(report.groups.values())
    assert public_tables(database) == TABLES
    with database.admin() as conn:
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'spans'").fetchone() == (4,)
        acl_before = conn.execute("SELECT relname, relacl::text FROM pg_class "
                                  "WHERE relnamespace = 'public'::regnamespace ORDER BY 1").fetchall()

    again = admin.init_server(database.owner_url)
    assert (again.applied, again.created_groups, again.groups) == ((), (), report.groups)
    with database.admin() as conn:
        assert conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall() == [
            (m.version, m.name) for m in MIGRATIONS]
        assert conn.execute("SELECT relname, relacl::text FROM pg_class "
                            "WHERE relnamespace = 'public'::regnamespace ORDER BY 1").fetchall() == acl_before


def test_documents_get_their_length_and_hash_from_the_server(database):
    admin.init_server(database.owner_url)
    with psycopg.connect(database.owner_url) as conn:
        length, digest = conn.execute("INSERT INTO documents (name, text) VALUES ('a', %s) "
                                      "RETURNING length, text_sha256", ("naïve 🙂 text",)).fetchone()
        assert length == len("naïve 🙂 text")
        import hashlib
        assert digest == hashlib.sha256("naïve 🙂 text".encode()).hexdigest()
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") "
                         "VALUES (1, 'x', 'y', 3, 3)")


def test_a_database_of_a_newer_annotator_is_refused(database):
    admin.init_server(database.owner_url)
    admin.add_user(database.owner_url, "newer_test_a", "annotator")
    with database.admin() as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, '0099_from_the_future')")
    for call in (lambda: admin.init_server(database.owner_url), lambda: admin.users(database.owner_url),
                 lambda: admin.add_user(database.owner_url, "newer_test_b")):
        with pytest.raises(ProjectError, match="newer than this annotator knows.*0099_from_the_future"):
            call()
    assert "newer_test_b" not in roles(database)


def test_a_database_holding_other_tables_is_refused_and_left_alone(database):
    with psycopg.connect(database.owner_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(ProjectError, match=r"not an annotator project \(invoices\)"):
        admin.init_server(database.owner_url)
    assert public_tables(database) == {"invoices"}


def test_only_the_owner_sets_a_project_up(database):
    with database.admin() as conn:
        conn.execute("CREATE ROLE intruder LOGIN CREATEROLE PASSWORD 'pw'")
    with pytest.raises(ProjectError, match=r"Only the database's owner \(owner\).*connected as intruder"):
        admin.init_server(database.url("intruder", "pw"))
    assert public_tables(database) == set()


def test_a_database_not_in_utf8_is_refused(postgres_server):
    name = "latin_project"
    with postgres_server.admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER owner ENCODING 'LATIN1' TEMPLATE template0 "
                             "LC_COLLATE 'C' LC_CTYPE 'C'").format(sql.Identifier(name)))
    try:
        with pytest.raises(ProjectError, match="LATIN1: a project needs UTF8"):
            admin.init_server(postgres_server.url("owner", "owner secret", name))
    finally:
        with postgres_server.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def test_a_group_name_taken_by_another_role_is_never_shared(database):
    taken = f"{database.name}_reviewers"
    with database.admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(taken)))
    report = admin.init_server(database.owner_url)
    assert report.groups["reviewer"] == f"{database.name}_reviewers_2"
    with database.admin() as conn:
        assert conn.execute("SELECT has_table_privilege(%s, 'review_decisions', 'INSERT')",
                            (taken,)).fetchone() == (False,)


def test_group_names_fit_postgres_limits():
    long = "é" * 40  # 80 bytes
    names = {group_role_name(long, kind) for kind in ("annotator", "reviewer", "admin")}
    assert len(names) == 3 and all(len(n.encode()) <= MAX_ROLE_BYTES for n in names)
    assert group_role_name("x" * 63, "annotator") != group_role_name("x" * 62 + "y", "annotator")
    assert not group_role_name("pg_news", "admin").startswith("pg_")


def test_add_user_and_users(database):
    url = database.owner_url
    admin.init_server(url)
    assert admin.users(url) == []
    assert admin.add_user(url, "setup_ann", "annotator", "ann pw") == "created"
    assert admin.add_user(url, "setup_rev", "reviewer", "rev pw") == "created"
    assert admin.add_user(url, "setup_adm", "admin") == "created"
    assert admin.users(url) == [admin.ServerUser("setup_adm", "admin"), admin.ServerUser("setup_ann", "annotator"),
                                admin.ServerUser("setup_rev", "reviewer")]
    # a role moves between groups; adding again changes nothing
    assert admin.add_user(url, "setup_ann", "reviewer") == "changed"
    assert admin.add_user(url, "setup_ann", "reviewer") == "unchanged"
    assert ("setup_ann", "reviewer") in admin.users(url)
    assert len([u for u in admin.users(url) if u.name == "setup_ann"]) == 1
    # the password works, a wrong one does not, and users() is readable by a member
    assert admin.users(database.url("setup_ann", "ann pw"))[0].name == "setup_adm"
    with pytest.raises(ProjectError, match="Cannot connect"):
        admin.users(database.url("setup_ann", "wrong"))


def test_an_existing_login_role_joins_another_project(postgres_server, database):
    with postgres_server.admin() as conn:
        conn.execute("CREATE ROLE shared_person LOGIN PASSWORD 'pw'")
    admin.init_server(database.owner_url)
    assert admin.add_user(database.owner_url, "shared_person", "annotator") == "added"
    assert admin.users(database.url("shared_person", "pw")) == [admin.ServerUser("shared_person", "annotator")]


@pytest.mark.parametrize("name, message", [
    ("gold", "reviewed layer"),
    ("pg_monitor", "reserved by PostgreSQL"),
    ("PUBLIC", "reserved by PostgreSQL"),
    ("", "is empty"),
    (" padded", "leading or trailing blanks"),
    ("tab\there", "control or invisible"),
    ("é" * 32, "63 bytes"),
])
def test_names_that_cannot_be_people_are_refused(database, name, message):
    admin.init_server(database.owner_url)
    before = roles(database)
    with pytest.raises(ProjectError, match=message):
        admin.add_user(database.owner_url, name)
    assert roles(database) == before


def test_groups_and_unknown_roles_are_refused(database):
    report = admin.init_server(database.owner_url)
    with pytest.raises(ProjectError, match="one of the project's groups"):
        admin.add_user(database.owner_url, report.groups["admin"], "annotator")
    with pytest.raises(ProjectError, match="unknown role 'boss': one of annotator, reviewer, admin"):
        admin.add_user(database.owner_url, "someone", "boss")
    with database.admin() as conn:
        conn.execute("CREATE ROLE a_group NOLOGIN")
    with pytest.raises(ProjectError, match="cannot log in"):
        admin.add_user(database.owner_url, "a_group")


def test_users_of_a_database_not_set_up_says_what_to_do(database):
    with pytest.raises(ProjectError, match="not set up as an annotator project: run `annotator --db URL server init`"):
        admin.users(database.owner_url)
    with pytest.raises(ProjectError, match="not set up"):
        admin.add_user(database.owner_url, "early")
    assert "early" not in roles(database)


def test_a_password_in_a_url_is_never_shown(postgres_server, database):
    secret = "s3cr%t:p@ss"
    wrong = postgres_server.url("owner", secret, database.name)
    assert secret not in wrong  # (it is %-encoded in the URL)
    for url in (wrong, wrong.replace(f":{postgres_server.port}/", ":1/"),
                f"postgresql://owner@127.0.0.1:{postgres_server.port}/{database.name}?password=hunter2x"):
        with pytest.raises(ProjectError) as caught:
            admin.init_server(url)
        shown = str(caught.value)
        assert "***" in shown
        for leak in ("s3cr", "%t:p", "p@ss", "s3cr%25t", "hunter2x"):
            assert leak not in shown, shown


def test_redact_url():
    assert redact_url("postgresql://ann:pw@host:5432/db?sslmode=require") == \
        "postgresql://ann:***@host:5432/db?sslmode=require"
    assert redact_url("postgres://ann@host/db?password=pw&sslmode=verify-full") == \
        "postgres://ann@host/db?password=***&sslmode=verify-full"
    assert redact_url("postgresql://host/db") == "postgresql://host/db"
    assert is_server_url("postgresql://h/db") and is_server_url("POSTGRES://h/db")
    assert not is_server_url("project.db") and not is_server_url("/tmp/postgresql://x")


def test_a_failing_migration_leaves_nothing_behind(database, monkeypatch):
    from annotator.core.storage.postgres import migrations

    admin.init_server(database.owner_url)

    def broken(cur):
        cur.execute("CREATE TABLE half_done (x int)")
        cur.execute("ALTER TABLE spans ADD COLUMN half int")
        cur.execute("SELECT 1/0")

    latest = migrations.LATEST
    next_one = migrations.Migration(latest + 1, f"{latest + 1:04d}_broken", broken)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + (next_one,))
    with pytest.raises(ProjectError, match=f"Migration {next_one.name} .* failed: division by zero"):
        admin.init_server(database.owner_url)
    assert public_tables(database) == TABLES
    with database.admin() as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (latest,)
        assert conn.execute("SELECT count(*) FROM information_schema.columns "
                            "WHERE table_name = 'spans' AND column_name = 'half'").fetchone() == (0,)
