"""`export --annotator NAME` for a name the project has never seen is an
error listing the known ones (a typo used to export every document with no
spans); names typed on the command line are compared in their stored form."""

from __future__ import annotations

import pytest

from annotator.core import exporter, ops
from annotator.core.errors import AnnotatorError
from annotator.core.storage import Project
from tests.core.helpers import read_jsonl, write_jsonl


@pytest.fixture
def annotated(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": "Kim met Xi", "meta": {"name": "a"}, "annotator": "alice", "label": [[0, 3, "actor"]]},
        {"text": "Kim met Xi", "meta": {"name": "a"}, "annotator": "bob", "label": [[8, 10, "actor"]]},
        {"text": "second", "meta": {"name": "b"}}])
    assert run_cli("import", source).exit_code == 0


def test_an_unknown_annotator_is_an_error_listing_the_known_ones(run_cli, annotated, tmp_path):
    output = tmp_path / "alice.jsonl"
    result = run_cli("export", "--annotator", "alcie", "-o", output)
    assert result.exit_code == 1
    assert "no annotator 'alcie'" in result.stderr and "known annotators: alice, bob" in result.stderr
    assert "Did you mean 'alice'?" in result.stderr
    assert not output.exists()
    assert run_cli("export", "--annotator", "alcie").stdout == ""


def test_an_annotator_with_only_a_status_and_gold_are_known(run_cli, annotated, project_path):
    with Project.open(project_path) as p:
        ops.set_status(p, 2, "carol", "done")
    assert "known annotators: alice, bob, carol" in run_cli("export", "--annotator", "dave").stderr
    for name in ("carol", "gold"):
        result = run_cli("export", "--annotator", name)
        assert result.exit_code == 0, result.stderr
        records = read_jsonl(result.stdout)
        assert [(r["meta"]["name"], r["annotator"], r["spans"]) for r in records] == \
            [("a", name, []), ("b", name, [])]


def test_check_annotator_is_a_core_function_for_the_window(project, tmp_path):
    with pytest.raises(AnnotatorError, match="nobody has made a span"):
        exporter.check_annotator(project, "alice")
    assert exporter.check_annotator(project, "gold") == "gold"


def test_annotator_and_user_names_are_compared_in_nfc(run_cli, tmp_path):
    decomposed, composed = "Jose\u0301", "Jos\u00e9"
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi", "label": [[0, 3, "actor"]]}])
    assert run_cli("import", source, user=decomposed).exit_code == 0
    (record,) = read_jsonl(run_cli("export").stdout)
    assert record["annotator"] == composed  # --user was stored in NFC
    result = run_cli("export", "--annotator", decomposed)
    assert result.exit_code == 0, result.stderr
    (record,) = read_jsonl(result.stdout)
    assert record["annotator"] == composed and len(record["spans"]) == 1


def test_a_layer_stored_decomposed_by_an_older_version_is_found_by_its_name(tmp_path):
    """Before names were normalised, "José" could be stored decomposed."""
    import sqlite3
    import unicodedata

    from annotator.core import exporter
    from annotator.core.storage import Project

    db = tmp_path / "old.db"
    with Project.open(db) as project:
        project.conn.execute("INSERT INTO documents (name, text, text_sha256, length) VALUES ('d', 'Kim', 'x', 3)")
    nfd = unicodedata.normalize("NFD", "José")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") VALUES (1, ?, 'actor', 0, 3)", (nfd,))
    conn.commit()
    conn.close()
    with Project.open(db) as project:
        name = exporter.check_annotator(project, "José")
        [record] = list(exporter.layers(project, name))
    assert record["annotator"] == nfd and len(record["spans"]) == 1


def test_gold_is_named_once_among_the_known(run_cli, annotated, project_path):
    with Project.open(project_path) as p:
        ops.set_status(p, 1, "gold", "done")
    said = run_cli("export", "--annotator", "dave").stderr
    assert "known annotators: alice, bob, gold." in said and "always accepted" not in said
