"""The window on a server project (issue 16): two people's windows see each
other's work appear by themselves, and a server restart mid-session is
said, refused whole while it lasts, and recovered from without losing
what is on screen or what was saved."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import QSettings

from annotator.core.storage.postgres import admin
from annotator.core.storage.postgres.opening import open_server_project
from tests.postgres.conftest import OWNER, OWNER_PASSWORD
from tests.postgres.test_server_live import SAMPLE, password, set_up

SAMPLE_NAME = SAMPLE.stem


@pytest.fixture
def window_on(qtbot, tmp_path):
    from annotator.gui.main_window import MainWindow

    def make(url: str):
        project = open_server_project(url)
        settings = QSettings(str(tmp_path / f"{project.login}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(project, project.login, settings)  # the poll runs, as for a person
        qtbot.addWidget(window)
        window.resize(1100, 700)
        window.show()
        return window

    return make


@pytest.fixture
def boxes(monkeypatch):
    """Error boxes the window shows, as (title, text), instead of blocking."""
    shown = []
    monkeypatch.setattr("annotator.gui.dialogs.error", lambda parent, title, text: shown.append((title, text)))
    return shown


def spans_of(window, annotator: str):
    return [s for s in window.session.index if s.annotator == annotator]


def test_two_windows_see_each_others_work(database, window_on, qtbot):
    set_up(database.owner_url)
    alice = window_on(database.url("alice", password("alice")))
    bob = window_on(database.url("bob", password("bob")))
    assert alice.session.doc is not None and bob.session.doc.id == alice.session.doc.id
    assert "alice:***@" in alice.path_label.text() and password("alice") not in alice.path_label.text()

    started = time.monotonic()
    alice.session.apply_label("actor", (0, 7))
    qtbot.waitUntil(lambda: len(spans_of(bob, "alice")) == 1, timeout=10_000)
    print(f"bob's window showed alice's span after {time.monotonic() - started:.3f} s")
    assert spans_of(bob, "alice") == spans_of(alice, "alice")
    bob.session.apply_label("organisation", (10, 20))
    qtbot.waitUntil(lambda: len(spans_of(alice, "bob")) == 1, timeout=10_000)
    # Alice's undo takes her span away in both windows.
    alice.session.undo()
    qtbot.waitUntil(lambda: not spans_of(bob, "alice"), timeout=10_000)
    assert not spans_of(alice, "alice") and len(spans_of(bob, "bob")) == 1


def test_a_server_restart_mid_session(restarting_server, window_on, qtbot, boxes):
    server = restarting_server
    set_up(server.url(OWNER, OWNER_PASSWORD, server.database))
    url = server.url("alice", password("alice"), server.database)
    window = window_on(url)
    session = window.session
    session.apply_label("actor", (0, 7))
    saved = spans_of(window, "alice")
    assert len(saved) == 1
    server.halt()
    try:
        qtbot.waitUntil(window.disconnected_label.isVisible, timeout=10_000)
        assert "connection to the server was lost" in session.disconnected_because
        # What is on screen stays; a change is refused whole, and said so.
        assert spans_of(window, "alice") == saved and session.doc is not None
        session.apply_label("date", (20, 30))
        assert spans_of(window, "alice") == saved
        # (the red notice says it already: the status bar, not a box per try)
        assert window.statusBar().currentMessage().startswith("Not saved")
        assert not boxes
    finally:
        server.resume()
    qtbot.waitUntil(lambda: not window.disconnected_label.isVisible(), timeout=15_000)
    assert spans_of(window, "alice") == saved
    session.apply_label("date", (20, 30))
    assert len(spans_of(window, "alice")) == 2
    with open_server_project(url) as check:
        assert [s[:4] for s in check.spans(session.doc.id)] == [s[:4] for s in spans_of(window, "alice")]
    # Undo still knows the step made before the restart.
    session.undo()
    session.undo()
    with open_server_project(url) as check:
        assert check.spans(session.doc.id) == []


def test_a_worker_opens_its_own_connection_as_the_same_person(database):
    set_up(database.owner_url)
    with open_server_project(database.url("bob", password("bob"))) as bob:
        with bob.opener()() as own:
            assert own is not bob and own.login == "bob"
            assert own.conn.info.backend_pid != bob.conn.info.backend_pid


def test_find_in_all_documents_and_export_on_a_server(database, window_on, qtbot, tmp_path):
    """The window's workers (Find in all documents, Export) open their own
    connection to the server project, as the same person."""
    from annotator.gui.file_commands import export_to

    set_up(database.owner_url)
    window = window_on(database.url("bob", password("bob")))
    window.session.apply_label("actor", (0, 7))
    window.commands["find_documents"].trigger()
    panel = window.document_search
    panel.query.setText("xi jinping")
    panel.search_now()
    qtbot.waitUntil(lambda: panel.status.text() not in ("", "Searching…"), timeout=10_000)
    assert panel.results.count() == 1 and SAMPLE_NAME in panel.results.item(0).text()
    out = tmp_path / "bob.jsonl"
    job = export_to(window, str(out))
    qtbot.waitUntil(lambda: not job.running, timeout=20_000)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(line["annotator"], [s["label"] for s in line["spans"]]) for line in lines] == [("bob", ["actor"])]


def test_a_change_meeting_a_lock_waits_off_the_gui_thread(database, window_on, qtbot):
    """An admin's long change holds a lock the window's change needs: the
    window does not freeze; it says the change is waiting, and shows it
    once saved."""
    import psycopg

    set_up(database.owner_url)
    window = window_on(database.url("alice", password("alice")))
    holder = psycopg.connect(database.owner_url)
    holder.execute("LOCK TABLE spans IN EXCLUSIVE MODE")
    try:
        window.session.apply_label("actor", (0, 7))
        assert window.session.writes.pending == 1
        qtbot.waitUntil(window.pending_label.isVisible, timeout=5_000)
        assert not spans_of(window, "alice")
    finally:
        holder.rollback()
        holder.close()
    qtbot.waitUntil(lambda: window.session.writes.pending == 0, timeout=20_000)
    assert len(spans_of(window, "alice")) == 1 and not window.pending_label.isVisible()


def test_the_annotator_cannot_be_switched_on_a_server(database, window_on, monkeypatch):
    set_up(database.owner_url)
    window = window_on(database.url("alice", password("alice")))
    said = []
    monkeypatch.setattr("annotator.gui.dialogs.info", lambda parent, title, text: said.append(text))
    monkeypatch.setattr("annotator.gui.dialogs.ask_annotator", lambda *a: "bob")
    window.commands["switch_annotator"].trigger()
    assert window.user == "alice" and "as the login you connected with (alice)" in said[0]


def test_a_reviewer_window_accepts_the_annotators_agreement_into_gold(database, window_on, qtbot):
    """Two annotators' windows tag the same words; the reviewer's window, in
    review mode, accepts what all agree on into gold: gold holds it on the
    server, and the annotators' windows show it."""
    set_up(database.owner_url)
    admin.add_user(database.owner_url, "rita", "reviewer", password("rita"))
    alice = window_on(database.url("alice", password("alice")))
    bob = window_on(database.url("bob", password("bob")))
    for window in (alice, bob):
        window.session.apply_label("actor", (0, 7))
    alice.session.apply_label("date", (10, 20))  # only alice: not agreed by all
    rita = window_on(database.url("rita", password("rita")))
    rita.commands["review_mode"].setChecked(True)
    qtbot.waitUntil(lambda: rita.session.review_complete, timeout=10_000)
    rita.session.accept_all_agreed()
    with open_server_project(database.url("rita", password("rita"))) as check:
        assert [s[:4] for s in check.spans(1, "gold")] == [(0, 7, "actor", "gold")]
    alice.commands["other_layers"].setChecked(True)
    qtbot.waitUntil(lambda: len(spans_of(alice, "gold")) == 1, timeout=10_000)


@pytest.fixture
def no_password_sources(monkeypatch, tmp_path):
    """libpq finds no password: no PGPASSWORD, an empty ~/.pgpass."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def test_the_window_asks_for_a_password_libpq_cannot_find(database, no_password_sources, monkeypatch):
    """As a desktop client would: asked (again after a wrong one), kept for
    the project's other connections (workers, reconnects), never shown."""
    from annotator.gui import app

    set_up(database.owner_url)
    url = database.url("bob", None)  # no password in the URL
    asked = []
    answers = iter(["wrong", password("bob")])
    monkeypatch.setattr("annotator.gui.dialogs.ask_password",
                        lambda parent, problem, shown_url: asked.append((problem, shown_url)) or next(answers))
    project, user = app.open_store(url, None, None)
    try:
        assert user == "bob" and len(asked) == 2
        assert asked[0][0] == "" and "password authentication failed" in asked[1][0]
        assert all(password("bob") not in problem for problem, _ in asked)
        with project.opener()() as worker:  # a worker's own connection needs it too
            assert worker.login == "bob"
    finally:
        project.close()


def test_a_cancelled_password_question_says_why_the_project_did_not_open(database, no_password_sources,
                                                                        monkeypatch):
    from annotator.core.errors import AnnotatorError
    from annotator.gui import app

    set_up(database.owner_url)
    monkeypatch.setattr("annotator.gui.dialogs.ask_password", lambda *args: None)
    with pytest.raises(AnnotatorError, match="no password supplied"):
        app.open_store(database.url("bob", None), None, None)


def test_the_password_question_shows_the_servers_words_as_plain_text(qtbot, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    from annotator.gui import dialogs

    seen = []

    def answer():
        box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "passwordDialog")
        seen.extend(label.textFormat() for label in box.findChildren(QLabel) if "<b>" in label.text())
        seen.extend("secret" for label in box.findChildren(QLabel) if "secret" in label.text())
        box.setTextValue("typed")
        box.accept()

    QTimer.singleShot(100, answer)
    typed = dialogs.ask_password(None, "<b>bold?</b> password authentication failed",
                                 "postgresql://bob:secret@h/<i>db</i>")
    assert typed == "typed"
    assert seen and all(fmt == dialogs.PLAIN for fmt in seen)  # (and the URL's password never shown)
