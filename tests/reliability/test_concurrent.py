"""Two at once: processes writing one project file at the same time all
succeed, nobody sees "database is locked", and nothing is lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env
from tests.core.helpers import integrity, snapshot, write_jsonl
from tests.reliability.test_crash import apply, make_project, parse, replay, start_driver, stored


def cli_process(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "annotator", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())


def many_docs(path, prefix: str, n: int):
    return write_jsonl(path, [{"text": f"{prefix} document {i}: " + "words " * 40, "meta": {"name": f"{prefix}{i}"},
                               "spans": [{"start": 0, "end": len(prefix), "label": "actor"}]}
                              for i in range(n)])


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_two_imports_into_one_new_project_at_once_both_succeed(tmp_path, attempt):
    db = tmp_path / "shared.db"  # does not exist yet: both race to create it too
    a = many_docs(tmp_path / "a.jsonl", "a", 1500)
    b = many_docs(tmp_path / "b.jsonl", "b", 1500)
    procs = [cli_process("--db", db, "--user", who, "import", src) for who, src in (("alice", a), ("bob", b))]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert b"locked" not in err and b"Traceback" not in err
        assert b"1500 documents added" in err
    data = snapshot(db)
    names = {row[1] for row in data["documents"]}
    assert names == {f"a{i}" for i in range(1500)} | {f"b{i}" for i in range(1500)}
    assert len(data["spans"]) == 3000
    assert [row[0] for row in data["labels"]] == ["actor", "organisation", "date", "quote"]  # not doubled
    assert integrity(db) == "ok"


OPEN_AND_WRITE = """
import sys, time
from annotator.core.storage import Project
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # all start together
with Project.open(sys.argv[1]) as p:
    with p.write() as unit:
        unit.insert_document(sys.argv[2], "x", sys.argv[2], {}, unit.now())
"""


@pytest.mark.slow
def test_many_processes_creating_one_project_at_once_all_succeed(tmp_path):
    # A process that lost the race to switch a new file to WAL used to fail
    # at once with "database is locked" (SQLite does not wait there, as
    # waiting could deadlock): one pair of imports in about 60 did. Here
    # eight processes start opening the same new file at the same instant.
    for round_ in range(4):
        db = tmp_path / f"new{round_}.db"
        start = time.time() + 0.8  # after every process has imported annotator
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_WRITE, str(db), f"p{i}", repr(start)],
                                  stderr=subprocess.PIPE, env=clean_env()) for i in range(8)]
        errors = [proc.communicate(timeout=120)[1].decode() for proc in procs]
        assert [proc.returncode for proc in procs] == [0] * 8, errors
        assert sorted(row[1] for row in snapshot(db)["documents"]) == [f"p{i}" for i in range(8)]


@pytest.mark.slow
def test_two_annotators_and_an_import_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared.db"
    make_project(db, tmp_path)
    drivers = {who: start_driver(db, who, seed=n, n_ops=300) for n, who in enumerate(("alice", "bob"))}
    importer = cli_process("--db", db, "--user", "carol", "import", many_docs(tmp_path / "c.jsonl", "c", 2000))
    outputs = {who: proc.communicate(timeout=120) for who, proc in drivers.items()}
    _, import_err = importer.communicate(timeout=120)

    assert importer.returncode == 0 and b"locked" not in import_err, import_err.decode()
    for who, proc in drivers.items():
        out, err = outputs[who]
        assert proc.returncode == 0, err.decode()
        events = parse(out.splitlines())
        assert events[-1] == {"phase": "finished"}
        expected, in_flight = replay(set(), events)
        assert in_flight is None
        assert sum(e["phase"] == "done" for e in events) > 200
        assert stored(db, who) == expected
    assert len(stored(db, "carol")) == 2000
    assert integrity(db) == "ok"


def test_an_import_waits_for_a_long_write_and_then_succeeds(tmp_path):
    """A writer holding the lock for a while (a big import elsewhere) makes a
    CLI import wait, not fail."""
    db = tmp_path / "shared.db"
    make_project(db, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sqlite3, sys, time
conn = sqlite3.connect({str(db)!r}, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(1.5)
conn.execute("COMMIT")
"""], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    importer = cli_process("--db", db, "import", write_jsonl(tmp_path / "x.jsonl", [{"text": "waited"}]))
    _, err = importer.communicate(timeout=60)
    holder.wait(timeout=30)
    assert importer.returncode == 0, err.decode()
    assert b"1 document added" in err
    assert "waited" in {row[2] for row in snapshot(db)["documents"]}


def test_two_first_opens_of_the_default_project_add_the_seed_once(tmp_path):
    env = clean_env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "xdg"))
    seeds = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
    # Importing the seed article itself: the import adds nothing more, so the
    # project holds the seeds alone (list and export no longer create a project).
    procs = [subprocess.Popen([sys.executable, "-m", "annotator", "import", *map(str, seeds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    data = snapshot(tmp_path / "xdg" / "annotator" / "default.annotator.db")
    assert sorted(row[1] for row in data["documents"]) == [p.stem for p in seeds]
    assert len(data["labels"]) == 4


@pytest.mark.slow
def test_exports_during_an_import_see_all_of_it_or_none(tmp_path):
    """An import is one transaction: a reader at the same time sees the
    project before it or after it, never half, and every span matches its text."""
    db = tmp_path / "shared.db"
    make_project(db, tmp_path)
    importer = cli_process("--db", db, "--user", "bulk", "import", many_docs(tmp_path / "m.jsonl", "m", 4000))
    seen = set()
    while True:
        finished = importer.poll() is not None
        export = subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "export"],
                                capture_output=True, env=clean_env(), timeout=60)
        assert export.returncode == 0, export.stderr.decode()
        records = [json.loads(line) for line in export.stdout.decode("utf-8").split("\n")[:-1]]
        for record in records:
            for span in record["spans"]:
                assert record["text"][span["start"]:span["end"]] == span["text"]
        documents = {r["meta"]["name"] for r in records}
        assert len(documents) in (2, 4002), f"saw half an import: {len(documents)} documents"
        seen.add(len(documents))
        if finished:
            break
    assert importer.returncode == 0
    assert 4002 in seen


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_one_writer_killed_mid_work_does_not_block_or_harm_the_other(tmp_path):
    db = tmp_path / "shared.db"
    make_project(db, tmp_path)
    alice = start_driver(db, "alice", seed=1, n_ops=2000)
    bob = start_driver(db, "bob", seed=2, n_ops=300)
    lines, done = [], 0
    while done < 60:
        line = alice.stdout.readline()
        assert line, alice.stderr.read().decode()
        lines.append(line)
        done += b'"done"' in line
    alice.send_signal(signal.SIGKILL)  # very likely while it holds the write lock
    lines.extend(alice.stdout.read().splitlines(keepends=True))
    alice.wait(timeout=30)

    out, err = bob.communicate(timeout=120)  # must not hang on alice's lock
    assert bob.returncode == 0, err.decode()
    bob_expected, in_flight = replay(set(), parse(out.splitlines()))
    assert in_flight is None and stored(db, "bob") == bob_expected

    alice_expected, in_flight = replay(set(), parse(lines))
    allowed = [alice_expected] + ([apply(alice_expected, in_flight)] if in_flight else [])
    assert stored(db, "alice") in allowed
    assert integrity(db) == "ok"
