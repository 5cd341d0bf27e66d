"""Real read-only files and folders (chmod), checked in a process that file
permissions actually bind: as root, the process runs without the
capabilities that let root ignore them."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env
from tests.core.helpers import snapshot, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    env = clean_env(PYTHONPATH=str(REPO))
    result = subprocess.run([*unprivileged(), sys.executable, *args], capture_output=True, env=env,
                            timeout=60, **kwargs)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


PROBE = """
import json, sys
from annotator.core import ops
from annotator.core.errors import ProjectError
from annotator.core.storage import Project
p = Project.open(sys.argv[1])
out = {"read_only": p.read_only, "documents": p.document_count(), "spans": len(p.spans(1))}
try:
    ops.add_span(p, 1, "intruder", "date", 0, 2)
    out["write"] = "succeeded"
except ProjectError as e:
    out["write"] = str(e)
print(json.dumps(out))
"""


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "project.db"
    source = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "read me only", "meta": {"name": "a"}, "label": [[0, 4, "actor"]]}])
    subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "--user", "ann", "import", str(source)],
                   check=True, capture_output=True, env=clean_env())
    yield db
    folder.chmod(0o755)
    if db.exists():
        db.chmod(0o644)


@pytest.mark.parametrize("what", ["file", "folder", "both"])
def test_a_read_only_project_opens_read_only_and_refuses_writes(project, tmp_path, what):
    before = snapshot(project)
    original = project.read_bytes()
    if what in ("file", "both"):
        project.chmod(0o444)
    if what in ("folder", "both"):
        project.parent.chmod(0o555)
    listing = sorted(p.name for p in project.parent.iterdir())

    probe = run("-c", PROBE, str(project))
    assert probe.returncode == 0, probe.stderr.decode()
    result = json.loads(probe.stdout)
    assert result["read_only"] is True
    assert (result["documents"], result["spans"]) == (1, 1)
    assert "read-only" in result["write"] and str(project) in result["write"]

    # The command line: reading works, importing is a clear error.
    exported = run("-m", "annotator", "--db", str(project), "export")
    assert exported.returncode == 0
    assert json.loads(exported.stdout)["spans"][0]["text"] == "read"
    imported = run("-m", "annotator", "--db", str(project), "import",
                   str(write_jsonl(tmp_path / "b.jsonl", [{"text": "new"}])))
    assert imported.returncode == 1 and b"read-only" in imported.stderr

    project.chmod(0o644)
    project.parent.chmod(0o755)
    assert project.read_bytes() == original
    assert snapshot(project) == before
    if what != "file":
        # Nothing could be created beside it, and nothing was.
        assert sorted(p.name for p in project.parent.iterdir()) == listing


def test_a_new_project_in_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run("-m", "annotator", "--db", str(folder / "new.db"), "list")
        assert result.returncode == 1
        assert str(folder / "new.db").encode() in result.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_export_into_a_read_only_folder_leaves_nothing(project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = run("-m", "annotator", "--db", str(project), "export", "-o", str(out / "x.jsonl"))
        assert result.returncode == 1 and b"x.jsonl" in result.stderr
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_a_read_only_project_from_before_the_paged_reading_index_still_opens(project):
    # Projects written before spans_by_position existed lack it; a read-only
    # one cannot get it, and needs no upgrade for that: reads just sort.
    conn = sqlite3.connect(project)
    conn.execute("DROP INDEX spans_by_position")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    original = project.read_bytes()
    project.chmod(0o444)
    code = PROBE.replace('"spans": len(p.spans(1))', '"spans": len(p.read_spans(1).read(10))')
    probe = run("-c", code, str(project))
    assert probe.returncode == 0, probe.stderr.decode()
    result = json.loads(probe.stdout)
    assert (result["read_only"], result["documents"], result["spans"]) == (True, 1, 1)
    project.chmod(0o644)
    assert project.read_bytes() == original
