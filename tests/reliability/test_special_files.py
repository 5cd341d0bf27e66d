"""`annotator import` on files that never end or never start: a FIFO, a link
to /dev/zero. Run as a real process, so a hang or a MemoryError is caught as
the user would meet it; the process must answer at once, naming the file."""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import run_process


@pytest.mark.timeout(60)
def test_importing_a_fifo_answers_at_once(tmp_path):
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    result = run_process("--db", tmp_path / "p.db", "--user", "tester", "import", pipe, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert f"{pipe}: is a named pipe (FIFO)" in result.stderr.decode("utf-8")


@pytest.mark.timeout(60)
def test_importing_a_link_to_dev_zero_reads_nothing(tmp_path):
    link = tmp_path / "zero.jsonl"
    link.symlink_to("/dev/zero")
    result = run_process("--db", tmp_path / "p.db", "--user", "tester", "import", link, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    stderr = result.stderr.decode("utf-8")
    assert f"{link}: is a device (it links to /dev/zero)" in stderr and "MemoryError" not in stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", [("list",), ("import", "IN"), ("index",)])
@pytest.mark.parametrize("kind", ["fifo", "dev-null"])
def test_a_project_that_is_a_pipe_or_a_device_is_refused_at_once(tmp_path, command, kind):
    """--db naming /dev/null or a FIFO said "the change could not be saved
    and was undone: disk I/O error", even for `list`."""
    if kind == "fifo":
        db = tmp_path / "p.db"
        os.mkfifo(db)
    else:
        db = tmp_path / "null.db"
        db.symlink_to("/dev/null")
    source = tmp_path / "in.txt"
    source.write_text("A walrus.", encoding="utf-8")
    args = [str(source) if arg == "IN" else arg for arg in command]
    result = run_process("--db", db, "--user", "tester", *args, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert f"{db}: is not a regular file (a device, pipe or socket)" in result.stderr.decode("utf-8")
