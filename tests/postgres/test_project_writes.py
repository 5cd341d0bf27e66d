"""The server project's writes do what the project file's do: the same
operations (core/ops.py, the importer, review, the label schema) run on a
file project and on a server project, each person on the server through
their own login, and every read compared afterwards. Then what only a
server has: its refusals as messages, two people writing at once, and
savepoints around a refused write."""

from __future__ import annotations

import threading

import pytest

from annotator.core import ops, review, schema
from annotator.core.changes import Change, NoteChange, SchemaChange
from annotator.core.errors import AnnotatorError, ProjectError, SpanError
from annotator.core.importer import import_files
from annotator.core.model import Label
from annotator.core.paths import seeds_dir
from annotator.core.storage import Project
from annotator.core.storage.postgres.project import ServerProject
from tests.core.helpers import write_jsonl
from tests.postgres.conftest import opened_people, set_up_team

PEOPLE = {"alice": "annotator", "bob": "annotator", "rita": "reviewer", "adam": "admin"}
SAMPLE = min(seeds_dir().glob("*.txt"))


def password(name: str) -> str:
    return f"{name} pw"


@pytest.fixture
def team(database):
    set_up_team(database.owner_url, PEOPLE, password, labels=False)
    return database


@pytest.fixture
def people(team):
    """Each person's own ServerProject (own connection, own login)."""
    with opened_people(team, PEOPLE, password) as opened:
        yield opened


def everything(project) -> dict:
    """Every read of what the scenario writes, with ids that each backend
    hands out by itself (spans, decisions) replaced by what they point at."""
    doc_ids = [doc_id for doc_id, _, _ in project.document_keys()]
    spans = {doc_id: project.spans(doc_id) for doc_id in doc_ids}
    key_of = {span.id: span[:5] for doc_spans in spans.values() for span in doc_spans}
    return {
        "labels": project.labels(),
        "documents": [project.document(doc_id) for doc_id in doc_ids],
        "spans": {doc_id: [span[:5] for span in found] for doc_id, found in spans.items()},
        "statuses": project.all_statuses(),
        "span_counts": project.span_counts(),
        "by_label": project.span_counts_by_label(),
        "notes": {doc_id: {key_of[span_id]: note for span_id, note in project.notes(doc_id).items()}
                  for doc_id in doc_ids},
        "decisions": {doc_id: [(d.start, d.end, d.label, d.decision, d.reviewer, key_of.get(d.gold_span_id))
                               for d in project.decisions(doc_id)] for doc_id in doc_ids},
    }


def scenario(as_person, tmp_path) -> dict:
    """One day's work of the team, `as_person(name)` giving the project as
    that person sees it. Returns what the steps returned, to check ids."""
    seen = {}
    adam, alice, bob, rita = (as_person(name) for name in ("adam", "alice", "bob", "rita"))
    # the admin sets the labels up (the file project has them already:
    # recoloured here, so both go through replace_labels) and imports
    schema.update_label(adam, "actor", color="#112233")
    schema.add_label(adam, "place", color="#445566")
    import_files(adam, [SAMPLE], annotator="adam")
    more = write_jsonl(tmp_path / "more.jsonl", [
        {"text": "Ann met Bob at Acme in Zürich. 🙂 Then Ann left.", "meta": {"name": "zeta", "k": [1]}},
        {"text": "Ärger in Köln: Bob said so.", "meta": {"name": "Alpha"}}])
    import_files(adam, [more], annotator="adam")
    zeta, alpha = (doc_id for doc_id, name, _ in adam.document_keys() if name in ("zeta", "Alpha"))
    # alice's own spans on documents already there, imported
    hers = write_jsonl(tmp_path / "hers.jsonl", [
        {"text": "Ann met Bob at Acme in Zürich. 🙂 Then Ann left.", "meta": {"name": "zeta"},
         "spans": [{"start": 0, "end": 3, "label": "actor", "note": "first"},
                   {"start": 15, "end": 19, "label": "organisation"}]}])
    seen["alice import"] = import_files(alice, [hers], annotator="alice")
    # tagging, tag all, relabel, move, notes, done
    text = alice.document(zeta).text
    seen["bob tag"] = ops.tag_span(bob, zeta, "bob", "actor", 8, 11)
    ops.tag_span(bob, zeta, "bob", "actor", 0, 3)
    first_ann = alice.spans(zeta, "alice")[0]
    seen["tag all"] = ops.tag_all(alice, first_ann, text)
    relabel = ops.relabel_span(alice, alice.spans(zeta, "alice")[1].id, "place")
    seen["relabel"] = relabel
    ops.move_span(alice, relabel.relabeled[0][1].id, 14, 19, "alice")
    ops.set_note(alice, first_ann.id, "changed my mind", "alice")
    ops.set_note(bob, seen["bob tag"].added[0].id, "Bob himself", "bob")
    ops.toggle_done(alice, zeta, "alice")
    # undo and redo, by applying inverses: ids come back
    gone = ops.remove_span(bob, seen["bob tag"].added[0].id)
    back = ops.apply(bob, gone.inverse())
    seen["bob back"] = back
    undone = ops.apply(alice, relabel.inverse())
    ops.apply(alice, undone.inverse())
    ops.apply(alice, ops.tag_span(alice, alpha, "alice", "place", 9, 13).inverse())  # tagged, then taken back
    # the reviewer accepts a reading into gold and marks the document reviewed
    seen["accept"] = review.accept(rita, zeta, "rita", 0, 3, "actor")
    ops.tag_span(bob, zeta, "bob", "actor", 38, 41)  # as alice's tag all did: agreed by two
    ops.tag_span(bob, zeta, "bob", "place", 23, 29)
    seen["accept all"] = review.accept_all_agreed(rita, None, "rita", 2)
    review.reject(rita, zeta, "rita", 23, 29, "place")
    undone = ops.apply(rita, review.accept(rita, alpha, "rita", 0, 5, "actor").inverse())
    review.set_reviewed(rita, zeta, "rita")
    return seen


def test_the_same_work_leaves_the_same_project_on_both(people, tmp_path):
    file_project = Project.open(tmp_path / "p.db")
    # the server starts with the file's default labels, set by the admin
    ops.apply(people["adam"], Change(schema=SchemaChange((), tuple(file_project.labels()))))
    on_file = scenario(lambda _name: file_project, tmp_path)
    on_server = scenario(people.__getitem__, tmp_path)
    alice = people["alice"]
    for project in people.values():
        project.forget_cached()

    expected = everything(file_project)
    assert everything(alice) == expected
    # (there is something to compare: every kind of row the scenario makes)
    assert len(expected["documents"]) == 3 and sum(map(len, expected["spans"].values())) == 9
    assert any(expected["notes"].values()) and any(expected["decisions"].values())
    assert on_server["alice import"] == on_file["alice import"]
    # each returned Change names the spans as stored on its own backend
    for seen, project in ((on_file, file_project), (on_server, alice)):
        assert project.span(seen["bob back"].added[0].id) == seen["bob tag"].added[0]  # undo kept the id
        assert project.span(seen["accept"].added[0].id).annotator == "gold"
        assert len(seen["tag all"].added) == 1
        assert [project.span(span.id)[:5] for span in seen["accept all"].added] == [(38, 41, "actor", "gold", 2)]
        assert [d.gold_span_id for d in seen["accept all"].decisions_added] == [seen["accept all"].added[0].id]
    file_project.close()


def layer_counts_are_true(database) -> None:
    with database.admin() as conn:
        kept = conn.execute("SELECT doc_id, annotator, spans FROM layer_counts WHERE spans > 0 "
                            "ORDER BY 1, 2").fetchall()
        counted = conn.execute("SELECT doc_id, annotator, count(*) FROM spans GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    assert kept == counted


def test_many_spans_at_once_and_the_layer_counts(team, people, tmp_path):
    ops.apply(people["adam"], Change(schema=SchemaChange((), (schema_label("actor"), schema_label("place")))))
    import_files(people["adam"], [SAMPLE], annotator="adam")
    alice, bob = people["alice"], people["bob"]
    text = alice.document(1).text
    word = text.index("Kim")
    tagged = ops.tag_span(alice, 1, "alice", "actor", word, word + 3)
    every = ops.tag_all(alice, tagged.added[0], text)
    assert len(every.added) > 2  # (each returned with the id it was stored under)
    assert [alice.span(span.id) for span in every.added] == list(every.added)
    ops.tag_span(bob, 1, "bob", "place", 0, 5)
    ops.apply(alice, tagged.inverse())
    layer_counts_are_true(team)
    with team.admin() as conn:
        assert conn.execute("SELECT spans FROM layer_counts WHERE annotator = 'alice'").fetchone()[0] > 1


def schema_label(name):
    return Label(name, "#123456")


@pytest.fixture
def tagged(people):
    """One document, a span in alice's layer, bob's and gold."""
    adam, alice, bob, rita = (people[name] for name in ("adam", "alice", "bob", "rita"))
    ops.apply(adam, Change(schema=SchemaChange((), (schema_label("actor"), schema_label("place")))))
    import_files(adam, [SAMPLE], annotator="adam")
    spans = {"alice": ops.tag_span(alice, 1, "alice", "actor", 0, 7).added[0],
             "bob": ops.tag_span(bob, 1, "bob", "actor", 10, 20).added[0],
             "gold": review.accept(rita, 1, "rita", 0, 7, "actor").added[0]}
    ops.set_note(alice, spans["alice"].id, "mine", "alice")
    return spans


def server_rows(database) -> dict:
    with database.admin() as conn:
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}").fetchall()))
                for table in ("spans", "span_notes", "document_status", "layer_counts", "review_decisions",
                              "documents", "labels", "change_log")}


def test_another_layer_is_refused_with_a_message_and_nothing_changes(team, people, tagged, tmp_path):
    bob = people["bob"]
    before = server_rows(team)
    attempts = [
        (lambda: ops.remove_span(bob, tagged["alice"].id), "alice's layer"),
        (lambda: ops.remove_span(bob, tagged["gold"].id), "the gold layer"),
        (lambda: ops.relabel_span(bob, tagged["alice"].id, "place"), "alice's layer"),
        (lambda: ops.apply(bob, Change(relabeled=((tagged["alice"], tagged["alice"]._replace(start=1)),))),
         "alice's layer"),
        (lambda: ops.apply(bob, Change(added=(tagged["alice"]._replace(id=None, start=30, end=33),))),
         "only your own layer"),
        (lambda: ops.set_status(bob, 1, "alice", "done"), "only your own layer"),
        (lambda: ops.apply(bob, Change(notes=(NoteChange(tagged["alice"].id, 1, "mine", None),))),
         "alice's layer"),
        (lambda: review.accept(bob, 1, "bob", 10, 20, "actor"), "only your own layer"),
        (lambda: schema.add_label(bob, "sneaky"), "only the project's admins may change the labels"),
        # an annotator's import of a new document
        (lambda: import_files(bob, [write_jsonl(tmp_path / "new.jsonl", [{"text": "A new one."}])],
                              annotator="bob"), "only the project's admins may add"),
    ]
    for attempt, says in attempts:
        with pytest.raises(AnnotatorError) as refused:
            attempt()
        message = str(refused.value)
        assert "the server refused" in message and says in message, message
        assert "connected as bob" in message and "pw" not in message
    assert server_rows(team) == before  # nothing half-applied, nothing logged
    # and bob's own span is still his to remove
    ops.remove_span(bob, tagged["bob"].id)
    assert people["alice"].span(tagged["bob"].id) is None


def test_two_annotators_writing_at_the_same_moment_both_succeed(team, people, tagged):
    urls = {name: team.url(name, password(name)) for name in ("alice", "bob")}
    start = threading.Barrier(2)
    failures = []

    def annotate(name):
        try:
            with ServerProject.open(urls[name]) as mine:
                start.wait()
                for i in range(30):
                    # each in its own transaction, and one document for both: the
                    # same rows of nobody's, the same document's counts and log
                    ops.tag_span(mine, 1, name, "place", 100 + i, 102 + i)
                    with mine.write():
                        ops.tag_span(mine, 1, name, "actor", 200 + i, 203 + i)
                        ops.toggle_done(mine, 1, name)
        except Exception as e:  # noqa: BLE001 - reported below, in the test's thread
            failures.append((name, repr(e)))

    threads = [threading.Thread(target=annotate, args=(name,)) for name in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    alice = people["alice"]
    assert len(alice.spans(1, "alice")) == 61 and len(alice.spans(1, "bob")) == 61
    layer_counts_are_true(team)


def test_a_nested_write_that_fails_keeps_the_outer_work(team, people, tagged):
    alice = people["alice"]
    with alice.write():
        kept = ops.tag_span(alice, 1, "alice", "place", 30, 35)
        with pytest.raises(SpanError, match="the server refused"):
            ops.remove_span(alice, tagged["bob"].id)  # the server refuses: inside its own savepoint
        with pytest.raises(SpanError, match="already has"):
            ops.tag_span(alice, 1, "alice", "place", 30, 35)  # the core refuses
        with pytest.raises(RuntimeError), alice.write():
            ops.tag_span(alice, 1, "alice", "place", 40, 45)
            raise RuntimeError("the caller's own failure")
        also = ops.tag_span(alice, 1, "alice", "place", 50, 55)
    assert alice.span(kept.added[0].id) is not None and alice.span(also.added[0].id) is not None
    assert [span.start for span in alice.spans(1, "alice")] == [0, 30, 50]
    assert alice.span(tagged["bob"].id) == tagged["bob"]
    layer_counts_are_true(team)
    with team.admin() as conn:  # one transaction: one set of log rows, written with the commit
        ranges = conn.execute("SELECT first_id, last_id FROM change_log "
                              "WHERE kind = 'spans' AND txid = (SELECT max(txid) FROM change_log)").fetchall()
    # (a rolled-back savepoint's span may be logged too: a reader re-reads it and finds nothing)
    logged = {span_id for first, last in ranges for span_id in range(first, last + 1)}
    assert {kept.added[0].id, also.added[0].id} <= logged


def test_a_failed_unit_leaves_nothing_and_the_project_writes_on(team, people, tagged):
    alice = people["alice"]
    before = server_rows(team)
    with pytest.raises(SpanError), alice.write():
        ops.tag_span(alice, 1, "alice", "place", 30, 35)
        ops.remove_span(alice, tagged["bob"].id)
    assert server_rows(team) == before
    ops.tag_span(alice, 1, "alice", "place", 30, 35)
    assert [span.start for span in alice.spans(1, "alice")] == [0, 30]


def test_the_change_log_names_what_a_write_touched_and_who(team, people, tagged):
    alice = people["alice"]
    added = ops.tag_span(alice, 1, "alice", "place", 30, 35).added[0]
    with team.admin() as conn:
        rows = conn.execute("SELECT kind, doc_id, first_id, last_id, changed_by FROM change_log "
                            "WHERE txid = (SELECT max(txid) FROM change_log) ORDER BY seq").fetchall()
    assert rows == [("spans", 1, added.id, added.id, "alice"), ("documents", None, 1, 1, "alice")]


def test_a_lost_connection_is_a_message_and_nothing_is_saved(team, people, tagged):
    alice = people["alice"]
    before = server_rows(team)
    with pytest.raises(ProjectError, match="connection|could not be saved"), alice.write():
        ops.tag_span(alice, 1, "alice", "place", 30, 35)
        with team.admin() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'alice'")
        ops.tag_span(alice, 1, "alice", "place", 40, 45)
    assert server_rows(team) == before


def test_a_file_project_merged_onto_the_server(team, tmp_path):
    """The owner moves a file project onto the server (`annotator merge`):
    every layer arrives, as a merge into a file would bring it."""
    from annotator.core.merge import merge_projects
    from tests.postgres.test_project_reads import build_file_project

    build_file_project(tmp_path / "team.db").close()
    into_file = Project.open(tmp_path / "here.db")
    with ServerProject.open(team.owner_url) as server:
        ops.apply(server, Change(schema=SchemaChange((), tuple(into_file.labels()))))
        on_server = merge_projects(server, [tmp_path / "team.db"], prefer="incoming")
        on_file = merge_projects(into_file, [tmp_path / "team.db"], prefer="incoming")
        assert on_server == on_file
        for read in ("labels", "document_keys", "span_rows", "all_statuses", "span_counts"):
            assert getattr(server, read)() == getattr(into_file, read)(), read
        assert len(server.span_rows()) == 9
        assert merge_projects(server, [tmp_path / "team.db"]) == merge_projects(into_file, [tmp_path / "team.db"])
    layer_counts_are_true(team)
    into_file.close()


def test_ids_the_server_hands_out_follow_each_other(team, people, tagged):
    """(Migration 0003: 0001's trigger spent an id after every insert.)"""
    alice = people["alice"]
    ids = [ops.tag_span(alice, 1, "alice", "place", 30 + i, 31 + i).added[0].id for i in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    # undo puts a span back under its own id; the next new one still follows the highest
    ops.apply(alice, ops.apply(alice, Change(removed=(alice.span(ids[1]),))).inverse())
    assert alice.span(ids[1]) is not None
    assert ops.tag_span(alice, 1, "alice", "place", 40, 41).added[0].id == ids[2] + 1
