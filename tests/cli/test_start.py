"""`annotator` alone opens the window without loading click; with options,
variables or commands it goes through the click command line. Both must
start the window on the same project, as the same annotator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from annotator import start
from annotator.cli import cli
from annotator.core.paths import default_project_path, seeds_dir
from tests.cli.conftest import clean_env


@pytest.fixture
def launched(monkeypatch):
    """Record what the window would be started with, instead of starting it."""
    calls = []

    def fake_run_gui(db, user, seeds):
        calls.append((db, user, seeds))
        return 0

    monkeypatch.setattr("annotator.gui.launch.run_gui", fake_run_gui)
    monkeypatch.setenv("HOME", "/nonexistent-home-for-test")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("USER", "maria")
    monkeypatch.setenv("LOGNAME", "maria")
    return calls


def run_start(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["annotator", *args])
    with pytest.raises(SystemExit) as exit_:
        start.main()
    return exit_.value.code


def test_annotator_alone_starts_the_window_as_the_click_command_would(monkeypatch, launched):
    assert run_start(monkeypatch) == 0
    with pytest.raises(SystemExit):
        cli.main(args=[], prog_name="annotator")
    assert launched[0] == launched[1] == (default_project_path(), "maria", seeds_dir())


def test_variables_and_options_go_through_click(monkeypatch, launched, tmp_path):
    monkeypatch.setenv("ANNOTATOR_USER", "bob")
    assert run_start(monkeypatch) == 0
    monkeypatch.delenv("ANNOTATOR_USER")
    assert run_start(monkeypatch, "--db", str(tmp_path / "p.db"), "--user", "carol") == 0
    assert launched == [(default_project_path(), "bob", seeds_dir()), (tmp_path / "p.db", "carol", None)]


def test_an_unusable_login_name_is_reported_by_click(monkeypatch, launched, capsys):
    monkeypatch.setenv("USER", "bad\nname")
    monkeypatch.setenv("LOGNAME", "bad\nname")
    assert run_start(monkeypatch) == 2
    assert "annotator name" in capsys.readouterr().err
    assert launched == []


NO_DISPLAY = """
import sys
sys.argv = ["annotator", *sys.argv[1:]]
from annotator.start import main
try:
    main()
except SystemExit as e:
    print(e.code, "click" in sys.modules, any(m.startswith("PySide6") for m in sys.modules))
"""


def _free_display() -> str:
    """A DISPLAY where no X server listens (as over ssh with X forwarding off)."""
    n = next(n for n in range(4242, 4342) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    return f":{n}"


@pytest.mark.parametrize("display", [None, "silent"])
@pytest.mark.parametrize("args, click_loaded", [((), "False"), (("--user", "bob"), "True")])
def test_without_a_display_both_ways_explain_instead_of_crashing(tmp_path, args, click_loaded, display):
    env = {k: v for k, v in clean_env(HOME=str(tmp_path)).items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_DATA_HOME")}
    if display:
        env["DISPLAY"] = _free_display()  # Qt itself would abort the process here
    result = subprocess.run([sys.executable, "-c", NO_DISPLAY, *args], capture_output=True, text=True,
                            env=env, timeout=60)
    assert "no display found" in result.stderr
    assert result.stdout.split() == ["2", click_loaded, "False"]


def test_ctrl_c_while_starting_is_aborted_not_a_traceback(monkeypatch, capsys):
    def interrupted(db, user, seeds):
        raise KeyboardInterrupt

    monkeypatch.setattr("annotator.gui.launch.run_gui", interrupted)
    monkeypatch.setenv("USER", "maria")
    monkeypatch.setenv("LOGNAME", "maria")
    assert run_start(monkeypatch) == 1
    assert "Aborted!" in capsys.readouterr().err
