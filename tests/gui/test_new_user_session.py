"""The issue's acceptance run, scripted: open the sample article, tag Xi
Jinping, the Chinese Foreign Ministry, July 11, 1961 and a quotation with
mouse and keyboard, kill the process with SIGKILL right after the last tag,
start again: everything is there, and the export holds exactly those spans."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from annotator.core.paths import seeds_dir
from annotator.core.storage import Project

SESSION = textwrap.dedent(r'''
    import os, signal, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtGui import QTextCursor
    from PySide6.QtTest import QTest
    from annotator.core.storage import Project
    from annotator.gui.app import make_app
    from annotator.gui.main_window import MainWindow

    db, seeds, settings_path = sys.argv[1:4]
    app = make_app()
    window = MainWindow(Project.open(db, seeds=Path(seeds)), "newcomer",
                        QSettings(settings_path, QSettings.Format.IniFormat))
    window.show()
    window.activateWindow()
    app.processEvents()
    view = window.view
    text = window.doc.text

    def point_at(offset):
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.offsets.to_qt(offset))
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        app.processEvents()
        return view.cursorRect(cursor).center() + QPoint(3, 0)

    # Mouse: drag across "Xi Jinping", then click the actor label.
    start = text.index("Xi Jinping")
    a, b = point_at(start) - QPoint(4, 0), point_at(start + len("Xi Jinping"))
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=a)
    QTest.mouseMove(view.viewport(), b)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=b)
    QTest.mouseClick(window.labels_panel.rows["actor"], Qt.MouseButton.LeftButton)
    # Keyboard: cursor to "Chinese Foreign Ministry", Shift+Right, press O.
    start = text.index("Chinese Foreign Ministry")
    cursor = view.textCursor(); cursor.setPosition(view.offsets.to_qt(start)); view.setTextCursor(cursor)
    for _ in range(len("Chinese Foreign Ministry")):
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(view, Qt.Key.Key_O)
    # Keyboard: the date with Shift+Ctrl+Right word jumps (July|11|,|1961), then 3.
    start = text.index("July 11, 1961")
    cursor = view.textCursor(); cursor.setPosition(view.offsets.to_qt(start)); view.setTextCursor(cursor)
    for _ in range(4):
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_3)
    # A quotation, selected in the view, tagged with Q.
    quote = "“to strengthen strategic communication, chart the course for the China-DPRK relationship and lift the friendly cooperation between the two countries to new levels to bring more benefits to the two countries and their people.”"
    view.select_text(text.index(quote), text.index(quote) + len(quote))
    QTest.keyClick(view, Qt.Key.Key_Q)
    print("tagged", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
''')


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_tag_with_mouse_and_keyboard_then_kill_and_reopen(tmp_path):
    db = tmp_path / "default.db"
    result = subprocess.run([sys.executable, "-c", SESSION, str(db), str(seeds_dir()), str(tmp_path / "s.ini")],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert "tagged" in result.stdout
    with Project.open(db) as project:
        assert project.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [doc] = project.document_summaries("newcomer")
        text = project.document(doc.id).text
        got = [(text[s.start:s.end], s.label) for s in project.spans(doc.id, "newcomer")]
    assert [g for g in got if g[1] != "quote"] == [
        ("Xi Jinping", "actor"), ("July 11, 1961", "date"), ("Chinese Foreign Ministry", "organisation")]
    [(quote, _)] = [g for g in got if g[1] == "quote"]
    assert quote.startswith("“to strengthen") and quote.endswith("their people.”")

    out = tmp_path / "out.jsonl"
    subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "export", "-o", str(out)],
                   check=True, capture_output=True)
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert [(s["text"], s["label"]) for s in record["spans"]] == [
        ("Xi Jinping", "actor"), ("July 11, 1961", "date"), (quote, "quote"), ("Chinese Foreign Ministry", "organisation")]
    assert all(record["text"][s["start"]:s["end"]] == s["text"] for s in record["spans"])
