"""Moving a span's edges a character or a word at a time, in place (the
span keeps its id and notes), undone like any step."""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.boundaries import END, START, moved
from annotator.core.errors import SpanError
from annotator.core.importer import import_files
from tests.core.helpers import write_jsonl

TEXT = "Chinese President Xi Jinping met Kim Jong-un, Kim’s ally.\r\nNext 😀 line"


def at(needle):
    i = TEXT.index(needle)
    return i, i + len(needle)


@pytest.mark.parametrize("span, edge, step, by_word, expected", [
    ("Xi Jinping", START, -1, True, "President Xi Jinping"),
    ("Xi Jinping", START, +1, True, "Jinping"),
    ("Xi Jinping", END, +1, True, "Xi Jinping met"),
    ("Xi Jinping", END, -1, True, "Xi"),
    ("Kim Jong", END, +1, True, "Kim Jong-un"),  # a hyphenated name is one word
    ("Kim Jong-un", END, +1, True, "Kim Jong-un,"),  # punctuation is a step of its own
    ("Kim", START, +1, False, "im"),
    ("ally.", END, +1, False, "ally.\r\n"),  # CRLF: one step, never split
    ("Next", END, +1, False, "Next "),
    ("Next ", END, +1, False, "Next 😀"),  # an emoji: one step
])
def test_edges_move_by_word_or_character(span, edge, step, by_word, expected):
    start, end = at(span)
    new = moved(TEXT, start, end, edge, step, by_word)
    assert new is not None and TEXT[new[0]:new[1]] == expected


def test_an_edge_stops_at_the_text_ends_and_a_span_never_empties():
    assert moved(TEXT, 0, 7, START, -1) is None
    assert moved(TEXT, len(TEXT) - 4, len(TEXT), END, +1) is None
    start, end = at("Xi")
    assert moved(TEXT, start, end, END, -1, by_word=True) is None
    assert moved(TEXT, start, start + 1, END, -1) is None


def test_move_span_keeps_id_and_note_and_undoes(project, tmp_path):
    import_files(project, [write_jsonl(tmp_path / "d.jsonl", [{"text": TEXT, "meta": {"name": "d"}}])],
                 annotator=None)
    span = ops.add_span(project, 1, "ann", "actor", *at("Xi"))
    span = span.added[0]
    ops.set_note(project, span.id, "check", "ann")
    change = ops.move_span(project, span.id, *at("Xi Jinping"), "ann")
    assert project.span(span.id) == span._replace(end=at("Xi Jinping")[1])
    assert project.notes(1) == {span.id: "check"}
    ops.apply(project, change.inverse())
    assert project.span(span.id) == span
    with pytest.raises(SpanError, match="only spans of your own layer"):
        ops.move_span(project, span.id, *at("Xi Jinping"), "bob")
    other = ops.add_span(project, 1, "ann", "actor", *at("Xi Jinping")).added[0]
    with pytest.raises(SpanError, match="already has a 'actor' span"):
        ops.move_span(project, span.id, other.start, other.end, "ann")
    with pytest.raises(SpanError):
        ops.move_span(project, span.id, 5, 10_000, "ann")
