"""`export -o` never writes over a database, and never replaces what is
not a regular file: a symbolic link is followed (and stays a link), a pipe
or device is written in place, anything else is refused."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading

import pytest

from annotator.core import exporter
from annotator.core.errors import AnnotatorError
from annotator.core.storage import Project
from tests.cli.conftest import clean_env
from tests.core.helpers import snapshot, write_jsonl


@pytest.fixture
def annotated(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi", "annotator": "alice",
                                                  "label": [[0, 3, "actor"]]}])
    assert run_cli("import", source).exit_code == 0
    return run_cli("export").stdout


# ------------------------------------------------------------ databases


@pytest.mark.parametrize("victim", ["other.db", "other.db-wal", "other.db-shm", "other.db-journal", "loose-wal"])
def test_export_over_another_database_is_refused(run_cli, annotated, tmp_path, victim):
    other = tmp_path / "other.db"
    Project.open(other).close()
    path = tmp_path / victim
    if victim == "loose-wal":  # a -wal file recognised by its content alone
        path.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    elif victim != "other.db":
        path.write_bytes(b"")
    before = path.read_bytes()
    result = run_cli("export", "-o", path)
    assert result.exit_code == 1
    assert f"{path}: is a SQLite database" in result.stderr and "Nothing was written" in result.stderr
    assert path.read_bytes() == before


def test_check_output_refuses_the_project_by_any_name(project_path, tmp_path):
    """The core check the window's export uses too (the CLI's is tested in test_cli.py)."""
    Project.open(project_path).close()
    os.link(project_path, tmp_path / "twin.db")
    (tmp_path / "innocent.jsonl").symlink_to(project_path)
    (tmp_path / "wal-link").symlink_to(f"{project_path}-wal")  # the -wal need not exist now
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    aliases = [project_path, tmp_path / "twin.db", tmp_path / "." / project_path.name, tmp_path / "innocent.jsonl",
               tmp_path / "wal-link", tmp_path / "alias" / project_path.name,
               *(tmp_path / f"{project_path.name}-{kind}" for kind in ("wal", "shm", "journal"))]
    before = snapshot(project_path)
    for bad in aliases:
        with pytest.raises(AnnotatorError, match="would destroy the project"):
            exporter.check_output(bad, project_path)
    assert snapshot(project_path) == before
    exporter.check_output(tmp_path / "fine.jsonl", project_path)
    (tmp_path / "text.jsonl").write_text("{}\n", encoding="utf-8")
    exporter.check_output(tmp_path / "text.jsonl", project_path)


# ------------------------------------------------------- not regular files


def test_a_symlink_chain_stays_and_its_target_is_replaced(run_cli, annotated, tmp_path):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    target = real_folder / "labels.jsonl"
    target.write_text("old\n", encoding="utf-8")
    (tmp_path / "middle").symlink_to(target)
    link = tmp_path / "out.jsonl"
    link.symlink_to("middle")  # relative, as `ln -s` makes them
    result = run_cli("export", "-o", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "middle" and (tmp_path / "middle").is_symlink()
    assert target.read_text(encoding="utf-8") == annotated
    assert sorted(os.listdir(real_folder)) == ["labels.jsonl"]  # no temporary left beside it


def test_a_dangling_symlink_gets_its_target_created(run_cli, annotated, tmp_path):
    link = tmp_path / "out.jsonl"
    link.symlink_to(tmp_path / "made.jsonl")
    assert run_cli("export", "-o", link).exit_code == 0
    assert link.is_symlink() and (tmp_path / "made.jsonl").read_text(encoding="utf-8") == annotated


def test_a_symlink_loop_is_refused(run_cli, annotated, tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    result = run_cli("export", "-o", tmp_path / "a")
    assert result.exit_code == 1 and "too many symbolic links" in result.stderr
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_written_in_place(run_cli, annotated, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cli("export", "-o", fifo)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a pipe, not a file
    assert received == [annotated.encode("utf-8")]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_behind_a_symlink_is_written_in_place(run_cli, annotated, tmp_path):
    link = tmp_path / "discard.jsonl"
    link.symlink_to("/dev/null")
    result = run_cli("export", "-o", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]


@pytest.mark.skipif(not os.path.exists("/dev/stdout") or sys.platform != "linux", reason="needs /dev/stdout")
def test_dev_stdout_writes_to_standard_output(annotated, project_path, tmp_path):
    # Through a link of our own: a broken implementation then replaces the
    # link, not the system's /dev/stdout.
    link = tmp_path / "o"
    link.symlink_to("/dev/stdout")
    result = subprocess.run([sys.executable, "-m", "annotator", "--db", str(project_path), "export", "-o",
                             str(link)], capture_output=True, env=clean_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == annotated
    assert os.readlink(link) == "/dev/stdout"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs unix sockets")
def test_a_socket_is_refused_and_left(run_cli, annotated, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a socket path must be short
    server = socket.socket(socket.AF_UNIX)
    server.bind("sock")
    try:
        result = run_cli("export", "-o", "sock")
        assert result.exit_code == 1 and "sock: is a socket" in result.stderr
        assert stat.S_ISSOCK(os.lstat("sock").st_mode)
    finally:
        server.close()


def test_a_folder_is_refused(run_cli, annotated, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "link").symlink_to("out")
    for output in ("out", "link"):
        result = run_cli("export", "-o", tmp_path / output)
        assert result.exit_code == 1 and "is a folder, not a file; choose a file name" in result.stderr
    assert os.listdir(tmp_path / "out") == [] and (tmp_path / "link").is_symlink()
    with pytest.raises(AnnotatorError, match="is a folder"):
        exporter.write_atomically(tmp_path / "link", lambda f: f.write("x"))
    assert os.listdir(tmp_path / "out") == []


def test_export_to_a_standard_output_that_is_the_project_is_refused(tmp_path):
    """`annotator export >> p.db`: the shell hands the project itself over as
    standard output, to be appended to."""
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        from annotator.core.importer import import_files

        import_files(project, [write_jsonl(tmp_path / "a.jsonl", [{"text": "Kim met Xi"}])], annotator="ann")
    before = snapshot(db)
    size = db.stat().st_size
    with open(db, "ab") as out:
        result = subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "export"], cwd=tmp_path,
                                env=clean_env(), stdout=out, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 1 and b"standard output is the project file" in result.stderr
    assert db.stat().st_size == size and snapshot(db) == before
