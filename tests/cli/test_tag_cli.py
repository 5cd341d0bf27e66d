"""`annotator tag`: every match of a text or pattern tagged in one's own
layer, in one step; a second run adds nothing."""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.search import PatternError, pattern_for
from annotator.core.storage import Project
from tests.core.helpers import snapshot, write_jsonl

TEXT = "Xi Jinping met Kim. Later xi jinping left; Xinhua said Xi's trip ended on July 11, 1961."
OTHER = "Nothing about Xi Jinping here? Yes: Xi Jinping again."


@pytest.fixture
def corpus(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": TEXT, "meta": {"name": "one"}},
                                                 {"text": OTHER, "meta": {"name": "two"}}])
    assert run_cli("import", source).exit_code == 0


def _spans(project_path, user="ann"):
    with Project.open(project_path) as p:
        return sorted((d.name, p.document(d.id).text[s.start:s.end], s.label)
                      for d in p.document_summaries(user) for s in p.spans(d.id, user))


def test_text_is_found_as_whole_words_ignoring_case_and_a_second_run_adds_nothing(run_cli, corpus,
                                                                                   project_path):
    result = run_cli("tag", "--label", "actor", "--text", "Xi Jinping")
    assert result.exit_code == 0, result.output
    assert "Tagged 4 matches as actor for ann in 2 documents; 0 skipped" in result.output
    assert _spans(project_path) == [("one", "Xi Jinping", "actor"), ("one", "xi jinping", "actor"),
                                    ("two", "Xi Jinping", "actor"), ("two", "Xi Jinping", "actor")]
    before = snapshot(project_path)
    again = run_cli("tag", "--label", "actor", "--text", "Xi Jinping")
    assert "Tagged 0 matches" in again.output and "4 skipped" in again.output
    assert snapshot(project_path) == before
    with Project.open(project_path) as p:  # tagging starts a document
        assert {d.status for d in p.document_summaries("ann")} == {"in progress"}


def test_a_match_inside_a_span_of_its_label_is_skipped(run_cli, corpus, project_path):
    run_cli("tag", "--label", "actor", "--text", "Xi Jinping")
    result = run_cli("tag", "--label", "actor", "--text", "Xi", "--case-sensitive", "--document", "one")
    # "Xi" in "Xi Jinping" (inside an actor span) and in "Xinhua" (not a
    # whole word) are not tagged; "Xi's" is.
    assert "Tagged 1 match as actor for ann in 1 document; 1 skipped" in result.output
    assert ("one", "Xi", "actor") in _spans(project_path)
    # Inside a span of another label is fine: nested spans of different labels are allowed.
    run_cli("tag", "--label", "organisation", "--text", "jinping", "--document", "two")
    assert _spans(project_path).count(("two", "Jinping", "organisation")) == 2


def test_a_regex_tags_every_match_and_a_bad_one_is_a_clear_error(run_cli, corpus, project_path):
    result = run_cli("tag", "--label", "date", "--regex", r"(January|July) \d{1,2}, \d{4}")
    assert result.exit_code == 0 and ("one", "July 11, 1961", "date") in _spans(project_path)
    before = snapshot(project_path)
    bad = run_cli("tag", "--label", "date", "--regex", "(July")
    assert bad.exit_code == 2 and "not a valid regular expression" in bad.output and "position 0" in bad.output
    assert snapshot(project_path) == before


@pytest.mark.parametrize("args, message", [
    (["--label", "nope", "--text", "Xi"], "unknown label 'nope'"),
    (["--label", "actor", "--text", "Xi", "--document", "three"], "no document named 'three'"),
    (["--label", "actor"], "exactly one of --text TEXT or --regex PATTERN"),
    (["--label", "actor", "--text", "Xi", "--regex", "Xi"], "exactly one of"),
    (["--label", "actor", "--regex", "(?=Xi)"], None),  # only empty matches: nothing to tag
])
def test_refusals_change_nothing(run_cli, corpus, project_path, args, message):
    before = snapshot(project_path)
    result = run_cli("tag", *args)
    if message is not None:
        assert result.exit_code != 0 and message in result.output
    else:
        assert "Tagged 0 matches" in result.output
    assert snapshot(project_path) == before


def test_tagging_is_one_undo_step(project, tmp_path):
    from annotator.core.importer import import_files
    from annotator.core.tagging import tag_by_search

    import_files(project, [write_jsonl(tmp_path / "in.jsonl", [{"text": OTHER, "meta": {"name": "two"}}])],
                 annotator=None)
    result = tag_by_search(project, "ann", "actor", pattern_for("xi jinping"))
    assert len(result.change.added) == 2 and result.documents == 1
    ops.apply(project, result.change.inverse())
    doc = project.document_summaries("ann")[0]
    assert project.spans(doc.id) == [] and doc.status == "new"


def test_an_empty_search_is_refused():
    with pytest.raises(PatternError, match="empty"):
        pattern_for("")
