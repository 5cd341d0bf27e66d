"""File > Export…: the format, the layers and the format's options are chosen
in the window, and the file written is the one the command line would write."""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from annotator.core.formats import FORMATS
from annotator.gui import export_dialog
from tests.gui.conftest import add_document
from tests.gui.test_file_commands import boxes, export_through_menu, patch_dialog

TEXT = "Kim Jong-un met Xi Jinping 😀 on July 11, 1961.\r\nThen they left."


def _two_layers(project):
    kim, xi = (TEXT.index("Kim Jong-un"), TEXT.index("Xi Jinping"))
    add_document(project, "summit", TEXT, [(kim, kim + 11, "actor")], annotator="alice")
    return add_document(project, "summit", TEXT, [(xi, xi + 10, "actor")], annotator="bob")


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def _dialog(window):
    window.commands["export"].trigger()
    [dialog] = [d for d in window.findChildren(QDialog) if d.objectName() == "exportDialog" and d.isVisible()]
    return dialog


def test_the_dialog_lists_every_format_that_writes(project, make_window):
    dialog = _dialog(make_window(project))
    listed = [dialog.format_box.itemData(i) for i in range(dialog.format_box.count())]
    assert listed == [f.name for f in FORMATS if f.write]


def test_only_the_layers_ticked_are_exported(project, make_window, monkeypatch, tmp_path, qtbot):
    doc_id = _two_layers(project)
    window = make_window(project, doc_id=doc_id)
    out = tmp_path / "bob.jsonl"
    patch_dialog(monkeypatch, "getSaveFileName", (str(out), ""))
    export_through_menu(window, "jsonl", layers={"bob"})
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    [record] = _lines(out)
    assert record["annotator"] == "bob"
    assert [(s["text"], s["label"]) for s in record["spans"]] == [("Xi Jinping", "actor")]
    assert "Exported 1 line" in window.statusBar().currentMessage()


def test_every_layer_by_default_and_the_formats_options_apply(project, make_window, monkeypatch, tmp_path,
                                                              qtbot):
    doc_id = _two_layers(project)
    window = make_window(project, doc_id=doc_id)
    out = tmp_path / "all.jsonl"
    patch_dialog(monkeypatch, "getSaveFileName", (str(out), ""))
    export_through_menu(window, "jsonl", tokens=True)
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    records = _lines(out)
    assert [r["annotator"] for r in records] == ["alice", "bob"]
    for record in records:
        [span] = record["spans"]
        tokens = record["tokens"]
        # The span's first and last tokens are where its characters are.
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]


def test_no_layer_ticked_offers_no_export(project, make_window):
    _two_layers(project)
    dialog = _dialog(make_window(project))
    dialog.set_layers(set())
    assert not dialog.export_button.isEnabled()
    dialog.set_layers({"alice"})
    assert dialog.export_button.isEnabled()


def test_the_format_chosen_last_is_offered_first(project, make_window, monkeypatch, tmp_path, qtbot):
    window = make_window(project)
    second = [f.name for f in FORMATS if f.write][-1]
    dialog = _dialog(window)
    dialog.select_format(second)
    patch_dialog(monkeypatch, "getSaveFileName", ("", ""))  # then cancelled at the file dialog
    dialog.export_button.click()
    assert _dialog(window).format_box.currentData() == second


def test_a_format_whose_package_is_missing_says_which_extra_to_install(project, make_window, monkeypatch):
    spacy = next((f for f in FORMATS if f.extra and f.write), None)
    if spacy is None:
        import pytest
        pytest.skip("no writable format with an optional package is registered")
    monkeypatch.setitem(export_dialog._EXTRA_MODULES, spacy.extra, "surely_not_installed_module_xyz")
    dialog = _dialog(make_window(project))
    row = dialog.format_box.findData(spacy.name)
    assert f"pip install 'annotator[{spacy.extra}]'" in dialog.format_box.itemText(row)
    assert not dialog.format_box.model().item(row).isEnabled()


def test_an_export_that_fails_says_so_and_writes_nothing(project, make_window, monkeypatch, tmp_path, qtbot):
    window = make_window(project, doc_id=_two_layers(project))
    target = tmp_path / "no such folder" / "out.jsonl"
    patch_dialog(monkeypatch, "getSaveFileName", (str(target), ""))
    export_through_menu(window, "jsonl")
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    [box] = boxes(window)
    assert "Export failed" in box.windowTitle() and box.textFormat() == Qt.TextFormat.PlainText
    assert not target.parent.exists()
