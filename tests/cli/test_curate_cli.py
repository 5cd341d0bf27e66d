"""`annotator curate` (accept all agreed, from the command line) and
`export --annotator gold` / repeated `--annotator`."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.core import ops, review
from annotator.core.storage import Project
from tests.core.helpers import read_jsonl, snapshot, write_jsonl

TEXT = "Kim met Xi in Beijing on Monday"


@pytest.fixture
def annotated(run_cli, tmp_path):
    """Two documents; alice, bob and carol agree on some spans of each."""
    lines = []
    for name in ("a", "b"):
        lines += [
            {"text": TEXT, "meta": {"name": name}, "annotator": "alice",
             "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "date"]]},
            {"text": TEXT, "meta": {"name": name}, "annotator": "bob",
             "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "organisation"]]},
            {"text": TEXT, "meta": {"name": name}, "annotator": "carol", "label": [[0, 3, "actor"]]},
        ]
    assert run_cli("import", write_jsonl(tmp_path / "in.jsonl", lines)).exit_code == 0


def gold_rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute('SELECT doc_id, start, "end", label FROM spans WHERE annotator = \'gold\' '
                            'ORDER BY doc_id, start').fetchall()
    finally:
        conn.close()


def reviewers(path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT decision, reviewer FROM review_decisions"))
    finally:
        conn.close()


def test_curate_adds_what_all_agree_on_and_a_second_run_adds_nothing(run_cli, annotated, project_path):
    before = snapshot(project_path)["spans"]
    result = run_cli("curate", user="rita")
    assert result.exit_code == 0, result.stderr
    assert "Added 2 agreed spans to gold in 2 documents" in result.stderr
    assert gold_rows(project_path) == [(1, 0, 3, "actor"), (2, 0, 3, "actor")]
    assert reviewers(project_path) == {("accept", "rita")}
    again = run_cli("curate", user="rita")
    assert again.exit_code == 0 and "Nothing to add" in again.stderr
    assert len(gold_rows(project_path)) == 2
    # the annotators' layers are as they were
    assert [row for row in snapshot(project_path)["spans"] if row[2] != "gold"] == before


def test_curate_with_min_agree_and_chosen_annotators(run_cli, annotated, project_path):
    result = run_cli("curate", "--min-agree", "2", "--user", "sam")
    assert result.exit_code == 0 and "as reviewer sam" in result.stderr
    assert gold_rows(project_path) == [(d, s, e, "actor") for d in (1, 2) for s, e in ((0, 3), (8, 10))]
    assert reviewers(project_path) == {("accept", "sam")}
    result = run_cli("curate", "--annotators", "alice,carol")
    assert result.exit_code == 0, result.stderr
    assert "Nothing to add" in result.stderr  # alice and carol agree only on Kim, gold already has it
    result = run_cli("curate", "--annotators", "alice", "--min-agree", "1")
    assert "Added 2 agreed spans" in result.stderr
    assert (1, 25, 31, "date") in gold_rows(project_path)


def test_curate_refuses_unknown_annotators_and_bad_numbers(run_cli, annotated, project_path):
    before = snapshot(project_path)
    for args, message in [(("--annotators", "alice,zed"), "no annotator 'zed'"),
                          (("--annotators", ","), "name at least one annotator"),
                          (("--min-agree", "0"), "0 is not in the range"),
                          (("--min-agree", "4", "--annotators", "alice,bob"), "only 2 chosen")]:
        result = run_cli("curate", *args)
        assert result.exit_code != 0 and message in result.stderr, (args, result.stderr)
    assert snapshot(project_path) == before


def test_curate_needs_an_existing_project(run_cli, tmp_path):
    result = run_cli("curate", db=tmp_path / "missing.db")
    assert result.exit_code == 1 and "no such project" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_export_gold_is_the_adjudicated_layer(run_cli, annotated, project_path):
    run_cli("curate")
    with Project.open(project_path) as project:
        review.accept(project, 1, "rita", 25, 31, "date")
    records = read_jsonl(run_cli("export", "--annotator", "gold").stdout)
    assert [(r["meta"]["name"], r["annotator"], [(s["start"], s["end"], s["label"]) for s in r["spans"]])
            for r in records] == [("a", "gold", [(0, 3, "actor"), (25, 31, "date")]),
                                  ("b", "gold", [(0, 3, "actor")])]


def test_export_annotator_may_be_given_more_than_once(run_cli, annotated, project_path):
    run_cli("curate")
    result = run_cli("export", "--annotator", "gold", "--annotator", "bob", "--annotator", "gold")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(result.stdout)
    assert [(r["meta"]["name"], r["annotator"], len(r["spans"])) for r in records] == [
        ("a", "gold", 1), ("a", "bob", 3), ("b", "gold", 1), ("b", "bob", 3)]
    assert records[1]["spans"][2] == {"start": 25, "end": 31, "label": "organisation", "text": "Monday"}
    # a layer with nothing in a document still has its line; an unknown name is refused
    with Project.open(project_path) as project:
        ops.set_status(project, 1, "dave", "done")
    records = read_jsonl(run_cli("export", "--annotator", "dave", "--annotator", "carol").stdout)
    assert [(r["meta"]["name"], r["annotator"], len(r["spans"])) for r in records] == [
        ("a", "dave", 0), ("a", "carol", 1), ("b", "dave", 0), ("b", "carol", 1)]
    result = run_cli("export", "--annotator", "bob", "--annotator", "zed")
    assert result.exit_code == 1 and "no annotator 'zed'" in result.stderr and result.stdout == ""
