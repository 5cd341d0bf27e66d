"""Review > Agreement…: the figures of the open document and of the project,
the confusion heat map of a pair, the documents worst first."""

from __future__ import annotations

from PySide6.QtGui import QColor

from annotator.core.agreement import project_agreement
from annotator.gui.agreement_panel import AgreementWindow
from tests.gui.conftest import add_document

TEXT = "Xi Jinping met Kim Jong Un in Beijing on Sunday."


def _corpus(project):
    xi, kim, sunday = (TEXT.index(w) for w in ("Xi Jinping", "Kim Jong Un", "Sunday"))
    agreed = add_document(project, "agreed", TEXT, [(xi, xi + 10, "actor"), (kim, kim + 11, "actor")], "alice")
    add_document(project, "agreed", TEXT, [(xi, xi + 10, "actor"), (kim, kim + 11, "actor")], "bob")
    mixed = add_document(project, "mixed", TEXT + " ", [(xi, xi + 10, "actor"), (sunday, sunday + 6, "date")],
                         "alice")
    add_document(project, "mixed", TEXT + " ", [(xi, xi + 10, "organisation")], "bob")
    return agreed, mixed


def test_the_document_and_the_project_figures(project, make_window, qtbot):
    agreed, mixed = _corpus(project)
    window = make_window(project, doc_id=agreed)
    window.show_agreement()
    panel = window.findChild(AgreementWindow)
    assert panel.isVisible()
    assert panel.pairs.rows[0][0] == "alice – bob" and panel.pairs.rows[0][3] == "1.000"  # exact F1 here
    panel.scope.setCurrentIndex(1)  # the whole project, on a worker
    qtbot.waitUntil(lambda: panel.report is not None and panel.report.documents == 2, timeout=10_000)
    expected = project_agreement(project)
    assert panel.pairs.rows[0][5] == f"{expected.pairs[0].kappa:.3f}"
    assert [row[0] for row in panel.documents.rows] == ["mixed", "agreed"]  # worst first
    assert "Fleiss' κ" in panel.summary.text() and "Krippendorff's α" in panel.summary.text()


def test_the_heat_map_shows_which_labels_are_confused(project, make_window, qtbot):
    _, mixed = _corpus(project)
    window = make_window(project, doc_id=mixed)
    window.show_agreement()
    heat = window.findChild(AgreementWindow).heat
    assert heat.cell("actor", "organisation") == 2  # "Xi", "Jinping": actor for alice, organisation for bob
    assert heat.cell("date", "") == 1  # "Sunday": date for alice, nothing for bob
    heat.resize(400, 300)
    image = heat.grab().toImage()
    colours = {QColor(image.pixel(x, y)).name() for x in range(0, 400, 4) for y in range(0, 300, 4)}
    assert len(colours) > 4  # cells drawn in shades, not a blank widget


def test_double_clicking_a_document_opens_it(project, make_window, qtbot):
    agreed, mixed = _corpus(project)
    window = make_window(project, doc_id=agreed)
    window.show_agreement()
    panel = window.findChild(AgreementWindow)
    panel.scope.setCurrentIndex(1)
    qtbot.waitUntil(lambda: panel.report is not None and panel.report.documents == 2, timeout=10_000)
    panel.document_table.doubleClicked.emit(panel.documents.index(0, 0))
    assert window.doc.id == mixed
