"""File menu commands with the file dialogs patched: import, export, new and
open project, and errors shown as plain text naming file and line."""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QPlainTextEdit

from annotator.core.storage import Project
from tests.gui.conftest import add_document
from tests.gui.test_tagging import TRICKY, select


def boxes(window):
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


# The window's file dialogs (annotator.gui.dialogs) mirror QFileDialog's
# static functions, by their Qt names.
_DIALOGS = {"getSaveFileName": "get_save_file_name", "getOpenFileName": "get_open_file_name",
            "getOpenFileNames": "get_open_file_names", "getExistingDirectory": "get_existing_directory"}


def patch_dialog(monkeypatch, name, result):
    from annotator.gui import dialogs

    monkeypatch.setattr(dialogs, _DIALOGS[name], lambda *args, **kwargs: result)


def export_through_menu(window, format_name: str | None = None, layers: set[str] | None = None,
                        **options: bool) -> None:
    """File > Export…: choose in the export dialog, then press Export…
    (the save dialog that follows is the patched one, or a real one)."""
    window.commands["export"].trigger()
    [dialog] = [d for d in window.findChildren(QDialog) if d.objectName() == "exportDialog" and d.isVisible()]
    if format_name is not None:
        dialog.select_format(format_name)
    if layers is not None:
        dialog.set_layers(layers)
    for name, on in options.items():
        dialog.option_boxes[f"{dialog.choice().format.name}.{name}"].setChecked(on)
    dialog.export_button.click()


def test_import_through_the_menu(project, make_window, monkeypatch, tmp_path, qtbot):
    window = make_window(project)
    assert window.documents.model.rowCount() == 0
    article = tmp_path / "article.txt"
    article.write_text("Xi Jinping met Kim.\r\n", encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps({"text": "On July 11, 1961.", "meta": {"name": "treaty"},
                                 "spans": [{"start": 3, "end": 16, "label": "date"}]}) + "\n",
                     encoding="utf-8")
    patch_dialog(monkeypatch, "getOpenFileNames", ([str(article), str(lines)], ""))
    window.commands["import_files"].trigger()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)
    assert [r.name for r in window.documents.model.rows] == ["article", "treaty"]
    assert window.doc is not None
    treaty = next(r for r in window.documents.model.rows if r.name == "treaty")
    assert treaty.span_count == 1  # spans on lines without an annotator are the user's
    assert project.document(next(r.id for r in window.documents.model.rows
                                 if r.name == "article")).text == "Xi Jinping met Kim.\r\n"
    assert not boxes(window)


def test_a_bad_import_names_file_and_line_and_imports_nothing(project, make_window, monkeypatch, tmp_path, qtbot):
    window = make_window(project)
    good = tmp_path / "good.txt"
    good.write_text("fine", encoding="utf-8")
    bad = tmp_path / "<b>bad<i>.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": "x", "spans": [{"start": 0, "end": 9, "label": "actor"}]}\n',
                   encoding="utf-8")
    patch_dialog(monkeypatch, "getOpenFileNames", ([str(good), str(bad)], ""))
    window.commands["import_files"].trigger()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)
    [box] = boxes(window)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "<b>bad<i>.jsonl, line 2" in box.text()
    assert project.document_count() == 0
    assert window.documents.model.rowCount() == 0


def test_export_through_the_menu_holds_exactly_the_tagged_spans(project, make_window, monkeypatch, tmp_path, qtbot):
    doc_id = add_document(project, "tricky", TRICKY)
    window = make_window(project, doc_id=doc_id)
    for needle, key in (("😀 wörld", Qt.Key.Key_1), ("July 11, 1961", Qt.Key.Key_3)):
        start = TRICKY.index(needle)
        select(window.view, TRICKY, start, start + len(needle))
        qtbot.keyClick(window.view, key)
    out = tmp_path / "out.jsonl"
    patch_dialog(monkeypatch, "getSaveFileName", (str(out), ""))
    export_through_menu(window)
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]  # not splitlines: U+2028
    assert record["text"] == TRICKY
    assert record["annotator"] == "alice"
    assert [(s["text"], s["label"]) for s in record["spans"]] == [("😀 wörld", "actor"), ("July 11, 1961", "date")]
    assert all(TRICKY[s["start"]:s["end"]] == s["text"] for s in record["spans"])


def test_export_error_is_reported(project, make_window, monkeypatch, tmp_path, qtbot):
    window = make_window(project)
    patch_dialog(monkeypatch, "getSaveFileName", (str(tmp_path / "missing" / "out.jsonl"), ""))
    export_through_menu(window)
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)  # (on a worker)
    [box] = boxes(window)
    assert "missing" in box.text()


def test_new_and_open_project(project, make_window, monkeypatch, tmp_path):
    add_document(project, "first", "one")
    window = make_window(project)
    new_path = tmp_path / "new.db"
    patch_dialog(monkeypatch, "getSaveFileName", (str(new_path), ""))
    window.commands["new_project"].trigger()
    assert window.project.path == new_path and window.documents.model.rowCount() == 0
    assert str(new_path) in window.path_label.text()
    patch_dialog(monkeypatch, "getOpenFileName", (str(project.path), ""))
    window.commands["open_project"].trigger()
    assert [r.name for r in window.documents.model.rows] == ["first"]
    assert window.doc.name == "first"


def test_opening_something_that_is_not_a_project_is_refused(project, make_window, monkeypatch, tmp_path):
    window = make_window(project)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    patch_dialog(monkeypatch, "getOpenFileName", (str(junk), ""))
    window.commands["open_project"].trigger()
    [box] = boxes(window)
    assert "junk.db" in box.text()
    assert window.project is project
    assert junk.read_bytes() == b"not a database at all"


def test_read_only_project_shows_a_notice_and_changes_nothing(project_path, make_window, monkeypatch, qtbot):
    with Project.open(project_path) as p:
        doc_id = add_document(p, "tricky", TRICKY)
    # Running as root makes chmod meaningless, so pretend the file is read-only.
    monkeypatch.setattr("annotator.core.storage.sqlite.project.writable", lambda path: False)
    with Project.open(project_path) as project:
        assert project.read_only
        window = make_window(project, doc_id=doc_id)
        assert window.read_only_label.isVisible()
        assert "read-only" in window.windowTitle()
        start = TRICKY.index("Xi")
        select(window.view, TRICKY, start, start + 10)
        qtbot.keyClick(window.view, Qt.Key.Key_1)
        qtbot.keyClick(window.view, Qt.Key.Key_2)
        assert project.spans(doc_id) == []
        assert len(boxes(window)) == 1  # told once, not once per key press
        window.close()


def test_settings_keep_font_size_splitter_and_last_document(project, make_window, settings, qtbot):
    add_document(project, "a", "first")
    second = add_document(project, "b", "second")
    window = make_window(project, doc_id=second)
    size = window.view.font_size()
    qtbot.keyClick(window.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font_size() == size + 1
    window.splitter.setSizes([300, 600, 300])
    sizes = window.splitter.sizes()
    window.close()
    again = make_window(project)
    assert again.view.font_size() == size + 1
    assert again.doc.id == second
    assert again.splitter.sizes() == sizes


def test_help_lists_every_shortcut(project, make_window):
    window = make_window(project)
    window.commands["shortcuts"].trigger()
    dialog = window.findChild(QDialog, "textDialog")
    text = dialog.findChild(QPlainTextEdit).toPlainText()
    for action_id in ("undo", "redo", "remove_span", "next_document", "mark_done", "import_files",
                      "export", "switch_annotator", "other_layers", "font_larger"):
        key = window.commands[action_id].shortcuts()[0].toString()
        assert key in text, action_id
    assert "1/A    actor" in text and "4/Q    quote" in text


def test_opening_an_older_project_says_where_its_old_version_was_kept(make_window, project_path):
    from tests.core.test_store import _make_old_project

    _make_old_project(project_path)
    project = Project.open(project_path)
    window = make_window(project)
    [box] = boxes(window)
    assert box.windowTitle() == "Project upgraded" and str(project.backup_path) in box.text()


def test_the_windows_import_dialog_offers_the_registrys_filter(project, make_window, monkeypatch):
    from annotator.core import formats
    from annotator.gui import dialogs

    offered = []
    monkeypatch.setattr(dialogs, "get_open_file_names", lambda *args: (offered.append(args[3]) or ([], "")))
    make_window(project).commands["import_files"].trigger()
    assert offered == [formats.import_filter()]
