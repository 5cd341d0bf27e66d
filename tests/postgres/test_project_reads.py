"""The server project's reads answer as the project file's do: one
project built in a file through its unit of work, copied row for row onto a
server, and every read of storage/interface.py's Store implemented so far
asked of both. (The start of the store contract tests on both backends.)"""

from __future__ import annotations

import json

import psycopg
import pytest

from annotator.core.changes import Decision
from annotator.core.errors import ProjectError
from annotator.core.feed import IdRanges
from annotator.core.model import Label, Span, text_digest
from annotator.core.storage import Project
from annotator.core.storage.postgres import admin
from annotator.core.storage.postgres.project import ServerProject

TEXTS = [("zeta", "Ann met Bob at Acme in Zürich. 🙂 Then Ann left.", {"source": {"feed": ["a", 1]}}),
         ("Alpha", "Ärger in Köln: Bob said so.", {}),
         ("empty-ish", "Nothing here.", {"note": "no spans"})]
LAYERS = {  # annotator: (doc index, start, end, label)
    "alice": [(0, 0, 3, "actor"), (0, 8, 11, "actor"), (0, 15, 19, "organisation"), (1, 0, 5, "Ärger")],
    "bob": [(0, 0, 3, "actor"), (0, 15, 19, "actor"), (1, 16, 19, "actor")],
    "Zoë": [(0, 23, 29, "zeta")],
    "gold": [(0, 0, 3, "actor")],
}


def build_file_project(path) -> Project:
    project = Project.open(path)
    with project.write() as unit:
        unit.insert_labels([Label("zeta", "#123456", None, "z", "last of all", "underline"),
                            Label("Ärger", "#abcdef")])
        ids = [unit.insert_document(name, text, text_digest(text), meta, unit.now()) for name, text, meta in TEXTS]
        spans = {}
        for annotator, rows in LAYERS.items():
            for doc, start, end, label in rows:
                spans[annotator, doc, start] = unit.insert_span(Span(start, end, label, annotator, ids[doc]))
        unit.set_status(ids[0], "alice", "done")
        unit.set_status(ids[1], "bob", "in progress")
        unit.set_status(ids[2], "Zoë", "new")
        unit.set_note(spans["bob", 0, 15].id, ids[0], "an org, surely?")
        unit.set_note(spans["gold", 0, 0].id, ids[0], "agreed")
        unit.insert_decisions([Decision(ids[0], 0, 3, "actor", "accept", "rita", unit.now(), spans["gold", 0, 0].id),
                               Decision(ids[0], 15, 19, "organisation", "reject", "rita", unit.now()),
                               Decision(ids[0], 0, 0, None, "reviewed", "rita", unit.now())])
        unit.record_merged_layer(ids[1], "bob", 42, "bob.db", "f1ngerprint", unit.now())
    return project


def copy_to_server(project: Project, url: str) -> None:
    """Every row of the file project, as the owner, ids kept."""
    with psycopg.connect(url) as conn:
        for position, label in enumerate(project.labels()):
            conn.execute("INSERT INTO labels (name, color, hotkey, mnemonic, description, display, position) "
                         "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         (label.name, label.color, label.hotkey, label.mnemonic, label.description, label.display,
                          position))
        for doc_id, _, _ in project.document_keys():
            document = project.document(doc_id)
            conn.execute("INSERT INTO documents (id, name, text, meta) VALUES (%s, %s, %s, %s)",
                         (doc_id, document.name, document.text, json.dumps(document.meta)))
            for span in project.spans(doc_id):
                conn.execute('INSERT INTO spans (id, doc_id, annotator, label, start, "end") '
                             "VALUES (%s, %s, %s, %s, %s, %s)",
                             (span.id, doc_id, span.annotator, span.label, span.start, span.end))
            for span_id, note in project.notes(doc_id).items():
                conn.execute("INSERT INTO span_notes VALUES (%s, %s)", (span_id, note))
            for d in project.decisions(doc_id):
                conn.execute('INSERT INTO review_decisions (id, doc_id, start, "end", label, decision, reviewer, '
                             "decided_at, gold_span_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                             (d.id, d.doc_id, d.start, d.end, d.label, d.decision, d.reviewer, d.decided_at,
                              d.gold_span_id))
        for doc_id, annotator, status in project.all_statuses():
            conn.execute("INSERT INTO document_status VALUES (%s, %s, %s)", (doc_id, annotator, status))
        for (doc_id, annotator), (source_id, name, fingerprint) in project.merged_layers().items():
            conn.execute("INSERT INTO merged_layers VALUES (%s, %s, %s, %s, %s, now())",
                         (doc_id, annotator, source_id, name, fingerprint))


@pytest.fixture
def both(database_in_english, tmp_path):
    database = database_in_english
    file_project = build_file_project(tmp_path / "p.db")
    admin.init_server(database.owner_url)
    admin.add_user(database.owner_url, "alice", "annotator", "pw")
    copy_to_server(file_project, database.owner_url)
    with ServerProject.open(database.url("alice", "pw")) as server_project:
        yield file_project, server_project
    file_project.close()


def test_every_read_answers_as_the_file_does(both):
    file, server = both
    doc_ids = [doc_id for doc_id, _, _ in file.document_keys()]
    everyone = list(LAYERS) + ["nobody"]
    questions = [
        ("labels", ()), ("label_names", ()), ("document_count", ()), ("highest_document_id", ()),
        ("status_annotators", ()), ("annotators", ()), ("span_counts", ()), ("span_counts_by_label", ()),
        ("document_keys", ()), ("span_rows", ()), ("all_statuses", ()), ("merged_layers", ()),
        ("span", (10_000,)),
        ("spans_by_id", (IdRanges([(1, 3), (6, 100)]),)), ("spans_by_id", (IdRanges([(1, 100)], doc_ids[1]),)),
    ]
    for doc_id in doc_ids:
        questions += [("document", (doc_id,)), ("spans", (doc_id,)), ("annotators", (doc_id,)),
                      ("notes", (doc_id,)), ("decisions", (doc_id,))]
        questions += [("spans", (doc_id, who)) for who in everyone]
        questions += [("status", (doc_id, who)) for who in everyone]
    questions += [("span", (span.id,)) for span in file.spans(doc_ids[0])]
    for method, args in questions:
        expected = getattr(file, method)(*args)
        assert getattr(server, method)(*args) == expected, (method, args)
    # (the data is there to compare: a read that returned nothing on both would prove little)
    assert len(file.span_rows()) == 9 and len(file.decisions(doc_ids[0])) == 3


def test_a_missing_document_is_a_message(both):
    _, server = both
    with pytest.raises(ProjectError, match="there is no document with id 99"):
        server.document(99)


def test_opening_refuses_what_it_cannot_read(database):
    with pytest.raises(ProjectError, match="not set up as an annotator project"):
        ServerProject.open(database.owner_url)
    admin.init_server(database.owner_url)
    with database.admin() as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future')")
    with pytest.raises(ProjectError, match="newer than this annotator knows") as caught:
        ServerProject.open(database.owner_url)
    assert "owner secret" not in str(caught.value) and "***" in str(caught.value)
