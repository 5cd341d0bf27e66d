"""`annotator list --where TEXT` and `annotator export --where TEXT`: only
the documents whose text contains TEXT (every TEXT when repeated), case
ignored, TEXT taken literally."""

from __future__ import annotations

import json

import pytest

from tests.core.helpers import write_jsonl

DOCS = [
    {"text": "The Minister spoke.\r\nThen left.", "meta": {"name": "minister"},
     "spans": [{"start": 4, "end": 12, "label": "actor"}], "annotator": "ann"},
    {"text": "记者王芳报道。", "meta": {"name": "chinese"}},
    {"text": "Председатель МОСКВЫ", "meta": {"name": "cyrillic"}},
    {"text": 'A "quoted" AND starred* text', "meta": {"name": "syntax"}},
]


@pytest.fixture
def imported(run_cli, tmp_path):
    assert run_cli("import", write_jsonl(tmp_path / "in.jsonl", DOCS)).exit_code == 0


def listed(result) -> list[str]:
    return [line.split("  ")[1] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("where, names", [
    (["minister"], ["minister"]),
    (["王芳"], ["chinese"]),
    (["москвы"], ["cyrillic"]),
    (['"quoted" AND'], ["syntax"]),
    (["starred*"], ["syntax"]),
    (["spoke.\r\nThen"], ["minister"]),
    (["e", "t"], ["minister", "syntax"]),
    (["minister", "王芳"], []),
])
def test_list_where(run_cli, imported, where, names):
    result = run_cli("list", *[arg for text in where for arg in ("--where", text)])
    assert result.exit_code == 0
    assert listed(result) == names
    if not names:
        assert "No document" in result.stderr and "contains" in result.stderr


def test_list_where_keeps_the_span_counts(run_cli, imported):
    result = run_cli("list", "--where", "MINISTER")
    assert result.exit_code == 0 and "ann: 1" in result.stdout


def test_export_where(run_cli, imported, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "--where", "minister", "-o", out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["meta"]["name"] for r in records] == ["minister"]
    assert records[0]["spans"] == [{"start": 4, "end": 12, "label": "actor", "text": "Minister"}]
    assert "Wrote 1 " in result.stderr


def test_export_where_to_standard_output_with_an_annotator(run_cli, imported):
    result = run_cli("export", "--annotator", "ann", "--where", "王芳")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["meta"]["name"], r["annotator"], r["spans"]) for r in records] == [("chinese", "ann", [])]


def test_export_where_nothing_matches_writes_an_empty_file(run_cli, imported, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "--where", "no such words", "-o", out)
    assert result.exit_code == 0 and out.read_text() == ""


@pytest.mark.parametrize("command", ["list", "export"])
def test_where_is_in_the_help(run_cli, command):
    result = run_cli(command, "--help")
    assert "--where TEXT" in result.stdout and "contains TEXT" in result.stdout
