"""Import and export from the window run on a worker, with progress and
Cancel: the window goes on painting, and Cancel leaves nothing half-done."""

from __future__ import annotations

import os
import threading

from PySide6.QtWidgets import QProgressDialog, QPushButton

from annotator.core.formats import jsonl
from annotator.gui import file_commands
from tests.core.helpers import snapshot, write_jsonl


def _articles(tmp_path, n):
    return write_jsonl(tmp_path / "many.jsonl", [
        {"text": f"Article {i}: Kim met Moon.", "meta": {"name": f"a{i:05}"},
         "spans": [{"start": 0, "end": 7, "label": "actor"}]} for i in range(n)])


def _hold_reading(monkeypatch):
    """Make reading a file wait until the test lets it go."""
    go, reading = threading.Event(), threading.Event()
    read = jsonl.read

    def held(path, progress=None, problems=None):
        reading.set()
        go.wait(20)
        return read(path, progress, problems)

    monkeypatch.setattr(jsonl, "read", held)
    return go, reading


def _import_held(window, monkeypatch, tmp_path, n):
    """Start importing n articles; return once the worker is reading, and
    the event that lets it go on."""
    go, reading = _hold_reading(monkeypatch)
    file_commands.import_paths(window, [str(_articles(tmp_path, n))])
    assert reading.wait(20)
    return go


def test_an_import_runs_on_a_worker_and_shows_progress(project, make_window, monkeypatch, qtbot, tmp_path):
    window = make_window(project)
    go, reading = _hold_reading(monkeypatch)
    job = file_commands.import_paths(window, [str(_articles(tmp_path, 1_200))])
    assert reading.wait(20) and job.running  # the window's thread is free meanwhile
    window.view.viewport().repaint()  # and can paint
    go.set()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    assert project.document_count() == 1_200
    assert window.documents.model.rowCount() == 1_200
    assert "1200 document(s) added" in window.statusBar().currentMessage()


def test_cancelling_an_import_leaves_the_project_as_it_was(project, project_path, make_window, monkeypatch,
                                                            qtbot, tmp_path):
    window = make_window(project)
    before = snapshot(project_path)
    go = _import_held(window, monkeypatch, tmp_path, 1_200)
    [dialog] = [d for d in window.findChildren(QProgressDialog) if d.objectName() == "progressDialog"]
    [button] = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    button.click()
    go.set()
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    assert snapshot(project_path) == before
    assert window.statusBar().currentMessage() == "Import cancelled: nothing was imported."


def test_cancelling_an_export_leaves_no_file(project, make_window, qtbot, tmp_path, monkeypatch):
    from annotator.core.importer import import_files

    import_files(project, [_articles(tmp_path, 1_000)], annotator="alice")
    window = make_window(project)
    out = tmp_path / "out.jsonl"
    started = threading.Event()
    from annotator.core import exporter

    real = exporter.layers

    def slow_layers(p, annotator=None):
        for n, record in enumerate(real(p, annotator)):
            if n == 300:
                started.set()
                window.background.cancel()
            yield record

    monkeypatch.setattr(exporter, "layers", slow_layers)
    file_commands.export_to(window, str(out))
    qtbot.waitUntil(lambda: window.background is None, timeout=20_000)
    assert started.is_set()
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if n.startswith(".out.jsonl")]
    assert window.statusBar().currentMessage().startswith("Export cancelled")


def test_closing_the_window_during_an_import_cancels_it_first(project, project_path, make_window, monkeypatch,
                                                             qtbot, tmp_path):
    window = make_window(project)
    before = snapshot(project_path)
    go = _import_held(window, monkeypatch, tmp_path, 500)
    window.close()
    assert window.isVisible()  # not while the worker has the project open
    go.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
    assert snapshot(project_path) == before
