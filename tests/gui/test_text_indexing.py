"""The window indexes the text a large import left out of the search index,
in the background (gui/text_indexer.py): it finishes on its own, says how
far it got, never blocks the person's own writes, and closing the window
part way keeps what was done and leaves the rest for next time."""

from __future__ import annotations

import pytest

from annotator.core.formats import ParsedDocument
from annotator.core.importer import import_documents
from annotator.core.storage import Project
from annotator.core.storage.sqlite import fulltext
from annotator.gui import text_indexer

N = 60


@pytest.fixture
def pending_project(monkeypatch, project_path):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)
    with Project.open(project_path) as p:
        import_documents(p, [ParsedDocument(name=f"doc-{i:03d}", text=f"Story {i} about a narwhal in Oslo.")
                             for i in range(N)], annotator=None)
        assert p.text_index_pending() == N
    return project_path


def test_the_window_indexes_pending_text_in_the_background(qtbot, make_window, pending_project, monkeypatch):
    monkeypatch.setattr(text_indexer, "SLICE", 7)
    seen = []
    project = Project.open(pending_project)
    window = make_window(project)
    indexer = window.text_index.indexer
    assert indexer is not None
    indexer.progressed.connect(lambda left, first: seen.append((left, first, window.text_index.label.text())))
    qtbot.waitUntil(lambda: project.text_index_pending() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: not window.text_index.label.isVisible())
    # (the first slices may be done before the test listens)
    lefts = [left for left, _, _ in seen]
    assert lefts and lefts[-1] == 0 and all(a - b == 7 for a, b in zip(lefts, lefts[1:-1]))
    assert all(first == N for _, first, _ in seen)
    left, _, text = seen[0]
    assert text == f"Indexing text for search: {N - left} of {N} documents"
    assert len(project.search_documents("narwhal")) == N


def test_the_persons_own_tag_is_saved_while_indexing(qtbot, make_window, pending_project, monkeypatch):
    monkeypatch.setattr(text_indexer, "SLICE", 1)
    monkeypatch.setattr(text_indexer, "PAUSE_S", 0.0)
    project = Project.open(pending_project)
    window = make_window(project)
    window.open_document(window.session.documents[0].id)
    assert window.text_index.indexer.running
    window.session.apply_label("actor", (0, 5))
    qtbot.waitUntil(lambda: not window.writes.pending, timeout=10_000)
    assert [(s.start, s.end, s.label) for s in project.spans(window.doc.id)] == [(0, 5, "actor")]
    qtbot.waitUntil(lambda: project.text_index_pending() == 0, timeout=10_000)


def test_closing_part_way_keeps_the_rest_for_next_time(qtbot, make_window, pending_project, monkeypatch):
    monkeypatch.setattr(text_indexer, "SLICE", 2)
    monkeypatch.setattr(text_indexer, "PAUSE_S", 0.05)
    project = Project.open(pending_project)
    window = make_window(project)
    qtbot.waitUntil(lambda: project.text_index_pending() < N, timeout=10_000)
    window.close()
    assert not window.text_index.label.isVisible()
    with Project.open(pending_project) as p:
        left = p.text_index_pending()
        assert 0 < left < N  # stopped part way, with what it did committed
        assert len(p.search_documents("narwhal")) == N  # still right: the rest is read
    second = make_window(Project.open(pending_project))
    qtbot.waitUntil(lambda: second.project.text_index_pending() == 0, timeout=10_000)


def test_another_programs_large_import_is_indexed_when_noticed(qtbot, make_window, project_path, monkeypatch):
    monkeypatch.setattr(fulltext, "INDEX_AT_ONCE", 5)
    project = Project.open(project_path)
    window = make_window(project)
    assert window.text_index.indexer is None  # nothing pending
    with Project.open(project_path) as other:
        import_documents(other, [ParsedDocument(name=f"x{i}", text=f"Text {i} of a walrus.") for i in range(9)],
                         annotator=None)
    assert window.check_for_changes()
    qtbot.waitUntil(lambda: project.text_index_pending() == 0, timeout=10_000)
