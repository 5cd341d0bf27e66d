"""The hostile input corpus (tests/data/hostile, outcomes in manifest.json):
each file is either imported correctly or refused with a clear error naming
the file (and line); never a traceback, nothing half-imported, and the
project works afterwards. The three huge cases are generated here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from tests.cli.conftest import run_process
from tests.core.helpers import integrity, read_jsonl, snapshot, spans_as_text, write_jsonl

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
MANIFEST = json.loads((HOSTILE / "manifest.json").read_text(encoding="utf-8"))


def invoke(db: Path, *args) -> "click.testing.Result":
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", "tester", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def db(tmp_path):
    """A project with one document and span already in it."""
    path = tmp_path / "project.db"
    source = write_jsonl(tmp_path / "existing.jsonl", [
        {"text": "existing text", "meta": {"name": "existing"}, "spans": [{"start": 0, "end": 8, "label": "date"}]}])
    assert invoke(path, "import", source).exit_code == 0
    return path


def check_refused(db: Path, result, path: Path, fragment: str, line: int | None, before: dict) -> None:
    assert result.exit_code == 1
    where = f"{path.name}, line {line}: " if line else f"{path.name}: "
    assert where in result.stderr, result.stderr
    assert fragment in result.stderr, result.stderr
    assert snapshot(db) == before  # nothing half-imported


def check_still_usable(db: Path, tmp_path: Path) -> None:
    probe = write_jsonl(tmp_path / "after.jsonl", [{"text": "still works", "label": [[0, 5, "actor"]]}])
    assert invoke(db, "import", probe).exit_code == 0
    assert invoke(db, "list").exit_code == 0
    assert integrity(db) == "ok"


def expected_texts(path: Path) -> list[str]:
    """What the documents' texts must be, read independently of the importer."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    if path.suffix == ".txt":
        return [data.decode("utf-8")]
    return [json.loads(line)["text"] for line in data.decode("utf-8").split("\n") if line.strip()]


def test_the_corpus_is_complete():
    files = {p.name for p in HOSTILE.iterdir()} - {"manifest.json", "make_corpus.py"}
    assert files == {case["file"] for case in MANIFEST}
    assert len(MANIFEST) >= 30
    assert {case["expect"] for case in MANIFEST} == {"ok", "error"}


@pytest.mark.parametrize("case", MANIFEST, ids=[c["file"] for c in MANIFEST])
def test_hostile_file(db, tmp_path, case):
    path = HOSTILE / case["file"]
    before = snapshot(db)
    args = ["import", *(["--add-labels"] if case["add_labels"] else []), path]
    result = invoke(db, *args)
    if case["expect"] == "error":
        check_refused(db, result, path, case["fragment"], case["line"], before)
    else:
        assert result.exit_code == 0, result.stderr
        after = snapshot(db)
        assert len(after["documents"]) - len(before["documents"]) == case["documents"]
        assert len(after["spans"]) - len(before["spans"]) == case["spans"]
        new_texts = sorted(row[2] for row in after["documents"][len(before["documents"]):])
        assert new_texts == sorted(expected_texts(path))  # stored exactly
        for name, who, label, start, end, covered in spans_as_text(db):
            assert 0 <= start < end and covered  # every span inside its text
        # Export gives the same texts back.
        exported = read_jsonl(invoke(db, "export").stdout)
        assert sorted(r["text"] for r in exported) == sorted(row[2] for row in after["documents"])
    check_still_usable(db, tmp_path)


def test_names_are_never_used_as_paths(db, tmp_path):
    result = invoke(db, "import", HOSTILE / "names-path-separators.jsonl")
    assert result.exit_code == 0
    names = {r["meta"]["name"] for r in read_jsonl(invoke(db, "export").stdout)}
    assert {"../../etc/passwd", "C:\\Windows\\System32\\evil.dll", "/absolute/path"} <= names
    out = tmp_path / "export.jsonl"
    assert invoke(db, "export", "-o", out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("project.db")) == \
        sorted(["existing.jsonl", "export.jsonl"])


def test_every_bad_file_at_once_in_a_real_process(db, tmp_path):
    # Unknown labels are checked once every file has parsed, so that case is
    # left out: the rest are all reading errors, each reported.
    bad = [c for c in MANIFEST if c["expect"] == "error" and not c["add_labels"]
           and "unknown label" not in c["fragment"]]
    before = snapshot(db)
    result = run_process("--db", db, "--user", "tester", "import", *[HOSTILE / c["file"] for c in bad],
                         cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    stderr = result.stderr.decode("utf-8")
    # The first twenty problems are listed, then a count of the rest.
    listed = [c for c in bad if f"{c['file']}, line {c['line']}: " in stderr or f"{c['file']}: " in stderr]
    assert len(listed) == min(20, len(bad))
    assert f"and {len(bad) - 20} more" in stderr
    assert snapshot(db) == before


@pytest.mark.slow
def test_a_50_mb_single_line(db, tmp_path):
    text = ("word " * 10_000_000)[:-1] + "👋"  # 50 MB on one line, an emoji at the very end
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"text": text, "meta": {"name": "huge"}, "label": [[len(text) - 1, len(text), "actor"]]},
                               ensure_ascii=False), encoding="utf-8")
    assert path.stat().st_size > 50_000_000
    result = invoke(db, "import", path)
    assert result.exit_code == 0, result.stderr
    assert ("huge", "tester", "actor", len(text) - 1, len(text), "👋") in spans_as_text(db)
    # The same as a .txt file with one bad byte at the end: refused whole.
    bad = tmp_path / "huge.txt"
    bad.write_bytes(text.encode("utf-8") + b"\xff")
    before = snapshot(db)
    check_refused(db, invoke(db, "import", bad), bad, "not valid UTF-8", 1, before)


@pytest.mark.slow
def test_json_nested_100000_deep(db, tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps({"text": "ok"}) + "\n" + '{"text": "x", "meta": {"deep": ' + "[" * 100_000
                    + "]" * 100_000 + "}}\n", encoding="utf-8")
    before = snapshot(db)
    check_refused(db, invoke(db, "import", path), path, "nested too deeply", 2, before)
    check_still_usable(db, tmp_path)


@pytest.mark.slow
def test_one_bad_line_among_thousands(db, tmp_path):
    lines = [{"text": f"document number {i}", "meta": {"name": f"d{i}"}, "label": [[0, 8, "actor"]]}
             for i in range(20_000)]
    lines[13_577] = {"text": "bad", "label": [[0, 4, "actor"]]}  # end past the text
    path = write_jsonl(tmp_path / "many.jsonl", lines)
    before = snapshot(db)
    check_refused(db, invoke(db, "import", path), path, "past the end", 13_578, before)
    # Fixed, the whole file goes in.
    lines[13_577] = {"text": "good", "label": [[0, 4, "actor"]]}
    result = invoke(db, "import", write_jsonl(path, lines))
    assert result.exit_code == 0 and "20000 documents added; 20000 spans added" in result.stderr
