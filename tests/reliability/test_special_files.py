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
