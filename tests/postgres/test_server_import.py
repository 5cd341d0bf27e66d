"""Importing into a server project (storage/postgres/unit.py): documents go
in by COPY and spans as columns of numbers in one statement a batch, which
moves the layers' counts and hands back only what the change log needs.
What each path could get wrong: text, names and meta that COPY's escaping
or the columns' encoding could change; ids (consecutive, as the importer
numbers documents); the change log; the layers' counts; and the server's
refusals, all or nothing."""

from __future__ import annotations

import pytest

from annotator.core import importer, ops
from annotator.core.errors import AnnotatorError
from annotator.core.feed import IdRanges
from annotator.core.importer import import_files
from annotator.core.model import text_digest
from annotator.core.storage import Project
from tests.core.helpers import write_jsonl
from tests.postgres.conftest import opened_people, set_up_team

PEOPLE = {"adam": "admin", "alice": "annotator"}

# What COPY's text format escapes (tab, newline, carriage return,
# backslash, "\N" for NULL, "\." ending the data), and Unicode that an
# encoding step could mangle: astral characters and emoji sequences,
# combining marks, right-to-left text, line and paragraph separators, a
# byte order mark, U+FFFF, C0 controls and DEL.
ODD_TEXTS = [
    "tab\there, newline\nand CRLF\r\nlone CR\rend",
    "backslash \\ and \\N and \\. and \\\\ and \\t written out",
    "\\.\nthe end-of-data marker alone on a line\n\\.",
    "emoji 😀 👍🏽 👨\u200d👩\u200d👧, e\u0301 (combining), שלום עולם, \u2028\u2029, \ufeffBOM, \uffff, \x01\x1f\x7f",
    "\\N",
]
ODD_NAMES = ["It's \"quoted\"", "back\\slash \\N", "café 😀 \\.", "'; DROP TABLE documents; --", "\\N"]
ODD_META = {"k\tey": "v\nal\\ue", "nested": {"a": [1, "\\N", None, "\\."]}, "quote": "'\"", "emoji": "😀"}


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


def records(texts: list[str], names: list[str], annotator: str, spans_each: int = 2) -> list[dict]:
    """One line per document, `spans_each` actor spans over its first characters."""
    return [{"text": text, "meta": {"name": name, **ODD_META}, "annotator": annotator,
             "spans": [{"start": i, "end": i + 1, "label": "actor"} for i in range(spans_each)]}
            for text, name in zip(texts, names)]


def log_since(team, seq: int) -> list[tuple]:
    with team.admin() as conn:
        return conn.execute("SELECT kind, doc_id, first_id, last_id FROM change_log WHERE seq > %s "
                            "ORDER BY seq", (seq,)).fetchall()


def last_seq(team) -> int:
    with team.admin() as conn:
        return conn.execute("SELECT COALESCE(max(seq), 0) FROM change_log").fetchone()[0]


def counts(team) -> tuple[list, list]:
    """The layers' kept counts, and the counts of the spans themselves."""
    with team.admin() as conn:
        kept = conn.execute("SELECT doc_id, annotator, spans FROM layer_counts WHERE spans > 0 "
                            "ORDER BY 1, 2").fetchall()
        real = conn.execute("SELECT doc_id, annotator, count(*)::integer FROM spans GROUP BY 1, 2 "
                            "ORDER BY 1, 2").fetchall()
    return kept, real


def server_rows(team) -> dict:
    with team.admin() as conn:
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}").fetchall()))
                for table in ("documents", "spans", "layer_counts", "document_status", "change_log")}


def test_odd_text_names_and_meta_survive_the_import_exactly(people, tmp_path):
    lines = records(ODD_TEXTS, ODD_NAMES, "adam")
    source = write_jsonl(tmp_path / "odd.jsonl", lines)
    result = import_files(people["adam"], [source], annotator=None)
    assert (result.documents_added, result.spans_added) == (len(lines), 2 * len(lines))
    with Project.open(tmp_path / "same.db") as file:  # the project file's reading of the same lines
        import_files(file, [source], annotator=None)
        for project in (people["adam"], file):
            keys = project.document_keys()
            assert [(name, digest) for _, name, digest in keys] == \
                [(name, text_digest(text)) for text, name in zip(ODD_TEXTS, ODD_NAMES)]
            for (doc_id, _, _), line in zip(keys, lines):
                document = project.document(doc_id)
                meta = {key: value for key, value in line["meta"].items() if key != "name"}
                assert (document.name, document.text, document.meta) == (line["meta"]["name"], line["text"], meta)
                assert [span[:4] for span in project.spans(doc_id)] == [(0, 1, "actor", "adam"),
                                                                       (1, 2, "actor", "adam")]


def test_a_text_the_server_cannot_hold_is_refused_and_nothing_is_stored(team, people, tmp_path):
    """PostgreSQL's text has no NUL character (a project file's does): the
    import says so and stores nothing, the documents before it included."""
    before = server_rows(team)
    source = write_jsonl(tmp_path / "nul.jsonl", records(["fine", "a\x00b"], ["one", "two"], "adam"))
    with pytest.raises(AnnotatorError, match="document 'two' holds the character U\\+0000"):
        import_files(people["adam"], [source], annotator=None)
    assert server_rows(team) == before


def test_an_import_in_many_batches_takes_consecutive_ids_and_logs_its_documents_as_one_range(
        team, people, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 3)  # 10 documents: four batches
    adam = people["adam"]
    ops.tag_span(adam, _one_document(adam, tmp_path), "adam", "actor", 0, 3)  # something before it
    seq = last_seq(team)
    texts = [f"Article number {n}, about someone." for n in range(10)]
    names = [f"article-{n}" for n in range(10)]
    result = import_files(adam, [write_jsonl(tmp_path / "ten.jsonl", records(texts, names, "adam", 3))],
                          annotator=None)
    assert (result.documents_added, result.spans_added) == (10, 30)
    keys = adam.document_keys()[1:]
    ids = [doc_id for doc_id, _, _ in keys]
    assert ids == list(range(ids[0], ids[0] + 10)) and [name for _, name, _ in keys] == names
    span_ids = sorted(span.id for doc_id in ids for span in adam.spans(doc_id))
    assert span_ids == list(range(span_ids[0], span_ids[0] + 30))  # one block, in the file's order
    assert [adam.spans(doc_id)[0].id for doc_id in ids] == span_ids[::3]
    assert log_since(team, seq) == [("documents", None, ids[0], ids[-1])]  # new documents: logged whole
    kept, real = counts(team)
    assert kept == real and len(real) == 11
    assert all(adam.status(doc_id, "adam") == "in progress" for doc_id in ids)


def _one_document(project, tmp_path) -> int:
    import_files(project, [write_jsonl(tmp_path / "first.jsonl", [{"text": "The first document.",
                                                                   "meta": {"name": "first"}}])],
                 annotator=None)
    return project.document_keys()[0][0]


def test_spans_onto_existing_documents_are_logged_with_their_ids_and_counted(team, people, tmp_path, monkeypatch):
    """An annotator's spans for documents already there: the server's
    policies let them in, each document's new span ids are logged as ranges,
    the counts move by what was new (a re-import adds nothing), and a
    document repeated in a later batch is stored once."""
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    adam, alice = people["adam"], people["alice"]
    texts = ["One text here.", "Two text here.", "Three text here."]
    names = ["one", "two", "three"]
    import_files(adam, [write_jsonl(tmp_path / "docs.jsonl", records(texts, names, "adam", 1))], annotator=None)
    ids = [doc_id for doc_id, _, _ in adam.document_keys()]
    ops.tag_span(alice, ids[0], "alice", "actor", 4, 8)  # a layer with a span already
    lines = records(texts, names, "alice", 3)
    lines.append({**lines[0], "spans": [{"start": 0, "end": 1, "label": "actor"},  # repeated: two new
                                        {"start": 0, "end": 3, "label": "actor"},
                                        {"start": 9, "end": 13, "label": "actor"}]})
    source = write_jsonl(tmp_path / "alice.jsonl", lines)

    seq = last_seq(team)
    result = import_files(alice, [source], annotator=None)
    assert (result.documents_added, result.documents_existing, result.spans_added) == (0, 4, 11)
    theirs = {doc_id: [span for span in alice.spans(doc_id, "alice") if (span.start, span.end) != (4, 8)]
              for doc_id in ids}
    assert [len(spans) for spans in theirs.values()] == [5, 3, 3]
    expected = [("spans", doc_id, first, last) for doc_id in ids
                for first, last in IdRanges([(s.id, s.id) for s in theirs[doc_id]]).ranges]
    assert sorted(log_since(team, seq), key=repr) == sorted(expected + [("documents", None, ids[0], ids[-1])],
                                                            key=repr)
    kept, real = counts(team)
    assert kept == real and (ids[0], "alice", 6) in real

    seq = last_seq(team)
    again = import_files(alice, [source], annotator=None)
    assert again.spans_added == 0 and counts(team)[0] == kept
    assert all(kind == "documents" for kind, *_ in log_since(team, seq))  # no span moved


def test_an_annotators_new_document_undoes_the_spans_written_before_it(team, people, tmp_path, monkeypatch):
    """All or nothing: spans onto an existing document go in first (its own
    batch), then the server refuses the new document (only admins add
    documents, also by COPY); nothing of either stays."""
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 1)
    adam, alice = people["adam"], people["alice"]
    doc_id = _one_document(adam, tmp_path)
    before = server_rows(team)
    lines = [{"text": "The first document.", "meta": {"name": "first"}, "annotator": "alice",
              "spans": [{"start": 0, "end": 3, "label": "actor"}]},
             {"text": "A new one.", "meta": {"name": "new"}, "annotator": "alice"}]
    with pytest.raises(AnnotatorError) as refused:
        import_files(alice, [write_jsonl(tmp_path / "mixed.jsonl", lines)], annotator=None)
    assert "only the project's admins may add" in str(refused.value)
    assert server_rows(team) == before and alice.spans(doc_id) == []


def test_spans_added_by_a_merge_are_counted_and_logged_except_on_its_new_documents(team, people, tmp_path):
    """add_imported_spans (the merge's): the ids of the spans it adds to a
    document the unit did not add itself are logged; a document added in
    the same unit is logged whole."""
    adam = people["adam"]
    old = _one_document(adam, tmp_path)
    seq = last_seq(team)
    with adam.write() as unit:
        new = unit.insert_documents([("new", "A new document.", text_digest("A new document."), {})],
                                    "2026-01-02T03:04:05.678Z")
        added = unit.add_imported_spans([(old, "adam", "actor", 0, 3, "2026-01-02T03:04:05.678Z"),
                                         (old, "adam", "actor", 4, 9, "2026-01-02T03:04:05.678Z"),
                                         (old, "adam", "actor", 0, 3, "2026-01-02T03:04:05.678Z"),  # again
                                         (new, "adam", "actor", 2, 5, "2026-01-02T03:04:05.678Z")])
    assert added == 3
    spans = adam.spans(old)
    assert [(s.start, s.end) for s in spans] == [(0, 3), (4, 9)]
    assert [tuple(span[:5]) for span in adam.spans(new)] == [(2, 5, "actor", "adam", new)]
    first, last = sorted(s.id for s in spans)
    assert sorted(log_since(team, seq), key=repr) == sorted(
        [("spans", old, first, last), ("documents", None, old, new)], key=repr)
    kept, real = counts(team)
    assert kept == real == [(old, "adam", 2), (new, "adam", 1)]
    with team.admin() as conn:  # the merge keeps the times it was given
        assert conn.execute("SELECT DISTINCT to_char(created_at AT TIME ZONE 'UTC', "
                            "'YYYY-MM-DD HH24:MI:SS.MS') FROM spans").fetchall() == [("2026-01-02 03:04:05.678",)]


@pytest.mark.parametrize("line", [{"text": "a\u0000b", "meta": {"name": "nul-text"}},
                                  {"text": "abc", "meta": {"name": "nul-meta", "k": "x\u0000y"}},
                                  {"text": "abc", "meta": {"name": "nul\u0000name"}}])
def test_a_nul_character_in_the_meta_or_name_is_refused_too(team, people, tmp_path, line):
    source = write_jsonl(tmp_path / "nul.jsonl", [{"text": "fine", "meta": {"name": "fine"}}, line])
    with pytest.raises(AnnotatorError, match="U\\+0000"):
        import_files(people["adam"], [source], annotator=None)
    with team.admin() as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
