"""The window against the ways a project was lost when it was attacked on
purpose: exporting over the project, the file replaced under an open
window, another program holding the write lock, and tag-all on a big text."""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.core.storage.sqlite import connect as storage_connect
from annotator.core.storage import Project
from tests.core.helpers import integrity, snapshot, spans_as_text
from tests.gui.conftest import add_document
from tests.gui.test_file_commands import boxes, export_through_menu, patch_dialog
from tests.gui.test_tagging import TRICKY, select


@contextmanager
def another_program_writing(path):
    """Hold the project's write lock, as a long import from the command line does."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _tag(window, qtbot, needle, key=Qt.Key.Key_1):
    start = TRICKY.index(needle)
    select(window.view, TRICKY, start, start + len(needle))
    qtbot.keyClick(window.view, key)


@pytest.mark.parametrize("target", ["", "-wal", "-shm", "other"])
def test_export_from_the_window_never_writes_over_a_project(project, project_path, make_window, monkeypatch,
                                                            qtbot, tmp_path, target):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    _tag(window, qtbot, "Xi Jinping")
    if target == "other":
        Project.open(tmp_path / "other.db").close()
        chosen = tmp_path / "other.db"
    else:
        chosen = project_path.with_name(project_path.name + target)
    before = chosen.read_bytes()
    patch_dialog(monkeypatch, "getSaveFileName", (str(chosen), ""))
    export_through_menu(window)
    [box] = boxes(window)
    assert "Export failed" in box.windowTitle() and str(chosen) in box.text()
    assert "Exported" not in window.statusBar().currentMessage()
    if target != "-shm":  # SQLite itself rewrites the -shm as the window reads
        assert chosen.read_bytes() == before
    box.close()
    start = TRICKY.index("July 11, 1961")
    select(window.view, TRICKY, start, start + len("July 11, 1961"))
    window.apply_label("date")  # the project still works
    assert len(spans_as_text(project_path)) == 2 and integrity(project_path) == "ok"


def _detached_box(window):
    return [b for b in window.findChildren(QMessageBox) if b.objectName() == "detachedBox" and b.isVisible()]


def test_a_project_replaced_under_the_window_is_noticed_and_left_alone(project, project_path, make_window,
                                                                       qtbot, tmp_path, monkeypatch):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    _tag(window, qtbot, "Xi Jinping")
    mine = spans_as_text(project_path)
    other = tmp_path / "other.db"
    with Project.open(other) as p:
        add_document(p, "other", "another project's text")
    before = snapshot(other)

    os.replace(other, project_path)  # a restore from elsewhere, or a sync tool
    window.check_for_changes()  # the poll
    [box] = _detached_box(window)
    assert "replaced" in box.text() and str(project_path) in box.text()
    assert window.detached_label.isVisible()
    _tag(window, qtbot, "July 11, 1961", Qt.Key.Key_3)  # refused, not written anywhere
    assert len(window.project.spans(doc_id, "alice")) == 1
    assert snapshot(project_path) == before and integrity(project_path) == "ok"

    # "Save a copy…" writes what the window holds, whole, elsewhere.
    saved = tmp_path / "saved.db"
    patch_dialog(monkeypatch, "getSaveFileName", (str(saved), ""))
    [save] = [b for b in box.buttons() if b.text() == "Save a copy…"]
    save.click()
    assert spans_as_text(saved) == mine and integrity(saved) == "ok"
    assert snapshot(project_path) == before


def test_the_window_never_waits_for_another_programs_write_lock(project, project_path, make_window, qtbot):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    with another_program_writing(project_path):  # a long import from the command line
        _tag(window, qtbot, "Xi Jinping")  # returns at once: the GUI thread did not wait
        assert window.pending_label.isVisible() and "Saving 1 change" in window.pending_label.text()
        assert spans_as_text(project_path) == set()
        assert not any(s.annotator == "alice" for s in window.view.index)  # not shown as saved
        _tag(window, qtbot, "July 11, 1961", Qt.Key.Key_3)  # queues behind the first
        assert "Saving 2 changes" in window.pending_label.text()
    qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
    assert not window.pending_label.isVisible()
    assert {(t, label) for _, _, label, _, _, t in spans_as_text(project_path)} == {
        ("Xi Jinping", "actor"), ("July 11, 1961", "date")}
    shown = sorted(TRICKY[s.start:s.end] for s in window.view.index if s.annotator == "alice")
    assert shown == ["July 11, 1961", "Xi Jinping"]
    window.undo()  # the queue's changes are on the undo stack in order
    assert {t for *_, t in spans_as_text(project_path)} == {"Xi Jinping"}


def test_a_change_that_cannot_get_the_lock_is_reported_not_saved(project, project_path, make_window, qtbot,
                                                                 monkeypatch):
    monkeypatch.setattr(storage_connect, "BUSY_TIMEOUT_SECONDS", 0.5)  # the worker's connection waits this long
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
        qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
        [box] = boxes(window)
        assert box.windowTitle() == "Not saved" and "nothing was changed" in box.text()
        assert not any(s.annotator == "alice" for s in window.view.index)
        assert window.history.undo_description is None
    assert spans_as_text(project_path) == set()


def test_tag_all_with_thousands_of_matches_shows_every_span(project, project_path, make_window, qtbot):
    words = ["the", "cat", "and", "the", "dog"] * 1_000
    text = " ".join(words)
    doc_id = add_document(project, "many", text)
    window = make_window(project, doc_id=doc_id)
    select(window.view, text, 0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    window.tag_all_occurrences()
    expected = {(m.start(), m.end()) for m in re.finditer(r"\bthe\b", text)}
    assert len(expected) == 2_000
    assert {(s.start, s.end) for s in project.spans(doc_id, "alice")} == expected
    assert {(s.start, s.end) for s in window.view.index} == expected
    assert {(s.start, s.end) for s in window.span_list.span_model.spans} == expected
    assert window.session.counts["actor"] == 2_000
    window.undo()  # one step takes them all back
    assert [(s.start, s.end) for s in project.spans(doc_id, "alice")] == [(0, 3)]
    assert len(window.span_list.span_model.spans) == 1


def test_a_copy_put_back_under_the_window_is_shown_as_it_is(project, project_path, make_window, qtbot,
                                                             tmp_path):
    """Restoring an earlier copy of the same project with `cp` rewrites the
    file in place: the window must show the restored spans, not its own."""
    import shutil

    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    _tag(window, qtbot, "Xi Jinping")
    earlier = tmp_path / "earlier.db"
    shutil.copyfile(project_path, earlier)
    _tag(window, qtbot, "July 11, 1961", Qt.Key.Key_3)
    shutil.copyfile(earlier, project_path)
    assert window.check_for_changes()
    assert not window.detached_label.isVisible()
    assert [TRICKY[s.start:s.end] for s in window.view.index] == ["Xi Jinping"]
    assert [TRICKY[s.start:s.end] for s in window.span_list.span_model.spans] == ["Xi Jinping"]


def test_closing_with_a_change_waiting_closes_once_it_is_saved(project, project_path, make_window, qtbot):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
        window.close()
        assert window.isVisible()  # not while a change is waiting
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
    assert {t for *_, t in spans_as_text(project_path)} == {"Xi Jinping"}


def test_closing_with_a_change_that_fails_stays_open_to_say_so(project, project_path, make_window, qtbot,
                                                               monkeypatch):
    monkeypatch.setattr(storage_connect, "BUSY_TIMEOUT_SECONDS", 0.5)
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
        window.close()
        qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
        assert window.isVisible()
        [box] = boxes(window)
        assert box.windowTitle() == "Not saved"
        assert window.statusBar().currentMessage() != "Saved."


@pytest.mark.parametrize("command", ["export", "backup_project", "open_project", "import_files", "import_folder"])
def test_a_file_dialog_on_the_project_folder_keeps_sqlites_locks(project, project_path, make_window, qtbot,
                                                                  command):
    """Qt's own file dialog opens each file to sniff its type; closing that
    descriptor of the open project drops this process's SQLite locks, and
    the next program to close the project then deletes its -wal and -shm.
    The window's dialogs read names only."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    from tests.reliability.test_file_swapped import _other_program_closes_last

    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    _tag(window, qtbot, "Xi Jinping")

    def cancel_when_listed():
        [dialog] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        dialog.setDirectory(str(project_path.parent))
        QTimer.singleShot(800, dialog.reject)  # time to list (and type) every file

    QTimer.singleShot(200, cancel_when_listed)
    if command == "export":
        export_through_menu(window)  # (its own dialog first, then the file dialog)
    else:
        window.commands[command].trigger()
    assert not _other_program_closes_last(project_path)
    window.check_for_changes()
    assert not window.detached_label.isVisible()


def test_with_changes_waiting_the_project_and_annotator_stay_put(project, project_path, make_window, qtbot,
                                                                  monkeypatch, tmp_path):
    """A waiting change belongs to this project and annotator: switching
    either under it once applied it (and its undo) to the other project."""
    other = tmp_path / "other.db"
    Project.open(other).close()
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    patch_dialog(monkeypatch, "getOpenFileName", (str(other), ""))
    _tag(window, qtbot, "July 11, 1961", Qt.Key.Key_3)  # saved: something to undo
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
        window.commands["open_project"].trigger()
        assert window.project.path == project_path
        window.switch_annotator()
        window.undo()
        assert window.user == "alice" and "Wait until" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
    assert {t for *_, t in spans_as_text(project_path)} == {"Xi Jinping", "July 11, 1961"}
    assert spans_as_text(other) == set() and snapshot(other)["status"] == []


def test_a_poll_while_a_change_waits_does_not_show_it_twice(project, project_path, make_window, qtbot):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
    # The worker commits; polls (the timer, the window activated) may come
    # before its result reaches the window.
    qtbot.waitUntil(lambda: len(spans_as_text(project_path)) == 1, timeout=20_000)
    window.check_for_changes()
    qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
    window.check_for_changes()
    assert [TRICKY[s.start:s.end] for s in window.span_list.span_model.spans] == ["Xi Jinping"]
    assert window.session.counts["actor"] == 1 and len(list(window.view.index)) == 1


def test_a_waiting_change_is_not_saved_into_a_file_put_in_the_projects_place(project, project_path,
                                                                              make_window, qtbot, tmp_path):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    other = tmp_path / "other.db"
    with Project.open(other) as p:
        add_document(p, "other", "another project's text")
    before = snapshot(other)
    with another_program_writing(project_path):
        _tag(window, qtbot, "Xi Jinping")
        os.replace(other, project_path)
    qtbot.waitUntil(lambda: window.writes.pending == 0, timeout=20_000)
    assert snapshot(project_path) == before
    assert window.detached_label.isVisible()
    assert not any(s.annotator == "alice" for s in window.view.index)


def test_the_export_dialog_refuses_the_project_before_asking_to_replace_it(project, project_path, make_window,
                                                                           qtbot):
    """Choosing the project in the Export dialog says why at once and keeps
    the dialog open for another name (rather than "replace it?", then no)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

    window = make_window(project)
    seen = {}

    def choose_the_project():
        [dialog] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(project_path))  # typed in
        dialog.accept()
        refused = [b for b in dialog.findChildren(QMessageBox) if b.objectName() == "refusedName"]
        seen["refused"] = [b.text() for b in refused]
        seen["still open"] = dialog.isVisible()
        for box in refused:
            box.close()
        dialog.reject()

    QTimer.singleShot(200, choose_the_project)
    before = project_path.read_bytes()
    export_through_menu(window)
    assert seen["still open"] and len(seen["refused"]) == 1
    assert "that is the project file" in seen["refused"][0]
    assert window.background is None and project_path.read_bytes() == before
