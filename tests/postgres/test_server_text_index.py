"""A large import into a server project leaves its text out of the trigram
index, to be indexed afterwards (migration 0005; unit.py's
`deferring_text_index`, search.py's `index_pending_text`), as the project
file does: an import of `fulltext.INDEX_AT_ONCE` documents or more leaves
them pending, a smaller one indexes them at once; searches find pending
text all the same; slices are bounded by documents and characters and
skip rows another session holds; no one writes `indexed` but the owner's
functions; an older project is upgraded with its documents indexed; and
the command line and the window do what they do for a file."""

from __future__ import annotations

import threading

import psycopg
import pytest
from PySide6.QtCore import QSettings

from annotator.core import importer
from annotator.core.errors import ImportRejected
from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents, import_files
from annotator.core.storage.postgres import admin, migrations
from annotator.core.storage.postgres.connect import connect, transaction
from annotator.core.storage.postgres.opening import open_server_project
from annotator.core.storage.postgres.project import ServerProject
from annotator.core.storage.sqlite import fulltext
from tests.core.helpers import write_jsonl
from tests.postgres.conftest import opened_people, set_up_team
from tests.postgres.test_cli_server import invoke

PEOPLE = {"adam": "admin", "rita": "reviewer", "alice": "annotator"}


def password(name: str) -> str:
    return f"{name} pw"


@pytest.fixture
def team(database):
    set_up_team(database.owner_url, PEOPLE, password)
    return database


@pytest.fixture
def people(team):
    with opened_people(team, PEOPLE, password) as opened:
        yield opened


def articles(n: int, start: int = 0) -> list[dict]:
    """`n` short articles: each names its own number ("story 0123 ..."), every
    one mentions a narwhal, every tenth a walrus; one actor span each."""
    return [{"meta": {"name": f"story {i:04d}"},
             "text": f"Story {i:04d} about a narwhal in Oslo." + (" A WALRUS too." if i % 10 == 0 else ""),
             "annotator": "adam", "spans": [{"start": 0, "end": 5, "label": "actor"}]}
            for i in range(start, start + n)]


def indexed_flags(team) -> list[bool]:
    with team.admin() as conn:
        return [row[0] for row in conn.execute("SELECT indexed FROM documents ORDER BY id")]


def test_a_large_import_leaves_its_text_pending_and_searches_find_it(team, people, tmp_path):
    adam, alice = people["adam"], people["alice"]
    n = fulltext.INDEX_AT_ONCE
    result = import_files(adam, [write_jsonl(tmp_path / "big.jsonl", articles(n))], annotator=None)
    assert result.documents_added == n
    assert alice.text_index_pending() == n and indexed_flags(team) == [False] * n
    walrus = alice.search_documents("walrus")
    expected = [doc_id for doc_id, name, _ in sorted(alice.document_keys(), key=lambda k: k[1])
                if int(name.split()[1]) % 10 == 0]
    assert walrus == expected and len(walrus) == n // 10
    assert alice.search_documents("STORY 1234 ABOUT") == [alice.document_keys()[1234][0]]
    assert len(list(alice.documents_containing(["narwhal", "oslo"]))) == n
    # indexed a slice at a time by anyone (here an annotator), lowest ids first
    assert [alice.index_pending_text(500) for _ in range(4)] == [n - 500, n - 1000, n - 1500, 0]
    assert indexed_flags(team) == [True] * n
    assert alice.search_documents("walrus") == walrus
    assert alice.search_documents("STORY 1234 ABOUT") == [alice.document_keys()[1234][0]]
    assert alice.index_pending_text(500) == 0


def test_a_smaller_import_is_indexed_at_once(team, people, tmp_path):
    adam = people["adam"]
    n = fulltext.INDEX_AT_ONCE - 1
    # (several batches: the number is known only when the import ends)
    import_files(adam, [write_jsonl(tmp_path / "small.jsonl", articles(n))], annotator=None)
    assert adam.text_index_pending() == 0 and indexed_flags(team) == [True] * n
    # a large one after it: only its own documents are pending
    import_files(adam, [write_jsonl(tmp_path / "big.jsonl", articles(fulltext.INDEX_AT_ONCE, n))], annotator=None)
    assert adam.text_index_pending() == fulltext.INDEX_AT_ONCE
    assert indexed_flags(team) == [True] * n + [False] * fulltext.INDEX_AT_ONCE
    # re-importing them adds no document: nothing more is pending, nothing is indexed
    import_files(adam, [write_jsonl(tmp_path / "again.jsonl", articles(n + fulltext.INDEX_AT_ONCE))],
                 annotator=None)
    assert adam.text_index_pending() == fulltext.INDEX_AT_ONCE


def test_an_import_that_fails_leaves_nothing_pending(team, people, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 500)  # (written before the bad line is read)
    lines = articles(fulltext.INDEX_AT_ONCE + 500) + ['{"text": "no closing brace"']
    with pytest.raises(ImportRejected):
        import_files(people["adam"], [write_jsonl(tmp_path / "bad.jsonl", lines)], annotator=None)
    assert people["adam"].document_count() == 0 and people["adam"].text_index_pending() == 0


def test_a_slice_is_bounded_by_characters_and_always_takes_one(team, people, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 1)
    adam = people["adam"]
    part = fulltext.SLICE_CHARS * 2 // 5  # two fit in a slice, three do not
    texts = [f"{i} " + "x" * part for i in range(3)] + ["huge " + "y" * (fulltext.SLICE_CHARS + 10)]
    import_documents(adam, [ParsedDocument(name=f"long {i}", text=text) for i, text in enumerate(texts)],
                     annotator=None)
    assert adam.text_index_pending() == 4
    assert adam.index_pending_text(500) == 2 and indexed_flags(team) == [True, True, False, False]
    assert adam.index_pending_text(500) == 1  # the third alone: with the huge one it is too much
    assert adam.index_pending_text(500) == 0  # the huge one alone, though over the bound
    assert adam.search_documents("huge yyy") == [4]
    assert adam.index_pending_text(0) == 0 and adam.index_pending_text(-3) == 0


def test_rows_another_session_holds_are_skipped_not_waited_for(team, people, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 1)
    import_documents(people["adam"], [ParsedDocument(name=f"d{i}", text=f"text {i}") for i in range(5)],
                     annotator=None)
    alice = people["alice"]
    alice.conn.execute("SET lock_timeout = '2s'")  # (waiting would raise instead of hanging)
    with psycopg.connect(team.url("adam", password("adam"))) as editing:
        # an admin's change to the first pending document, not committed yet
        editing.execute("UPDATE documents SET meta = '{\"edited\": true}' WHERE id = 1")
        assert alice.index_pending_text(500) == 1
        assert indexed_flags(team) == [False, True, True, True, True]
        editing.commit()
    assert alice.index_pending_text(500) == 0


def test_two_indexers_at_once_take_different_slices(team, people, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 1)
    n = 400
    import_documents(people["adam"], [ParsedDocument(name=f"d{i}", text=f"text {i}") for i in range(n)],
                     annotator=None)
    left: dict[str, list[int]] = {"alice": [], "rita": []}

    def index_all(name: str) -> None:
        while True:
            left[name].append(people[name].index_pending_text(7))
            if left[name][-1] == 0:
                return

    workers = [threading.Thread(target=index_all, args=(name,)) for name in left]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not any(worker.is_alive() for worker in workers)
    assert left["alice"][-1] == left["rita"][-1] == 0 and indexed_flags(team) == [True] * n


FUNCTIONS = ("SELECT proname, prosecdef, proconfig, prosrc, proacl::text FROM pg_proc "
             "WHERE pronamespace = 'public'::regnamespace ORDER BY proname")


def test_no_one_writes_indexed_but_the_owners_functions(team, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 1)
    with ServerProject.open(team.url("adam", password("adam"))) as adam:
        import_documents(adam, [ParsedDocument(name="d", text="pending text")], annotator=None)
    with team.admin() as conn:
        functions = conn.execute(FUNCTIONS).fetchall()
    for name, role in PEOPLE.items():
        with psycopg.connect(team.url(name, password(name)), autocommit=True) as conn:
            for attack in ("UPDATE documents SET indexed = true", "UPDATE documents SET indexed = NOT indexed",
                           "UPDATE documents SET name = name, indexed = true WHERE id = 1"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(attack)
            if role != "admin":  # only admins add documents, and end their own imports
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("SELECT index_text_between(1, 1)")
            for attack in ("ALTER FUNCTION index_pending_text(integer) SECURITY INVOKER",
                           ("CREATE OR REPLACE FUNCTION index_pending_text(most integer) RETURNS bigint "
                            "LANGUAGE sql AS 'SELECT 0::bigint'"),
                           "GRANT EXECUTE ON FUNCTION index_text_between(bigint, bigint) TO PUBLIC"):
                try:
                    conn.execute(attack)  # (a GRANT one may not give only warns)
                except psycopg.Error:
                    pass
    assert indexed_flags(team) == [False]
    with team.admin() as conn:
        assert conn.execute(FUNCTIONS).fetchall() == functions
        conn.execute("CREATE ROLE outsider NOLOGIN")
        for function in ("index_pending_text(integer)", "index_text_between(bigint, bigint)"):
            row = conn.execute("SELECT prosecdef, proconfig, has_function_privilege('outsider', oid, 'EXECUTE') "
                               "FROM pg_proc WHERE oid = %s::regprocedure", (function,)).fetchone()
            assert row == (True, ["search_path=pg_catalog, public, pg_temp"], False), function
    # the admin's import ends through the function; an annotator's window indexes through the other
    with psycopg.connect(team.url("adam", password("adam")), autocommit=True) as conn:
        conn.execute("SELECT index_text_between(1, 1)")
    assert indexed_flags(team) == [True]


def test_an_older_project_is_upgraded_with_its_documents_indexed(database, monkeypatch):
    url = database.owner_url
    before = tuple(m for m in migrations.MIGRATIONS if m.version < 5)
    with monkeypatch.context() as patched, connect(url) as conn:
        patched.setattr(migrations, "MIGRATIONS", before)
        migrations.apply_pending(conn, lambda doing: transaction(conn, url, doing))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO documents (name, text) SELECT 'old ' || i, 'An old walrus, ' || i "
                     "FROM generate_series(1, 30) i")
    report = admin.init_server(url)
    assert "0005_deferred_text_index" in report.applied
    with database.admin() as conn:
        assert conn.execute("SELECT count(*) FROM documents WHERE indexed").fetchone() == (30,)
        (definition,) = conn.execute("SELECT indexdef FROM pg_indexes "
                                     "WHERE indexname = 'documents_text_trigrams'").fetchone()
        assert definition.endswith("WHERE indexed")
        assert conn.execute("SELECT count(*) FROM pg_statistic_ext "
                            "WHERE stxname = 'documents_text_folded'").fetchone() == (1,)
    with ServerProject.open(url) as project:
        assert project.text_index_pending() == 0
        assert len(project.search_documents("OLD WALRUS")) == 30


def test_the_command_line_says_when_it_left_text_pending(team, tmp_path):
    url = team.url("adam", password("adam"))
    small = invoke(url, "import", write_jsonl(tmp_path / "small.jsonl", articles(10)))
    assert small.exit_code == 0, small.output
    assert "Text search" not in small.stderr
    big = invoke(url, "import", write_jsonl(tmp_path / "big.jsonl", articles(fulltext.INDEX_AT_ONCE, 10)))
    assert big.exit_code == 0, big.output
    assert f"Text search: {fulltext.INDEX_AT_ONCE:,} documents are not in the search index yet" in big.stderr
    # an annotator's `annotator index` does what the window would (the owner's function)
    indexed = invoke(team.url("alice", password("alice")), "index")
    assert indexed.exit_code == 0, indexed.output
    assert f"Indexed the text of {fulltext.INDEX_AT_ONCE:,} documents" in indexed.stderr
    with ServerProject.open(url) as project:
        assert project.text_index_pending() == 0


def test_the_window_indexes_a_server_projects_pending_text(team, qtbot, tmp_path, monkeypatch):
    from annotator.gui import text_indexer
    from annotator.gui.main_window import MainWindow

    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)
    monkeypatch.setattr(text_indexer, "SLICE", 7)
    with ServerProject.open(team.url("adam", password("adam"))) as adam:
        import_documents(adam, [ParsedDocument(name=f"doc-{i:02d}", text=f"Story {i} about a narwhal.")
                                for i in range(40)], annotator=None)
    project = open_server_project(team.url("alice", password("alice")))  # an annotator's window
    assert project.text_index_pending() == 40
    window = MainWindow(project, project.login, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.text_index.indexer is not None
    qtbot.waitUntil(lambda: project.text_index_pending() == 0, timeout=20_000)
    qtbot.waitUntil(lambda: not window.text_index.label.isVisible(), timeout=5_000)
    assert indexed_flags(team) == [True] * 40
    assert len(project.search_documents("narwhal")) == 40
