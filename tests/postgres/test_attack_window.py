"""Attacks on the window over a server project, found by a review: the
server restarting while a document's spans are still loading (the
document was closed for good; now what is shown stays), and undo after a
restart."""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.errors import AnnotatorError
from annotator.core.model import Span
from annotator.core.storage.postgres.opening import open_server_project
from annotator.core.storage.postgres.project import ServerProject
from tests.core.helpers import write_jsonl
from tests.postgres.conftest import OWNER, OWNER_PASSWORD
from tests.postgres.test_server_live import password, set_up
from tests.postgres.test_server_window import boxes, spans_of, window_on  # noqa: F401 (fixtures)

LONG_TEXT = ("word " * 40_000).strip()  # 200,000 characters: spans past the first screen


@pytest.fixture(scope="module")
def long_document(restarting_server, tmp_path_factory):
    """The sample, and a long document (id 2) holding 8,000 of alice's spans."""
    server = restarting_server
    owner_url = server.url(OWNER, OWNER_PASSWORD, server.database)
    set_up(owner_url)
    from annotator.core.importer import import_files

    path = write_jsonl(tmp_path_factory.mktemp("long") / "long.jsonl", [{"text": LONG_TEXT, "name": "long"}])
    with ServerProject.open(owner_url) as owner:
        import_files(owner, [path], annotator=None)
    url = server.url("alice", password("alice"), server.database)
    with ServerProject.open(url) as alice:
        ops.add_spans(alice, [Span(i * 25, i * 25 + 4, "actor", "alice", 2) for i in range(8_000)])
    return server, url


def test_a_restart_while_a_documents_spans_load_keeps_the_document(long_document, window_on, qtbot):  # noqa: F811
    server, url = long_document
    window = window_on(url)
    session = window.session
    window.open_document(2)
    assert session.doc is not None and session.doc.id == 2
    assert session._reader is not None  # the rest is still to come (a page per event-loop turn)
    shown = len(spans_of(window, "alice"))
    assert 0 < shown < 8_000
    server.halt()
    try:
        # the next page (the next event-loop turn) meets the lost server
        qtbot.waitUntil(window.disconnected_label.isVisible, timeout=10_000)
        # what was shown stays, and the document with it
        assert session.doc is not None and session.doc.id == 2
        assert len(spans_of(window, "alice")) >= shown
        # a command meanwhile needs every span: refused, the part shown kept
        with pytest.raises(AnnotatorError):
            session.finish_loading()
        assert session.doc is not None and len(spans_of(window, "alice")) >= shown
    finally:
        server.resume()
    qtbot.waitUntil(lambda: not session.disconnected_because and session.project.reconnects >= 1, timeout=15_000)
    session.finish_loading()
    assert session.doc is not None and len(spans_of(window, "alice")) == 8_000


def test_undo_after_a_restart_takes_back_the_span_made_before_it(long_document, window_on, qtbot):  # noqa: F811
    """Undo of a step saved before the restart, in the long document: the
    server holds what the window shows afterwards."""
    server, url = long_document
    window = window_on(url)
    session = window.session
    window.open_document(1)
    session.apply_label("date", (20, 30))
    server.halt()
    server.resume()
    qtbot.waitUntil(lambda: session.project.reconnects >= 1 and not session.disconnected_because,
                    timeout=15_000)
    session.undo()
    with open_server_project(url) as check:
        assert [s for s in check.spans(1) if s.annotator == "alice"] == spans_of(window, "alice") == []
