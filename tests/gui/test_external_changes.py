"""Another process changing the project shows up without a restart."""

from annotator.core import ops
from annotator.core.storage import Project
from tests.gui.conftest import add_document
from tests.gui.test_tagging import TRICKY


def test_another_connections_span_appears_after_the_poll(project, make_window, project_path):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    assert window.check_for_changes() is False  # nothing happened yet
    xi = TRICKY.index("Xi Jinping")
    with Project.open(project_path) as other:
        ops.add_span(other, doc_id, "alice", "actor", xi, xi + 10)
        add_document(other, "from elsewhere", "more text")
    assert window.check_for_changes() is True
    assert [TRICKY[s.start:s.end] for s in window.view.index] == ["Xi Jinping"]
    assert [s.label for s in window.span_list.span_model.spans] == ["actor"]
    assert window.labels_panel.rows["actor"].count.text() == "1"
    assert sorted(r.name for r in window.documents.model.rows) == ["from elsewhere", "tricky"]
    assert window.documents.model.rows[window.documents.model.row_of(doc_id)].span_count == 1
    assert window.check_for_changes() is False


def test_hotkeys_and_a_selection_in_progress_survive_a_reload(project, make_window, project_path, qtbot):
    from PySide6.QtCore import Qt
    from tests.gui.test_tagging import select

    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    xi = TRICKY.index("Xi Jinping")
    select(window.view, TRICKY, xi, xi + 10)
    for n in range(3):  # each reload must leave exactly one action per hotkey
        with Project.open(project_path) as other:
            ops.add_span(other, doc_id, "bob", "date", n, n + 1)
            add_document(other, f"new {n}", "xyz", spans=[(0, 1, f"label{n}")], annotator="bob")
        assert window.check_for_changes()
        assert f"label{n}" in window.labels_panel.rows
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert [(s.start, s.label) for s in project.spans(doc_id, "alice")] == [(xi, "actor")]


def test_the_timer_polls_by_itself(project, qtbot, settings, project_path):
    from annotator.gui.main_window import MainWindow

    doc_id = add_document(project, "tricky", TRICKY)
    window = MainWindow(project, "alice", settings, poll_ms=20)
    qtbot.addWidget(window)
    window.show()
    with Project.open(project_path) as other:
        ops.add_span(other, doc_id, "alice", "date", 0, 5)
    qtbot.waitUntil(lambda: len(window.view.index) == 1, timeout=5000)
    assert window.span_list.span_model.rowCount() == 1


def test_a_span_removed_elsewhere_disappears_and_is_deselected(project, make_window, project_path):
    doc_id = add_document(project, "tricky", TRICKY)
    change = ops.add_span(project, doc_id, "alice", "actor", 0, 5)
    window = make_window(project, doc_id=doc_id)
    window.session.select(change.added[0].id)
    with Project.open(project_path) as other:
        ops.remove_span(other, change.added[0].id)
    window.check_for_changes()
    assert len(window.view.index) == 0 and window.view.selected_span_id is None
    window.remove_selected_span()  # nothing selected: no error, nothing happens


def test_activating_the_window_picks_up_changes(project, make_window, project_path):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)  # active, with polling off
    with Project.open(project_path) as other:
        ops.add_span(other, doc_id, "alice", "quote", 0, 5)
    assert len(window.view.index) == 0
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    assert [s.label for s in window.view.index] == ["quote"]
