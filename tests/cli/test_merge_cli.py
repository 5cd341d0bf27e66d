"""`annotator merge OTHER.db...` and `annotator import --as NAME` through the
command line: counts reported, clashes named with annotator and document
(exit status 1, nothing changed), --prefer, and files that are not
projects refused by name."""

from __future__ import annotations

import hashlib

from tests.core.helpers import snapshot, spans_as_text, write_jsonl

PARIS = "Kim met Xi in Paris."


def jsonl(tmp_path, name, spans, text=PARIS, doc="paris"):
    return write_jsonl(tmp_path / name, [{"text": text, "meta": {"name": doc},
                                          "spans": [{"start": s, "end": e, "label": l} for s, e, l in spans]}])


def layer(path, annotator):
    return {(doc, label, start, end) for doc, who, label, start, end, _ in spans_as_text(path) if who == annotator}


def test_merge_reports_counts_and_a_second_merge_changes_nothing(run_cli, project_path, tmp_path):
    assert run_cli("import", jsonl(tmp_path, "a.jsonl", [(0, 3, "actor")])).exit_code == 0
    bob = tmp_path / "bob.db"
    assert run_cli("import", jsonl(tmp_path, "b.jsonl", [(8, 10, "actor")]), db=bob, user="bob").exit_code == 0
    before = hashlib.sha256(bob.read_bytes()).hexdigest()

    result = run_cli("merge", bob)
    assert result.exit_code == 0, result.output
    assert "0 documents added; 1 layer added, 0 replaced; 1 span added, 0 removed" in result.output
    assert layer(project_path, "bob") == {("paris", "actor", 8, 10)}
    once = snapshot(project_path)
    again = run_cli("merge", bob)
    assert again.exit_code == 0 and "nothing to change" in again.output
    assert snapshot(project_path) == once
    assert hashlib.sha256(bob.read_bytes()).hexdigest() == before


def test_a_clash_names_annotator_and_document_and_merges_nothing_unless_preferred(run_cli, project_path, tmp_path):
    # Bob's spans were imported here by hand (made here), and differ from his file.
    assert run_cli("import", jsonl(tmp_path, "a.jsonl", [(0, 3, "actor")]), user="bob").exit_code == 0
    bob = tmp_path / "bob.db"
    run_cli("import", jsonl(tmp_path, "b.jsonl", [(8, 10, "actor")]), db=bob, user="bob")
    run_cli("import", jsonl(tmp_path, "n.txt.jsonl", [], text="New one.", doc="new"), db=bob, user="bob")
    before = snapshot(project_path)

    result = run_cli("merge", bob)
    assert result.exit_code == 1
    assert "bob in 'paris'" in result.output and "Nothing was merged" in result.output
    assert "prefer" in result.output
    assert snapshot(project_path) == before

    kept = run_cli("merge", "--prefer", "existing", bob)
    assert kept.exit_code == 0, kept.output
    assert "kept existing: bob in 'paris'" in kept.output
    assert layer(project_path, "bob") == {("paris", "actor", 0, 3)}
    assert len(snapshot(project_path)["documents"]) == 2  # the new document came anyway

    taken = run_cli("merge", "--prefer", "incoming", bob)
    assert taken.exit_code == 0, taken.output
    assert layer(project_path, "bob") == {("paris", "actor", 8, 10)}


def test_merge_refuses_files_that_are_not_projects_by_name(run_cli, project_path, tmp_path):
    run_cli("import", jsonl(tmp_path, "a.jsonl", [(0, 3, "actor")]))
    before = snapshot(project_path)
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    for other, message in ((text, "is not an annotator project"),
                           (tmp_path / "gone.db", "no such project file"),
                           (project_path, "is this project itself")):
        result = run_cli("merge", other)
        assert result.exit_code == 1
        assert f"{other}: {message}" in result.output
    assert snapshot(project_path) == before


def test_merge_into_a_project_that_does_not_exist_creates_nothing(run_cli, tmp_path):
    missing = tmp_path / "nothing-here.db"
    result = run_cli("merge", tmp_path / "other.db", db=missing)
    assert result.exit_code == 1 and "no such project" in result.output
    assert not missing.exists()


def test_import_as_gives_every_span_to_the_named_annotator(run_cli, project_path, tmp_path):
    source = write_jsonl(tmp_path / "export.jsonl", [
        {"text": PARIS, "meta": {"name": "paris"}, "annotator": "written-in-file",
         "spans": [{"start": 0, "end": 3, "label": "actor"}]}])
    result = run_cli("import", "--as", "carol", source)
    assert result.exit_code == 0, result.output
    assert {who for _, who, *_ in spans_as_text(project_path)} == {"carol"}

    bad = run_cli("import", "--as", "tab\there", source)
    assert bad.exit_code == 2 and "--as" in bad.output and "control" in bad.output
