"""The command line through click's CliRunner: import, export, list, and a
clear error (file, line, non-zero status, no traceback, nothing changed)
for every rule a file can break."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from annotator.cli import cli

from annotator.core.formats import jsonl as jsonl_format
from annotator.core.storage import Project
from tests.core.helpers import TRICKY_TEXTS, read_jsonl, snapshot, write_jsonl
from tests.core.test_import_export import documents_with_spans

GOOD_LINE = {"text": "good line", "meta": {"name": "good"}}
TEXT = "Kim met Xi"  # 10 characters


@pytest.fixture
def populated(run_cli, tmp_path, project_path):
    """A project holding one document with one span, and its snapshot."""
    source = write_jsonl(tmp_path / "seed.jsonl", [
        {"text": "already here", "meta": {"name": "existing"}, "spans": [{"start": 0, "end": 7, "label": "actor"}]}])
    assert run_cli("import", source).exit_code == 0
    return snapshot(project_path)


def span(start, end, label="actor", **extra):
    return {"text": TEXT, "spans": [{"start": start, "end": end, "label": label, **extra}]}


BAD_JSONL_LINES = {
    "malformed-json": ('{"text": "x",}', "malformed JSON"),
    "not-an-object": ('["text", "x"]', 'expected a JSON object with a "text" field, found a list'),
    "missing-text": ({"meta": {"name": "no text"}}, 'missing "text"'),
    "text-null": ({"text": None}, '"text" must be a string, not null'),
    "text-number": ({"text": 42}, '"text" must be a string, not a number'),
    "text-list": ({"text": ["a"]}, '"text" must be a string, not a list'),
    "start-float": (span(1.0, 3), "span start must be an integer, not 1.0"),
    "end-string": (span(1, "3"), "span end must be an integer, not '3'"),
    "start-bool": (span(True, 3), "span start must be an integer, not True"),
    "start-null": (span(None, 3), "span start must be an integer, not None"),
    "negative": (span(-1, 3), "span start -1 is negative"),
    "past-end": (span(4, 11), "span end 11 is past the end of the text (length 10)"),
    "start-equals-end": (span(3, 3), "span start 3 must be before its end 3"),
    "start-after-end": (span(5, 2), "span start 5 must be before its end 2"),
    "disagreeing-text": (span(0, 3, text="Xi"), 'its "text" "Xi" does not match the document text at [0, 3), which is "Kim"'),
    "doccano-short-item": ({"text": TEXT, "label": [[0, 3]]}, '"label" item 1 must be [start, end, label]'),
    "doccano-past-end": ({"text": TEXT, "label": [[0, 99, "actor"]]}, "past the end"),
    "spans-not-list": ({"text": TEXT, "spans": {"start": 0}}, '"spans" must be a list, not an object'),
    "span-missing-label": ({"text": TEXT, "spans": [{"start": 0, "end": 3}]}, '"spans" item 1 has no "label"'),
    "meta-not-object": ({"text": TEXT, "meta": "x"}, '"meta" must be an object, not a string'),
    "annotator-control": ({"text": TEXT, "annotator": "bob\x1b[31m"}, "control or invisible characters"),
    "unknown-label": (span(0, 3, "person"), "unknown label 'person'; known labels are actor, date, organisation, quote"),
}


@pytest.mark.parametrize("case", sorted(BAD_JSONL_LINES))
def test_a_bad_jsonl_line_is_rejected_whole_with_file_and_line(run_cli, tmp_path, project_path, populated, case):
    bad_line, fragment = BAD_JSONL_LINES[case]
    good_txt = tmp_path / "fine.txt"
    good_txt.write_text("a perfectly good text file", encoding="utf-8")
    source = write_jsonl(tmp_path / "bad.jsonl", [GOOD_LINE, GOOD_LINE | {"meta": {"name": "g2"}}, bad_line,
                                                   GOOD_LINE | {"meta": {"name": "g3"}}])
    result = run_cli("import", good_txt, source)
    assert result.exit_code == 1
    assert "bad.jsonl, line 3: " in result.stderr
    assert fragment in result.stderr
    assert "Nothing was imported" in result.stderr
    assert snapshot(project_path) == populated


def test_an_unknown_label_is_accepted_with_add_labels(run_cli, tmp_path, project_path, populated):
    source = write_jsonl(tmp_path / "new.jsonl", [span(0, 3, "person")])
    result = run_cli("import", "--add-labels", source)
    assert result.exit_code == 0, result.output
    assert "new labels: person" in result.stderr
    with Project.open(project_path) as p:
        assert "person" in p.label_names()
        doc = next(s for s in p.document_summaries("ann") if s.name == "new:1")
        assert [(s.start, s.end, s.label, s.annotator) for s in p.spans(doc.id)] == [(0, 3, "person", "ann")]


@pytest.mark.parametrize("name, content, line, fragment", [
    ("latin1.txt", "first\nsecond\ncafé\n".encode("latin-1"), 3, "not valid UTF-8 (byte 0xe9"),
    ("binary.txt", b"GIF89a\x01\x00\x01\x00\x00\xff\xff\xff" * 20, 1, "binary file"),
    ("utf16.txt", "words".encode("utf-16"), 1, "UTF-16"),
    ("empty.txt", b"", None, "empty"),
    ("bom-only.txt", b"\xef\xbb\xbf", None, "empty"),
    ("blank.jsonl", b"\n \n\r\n", None, "holds no documents"),
    ("badutf8.jsonl", b'{"text": "ok"}\n{"text": "\xff"}\n', 2, "not valid UTF-8"),
    ("data.csv", b"a,b\n", None, "cannot import .csv"),
])
def test_a_bad_file_is_rejected_naming_it(run_cli, tmp_path, project_path, populated, name, content, line, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("import", path)
    assert result.exit_code == 1
    where = f"{name}, line {line}: " if line else f"{name}: "
    assert where in result.stderr and fragment in result.stderr
    assert snapshot(project_path) == populated


def test_a_missing_file_is_named(run_cli, tmp_path, project_path, populated):
    result = run_cli("import", tmp_path / "nope.txt")
    assert result.exit_code == 1 and "nope.txt: no such file" in result.stderr
    assert snapshot(project_path) == populated


def test_every_bad_file_is_reported_at_once(run_cli, tmp_path, populated, project_path):
    a = write_jsonl(tmp_path / "a.jsonl", ["{", GOOD_LINE, "[1]"])
    b = tmp_path / "b.txt"
    b.write_bytes(b"\xff")
    result = run_cli("import", a, b)
    assert result.exit_code == 1
    for where in ("a.jsonl, line 1:", "a.jsonl, line 3:", "b.txt, line 1:"):
        assert where in result.stderr
    assert snapshot(project_path) == populated


def test_reimport_does_not_duplicate(run_cli, tmp_path, project_path):
    txt = tmp_path / "article.txt"
    txt.write_text("Some article text.\r\n", encoding="utf-8")
    lines = write_jsonl(tmp_path / "l.jsonl", [span(0, 3), span(4, 7, "date")])
    assert run_cli("import", txt, lines).exit_code == 0
    before = snapshot(project_path)
    result = run_cli("import", txt, lines)
    assert result.exit_code == 0
    assert "0 documents added; 3 already present; 0 spans added" in result.stderr
    assert snapshot(project_path) == before


@pytest.fixture
def annotated(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", [
        {"text": TRICKY_TEXTS["zwj"], "meta": {"name": "zwj"}, "annotator": "alice",
         "spans": [{"start": 14, "end": 18, "label": "quote"}, {"start": 7, "end": 14, "label": "actor"}]},
        {"text": TRICKY_TEXTS["zwj"], "meta": {"name": "zwj"}, "annotator": "bob",
         "label": [[0, 6, "actor"]]},
        {"text": TRICKY_TEXTS["rtl"], "meta": {"name": "rtl"}},
    ])
    assert run_cli("import", source).exit_code == 0


def test_export_to_stdout(run_cli, annotated):
    result = run_cli("export")
    assert result.exit_code == 0
    assert TRICKY_TEXTS["rtl"] in result.stdout  # UTF-8, not \u-escaped
    assert "\\u" not in result.stdout
    records = read_jsonl(result.stdout)
    summary = sorted((r["meta"]["name"], r["annotator"], [(s["start"], s["end"]) for s in r["spans"]])
                     for r in records if r["annotator"])
    assert summary == [("zwj", "alice", [(7, 14), (14, 18)]), ("zwj", "bob", [(0, 6)])]
    (rtl,) = [r for r in records if r["meta"]["name"] == "rtl"]
    assert rtl["annotator"] is None and rtl["spans"] == [] and rtl["text"] == TRICKY_TEXTS["rtl"]


def test_export_one_annotator_has_one_line_per_document(run_cli, annotated):
    records = read_jsonl(run_cli("export", "--annotator", "bob").stdout)
    assert sorted(r["meta"]["name"] for r in records) == ["rtl", "zwj"]
    assert all(r["annotator"] == "bob" for r in records)
    assert {r["meta"]["name"]: len(r["spans"]) for r in records} == {"rtl": 0, "zwj": 1}


def test_export_to_a_file(run_cli, annotated, tmp_path):
    target = tmp_path / "out.jsonl"
    result = run_cli("export", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert "Wrote 3 lines" in result.stderr
    assert target.read_text(encoding="utf-8") == run_cli("export").stdout


def test_a_failing_export_leaves_no_file_and_no_temporary(run_cli, annotated, tmp_path, monkeypatch):
    target = tmp_path / "out" / "export.jsonl"
    target.parent.mkdir()

    def write_then_fail(records, out, **_):
        for record in records:
            out.write(json.dumps(record) + "\n")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonl_format, "write", write_then_fail)
    result = run_cli("export", "-o", target)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and str(target) in result.stderr
    assert os.listdir(target.parent) == []


def test_export_into_a_missing_folder_fails_cleanly(run_cli, annotated, tmp_path):
    result = run_cli("export", "-o", tmp_path / "missing" / "x.jsonl")
    assert result.exit_code == 1 and "missing/x.jsonl" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_list_shows_documents_with_span_counts_per_annotator(run_cli, annotated, tmp_path, project_path):
    weird = write_jsonl(tmp_path / "w.jsonl", [{"text": "t", "meta": {"name": "weird"}}])
    assert run_cli("import", weird).exit_code == 0
    # Import refuses such a name now; a project from an older annotator may still hold one.
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("UPDATE documents SET name = ? WHERE name = 'weird'", ("evil\n\x1b[2Jna\u202eme",))
    conn.close()
    result = run_cli("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # the newline in a name does not make a line
    by_name = {line.split("  ")[1]: line for line in lines}
    assert sorted(by_name) == ["evil\\n\\x1b[2Jna\\u202eme", "rtl", "zwj"]
    assert "alice: 2, bob: 1" in by_name["zwj"]
    assert "no spans" in by_name["rtl"]
    assert f"{len(TRICKY_TEXTS['rtl'])} characters" in by_name["rtl"]
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def test_list_on_an_empty_project(run_cli, project):
    result = run_cli("list")
    assert result.exit_code == 0 and result.stdout == "" and "No documents" in result.stderr


@pytest.mark.parametrize("command", [[], ["import"], ["export"], ["list"]])
def test_every_command_has_help(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout
    assert len(result.stdout.splitlines()) > 4


def test_a_bad_user_name_is_a_usage_error(run_cli):
    result = run_cli("list", user="two\nlines")
    assert result.exit_code == 2 and "annotator name" in result.stderr


def test_a_damaged_project_is_an_error_not_a_traceback(run_cli, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = bad.read_bytes()
    for command in (["list"], ["export"], ["import", tmp_path / "x.txt"]):
        result = run_cli(*command, db=bad)
        assert result.exit_code == 1 and str(bad) in result.stderr
    assert bad.read_bytes() == before


def test_a_project_newer_than_this_version_is_refused(run_cli, project_path, tmp_path, populated):
    import sqlite3
    with sqlite3.connect(project_path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('annotator', '9000_next', 'x')")
    conn.close()
    before = project_path.read_bytes()
    result = run_cli("list")
    assert result.exit_code == 1 and "newer version of annotator" in result.stderr
    assert project_path.read_bytes() == before


@pytest.mark.parametrize("target", ["same", "wal", "hardlink", "relative"])
def test_export_over_the_project_file_is_refused(run_cli, annotated, project_path, tmp_path, monkeypatch, target):
    before = snapshot(project_path)
    if target == "same":
        output = project_path
    elif target == "wal":
        output = tmp_path / f"{project_path.name}-wal"
    elif target == "hardlink":
        output = tmp_path / "link.db"
        os.link(project_path, output)
    else:
        monkeypatch.chdir(project_path.parent)
        output = f"./{project_path.name}"
    result = run_cli("export", "-o", output)
    assert result.exit_code == 1 and "would destroy the project" in result.stderr
    assert snapshot(project_path) == before


def test_a_read_only_project_can_be_listed_and_exported_but_not_changed(run_cli, annotated, project_path,
                                                                        tmp_path, monkeypatch):
    before = snapshot(project_path)
    monkeypatch.setattr("annotator.core.storage.sqlite.project.writable", lambda p: False)  # as for a chmod 444 file (root ignores chmod)
    assert run_cli("list").exit_code == 0
    exported = run_cli("export")
    assert exported.exit_code == 0 and len(read_jsonl(exported.stdout)) == 3
    result = run_cli("import", write_jsonl(tmp_path / "x.jsonl", [{"text": "new"}]))
    assert result.exit_code == 1 and "read-only" in result.stderr and str(project_path) in result.stderr
    assert snapshot(project_path) == before


@settings(max_examples=25, deadline=None)
@given(documents_with_spans())
def test_cli_round_trip_keeps_text_and_spans_exactly(doc):
    text, spans = doc
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runner = CliRunner()
        source = write_jsonl(tmp / "in.jsonl", [{"text": text, "annotator": "ann", "meta": {"name": "d"},
                                                 "spans": [{"start": s, "end": e, "label": label}
                                                           for s, e, label in spans]}])
        db = str(tmp / "p.db")
        assert runner.invoke(cli, ["--db", db, "import", str(source)]).exit_code == 0
        # With no spans "ann" is unknown to the project (an error); everyone's layers then hold the text.
        out = runner.invoke(cli, ["--db", db, "export", *(["--annotator", "ann"] if spans else [])])
    assert out.exit_code == 0
    (record,) = read_jsonl(out.stdout)
    assert record["text"] == text
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in record["spans"]] == \
        [(s, e, label, text[s:e]) for s, e, label in spans]


def test_environment_variables_choose_project_and_user(tmp_path):
    db = tmp_path / "env.db"
    source = write_jsonl(tmp_path / "a.jsonl", [{"text": "Kim met Xi", "label": [[0, 3, "actor"]]}])
    env = {"ANNOTATOR_DB": str(db), "ANNOTATOR_USER": "envuser"}
    result = CliRunner(env=env).invoke(cli, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert str(db) in result.stderr
    (record,) = read_jsonl(CliRunner(env=env).invoke(cli, ["export"]).stdout)
    assert record["annotator"] == "envuser"
    # Options win over the environment.
    other = tmp_path / "other.db"
    CliRunner(env=env).invoke(cli, ["--db", str(other), "--user", "optuser", "import", str(source)])
    (record,) = read_jsonl(CliRunner().invoke(cli, ["--db", str(other), "export"]).stdout)
    assert record["annotator"] == "optuser"


def test_version(run_cli):
    from annotator import __version__
    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_an_export_imports_back_into_the_same_export(run_cli, annotated, tmp_path):
    first = run_cli("export").stdout
    exported = tmp_path / "exported.jsonl"
    exported.write_text(first, encoding="utf-8")
    other = tmp_path / "other.db"
    result = run_cli("import", exported, db=other)
    assert result.exit_code == 0, result.stderr
    second = run_cli("export", db=other).stdout
    assert sorted(first.split("\n")) == sorted(second.split("\n"))
    # And importing it again into the first project changes nothing.
    assert "0 documents added" in run_cli("import", exported).stderr


def test_a_file_with_many_bad_lines_says_where_checking_stopped(run_cli, tmp_path, project_path, populated):
    source = write_jsonl(tmp_path / "junk.jsonl", ["not json"] * 30 + [GOOD_LINE])
    result = run_cli("import", source)
    assert result.exit_code == 1
    assert "junk.jsonl, line 1: malformed JSON" in result.stderr
    assert "junk.jsonl, line 19: malformed JSON" in result.stderr
    assert "junk.jsonl, line 20:" not in result.stderr
    assert "junk.jsonl: stopped checking after 19 bad lines (at line 19); the rest was not read" in result.stderr
    assert "more" not in result.stderr  # all of it on screen
    assert snapshot(project_path) == populated
    exactly_19 = write_jsonl(tmp_path / "nineteen.jsonl", ["not json"] * 19 + ["", "  "])
    assert "stopped checking" not in run_cli("import", exactly_19).stderr  # nothing left unread
