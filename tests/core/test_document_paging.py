"""The document list's paged queries (storage/sqlite/document_list.py):
every sort and filter agrees with a Python sort of the same rows, a row's
place is the count before it, the filter and sorts are index walks (query
plans), and each layer's span count (layer_counts) stays true through
every kind of span write and an upgrade from before it existed."""

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


def build(project):
    """60 documents: names in both cases (and one with LIKE's wildcards),
    alice's span counts 0-4 and every status, some of bob's."""
    rng = random.Random(3)
    docs = []
    for i in range(60):
        name = rng.choice(["Alpha", "alpha", "beta", "Beta_x", "gamma%", "été"]) + f"-{rng.randrange(100):02d}"
        text = "word " * 10
        spans = [(k * 5, k * 5 + 4, "actor") for k in range(rng.randrange(5))]
        docs.append(ParsedDocument(name, text, annotator="alice", spans=spans))
        if i % 4 == 0:
            docs.append(ParsedDocument(name, text, annotator="bob", spans=[(0, 4, "date")]))
    import_documents(project, docs, annotator=None)
    ids = [d.id for d in project.document_summaries("alice")]
    for doc_id in ids[::7]:
        ops.set_status(project, doc_id, "alice", "done")
    for doc_id in ids[::11]:
        ops.set_status(project, doc_id, "alice", "new")
    return project


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(read only: shared by the module's tests)"""
    with Project.open(tmp_path_factory.mktemp("paging") / "small.db") as project:
        yield build(project)


@pytest.fixture
def fresh(project):
    return build(project)


def expected(project, query: DocumentQuery) -> list[int]:
    rows = project.document_summaries("alice")
    if query.name_contains:
        text = query.name_contains.translate(ASCII_FOLD)
        rows = [r for r in rows if text in r.name.translate(ASCII_FOLD)]
    key = {"name": lambda r: (r.name.translate(ASCII_FOLD), r.id),
           "spans": lambda r: (r.span_count, r.id),
           "status": lambda r: (STAGES[r.status], r.id)}[query.sort]
    return [r.id for r in sorted(rows, key=key, reverse=query.descending)]


QUERIES = [DocumentQuery(sort, descending, prefix) for sort in ("name", "spans", "status")
           for descending in (False, True) for prefix in ("", "al", "BETA_", "gamma%", "z", "A-0", "%", "PHA")]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_every_sort_and_filter_pages_like_a_python_sort(small, query):
    want = expected(small, query)
    total = small.document_total(query)
    assert total == len(want)
    got = []
    for offset in range(0, total, 7):  # pages from both ends of each index walk
        got += [row.id for row in small.document_page("alice", query, offset, 7, total)]
    assert got == want
    assert [small.document_row("alice", query, doc_id, total) for doc_id in want] == list(range(total))


def test_a_row_not_listed_has_no_place(small):
    query = DocumentQuery(name_contains="alpha")
    outside = next(d.id for d in small.document_summaries("alice") if d.name.startswith("beta"))
    assert small.document_row("alice", query, outside, small.document_total(query)) is None
    assert small.document_row("alice", DocumentQuery(), 10_000, 60) is None


def test_a_page_carries_the_annotators_count_and_status(small):
    by_id = {d.id: d for d in small.document_summaries("bob")}
    page = small.document_page("bob", DocumentQuery("spans", True), 0, 100, 60)
    assert page == sorted(by_id.values(), key=lambda d: (d.span_count, d.id), reverse=True)


def plan(project, sql: str, params: tuple) -> str:
    return " / ".join(row[3] for row in project.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_the_filter_sorts_and_places_are_index_walks(small):
    """No SCAN of the documents table (a million texts) and no sort of a
    million rows: each query walks an index."""
    pattern = document_list.like_contains("al")
    plans = {
        "filter page": plan(small, document_list._NAME_FILTER_ASC, (pattern, 200, 0)),
        "filter count": plan(small, document_list._COUNT_FILTER, (pattern,)),
        "name page": plan(small, document_list._NAME_DESC, (200, 0)),
        "name place": plan(small, document_list._NAME_BEFORE, ("alpha-01", 5)),
        "spans page": plan(small, document_list._SPANS_SOME_ASC, ("alice", 200, 0)),
        "spans place": plan(small, document_list._SPANS_SOME_BEFORE, ("alice", 2, 5)),
        "without spans": plan(small, document_list._SPANS_NONE_ASC, ("alice", 200, 0)),
        "status page": plan(small, document_list._STAGE_SOME_DESC, ("alice", 200, 0)),
        "status place": plan(small, document_list._STAGE_SOME_BEFORE, ("alice", 1, 5)),
        "started before": plan(small, document_list._STAGE_SOME_BEFORE_ID, ("alice", 5)),
        "annotated": plan(small, document_list._SPANS_COUNT, ("alice",)),
        "started": plan(small, document_list._STAGE_COUNT, ("alice",)),
    }
    # "contains" reads the name index whole: names only, never a text
    assert "SCAN documents USING COVERING INDEX documents_by_name" in plans["filter page"]
    assert "COVERING INDEX documents_by_name" in plans["filter count"]
    assert "COVERING INDEX documents_by_name" in plans["name page"]
    assert "COVERING INDEX documents_by_name (name<?)" in plans["name place"]
    assert "COVERING INDEX layer_counts_by_spans" in plans["spans page"]
    assert "layer_counts_by_spans" in plans["spans place"]
    assert "COVERING INDEX documents_length" in plans["without spans"]
    assert "PRIMARY KEY" in plans["without spans"]
    assert "document_status_by_stage" in plans["status page"]
    assert "document_status_by_stage" in plans["status place"]
    assert "document_status_started" in plans["started before"]
    # the counts kept per connection: covering walks with nothing tested per entry
    assert "COVERING INDEX layer_counts_by_spans (annotator=?)" in plans["annotated"]
    assert "COVERING INDEX document_status_by_stage (annotator=?)" in plans["started"]
    for name, text in plans.items():
        assert "TEMP B-TREE" not in text, (name, text)
        assert "SCAN documents USING" in text or "SCAN documents" not in text, (name, text)


def counts_agree(project) -> None:
    stored = {(d, a): n for d, a, n in project.conn.execute(
        "SELECT doc_id, annotator, spans FROM layer_counts WHERE spans <> 0")}
    actual = {(d, a): n for d, a, n in project.conn.execute(
        "SELECT doc_id, annotator, count(*) FROM spans GROUP BY doc_id, annotator")}
    assert stored == actual


def test_each_layers_span_count_follows_every_span_write(fresh):
    small = fresh
    counts_agree(small)
    doc = small.document_summaries("alice")[0].id
    added = ops.add_span(small, doc, "alice", "date", 0, 4)  # insert_span
    counts_agree(small)
    ops.remove_span(small, added.added[0].id)  # delete_span
    counts_agree(small)
    many = ops.tag_all(small, small.spans(doc, "bob")[0] if small.spans(doc, "bob") else
                       ops.add_span(small, doc, "bob", "date", 0, 4).added[0], "word " * 10)
    counts_agree(small)  # insert_new_spans
    ops.apply(small, many.inverse())  # undo: delete_spans
    counts_agree(small)
    ops.apply(small, many)  # redo: spans back under their ids
    counts_agree(small)
    assert small.document_rows("bob", [doc])[0].span_count == len(small.spans(doc, "bob"))


def test_an_older_project_with_spans_is_upgraded_with_its_counts(project_path):
    db = Database(project_path)
    migrations.migrations().apply(db, stop_before="0011_document_list")
    db.execute("INSERT INTO labels (name, color, hotkey, position) VALUES ('actor', '#E69F00', '1', 0)")
    for name in ("b-old", "A-old", "c-old"):
        db.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES (?, 'old text', ?, 8)",
                   (name, name))
    db.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'ann', 'actor', 0, 3)")
    db.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, 'ann', 'actor', 4, 8)")
    db.execute("INSERT INTO document_status (doc_id, annotator, status) VALUES (3, 'ann', 'done')")
    db.conn.commit()
    db.close()
    with Project.open(project_path) as p:
        assert "0011_document_list" in migrations.applied(p.conn)
        counts_agree(p)
        assert [r.name for r in p.document_page("ann", DocumentQuery(), 0, 10, 3)] == ["A-old", "b-old", "c-old"]
        by_spans = p.document_page("ann", DocumentQuery("spans", True), 0, 10, 3)
        assert [(r.name, r.span_count) for r in by_spans] == [("b-old", 2), ("c-old", 0), ("A-old", 0)]
        by_status = p.document_page("ann", DocumentQuery("status", True), 0, 10, 3)
        assert [(r.name, r.status) for r in by_status][0] == ("c-old", "done")
    with sqlite3.connect(project_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _pages_agree(project, query) -> None:
    want = expected(project, query)
    total = project.document_total(query)
    assert [row.id for row in project.document_page("alice", query, 0, total, total)] == want
    assert [project.document_row("alice", query, doc_id, total) for doc_id in want] == list(range(total))


@pytest.mark.parametrize("sort", ["spans", "status"])
def test_pages_and_places_follow_a_change_made_here_or_by_another_program(fresh, project_path, sort):
    """The count of the annotator's annotated (or started) documents is kept
    between pages; a write here or elsewhere must not leave it stale."""
    query = DocumentQuery(sort)
    _pages_agree(fresh, query)
    untouched = [d.id for d in fresh.document_summaries("alice") if d.span_count == 0 and d.status == "new"]
    ops.add_span(fresh, untouched[0], "alice", "date", 0, 4)  # this connection: now annotated and started
    _pages_agree(fresh, query)
    with Project.open(project_path) as other:  # another program
        ops.add_span(other, untouched[1], "alice", "date", 0, 4)
    _pages_agree(fresh, query)


def test_a_layer_whose_spans_were_all_removed_sorts_among_the_documents_without(fresh):
    """Its layer_counts row stays, at 0: it is not an annotated document."""
    doc = next(d for d in fresh.document_summaries("alice") if d.span_count > 0)
    for span in fresh.spans(doc.id, "alice"):
        ops.remove_span(fresh, span.id)
    assert fresh.conn.execute("SELECT spans FROM layer_counts WHERE doc_id = ? AND annotator = 'alice'",
                              (doc.id,)).fetchone() == (0,)
    for descending in (False, True):
        _pages_agree(fresh, DocumentQuery("spans", descending))
