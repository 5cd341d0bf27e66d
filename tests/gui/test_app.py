"""Starting the program: main(), the error hook, a project that cannot open."""

import sys

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.core.paths import seeds_dir
from annotator.gui import app as app_module


def test_main_opens_the_window_on_a_new_default_project(qapp, monkeypatch, tmp_path):
    seen = {}
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(app_module, "QSettings", lambda: settings)

    def fake_exec():
        [window] = [w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "view")]
        seen["doc"] = window.doc.name
        seen["title"] = window.windowTitle()
        window.close()
        return 0

    monkeypatch.setattr(qapp, "exec", fake_exec)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    assert app_module.main(tmp_path / "p.db", "alice", seeds_dir()) == 0
    assert seen["doc"].startswith("000_")  # the sample article
    assert "p.db" in seen["title"]


def test_main_opens_the_window_even_if_its_first_document_cannot_be_read(qapp, monkeypatch, tmp_path):
    from annotator.core.errors import ProjectError
    from annotator.core.storage import Project

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(app_module, "QSettings", lambda: settings)

    def damaged(self, doc_id):
        raise ProjectError(f"{self.path}: could not be read: database disk image is malformed")

    monkeypatch.setattr(Project, "read_spans", damaged)
    seen = {}

    def fake_exec():
        [window] = [w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "view")]
        seen["doc"] = window.doc
        seen["message"] = [box.text() for box in window.findChildren(QMessageBox)]
        for box in window.findChildren(QMessageBox):
            box.close()
        window.close()
        return 0

    monkeypatch.setattr(qapp, "exec", fake_exec)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    assert app_module.main(tmp_path / "p.db", "alice", seeds_dir()) == 0
    assert seen["doc"] is None
    assert any("malformed" in text for text in seen["message"])


def test_main_reports_a_file_that_is_not_a_project(qapp, monkeypatch, tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"<b>not</b> a database")
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.textFormat())))
    assert app_module.main(junk, "alice", None) == 1
    [(text, fmt)] = shown
    assert "junk.db" in text and fmt == Qt.TextFormat.PlainText
    assert "junk.db" in capsys.readouterr().err
    assert junk.read_bytes() == b"<b>not</b> a database"


def test_unexpected_errors_show_a_message_instead_of_crashing(qapp, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app_module.install_error_hook(qapp)
    for _ in range(3):  # an error repeating (e.g. in every repaint) opens one box
        try:
            raise ValueError("<b>boom</b>")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1
    assert "<b>boom</b>" in boxes[0].text() and boxes[0].textFormat() == Qt.TextFormat.PlainText
    for box in boxes:
        box.close()
