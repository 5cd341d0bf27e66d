"""File > Merge project… with the file dialog patched: the other file's layers
shown once the worker is done, a summary in the status bar, a clash asked
about (plain text) and merged only as chosen, errors in a plain-text box."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.core import ops
from annotator.core.storage import Project
from tests.gui.conftest import add_document
from tests.gui.test_file_commands import boxes, patch_dialog

PARIS = "Kim met Xi in Paris."


def bobs_file(tmp_path, spans=((8, 10, "actor"),)):
    path = tmp_path / "bob.db"
    with Project.open(path) as bob:
        add_document(bob, "paris", PARIS, spans, annotator="bob")
        add_document(bob, "<b>new</b>", "A document only Bob has.")
    return path


def merged(window, qtbot):
    window.commands["merge_project"].trigger()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)


def test_merge_through_the_menu_shows_their_layer_and_a_summary(project, make_window, monkeypatch, tmp_path, qtbot):
    paris = add_document(project, "paris", PARIS, [(0, 3, "actor")], annotator="alice")
    window = make_window(project, doc_id=paris)
    patch_dialog(monkeypatch, "getOpenFileNames", ([str(bobs_file(tmp_path))], ""))
    merged(window, qtbot)
    assert not boxes(window)
    assert sorted(r.name for r in window.documents.model.rows) == ["<b>new</b>", "paris"]
    assert {(s.annotator, s.start) for s in window.session.index} >= {("alice", 0), ("bob", 8)}
    message = window.statusBar().currentMessage()
    assert "1 document added" in message and "1 layer added" in message and "not a step Undo" in message


def test_a_clash_is_asked_about_and_merged_only_as_chosen(project, make_window, monkeypatch, tmp_path, qtbot):
    paris = add_document(project, "paris", PARIS, [(0, 3, "actor")], annotator="alice")
    ops.add_span(project, paris, "bob", "date", 14, 19)  # Bob's layer, made here
    window = make_window(project, doc_id=paris)
    patch_dialog(monkeypatch, "getOpenFileNames", ([str(bobs_file(tmp_path))], ""))
    merged(window, qtbot)
    [box] = boxes(window)
    assert box.objectName() == "mergeClashBox" and box.textFormat() == Qt.TextFormat.PlainText
    assert "bob in 'paris'" in box.text()
    assert project.document_count() == 1  # nothing merged while asking

    take = next(b for b in box.buttons() if b.text() == "Take theirs")
    take.click()
    qtbot.waitUntil(lambda: window.background is None and not boxes(window), timeout=20_000)
    assert [(s.start, s.label) for s in project.spans(paris, "bob")] == [(8, "actor")]
    assert "settled by preference" in window.statusBar().currentMessage()


def test_a_file_that_is_not_a_project_is_refused_in_a_plain_text_box(project, make_window, monkeypatch,
                                                                     tmp_path, qtbot):
    window = make_window(project)
    bad = tmp_path / "<i>notes.db"
    bad.write_text("not a database", encoding="utf-8")
    patch_dialog(monkeypatch, "getOpenFileNames", ([str(bad)], ""))
    merged(window, qtbot)
    [box] = boxes(window)
    assert box.icon() == QMessageBox.Icon.Warning and box.textFormat() == Qt.TextFormat.PlainText
    assert f"{bad}: is not an annotator project" in box.text()
    assert project.document_count() == 0
