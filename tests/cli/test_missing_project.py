"""Commands that only read (list, export, backup) never create a project: a
typo in --db is an error that creates nothing and leaves -o untouched, where
it used to make an empty project and export nothing over a good file."""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import clean_env, run_process
from tests.core.helpers import write_jsonl

READ_COMMANDS = [["list"], ["export", "-o", "labels.jsonl"], ["export"], ["backup", "copy.db"]]


@pytest.fixture
def folder(tmp_path):
    """p.db with one document, and an earlier export labels.jsonl beside it."""
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi", "label": [[0, 3, "actor"]]}])
    assert run_process("--db", "p.db", "import", source, cwd=tmp_path).returncode == 0
    (tmp_path / "labels.jsonl").write_text("earlier export\n", encoding="utf-8")
    return tmp_path


def listing(folder):
    return sorted((p.relative_to(folder), p.read_bytes() if p.is_file() else None)
                  for p in folder.rglob("*"))


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_a_typo_in_db_creates_nothing_and_suggests_the_project(folder, command):
    before = listing(folder)
    result = run_process("--db", "P.db", *command, cwd=folder)
    assert result.returncode == 1
    assert result.stdout == b""
    err = result.stderr.decode()
    assert "P.db: no such project (nothing was created)" in err
    assert "`annotator import FILE` or the window creates a project" in err
    assert "Did you mean p.db?" in err
    assert listing(folder) == before  # no P.db, -wal or -shm; labels.jsonl as it was


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_a_missing_project_in_a_missing_folder_creates_no_folder(folder, command):
    before = listing(folder)
    result = run_process("--db", folder / "new" / "sub" / "x.db", *command, cwd=folder)
    assert result.returncode == 1 and b"no such project" in result.stderr
    assert b"Did you mean" not in result.stderr
    assert listing(folder) == before


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_an_empty_file_is_not_made_into_a_project(folder, command):
    (folder / "empty.db").touch()
    before = listing(folder)
    result = run_process("--db", "empty.db", *command, cwd=folder, env=clean_env(ANNOTATOR_USER="x"))
    assert result.returncode == 1 and b"empty.db: is an empty file, not a project" in result.stderr
    assert listing(folder) == before


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_no_default_project_yet_says_how_to_make_one(tmp_path, command):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), XDG_DATA_HOME=str(tmp_path / "xdg"))
    result = run_process(*command, cwd=home, env=env)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "there is no project yet" in err and "annotator import FILE" in err
    assert os.listdir(home) == [] and not (tmp_path / "xdg").exists()

