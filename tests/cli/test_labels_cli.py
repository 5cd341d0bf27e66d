"""`annotator labels`: list, add, rename, set, remove (refused while used
unless --force); every refusal leaves the project as it was."""

from __future__ import annotations

import pytest

from annotator.core.storage import Project
from tests.core.helpers import snapshot, write_jsonl


@pytest.fixture
def tagged(run_cli, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Kim met Xi.", "meta": {"name": "one"},
                                                  "spans": [{"start": 0, "end": 3, "label": "actor"}]}])
    assert run_cli("import", source).exit_code == 0


def _labels(project_path):
    with Project.open(project_path) as p:
        return [(l.name, l.color, l.keys) for l in p.labels()]


def test_list_shows_every_label_with_its_keys_and_use(run_cli, tagged):
    out = run_cli("labels").output.splitlines()
    assert out[0].startswith("actor  #E69F00  keys 1+A  1 spans")
    assert [line.split()[0] for line in out] == ["actor", "organisation", "date", "quote"]


def test_add_rename_set_and_remove(run_cli, tagged, project_path):
    assert run_cli("labels", "add", "place", "--color", "#0072b2", "--key", "5").exit_code == 0
    assert _labels(project_path)[-1] == ("place", "#0072B2", ["5"])
    assert run_cli("labels", "rename", "actor", "person").exit_code == 0
    with Project.open(project_path) as p:
        assert [s.label for s in p.spans(1)] == ["person"]
    assert run_cli("labels", "set", "place", "--position", "1", "--key", "p").exit_code == 0
    assert _labels(project_path)[0] == ("place", "#0072B2", ["5", "P"])
    result = run_cli("labels", "remove", "person", "--force")
    assert result.exit_code == 0 and "and its 1 span." in result.output
    assert "person" not in [name for name, *_ in _labels(project_path)]


@pytest.mark.parametrize("args, message", [
    (["add", "actor"], "already a label"),
    (["add", "x", "--key", "1"], "the key 1 already applies the label 'actor'"),
    (["add", "x", "--color", "red"], "not a colour"),
    (["rename", "actor", "date"], "already a label"),
    (["rename", "nobody", "x"], "there is no label 'nobody'"),
    (["remove", "actor"], "1 span in 1 document use the label 'actor'"),
    (["set", "date", "--key", "!"], "one digit 1-9 or one letter"),
])
def test_refusals_name_the_problem_and_change_nothing(run_cli, tagged, project_path, args, message):
    before = snapshot(project_path)
    result = run_cli("labels", *args)
    assert result.exit_code == 1 and message in result.output
    assert snapshot(project_path) == before
