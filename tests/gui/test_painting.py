"""Spans are painted where their text is: the rectangles the view paints
for a span start and end at the span's characters, also after emoji, CRLF
and combining marks (painting with raw code-point offsets would drift).
The view draws what a Session holds: each test puts the spans in a project
and opens the document in a session."""

import pytest
from PySide6.QtGui import QTextCursor

from annotator.core.model import Span
from annotator.gui.document_view import DocumentView, tooltip_html
from annotator.gui.session import Session
from tests.gui.conftest import add_document

TEXT = "😀😀😀 a\r\nb\r\nc e\u0301\u0301 👩\u200d👩\u200d👧 target word here\r\nnext line target2 end"


@pytest.fixture
def session(project):
    return Session(project, "me")


@pytest.fixture
def view(qtbot, session):
    view = DocumentView(session)
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    return view


def show(session, text, spans):
    """Open a document holding `spans` ((start, end, label, annotator)) in
    `session`; return its spans as stored, in that order."""
    by_owner = {}
    for start, end, label, owner in spans:
        by_owner.setdefault(owner, []).append((start, end, label))
    doc_id = None
    for owner, owned in by_owner.items() or [("me", [])]:
        doc_id = add_document(session.project, "doc", text, owned, annotator=owner)
    session.set_project(session.project, prefer=doc_id)
    session.finish_loading()
    stored = {(s.start, s.end, s.label, s.annotator): s for s in session.index}
    return [stored[key] for key in spans]


def cursor_x(view, qt_position):
    cursor = QTextCursor(view.document())
    cursor.setPosition(qt_position)
    return view.cursorRect(cursor).left()


@pytest.mark.parametrize("needle", ["target", "target2", "word here\r\nnext", "e\u0301\u0301", "😀"])
def test_painted_rectangles_cover_exactly_the_span(view, session, needle):
    start = TEXT.index(needle)
    [span] = show(session, TEXT, [(start, start + len(needle), "actor", "me")])
    rects = view._rects(span)
    assert rects, "a visible span gets painted"
    first, (starts, _) = rects[0]
    last, (_, ends) = rects[-1]
    assert starts and ends
    qs, qe = view.offsets.to_qt_range(span.start, span.end)
    assert abs(first.left() - cursor_x(view, qs)) <= 1.5
    assert abs(last.right() - cursor_x(view, qe)) <= 1.5
    assert len(rects) == needle.count("\r\n") + 1  # one rectangle per line


def test_spans_of_other_annotators_are_hidden_until_asked_for(view, session):
    mine, theirs = show(session, TEXT, [(0, 1, "actor", "me"), (5, 6, "quote", "bob")])
    assert view._visible_spans(view._visible_range()) == [mine]
    session.set_show_other_layers(True)
    assert view._visible_spans(view._visible_range()) == [mine, theirs]


def test_tooltip_escapes_and_names_label_and_annotator():
    span = Span(0, 3, "<b>l</b>", "<i>a</i>", 1, 1)
    tip = tooltip_html([span], "<a>xyz")
    assert "<b>l</b>" not in tip and "&lt;b&gt;l&lt;/b&gt;" in tip
    assert "&lt;i&gt;a&lt;/i&gt;" in tip and "<i>&lt;a&gt;</i>" in tip


def test_a_span_across_a_direction_change_is_painted_in_pieces(view, session):
    text = "abc שלום עולם def"
    start = 0
    end = text.index("שלום") + len("שלום")  # "abc שלום": logical order, not visual
    [span] = show(session, text, [(start, end, "actor", "me")])
    rects = [r for r, _ in view._rects(span)]
    assert len(rects) >= 2  # "abc " on the left, שלום at the far end of the Hebrew run
    olam = text.index("עולם")
    middle = (cursor_x(view, olam + 1) + cursor_x(view, olam + 3)) / 2  # inside עולם, not covered
    assert not any(r.left() < middle < r.right() for r in rects)
    covered = sum(r.width() for r in rects)
    assert covered > 0
