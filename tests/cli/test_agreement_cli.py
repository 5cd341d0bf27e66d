"""`annotator agreement`: formats, names refused with what exists, output files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.core.helpers import write_jsonl

TEXT = "Kim met Xi in Beijing on Monday"


@pytest.fixture
def annotated(run_cli, tmp_path):
    lines = [
        {"text": TEXT, "meta": {"name": "a"}, "annotator": "alice",
         "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "date"]]},
        {"text": TEXT, "meta": {"name": "a"}, "annotator": "bob",
         "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "organisation"]]},
        {"text": TEXT + ".", "meta": {"name": "b"}, "annotator": "alice", "label": [[0, 3, "actor"]]},
        {"text": TEXT + ".", "meta": {"name": "b"}, "annotator": "bob", "label": [[14, 21, "actor"]]},
    ]
    assert run_cli("import", write_jsonl(tmp_path / "in.jsonl", lines)).exit_code == 0


def test_table(run_cli, annotated):
    result = run_cli("agreement")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "alice / bob" in out and "Fleiss' kappa" in out and "Krippendorff's alpha" in out
    # the worst document first: b (they disagree on every span) before a
    worst = out.index("Worst documents")
    assert out.index("\nb ", worst) < out.index("\na ", worst)
    assert "Token confusion (alice down, bob across)" in out


def test_json_is_valid_and_complete(run_cli, annotated):
    result = run_cli("agreement", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (pair,) = data["pairs"]
    # exact: a has 2 shared of 3 each; b none of 1 each -> 2 of 4 and 4
    assert (pair["exact"]["matched"], pair["exact"]["spans_a"], pair["exact"]["spans_b"]) == (2, 4, 4)
    assert [row["document"] for row in data["per_document"]] == ["b", "a"]
    assert pair["confusion"]["labels"][0] == "O"


def test_json_writes_null_for_undefined_figures(run_cli, tmp_path):
    lines = [{"text": "Nothing here", "meta": {"name": "a"}, "annotator": name, "label": [[0, 12, "actor"]]}
             for name in ("x", "y")]
    assert run_cli("import", write_jsonl(tmp_path / "in.jsonl", lines)).exit_code == 0
    # Both gave "actor" to every token: chance agreement 1, kappa undefined.
    result = run_cli("agreement", "--format", "json")
    data = json.loads(result.stdout)
    assert data["pairs"][0]["token_kappa"] is None and data["fleiss_kappa"] is None
    assert "NaN" not in result.stdout


def test_csv(run_cli, annotated):
    result = run_cli("agreement", "--format", "csv", "--labels", "actor")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    tables = {row[0] for row in rows}
    assert tables == {"table", "summary", "pairs", "documents", "confusion"}
    pairs = [row for row in rows if row[0] == "pairs" and row[3] == "(all)" and row[4] == "exact"]
    assert pairs[0][8:11] == ["2", "3", "3"]  # only actor spans


def test_unknown_names_are_refused(run_cli, annotated):
    result = run_cli("agreement", "--annotators", "alice,bobb")
    assert result.exit_code == 1
    assert "no annotator 'bobb'" in result.output and "alice, bob" in result.output
    result = run_cli("agreement", "--labels", "actr")
    assert result.exit_code == 1 and "no label 'actr'" in result.output and "actor" in result.output


def test_fewer_than_two_annotators(run_cli, annotated):
    result = run_cli("agreement", "--annotators", "alice")
    assert result.exit_code == 1 and "at least two" in result.output
    result = run_cli("agreement", "--annotators", " , ")
    assert result.exit_code == 2 and "name at least one" in result.output


def test_output_file_is_written_whole(run_cli, annotated, tmp_path, project_path):
    target = tmp_path / "agreement.json"
    result = run_cli("agreement", "--format", "json", "-o", target)
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["annotators"] == ["alice", "bob"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".agreement")]
    # refused before anything is written: the project itself as output
    result = run_cli("agreement", "-o", project_path)
    assert result.exit_code == 1 and "project file" in result.output


def test_a_missing_project_is_not_created(run_cli, tmp_path):
    missing = tmp_path / "nope.db"
    result = run_cli("agreement", db=missing)
    assert result.exit_code == 1 and not missing.exists()
