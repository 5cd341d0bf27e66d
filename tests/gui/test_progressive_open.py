"""Opening a long document: the first screen's spans are read before the
first paint, the rest a page per event-loop turn after it; no command ever
sees half a document, and a document opened meanwhile gets none of the
previous one's spans. The limits are made small here, so a short document
behaves as a 5 MB one does with the real ones."""

import pytest
from PySide6.QtCore import Qt

from annotator.gui import main_window, session
from tests.gui.conftest import add_document
from tests.gui.test_tagging import select

WORD = "Lorem ipsum dolor sit amet, consectetur. "  # 42 code points
TEXT = WORD * 60  # 2,520 code points
OTHER_TEXT = "A short note about Xi Jinping."


def spans_every_word(owner_label_pairs):
    """A span on 'ipsum' in every repetition of WORD, owners in turn."""
    out = []
    for i in range(60):
        start = i * len(WORD) + WORD.index("ipsum")
        out.append((start, start + len("ipsum"), owner_label_pairs[i % len(owner_label_pairs)]))
    return out


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(session, "FIRST_SCREEN", 400)
    monkeypatch.setattr(session, "FIRST_PAGE", 3)
    monkeypatch.setattr(session, "PAGE", 7)


@pytest.fixture
def long_doc(project, small_limits):
    alice = [(s, e, label) for s, e, (label, who) in
             spans_every_word([("actor", "alice"), ("date", "alice"), ("quote", "alice")])]
    doc_id = add_document(project, "long", TEXT, alice, annotator="alice")
    bob = [(s, e, "organisation") for s, e, _ in spans_every_word([None])][::2]
    add_document(project, "long", TEXT, bob, annotator="bob")  # the same document: spans merged
    other_id = add_document(project, "other", OTHER_TEXT, [(19, 29, "actor")], annotator="alice")
    return doc_id, other_id


def wait_loaded(qtbot, window):
    qtbot.waitUntil(lambda: not window.session.loading, timeout=5000)


def test_first_paint_has_every_span_of_the_first_screen_and_the_rest_follow(project, long_doc, make_window,
                                                                            qtbot):
    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    everything = project.spans(doc_id)
    shown = set(window.view.index)
    # Not everything yet, but every span the first screen can show.
    assert 0 < len(shown) < len(everything)
    assert {s for s in everything if s.start < session.FIRST_SCREEN} <= shown

    wait_loaded(qtbot, window)
    assert sorted(window.view.index) == everything
    own = [s for s in everything if s.annotator == "alice"]
    assert window.span_list.span_model.spans == own  # in text order, no duplicates
    assert dict(window.session.counts) == {"actor": 20, "date": 20, "quote": 20}
    assert window.labels_panel.rows["actor"].count.text() == "20"


def test_other_layers_shown_while_loading_get_their_later_pages_too(project, long_doc, make_window, qtbot):
    doc_id, _ = long_doc
    window = make_window(project)
    window.commands["other_layers"].setChecked(True)
    window.open_document(doc_id)
    wait_loaded(qtbot, window)
    assert window.span_list.span_model.spans == project.spans(doc_id)


def test_a_command_during_loading_reads_the_rest_first(project, long_doc, make_window):
    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    assert window.session.loading
    # '[' from the start walks backwards: to the last span of the document,
    # which is on a page not read yet.
    window.commands["previous_span"].trigger()
    assert not window.session.loading
    last_own = [s for s in project.spans(doc_id) if s.annotator == "alice"][-1]
    assert window.view.selected_span_id == last_own.id


def test_commands_on_spans_read_the_rest_first_and_others_do_not_wait(project, long_doc, make_window):
    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    window.commands["font_larger"].trigger()  # nothing to do with spans: no waiting
    assert window.session.loading
    window.commands["mark_done"].trigger()  # a write that does not go through _commit
    assert not window.session.loading
    assert project.status(doc_id, "alice") == "done"
    assert len(window.view.index) == len(project.spans(doc_id))


def test_tagging_an_already_tagged_stretch_not_yet_loaded_selects_that_span(project, long_doc,
                                                                           make_window, qtbot):
    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    before = project.spans(doc_id)
    far = [s for s in before if s.annotator == "alice" and s.label == "actor"][-1]
    assert window.view.index.get(far.id) is None  # not read yet
    select(window.view, TEXT, far.start, far.end)
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # actor: the span that is already there
    assert window.view.selected_span_id == far.id
    assert project.spans(doc_id) == before  # nothing added, nothing failed
    assert not window.findChildren(main_window.dialogs.QMessageBox)


def test_opening_another_document_while_loading_shows_only_that_one(project, long_doc, make_window, qtbot):
    doc_id, other_id = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    assert window.session.loading
    window.open_document(other_id)
    qtbot.wait(50)  # let any page of the first document that was due arrive
    wait_loaded(qtbot, window)
    assert [(s.doc_id, s.start, s.end) for s in window.view.index] == [(other_id, 19, 29)]
    assert [s.doc_id for s in window.span_list.span_model.spans] == [other_id]
    assert dict(window.session.counts) == {"actor": 1}


def test_undo_after_loading_while_tagging_leaves_the_document_as_it_was(project, long_doc, make_window, qtbot):
    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    before = project.spans(doc_id)
    start = TEXT.index("dolor")
    select(window.view, TEXT, start, start + len("dolor"))
    qtbot.keyClick(window.view, Qt.Key.Key_3)  # date, while the rest is still to read
    assert not window.session.loading
    assert len(project.spans(doc_id)) == len(before) + 1
    window.undo()
    assert project.spans(doc_id) == before
    assert sorted(window.view.index) == before


def test_opening_another_project_while_loading(project, long_doc, make_window, tmp_path):
    from annotator.core.storage import Project

    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    assert window.session.loading
    other = Project.open(tmp_path / "other.db")
    other_doc = add_document(other, "elsewhere", OTHER_TEXT, [(19, 29, "date")], annotator="alice")
    window.set_project(other)
    assert window.project is other and not window.session.loading
    assert [(s.doc_id, s.label) for s in window.view.index] == [(other_doc, "date")]
    other.close()


def test_a_page_that_cannot_be_read_closes_the_document_instead_of_showing_part(project, long_doc,
                                                                                make_window, monkeypatch):
    from annotator.core.errors import ProjectError

    doc_id, _ = long_doc
    window = make_window(project)
    window.open_document(doc_id)
    reader = window.session._reader

    def damaged(n):
        raise ProjectError("project.db: could not be read: database disk image is malformed")

    monkeypatch.setattr(reader, "read", damaged)
    with pytest.raises(ProjectError):
        window.session._load_more(reader)
    # Not a part of it that looks whole (and would be edited as whole): none.
    assert not window.session.loading and window.doc is None
    assert window.view.text == "" and len(window.view.index) == 0
    assert window.span_list.span_model.rowCount() == 0
    window.commands["next_span"].trigger()  # commands carry on: nothing left to read
    window.open_document(doc_id)  # and the document can be tried again
    assert window.doc.id == doc_id


def test_a_document_that_cannot_be_opened_leaves_no_document_open(project, long_doc, make_window,
                                                                  monkeypatch):
    from annotator.core.errors import ProjectError

    doc_id, other_id = long_doc
    window = make_window(project)
    window.open_document(other_id)

    def damaged(doc):
        raise ProjectError("project.db: could not be read: database disk image is malformed")

    monkeypatch.setattr(project, "read_spans", damaged)
    with pytest.raises(ProjectError):
        window.open_document(doc_id)
    # Not the old text under the new document's id (a span tagged then
    # would be stored at the old text's offsets): no document at all.
    assert window.doc is None and window.view.text == ""
