"""Merging other annotators' project files (core/merge.py): documents matched
by name and exact text, layers brought in and replaced by later merges,
clashes reported (nothing merged) unless a preference settles them, the
other files only read, and a merge twice the same as once."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents, import_files
from annotator.core.merge import MergeClash, merge_projects
from annotator.core.storage import Project
from tests.core.helpers import snapshot, spans_as_text, write_jsonl

PARIS = "Kim met Xi in Paris."
OTHER = "Second document."


def make(path: Path, user: str, docs) -> Path:
    """A project at `path` holding `docs`: (name, text, [(start, end, label)]),
    the spans `user`'s."""
    with Project.open(path) as project:
        import_documents(project, [ParsedDocument(name, text, annotator=user, spans=list(spans))
                                   for name, text, spans in docs], annotator=user, add_labels=True)
    return path


def doc_id(project: Project, name: str) -> int:
    return next(s.id for s in project.document_summaries("x") if s.name == name)


def edit(path: Path, fn):
    with Project.open(path) as project:
        return fn(project)


def merge(path: Path, *others: Path, prefer=None):
    with Project.open(path) as project:
        return merge_projects(project, others, prefer=prefer)


def layer(path: Path, annotator: str) -> set[tuple]:
    return {(name, label, start, end) for name, who, label, start, end, _ in spans_as_text(path)
            if who == annotator}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def alice(tmp_path):
    return make(tmp_path / "alice.db", "alice", [("paris", PARIS, [(0, 3, "actor")]), ("other", OTHER, [])])


@pytest.fixture
def bob(tmp_path):
    return make(tmp_path / "bob.db", "bob", [("paris", PARIS, [(8, 10, "actor"), (14, 19, "place")]),
                                              ("bobs", "Only Bob has this.", [(0, 4, "actor")])])


def test_merge_brings_layers_and_new_documents_and_never_writes_the_other_file(alice, bob):
    before = digest(bob)
    result = merge(alice, bob)
    assert layer(alice, "bob") == {("paris", "actor", 8, 10), ("paris", "place", 14, 19), ("bobs", "actor", 0, 4)}
    assert layer(alice, "alice") == {("paris", "actor", 0, 3)}
    names = [row[1] for row in snapshot(alice)["documents"]]
    assert sorted(names) == ["bobs", "other", "paris"]  # paris matched, not added twice
    assert (result.documents_added, result.documents_matched) == (1, 1)
    assert (result.layers_added, result.spans_added, result.labels_added) == (2, 3, ("place",))
    assert digest(bob) == before


def test_merging_the_same_file_again_changes_nothing(alice, bob):
    merge(alice, bob)
    once = snapshot(alice)
    result = merge(alice, bob)
    assert snapshot(alice) == once
    assert not result.changed and "nothing to change" in result.summary()


def test_a_remerge_picks_up_additions_and_deletions_and_keeps_the_ids_of_spans_that_stayed(alice, bob):
    merge(alice, bob)
    kept_id = edit(alice, lambda p: next(s.id for s in p.spans(doc_id(p, "paris"), "bob") if s.start == 8))

    def work_on(p):
        paris = doc_id(p, "paris")
        place = next(s for s in p.spans(paris, "bob") if s.label == "place")
        ops.remove_span(p, place.id)
        ops.add_span(p, paris, "bob", "actor", 0, 3)
        ops.remove_span(p, p.spans(doc_id(p, "bobs"), "bob")[0].id)  # a whole layer emptied
    edit(bob, work_on)
    result = merge(alice, bob)
    assert layer(alice, "bob") == {("paris", "actor", 8, 10), ("paris", "actor", 0, 3)}
    assert (result.spans_added, result.spans_removed, result.layers_replaced) == (1, 2, 2)
    assert edit(alice, lambda p: next(s.id for s in p.spans(doc_id(p, "paris"), "bob") if s.start == 8)) == kept_id


def test_a_layer_made_here_that_differs_is_a_clash_and_nothing_is_merged(alice, bob, tmp_path):
    edit(alice, lambda p: ops.add_span(p, doc_id(p, "paris"), "bob", "actor", 0, 3))  # bob, here
    before = snapshot(alice)
    with pytest.raises(MergeClash) as caught:
        merge(alice, bob)
    [clash] = caught.value.clashes
    assert (clash.annotator, clash.document) == ("bob", "paris")
    assert "bob in 'paris'" in str(caught.value) and "made here" in str(caught.value)
    assert snapshot(alice) == before  # not even the new document or label


def test_a_merged_layer_changed_here_is_a_clash_and_prefer_settles_it(alice, bob, tmp_path):
    merge(alice, bob)
    edit(alice, lambda p: ops.add_span(p, doc_id(p, "paris"), "bob", "date", 0, 3))  # changed here
    edit(bob, lambda p: ops.add_span(p, doc_id(p, "paris"), "bob", "actor", 0, 3))  # and there
    before = snapshot(alice)
    with pytest.raises(MergeClash, match="merged from bob.db, then changed here"):
        merge(alice, bob)
    assert snapshot(alice) == before

    existing = tmp_path / "existing.db"
    shutil.copy(alice, existing)
    result = merge(existing, bob, prefer="existing")
    assert [c.annotator for c in result.resolved] == ["bob"]
    assert ("paris", "date", 0, 3) in layer(existing, "bob") and ("paris", "actor", 0, 3) not in layer(existing, "bob")

    result = merge(alice, bob, prefer="incoming")
    assert layer(alice, "bob") == {("paris", "actor", 8, 10), ("paris", "place", 14, 19), ("paris", "actor", 0, 3),
                                   ("bobs", "actor", 0, 4)}
    assert merge(alice, bob).changed is False  # settled: the layer is the merged copy again


def test_two_files_given_together_with_different_layers_clash(alice, bob, tmp_path):
    bob2 = tmp_path / "bob-laptop.db"
    make(bob2, "bob", [("paris", PARIS, [(8, 10, "actor")])])
    before = snapshot(alice)
    with pytest.raises(MergeClash) as caught:
        merge(alice, bob, bob2)
    [clash] = caught.value.clashes
    assert (clash.annotator, clash.document) == ("bob", "paris")
    assert "bob.db" in clash.why and "bob-laptop.db" in clash.why
    assert snapshot(alice) == before
    merge(alice, bob, bob2, prefer="incoming")  # the last file given wins
    assert {s for s in layer(alice, "bob") if s[0] == "paris"} == {("paris", "actor", 8, 10)}


def test_documents_are_matched_by_name_and_exact_text(alice, tmp_path):
    other = make(tmp_path / "carol.db", "carol", [
        ("paris", PARIS, [(0, 3, "actor")]),                 # same name and text: matched
        ("paris", PARIS + " ", [(0, 3, "actor")]),           # another text: a new document
        ("renamed", PARIS, [(0, 3, "actor")])])              # another name: a new document
    result = merge(alice, other)
    assert (result.documents_added, result.documents_matched) == (2, 1)
    assert len(snapshot(alice)["documents"]) == 4
    assert layer(alice, "carol") == {("paris", "actor", 0, 3), ("renamed", "actor", 0, 3)}
    texts = {row[2] for row in snapshot(alice)["documents"] if row[1] == "paris"}
    assert texts == {PARIS, PARIS + " "}


def test_statuses_come_along_and_follow_later_merges(alice, bob):
    edit(bob, lambda p: ops.set_status(p, doc_id(p, "paris"), "bob", "done"))
    merge(alice, bob)
    assert edit(alice, lambda p: p.status(doc_id(p, "paris"), "bob")) == "done"
    edit(bob, lambda p: ops.set_status(p, doc_id(p, "paris"), "bob", "in progress"))
    result = merge(alice, bob)
    assert result.statuses_set == 1
    assert edit(alice, lambda p: p.status(doc_id(p, "paris"), "bob")) == "in progress"


def test_the_same_layer_on_both_sides_is_no_clash_and_a_missing_one_no_deletion(alice, tmp_path):
    # Carol's file holds a copy of Alice's layer (made by an import there)
    # and lacks Alice's other document: neither changes anything here.
    carol = make(tmp_path / "carol.db", "alice", [("paris", PARIS, [(0, 3, "actor")])])
    edit(carol, lambda p: ops.add_span(p, doc_id(p, "paris"), "carol", "actor", 8, 10))
    result = merge(alice, carol)
    assert layer(alice, "alice") == {("paris", "actor", 0, 3)} and result.layers_added == 1


def test_our_own_layer_coming_back_from_their_file_is_skipped(alice, bob):
    merge(bob, alice)  # bob's file now holds alice's layer, noted as merged from hers
    edit(alice, lambda p: ops.add_span(p, doc_id(p, "paris"), "alice", "date", 14, 19))  # alice goes on
    merge(alice, bob)  # no clash with her own older copy
    assert layer(alice, "alice") == {("paris", "actor", 0, 3), ("paris", "date", 14, 19)}


def test_the_change_log_records_the_merge_for_other_windows(alice, bob):
    with Project.open(alice) as project:
        seq = project.change_seq()
        merge_projects(project, [bob])
        feed = project.changes_since(seq)
        paris = doc_id(project, "paris")
        assert paris in feed.spans and any(first <= paris <= last for first, last in feed.documents.ranges)
        assert feed.labels  # "place" was added


def test_merging_the_project_into_itself_or_a_copy_of_it_is_refused(alice, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(alice, copy)
    before = snapshot(alice)
    with pytest.raises(ProjectError, match="is this project itself"):
        merge(alice, alice)
    with pytest.raises(ProjectError, match="copy.db: is a copy of this project"):
        merge(alice, copy)
    assert snapshot(alice) == before


def _newer(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('annotator', '9999_from_the_future', '2099-01-01')")
    conn.commit()
    conn.close()
    return path


def _damaged(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree: the schema
    path.write_bytes(bytes(data))
    return path


def _other_program(path: Path) -> Path:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    return path


@pytest.mark.parametrize("spoil, message", [
    (_newer, "newer version"),
    (_damaged, "damaged"),
    (_other_program, "not an annotator project"),
    (lambda p: p.write_text("just text") and p, "not an annotator project"),
    (lambda p: p.parent / "missing.db", "no such project file"),
    (lambda p: p.parent, "is a folder"),
])
def test_a_file_that_is_not_a_readable_project_is_refused_naming_it(alice, bob, tmp_path, spoil, message):
    bad = tmp_path / "spoilt" / "theirs.db"
    bad.parent.mkdir()
    make(bad, "carol", [("x", "some text", [(0, 4, "actor")])])
    bad = spoil(bad)
    before = snapshot(alice)
    with pytest.raises(ProjectError) as caught:
        merge(alice, bob, bad)  # a good file with it: nothing of it is merged either
    assert str(bad) in str(caught.value) and message in str(caught.value)
    assert snapshot(alice) == before


def test_an_older_project_is_read_as_it_is_without_upgrading_it(alice, tmp_path):
    old = make(tmp_path / "old.db", "dan", [("paris", PARIS, [(14, 19, "actor")])])
    conn = sqlite3.connect(old)  # as the version before merging wrote it
    conn.execute("DROP TABLE merged_layers")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_merged_layers'")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    before = digest(old)
    merge(alice, old)
    assert layer(alice, "dan") == {("paris", "actor", 14, 19)}
    assert digest(old) == before


def test_import_as_makes_every_span_the_named_annotators(project, tmp_path):
    source = write_jsonl(tmp_path / "export.jsonl", [
        {"text": PARIS, "meta": {"name": "paris"}, "annotator": "someone",
         "spans": [{"start": 0, "end": 3, "label": "actor"}]},
        {"text": OTHER, "meta": {"name": "other"}, "spans": [{"start": 0, "end": 6, "label": "actor"}]}])
    result = import_files(project, [source], annotator="me", as_annotator="Jose\u0301")
    assert result.spans_added == 2
    assert {s.annotator for d in project.document_summaries("x") for s in project.spans(d.id)} == {"José"}
    with pytest.raises(AnnotatorError, match="annotator name"):
        import_files(project, [source], annotator="me", as_annotator=" padded ")


def test_an_unknown_preference_is_refused(alice, bob):
    with pytest.raises(AnnotatorError, match="prefer must be one of"):
        merge(alice, bob, prefer="theirs")


@pytest.mark.parametrize("sql", [
    "UPDATE documents SET meta = '{not json'",
    "UPDATE spans SET \"end\" = 999",
    "UPDATE spans SET start = 'x'",
    "UPDATE spans SET annotator = 'tab\there'",
])
def test_a_file_with_bad_rows_is_refused_naming_it_not_crashing(alice, tmp_path, sql):
    theirs = make(tmp_path / "theirs.db", "carol", [("x", "some text", [(0, 4, "actor")])])
    conn = sqlite3.connect(theirs)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(sql)
    conn.commit()
    conn.close()
    before = snapshot(alice)
    with pytest.raises(ProjectError, match=f"^{theirs}: .*nothing was merged"):
        merge(alice, theirs)
    assert snapshot(alice) == before


def _notes(path: Path, annotator: str) -> dict[tuple, str]:
    """{(document, start, end, label): note} of an annotator's spans, read past the code under test."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute('SELECT d.name, s.start, s."end", s.label, n.note FROM span_notes n '
                            "JOIN spans s ON s.id = n.span_id JOIN documents d ON d.id = s.doc_id "
                            "WHERE s.annotator = ?", (annotator,))
        return {row[:4]: row[4] for row in rows}


def _note_on(path: Path, annotator: str, document: str, start: int, note: str) -> None:
    def write(p):
        span = next(s for s in p.spans(doc_id(p, document), annotator) if s.start == start)
        ops.set_note(p, span.id, note, annotator)
    edit(path, write)


def test_notes_come_with_their_spans_and_a_note_here_is_never_written_over(alice, bob):
    _note_on(bob, "bob", "paris", 8, "Xi: the president, not the letter")
    result = merge(alice, bob)
    assert _notes(alice, "bob") == {("paris", 8, 10, "actor"): "Xi: the president, not the letter"}
    assert result.notes_added == 1 and "1 note added" in result.summary()
    assert not merge(alice, bob).changed  # again: nothing

    # A note added later to a span already merged comes in on the next merge.
    _note_on(bob, "bob", "bobs", 0, "Only")
    result = merge(alice, bob)
    assert result.notes_added == 1 and _notes(alice, "bob")[("bobs", 0, 4, "actor")] == "Only"

    # Bob changes a note that was also changed here: ours stays, and the merge says so.
    _note_on(alice, "bob", "paris", 8, "edited here")
    _note_on(bob, "bob", "paris", 8, "edited by Bob")
    result = merge(alice, bob, prefer="existing")
    assert _notes(alice, "bob")[("paris", 8, 10, "actor")] == "edited here"
    assert result.notes_kept == 1 and "1 note here kept" in result.summary()
