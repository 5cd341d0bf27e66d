"""A project file with random bytes changed: every command either works or
stops with a message (never a traceback), and a file it refuses is left
exactly as it was."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import cli
from annotator.core.storage import Project
from tests.core.helpers import write_jsonl


@functools.lru_cache(maxsize=None)
def _template() -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="annotator-template-"))
    source = write_jsonl(folder / "docs.jsonl", [
        {"text": f"Document {i}: Kim Jong-un met Xi Jinping 👋 on Sunday.", "meta": {"name": f"d{i}"},
         "annotator": "ann", "label": [[0, 8, "actor"], [13, 24, "actor"]]} for i in range(60)])
    db = folder / "p.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(source)])
    assert result.exit_code == 0
    with Project.open(db):
        pass  # closed cleanly: everything checkpointed into the main file
    data = db.read_bytes()
    shutil.rmtree(folder)
    return data


@pytest.fixture
def template() -> bytes:
    return _template()


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_damaged_project_files_never_crash_a_command(data):
    _damaged_file_never_crashes(data)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_damage_in_a_file_too_large_to_check_at_open_never_crashes_a_command(data):
    """A project over QUICK_CHECK_MAX_BYTES is not checked whole at open:
    damage is met only as pages are read, and must still be a message."""
    from annotator.core.storage.sqlite import project as project_module

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(project_module, "QUICK_CHECK_MAX_BYTES", 0)
        _damaged_file_never_crashes(data)


def _damaged_file_never_crashes(data) -> None:
    # The template comes from a cache, not a fixture argument, so that a
    # failure report does not print the whole file.
    damaged = bytearray(_template())
    for _ in range(data.draw(st.integers(1, 6), label="changes")):
        # Often in the first pages: the header and the schema.
        position = data.draw(st.integers(0, 8191) | st.integers(0, len(damaged) - 1), label="position")
        damaged[position] = data.draw(st.integers(0, 255), label="byte")
    if data.draw(st.booleans(), label="truncate"):
        damaged = damaged[:data.draw(st.integers(0, len(damaged)), label="length")]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "p.db"
        db.write_bytes(bytes(damaged))
        for command in (["list"], ["export"], ["export", "--annotator", "ann"]):
            result = CliRunner().invoke(cli, ["--db", str(db), "--user", "ann", *command])
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                raise AssertionError(f"{command} crashed: {result.exception!r}") from result.exception
            assert result.exit_code in (0, 1)
            if result.exit_code == 1:
                assert str(db) in result.stderr
                if "not changed" in result.stderr:
                    assert db.read_bytes() == bytes(damaged)


def test_text_damaged_inside_a_record_is_reported_not_a_crash(template, tmp_path):
    # Damage that the structural check cannot see: bytes inside a stored text
    # that are no longer UTF-8.
    damaged = bytearray(template)
    where = damaged.find("Kim Jong-un met Xi Jinping 👋".encode())
    assert where > 0
    damaged[where + 1] = 0xFF
    db = tmp_path / "p.db"
    db.write_bytes(bytes(damaged))
    assert CliRunner().invoke(cli, ["--db", str(db), "list"]).exit_code == 0  # names and counts still readable
    result = CliRunner().invoke(cli, ["--db", str(db), "export"])
    assert result.exit_code == 1
    assert str(db) in result.stderr and "damaged" in result.stderr
    assert not isinstance(result.exception, (AssertionError, UnicodeDecodeError))


def test_export_to_a_file_of_a_damaged_project_leaves_no_file(template, tmp_path):
    damaged = bytearray(template)
    where = damaged.rfind("Kim Jong-un met Xi Jinping 👋".encode())  # the last documents: half written first
    damaged[where + 1] = 0xFF
    db = tmp_path / "p.db"
    db.write_bytes(bytes(damaged))
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(cli, ["--db", str(db), "export", "-o", str(out / "x.jsonl")])
    assert result.exit_code == 1 and "damaged" in result.stderr
    assert list(out.iterdir()) == []


def test_a_schema_change_without_a_name_is_damage_not_a_crash(tmp_path):
    """Found by the fuzz test above: one changed byte made a schema change's
    name NULL, and opening crashed joining the names."""
    import sqlite3

    from annotator.core.storage.sqlite import migrations

    db = tmp_path / "p.db"
    db.write_bytes(_template())
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE [{migrations.TABLE}] SET name = NULL WHERE rowid = 1")
    conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", "ann", "list"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1  # (a message, no traceback)
    assert "its list of schema changes is damaged" in result.output


def test_a_document_record_with_a_null_length_is_damage_not_a_crash(tmp_path):
    """Found by the fuzz test: one zeroed byte left a document's length
    NULL (SQLite does not notice), and `list` crashed formatting it. Made
    here by lifting the column's NOT NULL for a moment, as the damage did."""
    import sqlite3

    db = tmp_path / "p.db"
    db.write_bytes(_template())
    conn = sqlite3.connect(db)
    (schema,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'documents'").fetchone()
    assert "length INTEGER NOT NULL" in schema
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'documents'",
                 (schema.replace("length INTEGER NOT NULL", "length INTEGER"),))
    conn.commit()
    conn.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE documents SET length = NULL WHERE id = 3")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", "ann", "list"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert "a document's record is damaged (id 3)" in result.output
