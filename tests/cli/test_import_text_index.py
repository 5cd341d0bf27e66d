"""`annotator import` of a large file leaves the text out of the search
index (storage/sqlite/fulltext.py) and says so; `list --where` and
`export --where` find those documents all the same."""

from __future__ import annotations

import json

from annotator.core.storage.sqlite import fulltext
from tests.core.helpers import write_jsonl


def test_a_large_import_says_its_text_is_not_indexed_yet_and_where_still_finds_it(run_cli, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)
    lines = [{"text": f"Report {i}: the walrus {'sang' if i % 3 == 0 else 'slept'}.", "meta": {"name": f"r{i:02d}"}}
             for i in range(12)]
    result = run_cli("import", write_jsonl(tmp_path / "big.jsonl", lines))
    assert result.exit_code == 0
    assert "Text search: 12 documents are not in the search index yet" in result.output
    listed = run_cli("list", "--where", "walrus SANG").output
    assert [line.split()[1] for line in listed.splitlines()] == ["r00", "r03", "r06", "r09"]
    out = tmp_path / "sang.jsonl"
    assert run_cli("export", "--where", "sang", "-o", out).exit_code == 0
    assert [json.loads(line)["meta"]["name"] for line in out.read_text().splitlines()] == ["r00", "r03", "r06", "r09"]


def test_a_small_import_is_indexed_at_once_and_says_nothing_of_it(run_cli, tmp_path):
    result = run_cli("import", write_jsonl(tmp_path / "small.jsonl", [{"text": "A walrus.", "meta": {"name": "w"}}]))
    assert result.exit_code == 0 and "Text search" not in result.output


def test_index_adds_the_text_an_import_left_out(run_cli, project_path, tmp_path, monkeypatch):
    """`annotator index`: what the window does in the background, now, in slices."""
    from annotator.core.storage import Project

    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)
    monkeypatch.setattr("annotator.cli.INDEX_SLICE", 4)  # 12 documents: three slices
    lines = [{"text": f"Report {i}: the walrus {'sang' if i % 3 == 0 else 'slept'}.", "meta": {"name": f"r{i:02d}"}}
             for i in range(12)]
    assert run_cli("import", write_jsonl(tmp_path / "big.jsonl", lines)).exit_code == 0
    with Project.open(project_path) as project:
        assert project.text_index_pending() == 12
    result = run_cli("index")
    assert result.exit_code == 0, result.output
    assert "Indexed the text of 12 documents" in result.output
    with Project.open(project_path) as project:
        assert project.text_index_pending() == 0
    # (nothing pending: these come from the index alone)
    listed = run_cli("list", "--where", "walrus SANG").output
    assert [line.split()[1] for line in listed.splitlines()] == ["r00", "r03", "r06", "r09"]
    again = run_cli("index")
    assert again.exit_code == 0 and "in the search index already" in again.output
