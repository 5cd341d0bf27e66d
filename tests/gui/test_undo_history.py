"""Undo and redo in the window through the core history: tag, relabel and
mark done are each one step, named in the Edit menu, and a relabel keeps
the span's id through undo and redo."""

from PySide6.QtCore import Qt

from tests.gui.conftest import add_document
from tests.gui.test_tagging import TRICKY, select


def test_tag_relabel_and_mark_done_are_undone_and_redone_by_name(project, make_window, qtbot):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    view, undo, redo = window.view, window.commands["undo"], window.commands["redo"]
    start = TRICKY.index("Xi Jinping")
    select(view, TRICKY, start, start + len("Xi Jinping"))
    qtbot.keyClick(view, Qt.Key.Key_1)
    [span] = project.spans(doc_id, "alice")
    assert undo.text() == "&Undo tag “Xi Jinping” as actor"
    qtbot.keyClick(view, Qt.Key.Key_2)  # the new span is selected: relabel it
    assert undo.text() == "&Undo relabel “Xi Jinping” as organisation"
    assert project.spans(doc_id, "alice") == [span._replace(label="organisation")]  # same id
    window.commands["mark_done"].trigger()
    assert undo.text() == "&Undo mark done" and project.status(doc_id, "alice") == "done"

    ctrl_z = (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, *ctrl_z)
    assert project.status(doc_id, "alice") == "in progress"
    assert redo.text() == "&Redo mark done" and undo.text() == "&Undo relabel “Xi Jinping” as organisation"
    assert window.documents.model.rows[window.documents.model.row_of(doc_id)].status == "in progress"
    qtbot.keyClick(view, *ctrl_z)
    assert project.spans(doc_id, "alice") == [span]  # actor again, same id
    assert [s.label for s in window.span_list.span_model.spans] == ["actor"]
    qtbot.keyClick(view, *ctrl_z)
    assert project.spans(doc_id, "alice") == [] and undo.text() == "&Undo"
    assert project.status(doc_id, "alice") == "new"  # tagging made it "in progress": one step
    assert "Undid: tag “Xi Jinping” as actor" in window.statusBar().currentMessage()

    ctrl_shift_z = (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    for _ in range(3):
        qtbot.keyClick(view, *ctrl_shift_z)
    assert project.spans(doc_id, "alice") == [span._replace(label="organisation")]
    assert project.status(doc_id, "alice") == "done" and redo.text() == "&Redo"
    assert [s.label for s in view.index] == ["organisation"] and window.session.counts["organisation"] == 1
