"""THE security test of issue 16: the server itself, not the program,
keeps each person to what is theirs. Each person connects with raw SQL
(psycopg) and tries to insert, update, delete and truncate in every table
in ways that touch others' rows, the gold layer, documents and labels, and
to change the rules themselves: every attempt fails or changes nothing
(checked by reading every table as the superuser), while their own writes
succeed."""

from __future__ import annotations

import hashlib

import psycopg
import pytest

from annotator.core.storage.postgres import admin

PEOPLE = {"alice": "annotator", "bob": "annotator", "rita": "reviewer", "ruth": "reviewer", "adam": "admin"}


def password(name: str) -> str:
    return f"{name}'s secret"


SEED = [
    "INSERT INTO labels (name, color, position) VALUES ('person', '#ff0000', 0), ('org', '#00ff00', 1)",
    "INSERT INTO documents (id, name, text) VALUES (1, 'one', 'Ann met Bob at Acme.'), (2, 'two', 'Zed.')",
    # each person's layer in document 1, the gold layer, and a span of bob's in 2
    ("INSERT INTO spans (id, doc_id, annotator, label, start, \"end\") VALUES "
    "(10, 1, 'alice', 'person', 0, 3), (11, 1, 'alice', 'person', 8, 11), "
    "(20, 1, 'bob', 'person', 0, 3), (21, 1, 'bob', 'org', 15, 19), (22, 2, 'bob', 'person', 0, 3), "
    "(30, 1, 'gold', 'person', 0, 3), (31, 1, 'gold', 'org', 15, 19)"),
    "INSERT INTO document_status VALUES (1, 'alice', 'in progress'), (1, 'bob', 'done'), (1, 'gold', 'in progress')",
    "INSERT INTO span_notes VALUES (10, 'mine'), (20, 'bob''s note'), (30, 'gold note')",
    "INSERT INTO layer_counts VALUES (1, 'alice', 2), (1, 'bob', 2), (2, 'bob', 1), (1, 'gold', 2)",
    "INSERT INTO merged_layers VALUES (1, 'bob', 7, 'bob.db', 'abc', now())",
    ("INSERT INTO review_decisions (id, doc_id, start, \"end\", label, decision, reviewer, gold_span_id) VALUES "
    "(40, 1, 0, 3, 'person', 'accept', 'ruth', 30), (41, 1, 0, 0, NULL, 'reviewed', 'ruth', NULL)"),
    "INSERT INTO change_log (kind, doc_id, first_id, last_id, changed_by) VALUES ('spans', 1, 20, 22, 'bob')",
]

# What belongs to a person: their rows are theirs to change, every other
# row must survive their attempts unchanged.
OWNER_COLUMN = {"spans": "annotator", "document_status": "annotator", "layer_counts": "annotator",
                "merged_layers": "annotator", "review_decisions": "reviewer", "change_log": "changed_by"}


@pytest.fixture
def team(database):
    admin.init_server(database.owner_url)
    for name, role in PEOPLE.items():
        admin.add_user(database.owner_url, name, role, password(name))
    with psycopg.connect(database.owner_url, autocommit=True) as conn:
        for statement in SEED:
            conn.execute(statement)
    return database


def snapshot(database, *, except_of: str | None = None, with_gold: bool = False) -> dict[str, list]:
    """Every row of every table, read as the superuser, leaving out the
    rows `except_of` may change (their layer, notes on it, their decisions
    and log rows; the gold layer too `with_gold`)."""
    mine = {except_of, "gold"} if with_gold else {except_of}
    with database.admin() as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        own_spans = {row[0] for row in conn.execute("SELECT id FROM spans WHERE annotator = ANY(%s)",
                                                     (list(mine),))}
        rows = {}
        for table in tables:
            cur = conn.execute(psycopg.sql.SQL("SELECT * FROM {}").format(psycopg.sql.Identifier(table)))
            columns = [c.name for c in cur.description]
            kept = []
            for row in cur.fetchall():
                record = dict(zip(columns, row))
                owner = OWNER_COLUMN.get(table)
                if owner and record[owner] in mine:
                    continue
                if table == "span_notes" and record["span_id"] in own_spans:
                    continue
                kept.append(record)
            rows[table] = sorted(kept, key=repr)
        # and the rules: privileges, policies, row security, who is in
        # which group, every role's password
        rows["rules"] = [
            conn.execute("SELECT relname, relacl::text, relrowsecurity, relforcerowsecurity FROM pg_class "
                         "WHERE relnamespace = 'public'::regnamespace ORDER BY relname").fetchall(),
            conn.execute("SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies "
                         "ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members "
                         "ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT rolname, rolpassword, rolsuper, rolcreaterole FROM pg_authid ORDER BY 1").fetchall(),
            conn.execute("SELECT datacl::text FROM pg_database WHERE datname = current_database()").fetchall(),
            conn.execute("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'").fetchall(),
            conn.execute("SELECT proname, prosecdef, proconfig, prosrc, proacl::text FROM pg_proc "
                         "WHERE pronamespace = 'public'::regnamespace ORDER BY proname").fetchall(),
        ]
        return rows


def attempt(conn, statement: str) -> str:
    """Run one attack; what happened: "refused" (an error), "no rows", or
    "CHANGED n" (rows the statement reports it touched)."""
    try:
        cur = conn.execute(statement)
    except psycopg.Error as e:
        return f"refused: {e.diag.message_primary}"
    return "no rows" if cur.rowcount in (0, -1) else f"CHANGED {cur.rowcount}"


# Attacks every person tries (they touch no one's rows but other people's,
# documents, labels and the rules).
ON_OTHERS = [
    # spans: another's layer, taking one's span into another's layer, stealing
    "INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'bob', 'org', 4, 7)",
    "INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (2, 'bob', 'org', 0, 1)",
    "UPDATE spans SET label = 'org' WHERE annotator = 'bob'",
    "UPDATE spans SET start = 1 WHERE id = 20",
    "UPDATE spans SET annotator = session_user WHERE annotator = 'bob'",
    "UPDATE spans SET annotator = 'bob', start = 4, \"end\" = 7 WHERE annotator = session_user",
    "DELETE FROM spans WHERE annotator = 'bob'",
    "DELETE FROM spans WHERE id = 22",
    # statuses
    "INSERT INTO document_status VALUES (2, 'bob', 'done')",
    "INSERT INTO document_status VALUES (1, 'bob', 'new') ON CONFLICT (doc_id, annotator) DO UPDATE SET status = 'new'",
    "UPDATE document_status SET status = 'new' WHERE annotator = 'bob'",
    "UPDATE document_status SET annotator = 'bob' WHERE annotator = session_user",
    "DELETE FROM document_status WHERE annotator = 'bob'",
    # notes on another's span
    "UPDATE span_notes SET note = 'defaced' WHERE span_id = 20",
    "DELETE FROM span_notes WHERE span_id = 20",
    "INSERT INTO span_notes VALUES (21, 'planted')",
    "UPDATE span_notes SET span_id = 22 WHERE span_id = 10",
    # counts and merge provenance of another's layer
    "UPDATE layer_counts SET spans = 0 WHERE annotator = 'bob'",
    "INSERT INTO layer_counts VALUES (2, 'bob', 99) ON CONFLICT (doc_id, annotator) DO UPDATE SET spans = 99",
    "DELETE FROM layer_counts WHERE annotator = 'bob'",
    "UPDATE merged_layers SET fingerprint = 'x'",
    "DELETE FROM merged_layers",
    "INSERT INTO merged_layers VALUES (2, 'bob', 1, 'forged.db', 'x', now())",
    # another's review decisions: forged, changed
    ("INSERT INTO review_decisions (doc_id, start, \"end\", label, decision, reviewer) "
    "VALUES (1, 15, 19, 'org', 'reject', 'ruth')"),
    "UPDATE review_decisions SET decision = 'reject' WHERE reviewer = 'ruth' AND label IS NOT NULL",
    # the change log: forged, rewritten, removed
    "INSERT INTO change_log (kind, doc_id, changed_by) VALUES ('spans', 1, 'bob')",
    "UPDATE change_log SET doc_id = 2",
    "DELETE FROM change_log",
    # the bookkeeping
    "DELETE FROM schema_migrations",
    "INSERT INTO schema_migrations (version, name) VALUES (99, '0099_forged')",
    "UPDATE project_roles SET role_name = session_user WHERE kind = 'admin'",
    "DELETE FROM project_roles",
    "INSERT INTO project_roles VALUES ('admin', 'x')",
    # truncating, altering, dropping, and getting around the rules
    *[f"TRUNCATE {table} CASCADE" for table in (
        "spans", "documents", "labels", "document_status", "span_notes", "review_decisions",
        "merged_layers", "layer_counts", "change_log", "schema_migrations", "project_roles")],
    "ALTER TABLE spans DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE spans NO FORCE ROW LEVEL SECURITY",
    "DROP POLICY spans_update ON spans",
    "CREATE POLICY anything ON spans FOR ALL USING (true) WITH CHECK (true)",
    "ALTER TABLE spans DROP CONSTRAINT spans_check",
    "ALTER TABLE spans ADD COLUMN x int",
    "DROP TABLE span_notes",
    "CREATE TABLE public.mine (x int)",
    "CREATE TEMP TABLE mine (x int)",
    "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS 'SELECT $1'",
    "CREATE TRIGGER t BEFORE UPDATE ON spans FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "GRANT INSERT, UPDATE, DELETE ON documents TO PUBLIC",
    # the search index's bookkeeping (migration 0005): only the owner's functions write it
    "UPDATE documents SET indexed = false",
    "UPDATE documents SET text = text, indexed = false WHERE id = 2",
    "ALTER FUNCTION index_pending_text(integer) SECURITY INVOKER",
    "ALTER FUNCTION index_pending_text(integer) RESET search_path",
    "CREATE OR REPLACE FUNCTION index_pending_text(most integer) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'",
    "GRANT EXECUTE ON FUNCTION index_text_between(bigint, bigint) TO PUBLIC",
    "ALTER ROLE bob PASSWORD 'mine now'",
    "SET SESSION AUTHORIZATION bob",
    "SET ROLE bob",
    # acting as the project's group one belongs to: still oneself
    "SET ROLE project_{n}_annotators",
    "INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'project_{n}_annotators', 'org', 4, 7)",
    "DELETE FROM spans WHERE annotator = 'bob'",
    "RESET ROLE",
]

# What only admins may do.
ON_DOCUMENTS_AND_LABELS = [
    "INSERT INTO documents (name, text) VALUES ('three', 'More text.')",
    "UPDATE documents SET text = 'Changed.' WHERE id = 2",
    "UPDATE documents SET meta = '{\"x\": 1}'",
    "DELETE FROM documents WHERE id = 2",
    "INSERT INTO labels (name, color, position) VALUES ('place', '#0000ff', 2)",
    "UPDATE labels SET color = '#000000'",
    "UPDATE labels SET name = 'who' WHERE name = 'person'",  # would cascade into everyone's spans
    "DELETE FROM labels WHERE name = 'org'",
    "SET ROLE project_{n}_admins",
]

# What only reviewers (and admins) may do.
ON_GOLD = [
    "INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'gold', 'org', 4, 7)",
    "UPDATE spans SET label = 'org' WHERE annotator = 'gold'",
    "DELETE FROM spans WHERE annotator = 'gold'",
    "UPDATE spans SET annotator = 'gold' WHERE annotator = session_user",
    "INSERT INTO document_status VALUES (2, 'gold', 'done')",
    "UPDATE document_status SET status = 'done' WHERE annotator = 'gold'",
    "UPDATE span_notes SET note = 'defaced' WHERE span_id = 30",
    "DELETE FROM span_notes WHERE span_id = 30",
    ("INSERT INTO review_decisions (doc_id, start, \"end\", label, decision, reviewer) "
    "VALUES (1, 15, 19, 'org', 'accept', session_user)"),
    "DELETE FROM review_decisions",
    "SET ROLE project_{n}_reviewers",
]


def connect_as(database, name):
    return psycopg.connect(database.url(name, password(name)), autocommit=True)


def run_attacks(database, name, attacks) -> list[tuple[str, str]]:
    number = database.name.rsplit("_", 1)[1]
    with connect_as(database, name) as conn:
        return [(sql, attempt(conn, sql.replace("{n}", number))) for sql in attacks]


def test_an_annotator_changes_nothing_of_anyone_else(team):
    before = snapshot(team, except_of="alice")
    outcomes = run_attacks(team, "alice", ON_OTHERS + ON_DOCUMENTS_AND_LABELS + ON_GOLD)
    after = snapshot(team, except_of="alice")
    assert after == before, [o for o in outcomes if o[1].startswith("CHANGED")]
    # and the rules are still there: nothing was dropped, altered or created
    with team.admin() as conn:
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'spans'").fetchone() == (4,)
        assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE relname = 'spans'").fetchone() == (True,)
        assert conn.execute("SELECT to_regclass('public.mine')").fetchone() == (None,)


def test_the_attacks_would_be_seen_if_the_server_allowed_them(team):
    # The table owner is not bound by the policies: the same attacks as the
    # owner change others' rows, so the checks above can fail.
    before = snapshot(team, except_of="alice")
    with psycopg.connect(team.owner_url, autocommit=True) as conn:
        for sql in ON_OTHERS[:8]:
            attempt(conn, sql)
    assert snapshot(team, except_of="alice") != before


def test_an_annotator_writes_their_own_layer(team):
    with connect_as(team, "alice") as conn:
        (span_id,) = conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") "
                                  "VALUES (2, 'alice', 'org', 0, 3) RETURNING id").fetchone()
        assert conn.execute("UPDATE spans SET label = 'org', start = 1 WHERE id = 10").rowcount == 1
        assert conn.execute("DELETE FROM spans WHERE id = 11").rowcount == 1
        conn.execute("INSERT INTO document_status VALUES (2, 'alice', 'in progress')")
        assert conn.execute("UPDATE document_status SET status = 'done' WHERE annotator = 'alice'").rowcount == 2
        conn.execute("INSERT INTO span_notes VALUES (%s, 'my note')", (span_id,))
        assert conn.execute("UPDATE span_notes SET note = 'changed' WHERE span_id = 10").rowcount == 1
        conn.execute("INSERT INTO layer_counts VALUES (2, 'alice', 1)")
        conn.execute("INSERT INTO merged_layers VALUES (2, 'alice', 3, 'mine.db', 'f', now())")
        conn.execute("INSERT INTO change_log (kind, doc_id, first_id, last_id) VALUES ('spans', 2, %s, %s)",
                     (span_id, span_id))
        # the whole own layer at once, as `remove all my spans` would
        assert conn.execute("DELETE FROM spans WHERE doc_id = 1").rowcount == 1  # only span 10 is hers
    with team.admin() as conn:
        assert conn.execute("SELECT count(*) FROM spans WHERE annotator = 'alice'").fetchone() == (1,)
        assert conn.execute("SELECT note FROM span_notes WHERE span_id = %s", (span_id,)).fetchone() == ("my note",)
        assert conn.execute("SELECT changed_by FROM change_log WHERE doc_id = 2").fetchone() == ("alice",)
        assert conn.execute("SELECT count(*) FROM spans WHERE annotator = 'bob'").fetchone() == (3,)


def test_a_reviewer_writes_gold_and_own_decisions_but_no_one_elses_layer(team):
    before = snapshot(team, except_of="rita", with_gold=True)
    outcomes = run_attacks(team, "rita", ON_OTHERS + ON_DOCUMENTS_AND_LABELS)
    assert snapshot(team, except_of="rita", with_gold=True) == before, [o for o in outcomes if "CHANGED" in o[1]]

    with connect_as(team, "rita") as conn:
        (gold_id,) = conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") "
                                  "VALUES (1, 'gold', 'person', 8, 11) RETURNING id").fetchone()
        assert conn.execute("UPDATE spans SET label = 'person' WHERE id = 31").rowcount == 1
        conn.execute("INSERT INTO span_notes VALUES (%s, 'accepted from alice')", (gold_id,))
        assert conn.execute("UPDATE span_notes SET note = 'checked' WHERE span_id = 30").rowcount == 1
        assert conn.execute("UPDATE document_status SET status = 'done' WHERE annotator = 'gold'").rowcount == 1
        conn.execute("INSERT INTO review_decisions (doc_id, start, \"end\", label, decision, reviewer, "
                     "gold_span_id) VALUES (1, 8, 11, 'person', 'accept', 'rita', %s)", (gold_id,))
        # a decision only under one's own name
        assert attempt(conn, "INSERT INTO review_decisions (doc_id, start, \"end\", label, decision, reviewer) "
                             "VALUES (1, 8, 11, 'person', 'accept', 'ruth')").startswith("refused")
        assert attempt(conn, "UPDATE review_decisions SET decision = 'reject' "
                             "WHERE reviewer = 'ruth' AND label IS NOT NULL") == "no rows"
        # taking the document's "reviewed" mark away removes everyone's mark
        assert conn.execute("DELETE FROM review_decisions WHERE decision = 'reviewed'").rowcount == 1
        assert conn.execute("DELETE FROM spans WHERE id = 30").rowcount == 1
    with team.admin() as conn:
        assert conn.execute("SELECT count(*) FROM spans WHERE annotator = 'gold'").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM spans WHERE annotator = 'bob'").fetchone() == (3,)


def test_an_annotator_cannot_write_gold_statuses_or_decisions(team):
    # (part of the first test's attacks, spelt out: the reviewer's rights are
    # not an annotator's)
    with connect_as(team, "bob") as conn:
        for sql in ON_GOLD:
            assert not attempt(conn, sql.replace("{n}", team.name.rsplit("_", 1)[1])).startswith("CHANGED"), sql


def test_an_admin_changes_documents_and_labels_but_no_one_elses_layer(team):
    before = snapshot(team, except_of="adam", with_gold=True)
    outcomes = run_attacks(team, "adam", ON_OTHERS)
    assert snapshot(team, except_of="adam", with_gold=True) == before, [o for o in outcomes if "CHANGED" in o[1]]

    with connect_as(team, "adam") as conn:
        (doc_id,) = conn.execute("INSERT INTO documents (name, text, meta) VALUES ('three', 'Más texto.', "
                                 "'{\"source\": \"wire\"}') RETURNING id").fetchone()
        conn.execute("INSERT INTO labels (name, color, position) VALUES ('place', '#0000ff', 2)")
        assert conn.execute("UPDATE labels SET color = '#123456' WHERE name = 'org'").rowcount == 1
        # a rename follows into every layer (ON UPDATE CASCADE is the server's, not the admin's, write)
        assert conn.execute("UPDATE labels SET name = 'who' WHERE name = 'person'").rowcount == 1
        assert conn.execute("DELETE FROM documents WHERE id = 2").rowcount == 1  # with everyone's spans in it
        # the gold layer: an admin is also a reviewer
        conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'gold', 'place', 15, 19)")
    with team.admin() as conn:
        assert conn.execute("SELECT length, text_sha256 FROM documents WHERE id = %s", (doc_id,)).fetchone() == (
            10, hashlib.sha256("Más texto.".encode()).hexdigest())
        assert conn.execute("SELECT DISTINCT label FROM spans WHERE annotator = 'bob' ORDER BY 1").fetchall() == [("org",), ("who",)]
        assert conn.execute("SELECT count(*) FROM spans WHERE doc_id = 2").fetchone() == (0,)


def test_an_id_given_above_the_sequence_does_not_block_later_inserts(team):
    # Undo gives ids back; an id given far ahead (by mistake or on purpose)
    # must not make someone else's next insert fail on the same id.
    with connect_as(team, "alice") as conn:
        conn.execute("INSERT INTO spans (id, doc_id, annotator, label, start, \"end\") "
                     "VALUES (1000, 2, 'alice', 'org', 0, 1)")
    with connect_as(team, "bob") as conn:
        (new_id,) = conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") "
                                 "VALUES (2, 'bob', 'org', 1, 2) RETURNING id").fetchone()
    assert new_id > 1000
