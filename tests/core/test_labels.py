"""The label schema: defaults, and labels added by an import."""

from __future__ import annotations

import pytest

from annotator.core import labels, ops
from annotator.core.errors import SpanError
from annotator.core.model import is_valid_color, name_problem
from tests.core.helpers import snapshot


def test_default_labels_are_complete_and_distinct():
    defaults = labels.default_labels()
    assert [l.name for l in defaults] == ["actor", "organisation", "date", "quote"]
    assert len({l.color.lower() for l in defaults}) == 4
    assert len({l.hotkey for l in defaults}) == 4 and len({l.mnemonic for l in defaults}) == 4
    for label in defaults:
        assert name_problem(label.name) is None and is_valid_color(label.color)
        assert label.description and "\n" not in label.description


def test_added_labels_get_the_next_free_digits_and_valid_colours(project):
    names = [f"extra{i}" for i in range(7)]
    with project.write() as unit:
        added = ops.add_labels(unit, names + ["actor", "extra0"])
    project.forget_cached()
    assert [l.name for l in added] == names  # existing and repeated names skipped
    assert [l.hotkey for l in added] == ["5", "6", "7", "8", "9", None, None]
    assert all(is_valid_color(l.color) for l in added)
    assert project.label_names() == ["actor", "organisation", "date", "quote", *names]


@pytest.mark.parametrize("bad", ["", " padded", "tab\there", "x" * 65, "\u202eevil"])
def test_a_bad_label_name_adds_nothing(project, project_path, bad):
    before = snapshot(project_path)
    with pytest.raises(SpanError):
        with project.write() as unit:
            ops.add_labels(unit, ["fine", bad])
    assert snapshot(project_path) == before


def test_how_each_label_is_drawn_is_kept_in_the_project(project):
    # Quotes are long and hold other spans: the default schema underlines them.
    displays = {label.name: label.display for label in project.labels()}
    assert displays == {"actor": "highlight", "organisation": "highlight", "date": "highlight",
                        "quote": "underline"}
