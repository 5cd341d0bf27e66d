"""An export killed half-way (kill -9) leaves its temporary file; the next
export to the same path removes it, but never one whose process is still
running or that another machine is writing (a shared folder)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.cli.conftest import clean_env, run_process
from tests.core.helpers import read_jsonl, write_jsonl

# The real command, with a writer that stops half-way and waits to be killed.
STALLED_EXPORT = """
import sys, threading
from annotator.core.formats import jsonl

def stall(records, out, **_):
    out.write("x" * 100_000)
    out.flush()
    print("half-written", flush=True)
    threading.Event().wait()

jsonl.write = stall
sys.argv = ["annotator", *sys.argv[1:]]
from annotator.cli import main
main()
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 and process probing are POSIX")


def stalled_export(db, output):
    proc = subprocess.Popen([sys.executable, "-c", STALLED_EXPORT, "--db", str(db), "export", "-o", str(output)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    assert proc.stdout.readline() == b"half-written\n", proc.stderr.read()
    return proc


def temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_next_export_removes_a_killed_exports_file_but_not_a_running_ones(tmp_path):
    db = tmp_path / "p.db"
    assert run_process("--db", db, "import", write_jsonl(tmp_path / "in.jsonl", [{"text": "t"}]),
                       cwd=tmp_path).returncode == 0
    output = tmp_path / "out.jsonl"
    host = socket.gethostname()

    killed = stalled_export(db, output)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    left = temporaries(tmp_path)
    assert left == [f".out.jsonl.{host}.{killed.pid}.tmp"]  # named after its owner
    assert (tmp_path / left[0]).stat().st_size >= 100_000

    running = stalled_export(db, output)
    elsewhere = tmp_path / ".out.jsonl.other-machine.1.tmp"
    elsewhere.write_bytes(b"being written over a network share")
    try:
        result = run_process("--db", db, "export", "-o", output, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert temporaries(tmp_path) == sorted([f".out.jsonl.{host}.{running.pid}.tmp", elsewhere.name])
        assert len(read_jsonl(output.read_text(encoding="utf-8"))) == 1
    finally:
        running.kill()
        running.wait(timeout=60)
