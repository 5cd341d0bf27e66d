from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(project_path):
    """Invoke the CLI in-process on the test project; returns click's Result."""
    runner = CliRunner()

    def run(*args: str, db: Path | None = project_path, user: str = "ann"):
        prefix = ["--db", str(db)] if db is not None else []
        result = runner.invoke(cli, [*prefix, "--user", user, *map(str, args)], catch_exceptions=True)
        # An uncaught exception is a crash, whatever the exit status says.
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"the CLI crashed: {result.exception!r}\n{result.output}") from result.exception
        assert "Traceback" not in result.output
        return result

    return run


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATOR_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def run_process(*args, cwd: Path, env: dict | None = None, timeout: float = 60,
                input: bytes | None = None) -> subprocess.CompletedProcess:
    """`python -m annotator ARGS` as a real process; stdout and stderr as bytes."""
    result = subprocess.run([sys.executable, "-m", "annotator", *map(str, args)], cwd=cwd,
                            env=env or clean_env(), capture_output=True, timeout=timeout, input=input)
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")
    return result
