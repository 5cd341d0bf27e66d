"""The document list's name filter through its trigram index (migration
0013_document_names, storage/sqlite/document_list.py): "contains", ASCII
letters in either case and nothing else folded (LIKE's rule, as before the
index), exact, in every sort and direction, the same whichever way the
store answers (sorted matches, a walk of the name index, no index at all),
and kept true by the triggers whatever changes a name."""

from __future__ import annotations

import random
import sqlite3

import pytest
from sqlite_utils import Database

from annotator.core import ops
from annotator.core.document_query import DocumentQuery
from annotator.core.formats.document import ParsedDocument
from annotator.core.importer import import_documents
from annotator.core.storage import Project
from annotator.core.storage.sqlite import document_list, migrations

STAGES = {"new": 0, "in progress": 1, "done": 2}
ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# Names with what LIKE, FTS5 query syntax and case folding could get wrong.
PARTS = ["Minister", "minister", "MINISTER", "Été", "été", "ÉTÉ", "Straße", "STRASSE", "Ωmega", "ωmega",
         "北京新闻", "новости", "НОВОСТИ", "100%", "a_b", "a\\b", 'say "hi"', "it's", "x OR y", "NEAR(z)",
         "star*", "col:umn", "^caret", "ab", "K", "\u212a", "emoji 🙂🙂", "tab\there", "0042", "10042"]
FILTERS = ["min", "MINI", "ister", "été", "ÉTÉ", "Été", "tÉ", "strasse", "straße", "ωme", "Ωme", "北京新",
           "京新", "новости", "НОВ", "0%", "100%", "a_b", "_b", "a\\b", "\\b", 'y "h', '"hi"', "it's",
           "'s", "x or y", "OR", "NEAR(", "ar*", "*", "col:", "^ca", "ab", "k", "\u212a", "🙂🙂", "oji 🙂",
           "\there", "0042", "042", "004", "zzz", "", "-1", "2-0"]


def generated(project, seed: int = 7):
    """250 documents named from PARTS (two parts and a number each), alice's
    span counts 0-3 and every status."""
    rng = random.Random(seed)
    docs = []
    for i in range(250):
        name = f"{rng.choice(PARTS)}-{rng.choice(PARTS)}-{rng.randrange(30)}"
        text = f"text {i} " * 3
        spans = [(k * 2, k * 2 + 1, "actor") for k in range(rng.randrange(4))]
        docs.append(ParsedDocument(name, text, annotator="alice", spans=spans))
    import_documents(project, docs, annotator=None)
    ids = [d.id for d in project.document_summaries("alice")]
    for doc_id in ids[::5]:
        ops.set_status(project, doc_id, "alice", "done")
    for doc_id in ids[1::9]:
        ops.set_status(project, doc_id, "alice", "new")
    return project


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    """(read only: shared by the module's tests)"""
    with Project.open(tmp_path_factory.mktemp("names") / "names.db") as project:
        yield generated(project)


def python_filter(project, query: DocumentQuery) -> list[int]:
    """The list's rows by a plain Python filter and sort of every row."""
    rows = project.document_summaries("alice")
    text = query.name_contains.translate(ASCII_FOLD)
    rows = [r for r in rows if text in r.name.translate(ASCII_FOLD)]
    key = {"name": lambda r: (r.name.translate(ASCII_FOLD).encode(), r.id),
           "spans": lambda r: (r.span_count, r.id),
           "status": lambda r: (STAGES[r.status], r.id)}[query.sort]
    return [r.id for r in sorted(rows, key=key, reverse=query.descending)]


def listed(project, query: DocumentQuery) -> tuple[int, list[int], list[int | None]]:
    """(total, every row by pages of 7, each listed document's row)"""
    total = project.document_total(query)
    ids = []
    for offset in range(0, total, 7):
        ids += [row.id for row in project.document_page("alice", query, offset, 7, total)]
    return total, ids, [project.document_row("alice", query, doc_id, total) for doc_id in ids]


def agrees(project, query: DocumentQuery) -> None:
    want = python_filter(project, query)
    total, ids, rows = listed(project, query)
    assert (total, ids) == (len(want), want), query
    assert rows == list(range(total)), query
    outside = {d.id for d in project.document_summaries("alice")} - set(want)
    for doc_id in sorted(outside)[:3]:
        assert project.document_row("alice", query, doc_id, total) is None


# Each way the store answers a filter: its matches sorted whole (few), the
# name index walked with LIKE / the index's matches sorted a page at a time
# (many: SORT_AT_MOST 0 makes every filter "many").
@pytest.mark.parametrize("sort_at_most", [20_000, 0], ids=["few", "many"])
@pytest.mark.parametrize("sort", ["name", "spans", "status"])
def test_every_filter_lists_what_a_python_filter_lists(names, monkeypatch, sort, sort_at_most):
    monkeypatch.setattr(document_list, "SORT_AT_MOST", sort_at_most)
    for text in FILTERS:
        for descending in (False, True):
            agrees(names, DocumentQuery(sort, descending, text))


def test_the_filters_find_something(names):
    """(The comparison above means little if every filter finds nothing.)"""
    found = {text: names.document_total(DocumentQuery(name_contains=text)) for text in FILTERS}
    assert [t for t in FILTERS if not found[t]] == ["zzz"], found
    assert found["été"] != found["ÉTÉ"]  # only ASCII letters fold, as with LIKE
    assert found["k"] and found["\u212a"]  # (and the Kelvin sign is not a K: above)


def test_a_project_without_the_index_filters_the_same(tmp_path):
    """A SQLite without FTS5's trigram tokenizer makes no index: the filter
    then walks the name index with LIKE, and lists the same rows."""
    with Project.open(tmp_path / "p.db") as project:
        generated(project, seed=11)
        with_index = {t: listed(project, DocumentQuery("name", False, t))[:2] for t in FILTERS}
        project.conn.execute("DROP TABLE document_names")
        for suffix in ("insert", "delete", "update"):
            project.conn.execute(f"DROP TRIGGER document_names_{suffix}")
        assert document_list.name_filter(project.conn, "minister").match is None
        for text in FILTERS:
            assert listed(project, DocumentQuery("name", False, text))[:2] == with_index[text], text
            agrees(project, DocumentQuery("status", True, text))


def test_the_index_follows_names_added_changed_and_removed(tmp_path):
    """Documents are only ever added by the program (import, merge); the
    triggers keep the index true if another program renames or removes one."""
    with Project.open(tmp_path / "p.db") as project:
        generated(project, seed=5)
        ids = [d.id for d in project.document_summaries("alice")]
        conn = project.conn
        conn.execute("UPDATE documents SET name = 'Renamed MINISTERIAL' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE documents SET name = 'gone' WHERE id = ?", (ids[1],))
        conn.execute("DELETE FROM documents WHERE id = ?", (ids[2],))
        conn.execute("UPDATE documents SET id = 100000 WHERE id = ?", (ids[3],))
        conn.commit()
        import_documents(project, [ParsedDocument("a new Minister", "new text")], annotator="alice")
        for text in FILTERS + ["ministerial", "renamed", "a new", "gone"]:
            agrees(project, DocumentQuery("name", False, text))
            agrees(project, DocumentQuery("spans", True, text))
        assert listed(project, DocumentQuery(name_contains="ministerial"))[1] == [ids[0]]
        assert project.document_total(DocumentQuery(name_contains="renamed")) == 1


def test_an_older_project_gets_its_names_indexed(project_path):
    db = Database(project_path)
    migrations.migrations().apply(db, stop_before="0013_document_names")
    for name in ("Prime Minister", "minister-2", "Other"):
        db.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES (?, 'old text', ?, 8)",
                   (name, name))
    db.conn.commit()
    db.close()
    with Project.open(project_path) as p:
        assert "0013_document_names" in migrations.applied(p.conn)
        assert document_list.name_filter(p.conn, "MINISTER").match is not None
        query = DocumentQuery(name_contains="MINISTER")
        assert [r.name for r in p.document_page("x", query, 0, 10, p.document_total(query))] == [
            "minister-2", "Prime Minister"]


def plan(project, sql: str, params: tuple) -> str:
    return " / ".join(row[3] for row in project.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_a_filter_of_three_characters_or_more_is_answered_by_the_index(names):
    """Its count, its sorted matches and its places never read the name
    index whole (a million entries) nor scan the documents."""
    match = document_list.name_filter(names.conn, "minister").match
    plans = {
        "count": plan(names, document_list._COUNT_FILTER, ("%x%",)),  # (1-2 characters, or no index)
        "matches count": plan(names, document_list._MATCHES_COUNT, (match,)),
        "by name": plan(names, document_list._MATCHES_BY_NAME, (match,)),
        "by spans": plan(names, document_list._MATCHES_BY_SPANS, ("alice", match, 10, 0)),
        "by status, before": plan(names, document_list._MATCHES_STAGE_BEFORE, ("alice", match, 1, 5)),
    }
    assert "documents_by_name" in plans["count"]
    for name in ("matches count", "by name", "by spans", "by status, before"):
        assert "VIRTUAL TABLE" in plans[name], plans[name]
        assert "documents_by_name" not in plans[name] and "SCAN d " not in plans[name], plans[name]
    assert "documents" not in plans["by name"]  # (the names are the index's own)
    assert document_list.name_filter(names.conn, "mi").match is None  # (no trigram: LIKE)


def test_totals_follow_documents_added_here_or_by_another_program(tmp_path):
    """Totals are kept between the list's questions; a document added by
    this connection or another must not leave one stale."""
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        generated(project, seed=2)
        queries = [DocumentQuery(), DocumentQuery(name_contains="mi"), DocumentQuery(name_contains="minister")]
        before = [project.document_total(q) for q in queries]
        import_documents(project, [ParsedDocument("Minister 1", "one")], annotator="alice")
        assert [project.document_total(q) for q in queries] == [n + 1 for n in before]
        with Project.open(path) as other:
            import_documents(other, [ParsedDocument("minister 2", "two")], annotator="alice")
        assert [project.document_total(q) for q in queries] == [n + 2 for n in before]
        for query in queries:
            agrees(project, query)


def test_a_bulk_load_may_index_its_names_at_the_end(tmp_path):
    """`deferring_name_index`: the insert trigger stopped for a load, its
    names indexed in one statement as it ends, the trigger made again
    exactly as the migration made it; a failed load leaves it in place."""
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        generated(project, seed=4)
        trigger = "SELECT sql FROM sqlite_master WHERE name = 'document_names_insert'"
        made = project.conn.execute(trigger).fetchone()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        with document_list.deferring_name_index(conn):
            assert conn.execute(trigger).fetchone() is None
            conn.executemany("INSERT INTO documents (name, text, text_sha256, length) VALUES (?, 't', ?, 1)",
                             [(f"Loaded Minister {i}", str(i)) for i in range(30)])
        conn.execute("COMMIT")
        assert conn.execute(trigger).fetchone() == made
        for end in ("ROLLBACK", "COMMIT"):  # (a caller may catch the error and commit)
            conn.execute("BEGIN IMMEDIATE")
            with pytest.raises(RuntimeError), document_list.deferring_name_index(conn):
                conn.execute("INSERT INTO documents (name, text, text_sha256, length) "
                             "VALUES (?, 't', 'y', 1)", (f"Failed Minister {end}",))
                raise RuntimeError("the load failed")
            conn.execute(end)
            assert conn.execute(trigger).fetchone() == made
        conn.close()
        assert project.document_total(DocumentQuery(name_contains="loaded minister")) == 30
        assert listed(project, DocumentQuery(name_contains="failed minister"))[0] == 1
        for text in FILTERS + ["loaded", "failed"]:
            agrees(project, DocumentQuery("name", True, text))
