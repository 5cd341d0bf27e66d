"""Crash safety: a process doing annotation work is killed with SIGKILL at
random moments; every operation it reported done must be in the project,
nothing else (at most the one it was in the middle of), and the file must
pass PRAGMA integrity_check each time."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import integrity, write_jsonl

DRIVER = Path(__file__).with_name("ops_driver.py")
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def make_project(path: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "docs.jsonl", [
        {"text": "Xi Jinping and Kim Jong-un 👋 exchanged messages on Sunday. " * 4, "meta": {"name": "one"}},
        {"text": "Song Tao\r\ndelivered the message\u00a0to Pyongyang.\n" * 3, "meta": {"name": "two"}},
    ])
    with Project.open(path) as p:
        import_files(p, [source], annotator="setup")


def start_driver(db: Path, annotator: str, seed: int, n_ops: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(DRIVER), str(db), annotator, str(seed), str(n_ops)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)


def parse(lines: list[bytes]) -> list[dict]:
    events = []
    for i, line in enumerate(lines):
        try:
            events.append(json.loads(line))
        except ValueError:
            assert i == len(lines) - 1, f"garbled line in the middle: {line!r}"  # cut by the kill
    return events


def replay(state: set, events: list[dict]) -> tuple[set, dict | None]:
    """Apply every "done" event; return the state and the unfinished op, if any."""
    in_flight = None
    for event in events:
        if event["phase"] == "begin":
            in_flight = event
        elif event["phase"] == "done":
            assert in_flight is not None and (event["removed"], event["added"]) == \
                (in_flight["removed"], in_flight["added"])
            state = apply(state, event)
            in_flight = None
    return state, in_flight


def apply(state: set, event: dict) -> set:
    removed = {tuple(k) for k in event["removed"]}
    added = {tuple(k) for k in event["added"]}
    assert removed <= state, f"removing spans that are not there: {removed - state}"
    return (state - removed) | added


def stored(db: Path, annotator: str) -> set:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute('SELECT doc_id, label, start, "end" FROM spans WHERE annotator = ?',
                                (annotator,)).fetchall())
    finally:
        conn.close()


@pytest.mark.slow
def test_killed_mid_work_loses_nothing_reported_done(tmp_path):
    db = tmp_path / "project.db"
    make_project(db, tmp_path)
    rng = random.Random(20261129)
    state: set = set()
    total_done = 0
    kills = 0
    for round_number in range(8):
        proc = start_driver(db, "ann", seed=rng.randrange(10 ** 9), n_ops=300)
        lines: list[bytes] = []
        if round_number == 0:
            # Kill while it is still starting up and opening the project.
            time.sleep(rng.uniform(0.0, 0.15))
        else:
            target = rng.randint(1, 90)
            done = 0
            while done < target:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                done += b'"done"' in line
            time.sleep(rng.uniform(0, 0.004))  # land anywhere inside the next operation
        proc.send_signal(signal.SIGKILL)
        # Read through the same buffered file readline() used: communicate()
        # would bypass its buffer and drop lines already read from the pipe.
        lines.extend(proc.stdout.read().splitlines(keepends=True))
        err = proc.stderr.read()
        proc.wait(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err, err.decode()

        events = parse(lines)
        expected, in_flight = replay(state, events)
        total_done += sum(e["phase"] == "done" for e in events)

        assert integrity(db) == "ok"
        actual = stored(db, "ann")
        allowed = [expected] + ([apply(expected, in_flight)] if in_flight else [])
        assert actual in allowed, (
            f"round {round_number}: lost {sorted(expected - actual)}, unexpected {sorted(actual - expected)}")
        state = actual
        # The project still opens and works after each kill.
        with Project.open(db) as p:
            assert p.document_count() == 2

    # A last run finishes normally: its full record must match too.
    proc = start_driver(db, "ann", seed=7, n_ops=60)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    events = parse(out.splitlines())
    assert events[-1] == {"phase": "finished"}
    expected, in_flight = replay(state, events)
    assert in_flight is None and stored(db, "ann") == expected
    total_done += sum(e["phase"] == "done" for e in events)

    assert kills >= 6  # the process really was killed mid-work, not finished
    assert total_done >= 200  # "a few hundred" operations in all


def _count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # table: a literal below
    finally:
        conn.close()


def big_import(tmp_path, n: int):
    """A JSONL file of n short documents with a span each: seconds to import."""
    return write_jsonl(tmp_path / "big.jsonl", [
        {"text": f"document {i} " + "text " * 30, "meta": {"name": f"big{i}"}, "label": [[0, 8, "actor"]]}
        for i in range(n)])


@pytest.mark.slow
def test_an_import_killed_at_any_moment_is_all_or_nothing(tmp_path):
    db = tmp_path / "project.db"
    make_project(db, tmp_path)
    n = 20_000
    source = big_import(tmp_path, n)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "annotator", "--db", str(db), "--user", "bulk", "import", str(source)]
    # How long a whole import takes here, to spread the kills over it.
    scratch = tmp_path / "scratch.db"
    t0 = time.monotonic()
    subprocess.run([*command[:4], str(scratch), *command[5:]], check=True, capture_output=True, env=env)
    duration = time.monotonic() - t0

    rng = random.Random(5)
    outcomes = set()
    for attempt in range(6):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(rng.uniform(0.05, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert integrity(db) == "ok"
        docs, spans = _count(db, "documents"), _count(db, "spans")
        already = 2 + (n if "all" in outcomes else 0)
        assert docs in (already, 2 + n), f"half an import: {docs} documents"
        outcomes.add("all" if docs == 2 + n else "none")
        if docs == 2 + n:
            assert len(stored(db, "bulk")) == n
            break
    # Whatever happened, finishing the import now gives the whole file once.
    done = subprocess.run(command, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert _count(db, "documents") == 2 + n and len(stored(db, "bulk")) == n


def _old_project_with_many_spans(path: Path, n: int) -> None:
    from sqlite_utils import Database
    from annotator.core.storage.sqlite import migrations
    db = Database(path)
    migrations.migrations().apply(db, stop_before=migrations.known()[1:])
    db.execute("INSERT INTO labels (name, color, hotkey, position) VALUES ('actor', '#E69F00', '1', 0)")
    db.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES ('old', ?, 'x', ?)",
               ["x" * (n + 10), n + 10])
    db.conn.executemany('INSERT INTO spans (doc_id, annotator, label, start, "end") VALUES (1, ?, \'actor\', ?, ?)',
                        [(f"a{i % 7}", i, i + 5) for i in range(n)])
    db.conn.commit()
    db.close()


@pytest.mark.slow
def test_an_upgrade_killed_at_any_moment_loses_nothing(tmp_path):
    rng = random.Random(11)
    n = 100_000
    template = tmp_path / "template.db"
    _old_project_with_many_spans(template, n)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", "import sys; from annotator.core.storage import Project; "
               "Project.open(sys.argv[1]).close()"]
    timing = tmp_path / "timing.db"
    timing.write_bytes(template.read_bytes())
    t0 = time.monotonic()
    subprocess.run([*command, str(timing)], check=True, env=env)
    duration = time.monotonic() - t0
    for attempt in range(4):
        db = tmp_path / f"old{attempt}.db"
        db.write_bytes(template.read_bytes())
        proc = subprocess.Popen([*command, str(db)], env=env)
        time.sleep(rng.uniform(0.2, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # Every backup that exists under its final name is complete (a kill
        # during the copy leaves only NAME.PID.partial and its -journal).
        for backup in tmp_path.glob(f"{db.name}.backup-*"):
            if ".partial" not in backup.name:
                assert integrity(backup) == "ok" and _count(backup, "spans") == n
        # The project opens (upgrading now if it had not finished) with every span,
        # and a half-written backup copy of the killed upgrade is gone.
        with Project.open(db) as p:
            assert len(p.spans(1)) == n
            assert not list(tmp_path.glob(f"{db.name}.backup-*.partial*"))
            indexes = p.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            assert "spans_by_label" in {row[0] for row in indexes}
        assert integrity(db) == "ok"


@pytest.mark.slow
def test_first_open_of_the_default_project_killed_at_any_moment(tmp_path):
    """Killed while creating the default project, the next start still gets
    a complete project with the seed article, exactly once."""
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    rng = random.Random(3)
    for attempt in range(8):
        home = tmp_path / f"home{attempt}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(home), "XDG_DATA_HOME": str(home / "xdg")}
        env.pop("ANNOTATOR_DB", None)
        # Importing the seed article adds nothing to the seeded project, and
        # creates it (list and export no longer create a project).
        first_start = [sys.executable, "-m", "annotator", "import", *map(str, seeds)]
        proc = subprocess.Popen(first_start, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Kill in the short window after the file appears, while the schema
        # and the seed article are being written.
        db = home / "xdg" / "annotator" / "default.annotator.db"
        deadline = time.monotonic() + 30
        while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.02))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        start_again = subprocess.run(first_start, env=env, capture_output=True, timeout=60)
        assert start_again.returncode == 0, start_again.stderr.decode()
        again = subprocess.run([sys.executable, "-m", "annotator", "list"], env=env, capture_output=True,
                               timeout=60)
        assert again.returncode == 0, again.stderr.decode()
        names = [line.split("  ")[1] for line in again.stdout.decode("utf-8").splitlines()]
        assert names == [p.stem for p in seeds]
        assert integrity(db) == "ok"


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == str(path.resolve())
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see when the import started")
def test_ctrl_c_during_an_import_says_aborted_and_imports_nothing(tmp_path):
    db = tmp_path / "project.db"
    make_project(db, tmp_path)
    n = 20_000
    source = big_import(tmp_path, n)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(9)
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db), "import", str(source)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        # Interrupt once the command has the project open (Python prints a
        # traceback for a Ctrl-C while it is still loading modules, before any
        # of our code runs).
        deadline = time.monotonic() + 30
        while not _has_open(proc.pid, db) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.3))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()
        docs = _count(db, "documents")
        if proc.returncode == 0:
            assert docs == 2 + n
            break
        assert proc.returncode == 1 and b"Aborted!" in err
        assert docs == 2
        assert integrity(db) == "ok"
