"""offsets.py against the real widget: whatever is selected in the view,
text[start:end] is exactly that stretch of the stored text.
(OFFSET_EXAMPLES=5000 runs the property test harder.)"""

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PySide6.QtGui import QTextCursor, QTextDocument

from annotator.core.model import trim_whitespace
from annotator.gui.offsets import OffsetMap, display_text

TRICKY = [
    "a", "b", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\u2029",
    "😀", "👩\u200d👩\u200d👧", "🇫🇷", "e\u0301", "\u05e9\u05dc\u05d5\u05dd", "\u0627\u0644",
    "𝔘", "\U00020000", "\u200b", "\ufeff", "\ufffe", "\x0b", "\x0c", "\x00", "\ufdd0", "\ufdd1", "\ufffc", "<b>", "&amp;",
]
texts = st.lists(st.sampled_from(TRICKY), max_size=30).map("".join)


def widget_text(text):
    """How the widget shows `text`: every line break is one U+2029 (and a
    leading byte-order mark, which Qt would drop, a word joiner)."""
    shown = text.replace("\r\n", "\u2029")
    for ch in "\r\n\u2029\ufdd0\ufdd1":  # U+FDD0/1: Qt's frame markers
        shown = shown.replace(ch, "\u2029")
    return shown


def qt_document(text):
    doc = QTextDocument()
    doc.setPlainText(display_text(text))
    return doc


_VIEW = []


def shared_view():
    """One DocumentView reused across hypothesis examples (fast)."""
    if not _VIEW:
        import tempfile
        from pathlib import Path

        from annotator.core.storage import Project
        from annotator.gui.document_view import DocumentView
        from annotator.gui.session import Session

        project = Project.open(Path(tempfile.mkdtemp()) / "offsets.db")
        session = Session(project, "me")
        _VIEW.append((DocumentView(session), session, project))
    return _VIEW[0][0]


def check_selection(doc, mapping, text, qa, qb):
    cursor = QTextCursor(doc)
    cursor.setPosition(qa)
    cursor.setPosition(qb, QTextCursor.MoveMode.KeepAnchor)
    start, end = mapping.to_text_range(cursor.selectionStart(), cursor.selectionEnd())
    expected = widget_text(text[start:end])
    if start == 0 and end > 0 and text[:1] in ("\ufeff", "\ufffe"):
        expected = "\u2060" + expected[1:]
    assert expected == cursor.selectedText()


@pytest.mark.parametrize("text", ["", "abc", "a\r\nb", "a\rb\nc", "😀x😀", "\r\n\r\n", "x\u2028y\u2029z",
                                  "e\u0301\u00a0\t👩\u200d👩\u200d👧\r\n", "\r\r\n", "\ufeffx"])
def test_length_matches_qt(qapp, text):
    doc = qt_document(text)
    assert OffsetMap(text).qt_length == doc.characterCount() - 1


def test_round_trip_known_examples():
    m = OffsetMap("a😀\r\nb")
    # code points: a 0, 😀 1, \r 2, \n 3, b 4; Qt: a 0, 😀 1-2, separator 3, b 4
    assert [m.to_qt(i) for i in range(6)] == [0, 1, 3, 4, 4, 5]
    assert [m.to_text(q) for q in (0, 1, 3, 4, 5)] == [0, 1, 2, 4, 5]
    assert m.to_text(2) == 1 and m.to_text(2, round_up=True) == 2  # inside the surrogate pair
    assert m.to_text_range(4, 1) == (1, 4)
    with pytest.raises(ValueError):
        m.to_qt(6)
    with pytest.raises(ValueError):
        m.to_text(6)


def test_mapping_is_compact_for_large_plain_text():
    m = OffsetMap("word " * 200_000 + "😀" + "\r\n")
    assert len(m._cp) == 2  # one step per astral character / CRLF, not per character
    assert m.to_qt(1_000_001) == 1_000_002


@settings(max_examples=int(os.environ.get("OFFSET_EXAMPLES", 150)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, data=st.data())
def test_any_widget_selection_maps_to_exactly_the_selected_text(qapp, text, data):
    view = shared_view()
    view.show_text(text)  # the real widget, as the window fills it
    doc = view.document()
    mapping = view.offsets
    assert mapping.qt_length == doc.characterCount() - 1
    # Every code-point boundary that is not inside a CRLF survives the round trip.
    for i in range(len(text) + 1):
        if not (0 < i < len(text) and text[i - 1:i + 1] == "\r\n"):
            assert mapping.to_text(mapping.to_qt(i)) == i
    # Selections the way Qt's own cursor makes them (it never splits a
    # surrogate pair) and arbitrary ones (which may).
    cursor = QTextCursor(doc)
    stops = [0]
    while cursor.movePosition(QTextCursor.MoveOperation.NextCharacter):
        stops.append(cursor.position())
    qa = data.draw(st.sampled_from(stops))
    qb = data.draw(st.sampled_from(stops))
    check_selection(doc, mapping, text, qa, qb)
    # What the window would store for that selection: the same range, trimmed.
    cursor.setPosition(qa)
    cursor.setPosition(qb, QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    start, end = trim_whitespace(text, *mapping.to_text_range(qa, qb))
    assert view.selection_offsets() == ((start, end) if start < end else None)
    raw_a = data.draw(st.integers(0, mapping.qt_length))
    raw_b = data.draw(st.integers(0, mapping.qt_length))
    start, end = mapping.to_text_range(raw_a, raw_b)
    assert 0 <= start <= end <= len(text)
    # A raw range is widened to whole characters, never narrowed.
    assert mapping.to_qt(start) <= min(raw_a, raw_b) and mapping.to_qt(end) >= max(raw_a, raw_b)
