"""`export --format NAME` and the format's own options, from the registry:
the format is also taken from the suffix of -o; an option of another format,
or a folder or binary format without -o, is refused before anything is written."""

from __future__ import annotations

import json

import pytest

from annotator.core.formats import FORMATS
from tests.core.helpers import read_jsonl, write_jsonl


@pytest.fixture
def annotated(run_cli, tmp_path):
    text = "Kim Jong-un met Xi 😀\r\nin Beijing."
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": text, "meta": {"name": "a"}, "annotator": "alice", "label": [[0, 11, "actor"], [16, 18, "actor"]]}])
    assert run_cli("import", source).exit_code == 0
    return text


def test_every_writable_format_is_listed_in_the_help(run_cli):
    shown = run_cli("export", "--help").stdout
    for format_ in FORMATS:
        assert (f"  {format_.name} " in shown) == bool(format_.write), format_.name


def test_tokens_adds_prodigy_token_fields_that_point_at_the_spans(run_cli, annotated, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "--tokens", "-o", out)
    assert result.exit_code == 0, result.stderr
    [record] = read_jsonl(out.read_text(encoding="utf-8"))
    tokens = record["tokens"]
    assert [t["text"] for t in tokens] == ["Kim", "Jong-un", "met", "Xi", "😀", "in", "Beijing", "."]
    assert all(annotated[t["start"]:t["end"]] == t["text"] for t in tokens)
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [(0, 1), (3, 3)]
    assert [t["ws"] for t in tokens][:3] == [True, True, True] and tokens[-2]["ws"] is False


def test_without_tokens_there_are_none(run_cli, annotated, tmp_path):
    [record] = [json.loads(line) for line in run_cli("export").stdout.splitlines()]
    assert "tokens" not in record and "token_start" not in record["spans"][0]


def test_an_option_of_another_format_is_refused(run_cli, annotated, tmp_path):
    other = next((f for f in FORMATS if f.write and f.name != "jsonl" and not f.options), None)
    if other is None:
        pytest.skip("only jsonl writes")
    out = tmp_path / "out"
    result = run_cli("export", "--format", other.name, "--tokens", "-o", out)
    assert result.exit_code == 2 and f"--tokens does not apply to the {other.name} format" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("kind", ["folder", "binary"])
def test_a_folder_or_binary_format_needs_an_output(run_cli, annotated, kind):
    format_ = next((f for f in FORMATS if f.write and getattr(f, kind)), None)
    if format_ is None:
        pytest.skip(f"no {kind} format registered")
    result = run_cli("export", "--format", format_.name)
    assert result.exit_code == 2 and "name it with -o" in result.stderr and result.stdout == ""


def test_import_shows_its_progress_when_asked_and_not_into_a_pipe(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "archive.jsonl", [{"text": f"Article {i}.", "meta": {"name": f"a{i}"}}
                                                      for i in range(50)])
    shown = run_cli("import", "--progress", source)
    assert shown.exit_code == 0, shown.stderr
    assert "\rReading archive.jsonl, MB: " in shown.stderr and "(100%)" in shown.stderr
    assert shown.stderr.rstrip().endswith("50 documents added; 0 spans added.")
    quiet = run_cli("import", source)  # standard error is not a terminal here
    assert "\r" not in quiet.stderr and "Reading" not in quiet.stderr
