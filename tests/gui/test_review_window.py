"""Review mode in the window (session_review.py, review_panel.py,
review_paint.py): three annotators on the sample article with known
agreements and conflicts; the classes drawn; a review done from the
keyboard alone; other programs' decisions followed; annotators' layers
never changed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.core import ops, review
from annotator.core.model import Span
from annotator.core.paths import seeds_dir
from annotator.core.review import AGREED_ALL, AGREED_SOME, CONFLICT
from annotator.core.storage import Project
from annotator.gui.file_commands import shortcuts_text
from annotator.gui.review_style import CLASS_COLORS, FILL_ALPHA
from tests.core.helpers import REVIEW_ANNOTATORS, tag_for_review

ANNOTATORS = REVIEW_ANNOTATORS
ALT, CTRL, SHIFT = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier,
                    Qt.KeyboardModifier.ShiftModifier)


@pytest.fixture
def article(project_path):
    with Project.open(project_path, seeds=seeds_dir()) as project:
        doc_id, text = tag_for_review(project)
        yield project, doc_id, text


def where(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def layers(project, doc_id):
    return {name: sorted(project.spans(doc_id, name)) for name in ANNOTATORS}


def gold(project, doc_id):
    return {(s.start, s.end, s.label) for s in project.spans(doc_id, "gold")}


@pytest.fixture
def reviewing(article, make_window, qtbot):
    project, doc_id, text = article
    window = make_window(project, user="rita", doc_id=doc_id)
    qtbot.keyClick(window.view, Qt.Key.Key_R, CTRL | SHIFT)  # View › Review
    assert window.session.reviewing and window.review_panel.isVisible()
    return window, project, doc_id, text


def test_candidates_are_classed_and_drawn_in_their_class_colour(reviewing):
    window, _project, _doc_id, text = reviewing
    session, view = window.session, window.view
    kinds = {text[c.start:c.end]: c.kind for c in session.review_candidates}
    assert kinds == {"Xi Jinping": AGREED_ALL, "Communist Party of China": AGREED_ALL,
                     "Kim Jong-un": AGREED_SOME, "July 11, 1961": CONFLICT, "Song Tao": CONFLICT}
    view.viewport().repaint()
    image = view.viewport().grab().toImage()
    for phrase, kind in (("Xi Jinping", AGREED_ALL), ("Kim Jong-un", AGREED_SOME), ("Song Tao", CONFLICT)):
        [(rect, _)] = view._rects(Span(*where(text, phrase), "", "", 0))
        rect = rect.toRect()
        # The top rows of the line box: above the glyphs, under the lines drawn per annotator.
        pixels = [image.pixelColor(x, rect.top() + 1) for x in range(rect.left() + 2, rect.right() - 2)]
        expected = _blend(CLASS_COLORS[kind], FILL_ALPHA)
        assert sum(_near(c, expected) for c in pixels) > len(pixels) * 0.8, phrase


def _blend(color: str, alpha: int) -> QColor:
    c, a = QColor(color), alpha / 255
    return QColor(*(round(v * a + 255 * (1 - a)) for v in (c.red(), c.green(), c.blue())))


def _near(color: QColor, expected: QColor, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], expected.getRgb()[:3]))


def test_a_keyboard_only_review(reviewing, qtbot):
    window, project, doc_id, text = reviewing
    session, view = window.session, window.view
    before = layers(project, doc_id)
    key = lambda k, mod=Qt.KeyboardModifier.NoModifier: qtbot.keyClick(view, k, mod)  # noqa: E731

    key(Qt.Key.Key_F8)  # the first conflict: the date
    candidate = session.selected_candidate()
    assert candidate.kind == CONFLICT and text[candidate.start:candidate.end] == "July 11, 1961"
    readings = [(text[r.start:r.end], r.annotators) for r in candidate.readings]
    assert readings == [("July 11", ("bob",)), ("July 11, 1961", ("alice", "carol"))]
    key(Qt.Key.Key_Right, ALT)  # the second reading: alice and carol's
    assert session.selected_reading().annotators == ("alice", "carol")
    model = window.review_panel.model
    assert [model.data(model.index(1, c)) for c in range(4)] == ["July 11, 1961", "date", "282–295", "alice, carol"]
    key(Qt.Key.Key_Return, CTRL)  # accept it
    assert gold(project, doc_id) == {(*where(text, "July 11, 1961"), "date")}
    assert window.commands["undo"].text() == "&Undo accept “July 11, 1961” as date into gold"
    assert model.data(model.index(1, 4)) == "in gold"
    key(Qt.Key.Key_Left, ALT)  # bob's shorter date: rejected
    key(Qt.Key.Key_Backspace, CTRL)
    rejected = [(d.start, d.end, d.label) for d in project.decisions(doc_id) if d.decision == "reject"]
    assert rejected == [(*where(text, "July 11"), "date")]
    assert session.selected_candidate().readings[0].rejected

    key(Qt.Key.Key_F8)  # the next conflict: Song Tao; a label key puts it into gold with that label
    assert text[session.selected_candidate().start:session.selected_candidate().end] == "Song Tao"
    key(Qt.Key.Key_2)  # organisation
    assert (*where(text, "Song Tao"), "organisation") in gold(project, doc_id)
    key(Qt.Key.Key_1)  # actor instead: the gold span is relabelled, not doubled
    song = [s for s in project.spans(doc_id, "gold") if (s.start, s.end) == where(text, "Song Tao")]
    assert [s.label for s in song] == ["actor"]

    key(Qt.Key.Key_G, CTRL | SHIFT)  # accept all agreed (by all three)
    agreed = {(*where(text, "Xi Jinping"), "actor"), (*where(text, "Communist Party of China"), "organisation")}
    assert agreed <= gold(project, doc_id)
    assert (*where(text, "Kim Jong-un"), "actor") not in gold(project, doc_id)  # only two agree
    assert window.commands["undo"].text() == "&Undo accept 2 agreed spans into gold"
    assert session.review_counts["open"] == 1  # Kim Jong-un

    key(Qt.Key.Key_Z, CTRL)  # undo accept all agreed
    assert not agreed & gold(project, doc_id)
    assert session.review_counts["open"] == 3
    key(Qt.Key.Key_Z, CTRL | SHIFT)  # redo
    assert agreed <= gold(project, doc_id)
    assert session.review_counts["open"] == 1

    assert window.documents.model.data(window.documents.model.index(0, 3)) == review.IN_REVIEW
    key(Qt.Key.Key_D, CTRL | SHIFT)  # mark reviewed
    assert review.review_statuses(project)[doc_id] == review.REVIEWED
    assert window.documents.model.data(window.documents.model.index(0, 3)) == review.REVIEWED
    assert window.documents.model.headerData(3, Qt.Orientation.Horizontal) == "Review"
    assert all(d.reviewer == "rita" for d in project.decisions(doc_id))

    assert layers(project, doc_id) == before  # alice, bob and carol's layers untouched
    # The candidates, updated step by step, are those computed afresh.
    fresh = review.candidates(project.spans(doc_id), ANNOTATORS, project.decisions(doc_id))
    assert session.review_candidates == fresh


def test_review_keys_are_in_the_shortcut_list_and_off_outside_review_mode(reviewing, qtbot):
    window, project, doc_id, _text = reviewing
    help_text = shortcuts_text(window)
    for words in ("Next candidate", "Next conflict", "Accept reading into gold", "Reject reading",
                  "Accept all agreed", "Mark document reviewed", "Review"):
        assert words in help_text
    window.commands["review_mode"].setChecked(False)
    assert not window.session.reviewing and not window.commands["accept_reading"].isEnabled()
    assert window.documents.model.columnCount() == 3
    qtbot.keyClick(window.view, Qt.Key.Key_Return, CTRL)
    assert gold(project, doc_id) == set()


def test_adopt_still_works_outside_review_mode(article, make_window, qtbot):
    project, doc_id, text = article
    window = make_window(project, user="dave", doc_id=doc_id)
    window.toggle_other_layers(True)
    bobs = next(s for s in window.session.index if s.annotator == "bob" and s.label == "organisation")
    window.session.select(bobs.id)
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # actor: adopted into dave's layer
    assert [(s.start, s.end, s.label) for s in project.spans(doc_id, "dave")] == [(bobs.start, bobs.end, "actor")]
    assert gold(project, doc_id) == set()


def test_another_programs_curation_shows_up(reviewing, project_path):
    window, project, doc_id, text = reviewing
    session = window.session
    assert session.review_counts["open"] == 5
    with Project.open(project_path) as other:  # `annotator curate`, say
        review.accept_all_agreed(other, None, "cli-reviewer", min_agree=2)
        review.reject(other, doc_id, "cli-reviewer", *where(text, "Song Tao"), "organisation")
    assert window.check_for_changes()
    by_text = {text[c.start:c.end]: c for c in session.review_candidates}
    assert by_text["Kim Jong-un"].gold and by_text["Xi Jinping"].gold
    assert [r.rejected for r in by_text["Song Tao"].readings] == [False, True]
    assert session.review_status(doc_id) == review.IN_REVIEW
    fresh = review.candidates(project.spans(doc_id), ANNOTATORS, project.decisions(doc_id))
    assert session.review_candidates == fresh


def test_candidates_of_a_long_document_arrive_a_page_at_a_time(project, make_window, qtbot):
    from tests.gui.conftest import add_document

    words = ("word " * 60_000)
    doc_id = add_document(project, "long", words)
    spans = [Span(i, i + 4, "actor", name, doc_id) for i in range(0, len(words), 50) for name in ANNOTATORS
             if not (name == "carol" and i % 500 == 0)]
    ops.apply(project, ops.Change(added=tuple(spans)))
    window = make_window(project, user="rita")
    window.commands["review_mode"].setChecked(True)
    window.open_document(doc_id)
    session = window.session
    assert session.review_candidates and not session.review_complete  # the first screen's, first
    qtbot.waitUntil(lambda: session.review_complete, timeout=10_000)
    assert session.review_candidates == review.candidates(project.spans(doc_id), ANNOTATORS)
