"""Find in all documents (Ctrl+Shift+F, gui/document_search.py): the
documents whose text contains a string, any script, each with the words
around it; choosing one opens it with the string found; the search runs off
the GUI thread, and only the newest query's answer is shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents
from annotator.core.storage import Project
from annotator.core.storage.sqlite import fulltext
from annotator.gui import document_search, text_indexer
from annotator.gui.document_search import in_context

TEXTS = {
    "b-latin": "The Minister of Finance met reporters in Zürich on Monday.",
    "a-chinese": "记者王芳报道，北京市政府今天宣布新政策。",
    "c-crlf": "First line\r\nthe minister said\r\nlast line",
    "d-<b>html</b>": "Nothing to see, only a walrus.",
}


@pytest.fixture
def window(make_window, project_path):
    with Project.open(project_path) as p:
        import_documents(p, [ParsedDocument(name=n, text=t) for n, t in TEXTS.items()], annotator=None)
    return make_window(Project.open(project_path))


def search(qtbot, window, query: str):
    window.commands["find_documents"].trigger()
    panel = window.document_search
    panel.query.setText(query)
    panel.search_now()
    qtbot.waitUntil(lambda: panel.status.text() not in ("", "Searching…"), timeout=10_000)
    return panel


def shown(panel) -> list[str]:
    return [panel.results.item(i).text() for i in range(panel.results.count())]


@pytest.mark.parametrize("query, names", [
    ("minister", ["b-latin", "c-crlf"]),
    ("ZÜRICH", ["b-latin"]),
    ("王芳", ["a-chinese"]),
    ("line\r\nthe", ["c-crlf"]),
    ("nothing like it", []),
])
def test_finds_the_documents_containing_the_text(qtbot, window, query, names):
    panel = search(qtbot, window, query)
    assert [row.split("\n")[0] for row in shown(panel)] == names
    assert panel.status.text() == ("No document contains this text." if not names else
                                   f"{len(names)} document{'s' if len(names) > 1 else ''} contain"
                                   f"{'s' if len(names) == 1 else ''} it.")


def test_each_result_shows_the_words_around_it_as_plain_text(qtbot, window):
    panel = search(qtbot, window, "walrus")
    assert shown(panel) == ["d-<b>html</b>\n…hing to see, only a walrus."]
    assert panel.results.item(0).data(Qt.ItemDataRole.DisplayRole).startswith("d-<b>")


def test_choosing_a_result_opens_it_with_the_text_found(qtbot, window):
    panel = search(qtbot, window, "MINISTER")
    panel.results.setCurrentRow(1)
    panel.results.itemActivated.emit(panel.results.item(1))
    assert window.doc.name == "c-crlf"
    hits = window.session.search.hits
    assert [window.session.text[s:e] for s, e in hits] == ["minister"]
    assert panel.results.hasFocus() or not window.isActiveWindow()


def test_only_the_newest_querys_answer_is_shown(qtbot, window):
    window.commands["find_documents"].trigger()
    panel = window.document_search
    for text in ("wal", "walr", "Zürich"):
        panel.query.setText(text)
        panel.search_now()
    qtbot.waitUntil(lambda: panel.status.text() not in ("", "Searching…"), timeout=10_000)
    qtbot.wait(200)  # any older answer arriving late must not replace it
    assert [row.split("\n")[0] for row in shown(panel)] == ["b-latin"]


def test_text_a_large_import_left_unindexed_is_found(qtbot, make_window, project_path, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 2)
    monkeypatch.setattr(document_search, "LIMIT", 3)
    with Project.open(project_path) as p:
        import_documents(p, [ParsedDocument(name=f"n{i}", text=f"Narwhal number {i}.") for i in range(5)],
                         annotator=None)
    monkeypatch.setattr(text_indexer.TextIndexing, "follow", lambda self, project: None)  # left unindexed
    window = make_window(Project.open(project_path))
    assert window.project.text_index_pending() == 5
    panel = search(qtbot, window, "narwhal")
    assert [row.split("\n")[0] for row in shown(panel)] == ["n0", "n1", "n2"]
    assert panel.status.text() == "The first 3 by name; add words to narrow them."


def test_in_context_cuts_around_the_first_hit_on_one_line():
    text = "a " * 50 + "Walrus\nsighted " + "b " * 50
    context = in_context(text, "walrus", before=10, after=10)
    assert context == "…a a a a a Walrus sighted b…"
    assert in_context("İstanbul walrus", "walrus", before=3, after=3) == "…ul walrus"


def test_the_arrow_keys_in_the_query_walk_the_results_and_enter_opens_one(qtbot, window):
    panel = search(qtbot, window, "minister")
    assert panel.results.currentRow() == 0
    qtbot.keyClick(panel.query, Qt.Key.Key_Down)
    assert panel.results.currentRow() == 1
    qtbot.keyClick(panel.query, Qt.Key.Key_Down)  # (stays on the last)
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert window.doc.name == "c-crlf"
    qtbot.keyClick(panel.results, Qt.Key.Key_Up)
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert window.doc.name == "b-latin"
