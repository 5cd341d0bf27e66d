"""GUI fixtures: a real MainWindow on a temporary project, with its own
settings file (never the user's) and no polling timer racing the tests."""

import pytest
from PySide6.QtCore import QSettings

from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents


def add_document(project, name, text, spans=(), annotator=None):
    """Store a document exactly as given (JSONL-style import, no file)."""
    doc = ParsedDocument(name=name, text=text, annotator=annotator, spans=list(spans))
    import_documents(project, [doc], annotator=annotator, add_labels=True)
    return next(s.id for s in project.document_summaries("x") if s.name == name)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    from annotator.gui.main_window import MainWindow

    def make(project, user="alice", doc_id=None):
        window = MainWindow(project, user, settings, poll_ms=3_600_000)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        with qtbot.waitExposed(window):
            window.show()
        # Hotkeys are window shortcuts: they need the window active.
        with qtbot.waitActive(window):
            window.activateWindow()
        window.view.setFocus()
        if doc_id is not None:
            window.open_document(doc_id)
        return window

    return make
