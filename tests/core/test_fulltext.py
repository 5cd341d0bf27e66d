"""Full-text search over document text (storage/sqlite/fulltext.py, migration
0010_document_fulltext): documents found by content in any script, case
ignored where a script has case; query syntax is never syntax; the index
follows every write (import, merge, another program's delete) and an older
project gets it on upgrade."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.core import exporter
from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents
from annotator.core.merge import merge_projects
from annotator.core.storage import Project
from annotator.core.storage.sqlite import migrations

TEXTS = {
    "latin": "The Minister of Finance met reporters in Zürich.",
    "cyrillic": "Председатель МОСКОВСКОГО совета выступил вчера.",
    "arabic": "قال الوزير إن الاجتماع كان مثمرا",
    "chinese": "记者王芳报道，北京市政府今天宣布新政策。",
    "chinese-short": "李娜",  # a whole text of two characters
    "emoji": "Launch day 🚀🎉 went well 👍🏽",
    "crlf": "First line ends here\r\nSecond line starts here\r\n",
    "syntax": 'He said "AND" then NEAR(x y) OR a* ^start col:value - (paren) {brace}',
}


def add(project: Project, docs: dict[str, str]) -> None:
    import_documents(project, [ParsedDocument(name=name, text=text) for name, text in docs.items()],
                     annotator=None)


def names(project: Project, ids: list[int]) -> list[str]:
    return [project.document(i).name for i in ids]


def expected(docs: dict[str, str], *queries: str) -> list[str]:
    """The names a search must give: Python's own case-insensitive containment, by name."""
    return sorted(name for name, text in docs.items() if all(q.lower() in text.lower() for q in queries))


@pytest.fixture
def searchable(project):
    add(project, TEXTS)
    return project


QUERIES = [
    "minister", "MINISTER", "zürich", "ZÜRICH", "of finance met",
    "московского", "Московского", "совет",
    "الوزير", "الاجتماع كان",
    "王芳", "王芳报道", "芳", "北京市政府", "李娜", "娜",
    "🚀", "🚀🎉", "👍🏽", "went well 👍",
    "here\r\nSecond", "\r\n", "ends here\r",
    '"', '"AND"', "AND", "NEAR(x y)", "a*", "^start", "col:value", "- (paren)", "{brace}", "OR", "*",
    "e", "zz", "nothing like this", "x",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("limit", [None, 100])
def test_finds_documents_by_content_in_any_script(searchable, query, limit):
    assert names(searchable, searchable.search_documents(query, limit=limit)) == expected(TEXTS, query)


@pytest.mark.parametrize("query", ["王芳", "minister", "芳", '"AND"', "here\r\nSecond", "e"])
def test_the_index_path_agrees_with_the_text(project, query):
    """Beyond the first documents by name (checked directly when a limit is
    given), matches come from the index: pad the project past that."""
    docs = {**{f"a-filler-{i:05d}": f"filler text number {i}" for i in range(2_100)}, **TEXTS}
    add(project, docs)
    assert names(project, project.search_documents(query, limit=3)) == expected(docs, query)[:3]
    assert names(project, project.search_documents(query)) == expected(docs, query)


def test_several_strings_must_all_be_contained(searchable):
    assert names(searchable, searchable.search_documents(["minister", "zürich"])) == ["latin"]
    assert names(searchable, searchable.search_documents(["王芳", "北京"])) == ["chinese"]
    assert searchable.search_documents(["minister", "王芳"]) == []
    assert names(searchable, searchable.search_documents(["芳", "报"])) == ["chinese"]


def test_results_are_in_name_order_and_limited(project):
    add(project, {"b": "common word", "a": "a common thing", "c": "Common again", "d": "other"})
    assert names(project, project.search_documents("common")) == ["a", "b", "c"]
    assert names(project, project.search_documents("common", limit=2)) == ["a", "b"]
    assert project.search_documents("common", limit=0) == []


def test_documents_added_and_removed_later_are_found_and_gone(searchable, project_path):
    assert searchable.search_documents("Quokka") == []
    add(searchable, {"late": "A quokka smiled."})
    found = searchable.search_documents("QUOKKA")
    assert names(searchable, found) == ["late"]
    # Another program removes it (no operation removes documents yet): the index follows.
    with sqlite3.connect(project_path) as other:
        other.execute("PRAGMA foreign_keys = ON")
        other.execute("DELETE FROM documents WHERE id = ?", (found[0],))
    assert searchable.search_documents("quokka") == []
    assert searchable.search_documents("quo") == []
    # Not only checked away: the index itself forgot it (else it would grow stale).
    assert _indexed(project_path, "quo") == 0
    # And a changed text: found by its new words only.
    with sqlite3.connect(project_path) as other:
        other.execute("UPDATE documents SET text = 'Wombats dig.' WHERE name = 'latin'")
    assert names(searchable, searchable.search_documents("wombat")) == ["latin"]
    assert searchable.search_documents("minister") == []
    assert _indexed(project_path, "nis") == 0 and _indexed(project_path, "wom") == 1


def _indexed(path, trigram: str) -> int:
    """How many documents the index lists under a (folded) trigram."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM documents_fts_terms WHERE term = ?", (trigram,)).fetchone()[0]


def test_merge_keeps_the_index_current(tmp_path, searchable):
    other = tmp_path / "other.db"
    with Project.open(other) as o:
        add(o, {"from-bob": "Bob brought a platypus.", "latin": TEXTS["latin"]})
    merge_projects(searchable, [other])
    assert names(searchable, searchable.search_documents("platypus")) == ["from-bob"]
    assert names(searchable, searchable.search_documents("minister")) == ["latin"]


def _downgrade_to_before_fulltext(path) -> None:
    """Make the file what a version before 0010 wrote: no index, no triggers,
    the migration not recorded."""
    with sqlite3.connect(path) as conn:
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                       "AND name LIKE 'documents_fts%'").fetchall():
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE documents_fts_terms")
        conn.execute("DROP TABLE documents_fts")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_document_fulltext'")


def test_an_upgraded_older_project_is_searchable(project_path):
    with Project.open(project_path) as p:
        add(p, TEXTS)
    _downgrade_to_before_fulltext(project_path)
    with Project.open(project_path) as p:
        assert p.backup_path is not None  # it was upgraded
        assert "0010_document_fulltext" in migrations.applied(p.conn)
        for query in ("王芳", "московского", "here\r\nSecond", "李娜", "🚀"):
            assert names(p, p.search_documents(query)) == expected(TEXTS, query)
        add(p, {"after": "found after the upgrade"})
        assert names(p, p.search_documents("after the upgrade")) == ["after"]


def test_a_project_without_the_index_is_scanned(project_path):
    """A file from before the index opened read-only is never upgraded:
    search still answers, by reading the texts."""
    with Project.open(project_path) as p:
        add(p, TEXTS)
    _downgrade_to_before_fulltext(project_path)
    from annotator.core.storage import open_read_only

    with open_read_only(project_path) as p:
        for query in ("王芳", "Minister", "e"):
            assert names(p, p.search_documents(query)) == expected(TEXTS, query)
            assert [row[1] for row in p.documents_containing(query)] == sorted(
                expected(TEXTS, query), key=list(TEXTS).index)


def test_export_where_streams_only_matching_documents(searchable):
    with searchable.write() as unit:
        doc = searchable.search_documents("王芳")[0]
        unit.insert_span(_span(doc))
    records = list(exporter.layers(searchable, where="王芳"))
    assert [r["meta"]["name"] for r in records] == ["chinese"]
    assert [(s["start"], s["end"], s["label"]) for s in records[0]["spans"]] == [(2, 4, "actor")]
    assert [r["meta"]["name"] for r in exporter.layers(searchable, "ann", where=["here\r\n", "second"])] == ["crlf"]
    assert [r["meta"]["name"] for r in exporter.layers(searchable, ["ann", "gold"], where="李娜")] == [
        "chinese-short", "chinese-short"]
    assert list(exporter.layers(searchable, where="no such text")) == []
    assert len(list(exporter.layers(searchable, where=""))) == len(TEXTS)


def _span(doc_id: int):
    from annotator.core.model import Span

    return Span(2, 4, "actor", "ann", doc_id)


def test_an_import_indexes_its_documents_at_the_end_and_a_failed_one_leaves_the_index_working(tmp_path,
                                                                                               searchable):
    """An import stops the index's insert trigger and indexes its own
    documents in one statement: they are found, and after an import that
    failed half-way, a document added any other way is indexed as before."""
    from annotator.core.errors import ImportRejected
    from annotator.core.importer import import_files
    from tests.core.helpers import write_jsonl

    good = write_jsonl(tmp_path / "good.jsonl", [{"text": f"Article {i} about a narwhal.", "meta": {"name": f"n{i}"}}
                                                 for i in range(30)])
    import_files(searchable, [good], annotator="ann")
    assert len(searchable.search_documents("narwhal")) == 30
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "An axolotl.", "meta": {"name": "ax"}}, "not json"])
    with pytest.raises(ImportRejected):
        import_files(searchable, [bad], annotator="ann")
    assert searchable.search_documents("axolotl") == []
    other = tmp_path / "other.db"
    with Project.open(other) as o:
        add(o, {"from-bob": "Bob brought a pangolin."})
    merge_projects(searchable, [other])  # one document at a time, through the trigger
    assert names(searchable, searchable.search_documents("pangolin")) == ["from-bob"]


@pytest.mark.parametrize("every", [2, 5, 9, 40])
def test_a_limited_search_walking_names_further_gives_the_same_first_page(project, monkeypatch, every):
    """With a limit, names are walked first, further when the hits so far
    say the page fills soon; else the index answers. Each way, the page is
    the first matches by name."""
    from annotator.core.storage.sqlite import fulltext

    monkeypatch.setattr(fulltext, "_WALK", 10)
    monkeypatch.setattr(fulltext, "_WALK_FAR", 40)
    docs = {f"n{i:03d}": ("A walrus here." if i % every == 0 else "Nothing.") for i in range(200)}
    add(project, docs)
    assert names(project, project.search_documents("walrus", limit=8)) == expected(docs, "walrus")[:8]


SHORT_DOCS = {"İstanbul": "İstanbul", "Kelvin K": "Kelvin K", "istanbul": "istanbul"}


@pytest.mark.parametrize("query", ["i", "I", "i\u0307", "İ", "k", "\u212a"])
def test_a_short_string_finds_what_lowers_to_it(project, query):
    """"İ" lowers to "i" and a dot above, so a text holding it holds "i" to
    str.lower(); the index keeps "İ" as it is, so a 1-2 character search
    looked it up only as "i" or "I" and missed it."""
    add(project, SHORT_DOCS)
    found = expected(SHORT_DOCS, query)
    assert "İstanbul" in found or query in ("k", "\u212a")
    assert names(project, project.search_documents(query)) == found
    assert sorted(row[1] for row in project.documents_containing(query)) == found
