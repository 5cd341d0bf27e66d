"""Where there is no home folder (HOME unset and a user id without a passwd
entry, as in containers) there is no default project: `annotator` and its
commands say so and how to name one, instead of a RuntimeError traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from tests.cli.conftest import clean_env
from tests.core.helpers import write_jsonl

NO_HOME = "no default project location exists (no home folder); pass --db FILE or set ANNOTATOR_DB"

# As a user id without a passwd entry: pwd has no answer for it.
WITHOUT_PASSWD_ENTRY = """
import pwd, sys
def missing(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")
pwd.getpwuid = missing
sys.argv = ["annotator", *sys.argv[1:]]
from annotator.start import main
main()
"""


def homeless_env(**extra):
    env = clean_env(**extra)
    for name in ("HOME", "XDG_DATA_HOME", "APPDATA", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return env


@pytest.mark.parametrize("args", [[], ["list"], ["export"], ["import", "x.txt"], ["--user", "bob"]])
def test_no_home_folder_is_a_clear_error(tmp_path, args):
    (tmp_path / "x.txt").write_text("text", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", WITHOUT_PASSWD_ENTRY, *args], capture_output=True,
                            text=True, env=homeless_env(), cwd=tmp_path, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1 and NO_HOME in result.stderr
    assert os.listdir(tmp_path) == ["x.txt"]


def test_without_a_home_folder_db_and_help_still_work(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi"}])
    for args in (["--db", "p.db", "import", str(source)], ["import", "--help"]):
        result = subprocess.run([sys.executable, "-c", WITHOUT_PASSWD_ENTRY, *args], capture_output=True,
                                text=True, env=homeless_env(), cwd=tmp_path, timeout=60)
        assert result.returncode == 0, result.stderr
    exported = subprocess.run([sys.executable, "-c", WITHOUT_PASSWD_ENTRY, "export"], capture_output=True,
                              text=True, env=homeless_env(ANNOTATOR_DB="p.db"), cwd=tmp_path, timeout=60)
    assert json.loads(exported.stdout)["text"] == "Kim met Xi"


def _unknown_uid(uid: int) -> bool:
    try:
        import pwd
        pwd.getpwuid(uid)
    except (ImportError, KeyError):
        return True
    return False


HOMELESS_UID = 54321


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0 or not _unknown_uid(HOMELESS_UID),
                    reason="needs root, to become a user id without a passwd entry")
def test_a_real_user_id_without_a_passwd_entry(tmp_path):
    """The uid is real here; the interpreter is already loaded (this user
    may not be able to read it), so the child forks instead of starting one."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.environ.pop("HOME", None)
            os.environ.pop("XDG_DATA_HOME", None)
            os.setuid(HOMELESS_UID)
            result = CliRunner().invoke(cli, ["list"])
            os.write(write, json.dumps([result.exit_code, result.output, repr(result.exception)]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        code, output, exception = json.loads(f.read() or b'[null, "", "child failed"]')
    os.waitpid(pid, 0)
    assert code == 1 and NO_HOME in output, (output, exception)
