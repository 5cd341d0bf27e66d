"""Standard output that cannot take what is written (a non-UTF-8 encoding,
a full disk, closed): a clear message and status 1, never a traceback or
"Exception ignored" at exit. Real processes: these are properties of the
interpreter's own streams."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli.conftest import clean_env, run_process
from tests.core.helpers import write_jsonl

NAMES = ["北京 report", "café"]


@pytest.fixture
def db(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": f"text of {n}", "meta": {"name": n}} for n in NAMES])
    assert run_process("--db", "p.db", "import", source, cwd=tmp_path).returncode == 0
    return tmp_path / "p.db"


def clean_exit(stderr: bytes) -> None:
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr, stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("encoding, shown", [
    ("ascii", ["\\u5317\\u4eac report", "caf\\u00e9"]),
    ("latin-1", ["\\u5317\\u4eac report", "café"]),
])
def test_list_to_a_non_utf8_stdout_escapes_and_says_how_to_fix(db, encoding, shown):
    result = run_process("--db", db, "list", cwd=db.parent, env=clean_env(PYTHONIOENCODING=encoding))
    clean_exit(result.stderr)
    assert result.returncode == 1
    names = [line.split("  ")[1] for line in result.stdout.decode(encoding).splitlines()]
    assert sorted(names) == sorted(shown)  # every name, nothing lost
    assert b"PYTHONIOENCODING=utf-8" in result.stderr and b"UTF-8 locale" in result.stderr
    # export ignores the terminal's encoding: JSONL is UTF-8.
    exported = run_process("--db", db, "export", cwd=db.parent, env=clean_env(PYTHONIOENCODING=encoding))
    assert exported.returncode == 0
    assert sorted(json.loads(line)["meta"]["name"] for line in exported.stdout.decode("utf-8").splitlines()) \
        == sorted(NAMES)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_list_to_a_full_device_is_a_clear_error_and_to_a_closed_pipe_quiet(db, tmp_path):
    with open("/dev/full", "wb") as full:
        for command in (["list"], ["export"]):
            result = subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), *command],
                                    stdout=full, stderr=subprocess.PIPE, env=clean_env(), timeout=60)
            clean_exit(result.stderr)
            assert result.returncode == 1
            assert b"standard output: No space left on device" in result.stderr

    many = write_jsonl(tmp_path / "many.jsonl", [{"text": f"d{i}"} for i in range(20000)])
    assert run_process("--db", db, "import", many, cwd=tmp_path).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db), "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    proc.stdout.read(10)
    proc.stdout.close()  # like `annotator list | head -1`: the reader's choice, not an error
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert stderr == b""


@pytest.mark.skipif(os.name != "posix", reason="closes a file descriptor with sh")
@pytest.mark.parametrize("command", ["list", "export"])
def test_a_closed_stdout_is_a_clear_error(db, command):
    result = subprocess.run(["sh", "-c", f'exec "$0" -m annotator --db "$1" {command} >&-', sys.executable,
                             str(db)], stderr=subprocess.PIPE, env=clean_env(), timeout=60)
    clean_exit(result.stderr)
    assert result.returncode == 1
    assert b"standard output is closed" in result.stderr
