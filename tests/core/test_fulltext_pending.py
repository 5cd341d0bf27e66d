"""A large import leaves its documents' text out of the full-text index
(migration 0012_fulltext_pending): searches still find them, by reading
their text; `index_pending_text` indexes them a slice per call; another
program deleting or changing a pending document leaves the index sound."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents
from annotator.core.storage import Project, open_read_only
from annotator.core.storage.sqlite import fulltext
from tests.core.test_fulltext import QUERIES, TEXTS, expected, names

# Enough documents of every script to pass the threshold the test sets.
CORPUS = {f"{name}-{i}": text for i in range(3) for name, text in TEXTS.items()}


@pytest.fixture
def deferring(monkeypatch):
    """Imports of 5 documents or more leave their text pending."""
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)


def add(project: Project, docs: dict[str, str]) -> None:
    import_documents(project, [ParsedDocument(name=name, text=text) for name, text in docs.items()],
                     annotator=None)


def _indexed(path, trigram: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM documents_fts_terms WHERE term = ?", (trigram,)).fetchone()[0]


def _index_is_sound(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 0)")


def test_a_small_import_is_indexed_at_once(project, project_path):
    add(project, TEXTS)
    assert project.text_index_pending() == 0
    assert _indexed(project_path, "wom") == 0 and _indexed(project_path, "min") == 1


def test_a_large_import_leaves_its_text_pending(deferring, project, project_path):
    add(project, CORPUS)
    assert project.text_index_pending() == len(CORPUS)
    assert _indexed(project_path, "min") == 0  # nothing of it in the index yet


@pytest.mark.parametrize("query", QUERIES)
def test_pending_documents_are_found_before_and_after_indexing(deferring, project, query):
    add(project, {"indexed-" + name: text for name, text in list(TEXTS.items())[:2]})  # below the threshold
    add(project, CORPUS)
    every = {"indexed-" + name: text for name, text in list(TEXTS.items())[:2]} | CORPUS
    want = expected(every, query)
    assert names(project, project.search_documents(query)) == want
    assert names(project, project.search_documents(query, limit=3)) == want[:3]
    # (imported in this order: id order)
    assert [row[1] for row in project.documents_containing(query)] == [n for n in every if n in want]
    while project.index_pending_text(4):
        pass
    assert project.text_index_pending() == 0
    assert names(project, project.search_documents(query)) == want
    assert names(project, project.search_documents(query, limit=3)) == want[:3]


def test_indexing_goes_a_slice_at_a_time_and_ends_with_everything_indexed(deferring, project, project_path):
    add(project, CORPUS)
    left = [project.index_pending_text(10)]
    while left[-1]:
        left.append(project.index_pending_text(10))
    assert left == [max(0, len(CORPUS) - 10 * k) for k in range(1, len(left) + 1)]
    assert _indexed(project_path, "min") == 3  # the three Latin documents, once each
    _index_is_sound(project_path)
    assert project.index_pending_text(10) == 0  # nothing left: a no-op


def test_a_read_only_project_scans_and_never_writes(deferring, project_path):
    with Project.open(project_path) as p:
        add(p, CORPUS)
    with open_read_only(project_path) as p:
        assert p.index_pending_text(100) == 0
        assert names(p, p.search_documents("minister")) == expected(CORPUS, "minister")
    with Project.open(project_path) as p:
        assert p.text_index_pending() == len(CORPUS)


def test_another_program_deleting_or_changing_a_pending_document_leaves_the_index_sound(
        deferring, project, project_path):
    """A contentless index must be told a removed row's exact text, and told
    about no row it never held: the triggers leave pending documents alone."""
    add(project, CORPUS)
    with sqlite3.connect(project_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM documents WHERE name = 'latin-0'")
        conn.execute("UPDATE documents SET text = 'A wombat in Zürich.' WHERE name = 'latin-1'")
    project.forget_cached()
    while project.index_pending_text(7):
        pass
    _index_is_sound(project_path)
    assert names(project, project.search_documents("minister")) == ["latin-2"]
    assert names(project, project.search_documents("wombat")) == ["latin-1"]
    assert _indexed(project_path, "wom") == 1 and _indexed(project_path, "min") == 1
    # And once indexed, the same changes go through the index as before.
    with sqlite3.connect(project_path) as conn:
        conn.execute("DELETE FROM documents WHERE name = 'latin-2'")
    project.forget_cached()
    _index_is_sound(project_path)
    assert project.search_documents("minister") == [] and _indexed(project_path, "min") == 0


def test_a_failed_import_leaves_nothing_pending(deferring, project, tmp_path):
    from annotator.core.errors import ImportRejected
    from annotator.core.importer import import_files
    from tests.core.helpers import write_jsonl

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": f"Narwhal {i}.", "meta": {"name": f"n{i}"}}
                                               for i in range(10)] + ["not json"])
    with pytest.raises(ImportRejected):
        import_files(project, [bad], annotator="ann")
    assert project.text_index_pending() == 0 and project.search_documents("narwhal") == []


@pytest.mark.parametrize("query, limit", [("中文", None), ("中文", 3), ("walrus", None), ("text 中文", None)])
def test_a_slice_indexed_in_the_middle_of_a_search_is_not_missed(deferring, project, project_path, monkeypatch,
                                                                 query, limit):
    """The window's indexer (another connection) may commit between the
    search's read of the index and its read of the pending list: the search
    reads both in one snapshot, so the slice's documents are not in neither."""
    monkeypatch.setattr(fulltext, "_WALK", 0)  # (a limit: no first walk by name, as in a large project)
    docs = {f"d{i:03d}": "plain text" + (" 中文 walrus" if i == 7 else "") for i in range(40)}
    add(project, docs)
    indexer = Project.open(project_path)
    real = fulltext._pending_rows

    def commit_in_between(conn):
        indexer.index_pending_text(100)  # everything, committed now
        return real(conn)

    monkeypatch.setattr(fulltext, "_pending_rows", commit_in_between)
    try:
        assert names(project, project.search_documents(query, limit=limit)) == ["d007"]
        assert indexer.text_index_pending() == 0  # (the slice did commit meanwhile)
    finally:
        indexer.close()


def test_a_slice_is_bounded_by_its_text_not_only_its_documents(deferring, project, project_path, monkeypatch):
    monkeypatch.setattr(fulltext, "SLICE_CHARS", 1_000)
    add(project, {f"long-{i}": "x" * 600 + f" story {i}" for i in range(6)})
    # 600+ characters each: a second one would pass 1,000, so one a slice
    left = [project.index_pending_text(100)]
    while left[-1]:
        left.append(project.index_pending_text(100))
    assert left == [5, 4, 3, 2, 1, 0]
    assert names(project, project.search_documents("story 3")) == ["long-3"]
