"""The command line as a user runs it: a real `python -m annotator` process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from annotator.core.storage import Project
from tests.cli.conftest import REPO, clean_env, run_process
from tests.core.helpers import TRICKY_TEXTS, snapshot, write_jsonl

SEEDS = sorted((REPO / "seeds").glob("*.txt"))


def seed_text(path) -> str:
    data = path.read_bytes()
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")


def test_there_is_a_seed_article():
    assert SEEDS and all(seed_text(p) for p in SEEDS)


def test_import_seeds_then_export_prints_the_seed_text_unchanged(tmp_path):
    """The done-criterion of issue 3, exactly as a user types it."""
    imported = run_process("--db", "p.db", "import", *SEEDS, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert f"{len(SEEDS)} document".encode() in imported.stderr
    exported = run_process("--db", "p.db", "export", cwd=tmp_path)
    assert exported.returncode == 0
    records = [json.loads(line) for line in exported.stdout.decode("utf-8").split("\n")[:-1]]
    assert {r["meta"]["name"]: r["text"] for r in records} == {p.stem: seed_text(p) for p in SEEDS}
    assert all(r["spans"] == [] and r["annotator"] is None for r in records)
    # Curly quotes and NBSP are written as themselves, not \u escapes.
    assert b"\\u" not in exported.stdout


@pytest.mark.skipif(shutil.which("annotator") is None, reason="console script not installed")
def test_the_console_script_is_the_same_program(tmp_path):
    Project.open(tmp_path / "p.db").close()
    result = subprocess.run(["annotator", "--db", str(tmp_path / "p.db"), "list"], capture_output=True,
                            env=clean_env(), timeout=60)
    assert result.returncode == 0 and b"No documents" in result.stderr


def test_default_project_gets_the_seed_article_on_first_open(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), XDG_DATA_HOME=str(tmp_path / "xdg"), ANNOTATOR_USER="tester")
    # The first import (or window) creates it; importing the seed itself adds nothing more.
    created = run_process("import", *SEEDS, cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    first = run_process("list", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    project = tmp_path / "xdg" / "annotator" / "default.annotator.db"
    assert project.exists()
    listed = first.stdout.decode("utf-8").splitlines()
    assert [line.split("  ")[1] for line in listed] == [p.stem for p in SEEDS]

    second = run_process("export", cwd=tmp_path, env=env)
    records = [json.loads(line) for line in second.stdout.decode("utf-8").split("\n")[:-1]]
    assert [r["text"] for r in records] == [seed_text(p) for p in SEEDS]  # not added twice


def test_a_project_named_with_db_starts_empty(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [{"text": "a"}])
    created = run_process("--db", tmp_path / "new.db", "import", source, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    result = run_process("--db", tmp_path / "new.db", "list", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.decode().splitlines() == ["1  a:1  (1 characters; no spans)"]


@pytest.mark.parametrize("content, name, expected", [
    (b'{"text": "fine"}\n{"text": "bad", "spans": [{"start": 0, "end": 9, "label": "actor"}]}\n',
     "bad.jsonl", b"bad.jsonl, line 2: \"spans\" item 1: span end 9 is past the end of the text (length 3)"),
    (b"ok\n\xc3\x28 broken\n", "bad.txt", b"bad.txt, line 2: not valid UTF-8"),
    (b'{"text": "x", "spans": [{"start": 1' + b"0" * 5000 + b', "end": 2, "label": "actor"}]}\n',
     "huge.jsonl", b"huge.jsonl, line 1: malformed JSON: a number has too many digits"),
])
def test_bad_input_in_a_real_process(tmp_path, content, name, expected):
    db = tmp_path / "p.db"
    assert run_process("--db", db, "import", write_jsonl(tmp_path / "g.jsonl", [{"text": "g"}]),
                       cwd=tmp_path).returncode == 0
    before = snapshot(db)
    (tmp_path / name).write_bytes(content)
    result = run_process("--db", db, "import", name, cwd=tmp_path)
    assert result.returncode == 1
    assert expected in result.stderr
    assert snapshot(db) == before


def test_tricky_texts_round_trip_through_real_processes(tmp_path):
    records = [{"text": text, "meta": {"name": name}, "annotator": "ann",
                "spans": [{"start": 0, "end": len(text) - 1, "label": "quote", "text": text[:-1]}]}
               for name, text in sorted(TRICKY_TEXTS.items())]
    source = write_jsonl(tmp_path / "tricky.jsonl", records)
    assert run_process("--db", "p.db", "import", source, cwd=tmp_path).returncode == 0
    out = run_process("--db", "p.db", "export", "-o", "out.jsonl", cwd=tmp_path)
    assert out.returncode == 0
    # Split on "\n" only: the texts hold U+2028 and U+0085, which str.splitlines() also breaks at.
    raw = (tmp_path / "out.jsonl").read_bytes().decode("utf-8")
    back = [json.loads(line) for line in raw.split("\n")[:-1]]
    assert back == records


def test_export_to_stdout_is_utf8_whatever_the_terminal_encoding(tmp_path):
    record = {"text": "Café 😀 — 北京\r\nend", "spans": [], "annotator": None, "meta": {"name": "d"}}
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": record["text"], "meta": {"name": "d"}}])
    assert run_process("--db", "p.db", "import", source, cwd=tmp_path).returncode == 0
    out = run_process("--db", "p.db", "export", cwd=tmp_path, env=clean_env(PYTHONIOENCODING="latin-1"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.decode("utf-8")) == record


def test_export_into_a_closed_pipe_is_quiet(tmp_path):
    db = tmp_path / "p.db"
    many = write_jsonl(tmp_path / "many.jsonl", [{"text": f"document {i} " * 200} for i in range(3000)])
    assert run_process("--db", db, "import", many, cwd=tmp_path).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db), "export"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(), cwd=tmp_path)
    proc.stdout.read(100)
    proc.stdout.close()  # like `annotator export | head -c 100`
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert b"Traceback" not in stderr and b"Exception" not in stderr, stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_export_to_a_full_device_is_a_clear_error(tmp_path):
    db = tmp_path / "p.db"
    assert run_process("--db", db, "import", write_jsonl(tmp_path / "a.jsonl", [{"text": "x" * 100_000}]),
                       cwd=tmp_path).returncode == 0
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "export"],
                                stdout=full, stderr=subprocess.PIPE, env=clean_env(), timeout=60)
    assert result.returncode == 1
    assert b"No space left on device" in result.stderr and b"Traceback" not in result.stderr
