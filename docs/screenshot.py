"""Redraw docs/screenshot.png: the window on the sample article with a few
spans tagged through the same code paths a person uses.

    python docs/screenshot.py [output.png]

Runs offscreen, on a temporary project and settings file, so it touches
neither your projects nor your window settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402

from annotator.core.paths import seeds_dir  # noqa: E402
from annotator.core.storage import Project  # noqa: E402
from annotator.gui.app import make_app  # noqa: E402
from annotator.gui.main_window import MainWindow  # noqa: E402

HERE = Path(__file__).resolve().parent
TAGS = [
    ("Xi Jinping", "actor", 1),
    ("Kim Jong-un", "actor", 1),
    ("Communist Party of China", "organisation", 1),
    ("July 11, 1961", "date", 1),
    ("Sunday", "date", 1),
    ("Xinhua News", "organisation", 1),
    ("Chinese Foreign Ministry", "organisation", 1),
    ("Wang Wenbin", "actor", 1),
    ("“to strengthen strategic communication, chart the course for the China-DPRK relationship "
     "and lift the friendly cooperation between the two countries to new levels to bring more "
     "benefits to the two countries and their people.”", "quote", 1),
    ("“China firmly supports the DPRK in developing its economy, improving its people’s wellbeing, "
     "and vigorously advancing its cause of socialist construction.”", "quote", 1),
    ("China", "actor", 3),  # the "China" inside the second quote: nested in a quote
]


def main(out: Path) -> None:
    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.open(Path(tmp) / "news.db", seeds=seeds_dir())
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(project, "maria", settings)
        window.resize(1400, 860)
        window.show()
        app.processEvents()
        text = window.doc.text
        for needle, label, occurrence in TAGS:
            start = -1
            for _ in range(occurrence):
                start = text.index(needle, start + 1)
            window.view.select_text(start, start + len(needle))
            window.apply_label(label)
        spans = project.spans(window.doc.id, "maria")
        xi = next(s for s in spans if text[s.start:s.end] == "Xi Jinping")
        window.view.verticalScrollBar().setValue(0)
        window.session.select(xi.id)  # as if clicked: framed, row chosen, described below
        # Show where a project usually lives rather than the temporary folder.
        window.path_label.setText("~/annotation/news.db")
        app.processEvents()
        window.grab().save(str(out))
        window.close()
        project.close()
    print(f"wrote {out}")


# docs/review.png: three annotators (who agrees, who does not) and a reviewer.
REVIEW_TAGS = [
    ("Xi Jinping", "actor", ("alice", "bob", "carol")),
    ("Communist Party of China", "organisation", ("alice", "bob", "carol")),
    ("Kim Jong-un", "actor", ("alice", "bob")),
    ("July 11, 1961", "date", ("alice", "carol")),
    ("July 11", "date", ("bob",)),
    ("Song Tao", "actor", ("alice",)),
    ("Song Tao", "organisation", ("bob", "carol")),
    ("Sunday", "date", ("alice", "bob", "carol")),
    ("Ri Ryong Nam", "actor", ("alice", "bob", "carol")),
    ("Xinhua News", "organisation", ("bob", "carol")),
]


def review_shot(out: Path) -> None:
    from annotator.core import ops

    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.open(Path(tmp) / "team.db", seeds=seeds_dir())
        (doc,) = project.document_summaries("rita")
        text = project.document(doc.id).text
        for needle, label, who in REVIEW_TAGS:
            start = text.index(needle)
            for name in who:
                ops.tag_span(project, doc.id, name, label, start, start + len(needle))
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(project, "rita", settings, review=True)
        window.resize(1400, 860)
        window.show()
        app.processEvents()
        session = window.session
        session.step_candidate(1, conflicts=True)  # the date: accept alice and carol's
        session.step_reading(1)
        session.accept_reading()
        session.step_candidate(1, conflicts=True)  # Song Tao: selected, open
        window.view.verticalScrollBar().setValue(0)
        window.path_label.setText("~/annotation/team.db")
        app.processEvents()
        window.grab().save(str(out))
        window.close()
        project.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "screenshot.png")
    review_shot(Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "review.png")
