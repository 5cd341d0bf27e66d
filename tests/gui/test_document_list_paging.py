"""The document list on 100,000 documents reads only the rows it shows,
follows another program's change by one row (or, for an added document,
one layout change keeping the selection), and steps to the next document
in the list's order."""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.model import Span
from annotator.core.storage import Project
from annotator.gui import document_commands
from tests.gui.conftest import add_document

DOCUMENTS = 100_000
SECTIONS = ("politics", "Economy", "world", "Sport")


@pytest.fixture(scope="module")
def big_path(tmp_path_factory):
    """100,000 documents named SECTION-NNNNNN (section by id, so name order
    is not id order); alice's spans: 1 in every 3rd, 2 in every 7th... and
    every 5th done. Written through one unit of work, executemany-speed, as
    an import writes (names indexed at the end, text left for later)."""
    path = tmp_path_factory.mktemp("paging") / "big.db"
    with Project.open(path) as project:
        with project.write() as unit, unit.deferring_text_index():
            now = unit.now()
            first = unit.insert_documents([(f"{SECTIONS[i * 7 % 4]}-{i:06d}", "some text", str(i), {})
                                           for i in range(DOCUMENTS)], now)
            ids = range(first, first + DOCUMENTS)
            unit.insert_new_spans([Span(0, 4, "actor", "alice", d) for d in ids[::3]]
                                  + [Span(5, 9, "date", "alice", d) for d in ids[::7]])
            for doc_id in ids[::5]:
                unit.set_status(doc_id, "alice", "done")
    return path


@pytest.fixture
def big(big_path, tmp_path):
    copy = tmp_path / "big.db"
    copy.write_bytes(big_path.read_bytes())
    with Project.open(copy) as project:
        yield project


class Reads:
    """Counts the rows the list reads through the store's paged query."""

    def __init__(self, project):
        self.rows = 0
        self._page = project.document_page

        def page(*args):
            rows = self._page(*args)
            self.rows += len(rows)
            return rows

        project.document_page = page


class Spy:
    def __init__(self, model):
        self.seen: list = []
        for name in ("modelReset", "layoutChanged", "rowsInserted"):
            getattr(model, name).connect(lambda *a, n=name: self.seen.append(n))
        model.dataChanged.connect(lambda top, bottom, *a: self.seen.append(("dataChanged", top.row(),
                                                                              bottom.row())))


def test_the_list_reads_only_the_rows_it_shows(big, make_window, qtbot):
    reads = Reads(big)
    window = make_window(big)
    table = window.documents.table
    model = window.documents.model
    assert model.rowCount() == DOCUMENTS
    first = model.data(model.index(0, 0))
    assert first == "Economy-000003"  # by name, ASCII case ignored: Economy < politics < Sport < world
    bar = table.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    qtbot.wait(10)
    table.viewport().repaint()
    bar.setValue(bar.maximum())
    table.viewport().repaint()
    assert model.data(model.index(DOCUMENTS - 1, 0)) == "world-099998"  # (i * 7 % 4 == 2)
    assert reads.rows <= 6 * 200  # a few pages, of 100,000 rows
    assert len(window.session.documents.cached_pages()) <= 6


def test_another_programs_span_redraws_one_row_and_keeps_the_selection(big, make_window, qtbot):
    window = make_window(big)
    model = window.documents.model
    doc_id = model.rows[3].id
    window.open_document(doc_id)
    other_id = model.rows[5].id
    spy = Spy(model)
    with Project.open(big.path) as other:
        ops.add_span(other, other_id, "alice", "quote", 0, 4)
    assert window.check_for_changes()
    assert spy.seen == [("dataChanged", 5, 5)]
    assert model.rows[5].span_count == big.document_rows("alice", [other_id])[0].span_count
    assert window.documents.table.currentIndex().row() == 3 and window.doc.id == doc_id


def test_a_document_added_elsewhere_is_listed_in_place_keeping_the_selection(big, make_window, qtbot):
    window = make_window(big)
    model, table = window.documents.model, window.documents.table
    doc_id = model.rows[10].id
    window.open_document(doc_id)
    spy = Spy(model)
    with Project.open(big.path) as other:
        add_document(other, "Economy-000000 (early)", "new text")  # sorts first
    assert window.check_for_changes()
    assert spy.seen == ["layoutChanged"]
    assert model.rowCount() == DOCUMENTS + 1
    assert model.data(model.index(0, 0)) == "Economy-000000 (early)"
    assert table.currentIndex().row() == 11 and model.rows[11].id == doc_id == window.doc.id


def test_sorting_by_a_heading_and_stepping_through_documents_follow_the_sort(big, make_window, qtbot):
    window = make_window(big)
    model, header = window.documents.model, window.documents.table.horizontalHeader()
    header.sectionClicked.emit(1)  # Spans
    counts = [model.rows[i].span_count for i in range(0, DOCUMENTS, 9_973)]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 2
    header.sectionClicked.emit(1)  # again: most spans first
    assert model.rows[0].span_count == 2 and model.rows[DOCUMENTS - 1].span_count == 0
    middle = model.rows[DOCUMENTS // 2].id
    window.open_document(middle)
    document_commands.next_document(window)
    assert window.doc.id == model.rows[DOCUMENTS // 2 + 1].id
    document_commands.previous_document(window)
    document_commands.previous_document(window)
    assert window.doc.id == model.rows[DOCUMENTS // 2 - 1].id
    header.sectionClicked.emit(2)  # Status: new, in progress, done
    assert [model.rows[i].status for i in (0, DOCUMENTS - 1)] == ["new", "done"]
    window.documents.filter.setText("spo")  # inside a name, either case
    assert model.rowCount() == DOCUMENTS // 4
    assert {model.rows[i].name[:5] for i in range(0, DOCUMENTS // 4, 2_477)} == {"Sport"}
