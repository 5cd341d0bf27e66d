"""Benchmarks of the window: open, add/remove span, scroll, document list.

Each runs beside a bare QPlainTextEdit (or the same step at 100 spans) in
the same process. Painting is forced with `viewport().update()` followed by processing the
queued events, which paints (offscreen) before returning, so a timing
includes layout and paint, not just the call that asks for them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import generate  # noqa: E402
from bench.common import Result, add_remove_results, median, scratch_dir  # noqa: E402

WINDOW_SIZE = (1280, 860)


def app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def settle(widget=None) -> None:
    """Ask for `widget`'s viewport (or the widget) to be repainted, then run
    the event loop's queued work, which lays out and paints every widget
    waiting for it (the whole window, as on screen), once."""
    qapp = app()
    if widget is not None:
        target = widget.viewport() if hasattr(widget, "viewport") else widget
        target.update()
    qapp.sendPostedEvents()
    qapp.processEvents()


# ----------------------------------------------------------------- set-up


def bare_view(like=None):
    """A plain QPlainTextEdit the size of the window's document view, with
    the same font and text width (so both lay out the same lines)."""
    from PySide6.QtWidgets import QPlainTextEdit

    view = QPlainTextEdit()
    view.setReadOnly(True)
    if like is not None:
        view.setFont(like.font())
        view.resize(like.size())
        m = like.viewportMargins()
        view.setViewportMargins(m.left(), m.top(), m.right(), m.bottom())
        view.document().setDocumentMargin(like.document().documentMargin())
        view.setFrameShape(like.frameShape())
    else:
        view.resize(*WINDOW_SIZE)
    view.show()
    settle(view)
    return view


class Window:
    """The annotation window (MainWindow) on a project, driven as a user
    would: choose a document, select text and press a label key, select a
    span and press Delete."""

    def __init__(self, db: Path, user: str = generate.ANNOTATOR):
        from PySide6.QtCore import QSettings

        from annotator.core.storage import Project
        from annotator.gui.app import make_app
        from annotator.gui.main_window import MainWindow

        make_app()
        self.project = Project.open(db)
        # Settings in a scratch file, so the user's own are neither read nor changed.
        settings = QSettings(str(db) + ".ini", QSettings.Format.IniFormat)
        self.main = MainWindow(self.project, user, settings, poll_ms=3_600_000)
        self.main.show()
        self.user = user
        self.view = self.main.view
        settle(self.view)

    @property
    def doc_id(self):
        return self.main.doc.id if self.main.doc else None

    def open_document(self, doc_id: int | None) -> None:
        self.main.open_document(doc_id)

    def add_span(self, label: str, start: int, end: int):
        """Select [start, end) (not part of the action), press the label key."""
        self.view.select_text(start, end)
        app().processEvents()
        t0 = time.perf_counter()
        self.main.apply_label(label)
        settle(self.view)
        elapsed = time.perf_counter() - t0
        return self.view.selected_span_id, elapsed

    def remove_span(self, span_id: int) -> float:
        """Select the span (not part of the action), press Delete."""
        self.main.session.select(span_id)
        app().processEvents()
        t0 = time.perf_counter()
        self.main.remove_selected_span()
        settle(self.view)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.main.poll_timer.stop()
        self.main.close()
        self.main.deleteLater()
        self.project.close()
        app().processEvents()


def big_project(folder: Path, n_spans: int = 50_000) -> tuple[Path, int]:
    """A project holding a short note (opened first) and the 5 MB document
    with n_spans spans; returns (path, id of the big document)."""
    from annotator.core.formats import ParsedDocument
    from annotator.core.importer import import_documents
    from bench.core_bench import load_big_project

    db = folder / f"big-{n_spans}.db"
    project, doc_id, _ = load_big_project(db, n_spans)
    import_documents(project, [ParsedDocument(name="a short note", text="A short note.\n")],
                     annotator=None)
    project.close()
    return db, doc_id


def short_note(window: "Window") -> int:
    return window.project.conn.execute(
        "SELECT id FROM documents WHERE name = 'a short note'").fetchone()[0]


# ---------------------------------------------------------------- 1. open


def bench_open(repeat: int = 5) -> list[Result]:
    text, _ = generate.load_big()
    with scratch_dir("open") as tmp:
        db, doc_id = big_project(tmp)
        window = Window(db)
        bare = bare_view(window.view)
        base, ours, loaded = [], [], []
        for _ in range(repeat):
            bare.setPlainText("")
            settle(bare)
            t0 = time.perf_counter()
            bare.setPlainText(text)
            settle(bare)
            base.append(time.perf_counter() - t0)

            window.open_document(short_note(window))
            settle(window.view)
            t0 = time.perf_counter()
            window.open_document(doc_id)
            settle(window.view)
            ours.append(time.perf_counter() - t0)
            # The rest of the spans arrive a page per event-loop turn.
            while window.main.session.loading:
                settle()
            loaded.append(time.perf_counter() - t0)
            assert len(window.view.index) == 50_000
        window.close()
        bare.close()
    return [Result("1 open 5 MB / 50k spans, painted", median(base), median(ours), "s", "<= 2x",
                   limit=2.0, note="baseline: bare QPlainTextEdit.setPlainText + paint; "
                                   "ours: choosing it in the window: read the text and the first "
                                   "screen's spans from the project, offset map, span list, paint "
                                   "(and whatever page of the rest the event loop reads meanwhile)"),
            Result("1 open: every span read, span list complete", median(base), median(loaded), "s", "-",
                   note="the same open, until the last page of spans is read and shown, the "
                        "window painting (and able to react) between pages")]


# ---------------------------------------------------- 2. add/remove span


def span_action_times(db: Path, doc_id: int, actions: int, seed: int = 11) -> dict[str, list[float]]:
    """Alternately add a span at a random word and remove a random span,
    through the window, painting after each; seconds per action."""
    import random

    from annotator.core.model import trim_whitespace

    window = Window(db)
    window.open_document(doc_id)
    settle(window.view)
    assert window.doc_id == doc_id
    text = window.view.text
    rng = random.Random(seed)
    ids = [s.id for s in window.view.index if s.annotator == window.user]
    have = {(s.start, s.end, s.label) for s in window.view.index}
    times: dict[str, list[float]] = {"add": [], "remove": []}
    for i in range(actions):
        if i % 2 == 0:
            while True:
                at = rng.randrange(len(text) - 20)
                start, end = trim_whitespace(text, at, at + rng.randrange(3, 15))
                if start < end and (start, end, "date") not in have:
                    break
            have.add((start, end, "date"))
            # Show the place first (not timed), as a user sees what they tag.
            window.view.select_text(start, end)
            window.view.centerCursor()
            settle(window.view)
            span_id, seconds = window.add_span("date", start, end)
            ids.append(span_id)
            times["add"].append(seconds)
        else:
            span_id = ids.pop(rng.randrange(len(ids)))
            window.view.select_span(span_id)
            settle(window.view)
            times["remove"].append(window.remove_span(span_id))
    window.close()
    return times


def bench_span_gui(actions: int = 400) -> list[Result]:
    with scratch_dir("span-gui") as tmp:
        small_db, small_doc = big_project(tmp, 100)
        large_db, large_doc = big_project(tmp, 50_000)
        small: dict[str, list[float]] = {"add": [], "remove": []}
        large: dict[str, list[float]] = {"add": [], "remove": []}
        # Alternate in quarters, so a slow patch of the machine hurts both.
        for quarter in range(4):
            for db, doc, times in ((small_db, small_doc, small), (large_db, large_doc, large)):
                for kind, values in span_action_times(db, doc, actions // 4, seed=quarter).items():
                    times[kind].extend(values)
    return add_remove_results("2 {kind} span in the window (median)", small, large,
                              "key press to repainted, store included; ")


# -------------------------------------------------------------- 3. scroll


def scroll_through(view) -> tuple[float, int, float]:
    """Page down from top to bottom, painting every page: (seconds, pages,
    slowest page in seconds)."""
    from PySide6.QtWidgets import QAbstractSlider

    bar = view.verticalScrollBar()
    bar.setValue(0)
    settle(view)
    pages = 0
    slowest = 0.0
    t0 = time.perf_counter()
    while bar.value() < bar.maximum():
        t = time.perf_counter()
        bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)
        settle(view)
        slowest = max(slowest, time.perf_counter() - t)
        pages += 1
    return time.perf_counter() - t0, pages, slowest


def bench_scroll(repeat: int = 3) -> list[Result]:
    text, _ = generate.load_big()
    with scratch_dir("scroll") as tmp:
        db, doc_id = big_project(tmp)
        window = Window(db)
        window.open_document(doc_id)
        bare = bare_view(window.view)
        bare.setPlainText(text)
        settle(bare)
        base, ours = [], []
        for _ in range(repeat):
            base.append(scroll_through(bare))
            ours.append(scroll_through(window.view))
        window.close()
        bare.close()
    b = median([t for t, _, _ in base])
    o = median([t for t, _, _ in ours])
    pages_b, pages_o = base[0][1], ours[0][1]
    slow_o = max(s for _, _, s in ours)
    return [Result("3 scroll the 5 MB document page by page", b, o, "s", "<= 2x", limit=2.0,
                   note=f"{pages_o} pages (bare view: {pages_b}); "
                        f"{o / pages_o * 1e3:.2f} ms/page vs {b / pages_b * 1e3:.2f}; "
                        f"slowest page {slow_o * 1e3:.0f} ms")]


# ------------------------------------------------------- 8. document list


def bench_document_list(repeat: int = 5) -> list[Result]:
    from annotator.core.importer import import_files
    from annotator.core.storage import Project
    from annotator.gui.session_changes import Changed

    app()
    with scratch_dir("list") as tmp:
        db = tmp / "many.db"
        with Project.open(db) as project:
            import_files(project, [generate.many_jsonl()], annotator=None)
        window = Window(db)
        main = window.main
        table = main.documents.table
        statements: list[str] = []
        window.project.conn.set_trace_callback(statements.append)
        steps: dict[str, list[float]] = {"open": [], "scroll": [], "filter": []}
        for _ in range(repeat):
            # Open: list every document (as on opening the project).
            main.session.documents.reorder()  # (the list's rows read afresh)
            main.documents.follow(Changed(documents=None))
            settle(table)
            t0 = time.perf_counter()
            main.load_documents()
            settle(table)
            steps["open"].append(time.perf_counter() - t0)
            # Scroll: jump to the end (the worst single step), the middle, the top,
            # then a few pages down.
            bar = table.verticalScrollBar()
            for value in (bar.maximum(), bar.maximum() // 2, 0, bar.pageStep(), 2 * bar.pageStep()):
                t0 = time.perf_counter()
                bar.setValue(value)
                settle(table)
                steps["scroll"].append(time.perf_counter() - t0)
            # Filter: type a name fragment key by key, then clear it.
            # (the filter matches the start of a name: core/document_query.py)
            for fragment in ("a", "ar", "article-0", "article-07", "article-077", ""):
                t0 = time.perf_counter()
                main.documents.filter.setText(fragment)
                settle(table)
                steps["filter"].append(time.perf_counter() - t0)
        rows = main.documents.model.rowCount()
        window.project.conn.set_trace_callback(None)
        window.close()
    assert rows == 10_001 or rows == 10_000, rows
    text_reads = [s for s in statements if _reads_text(s)]
    worst = {k: max(v) * 1e3 for k, v in steps.items()}
    results = []
    for step in ("open", "scroll", "filter"):
        results.append(Result(f"8 document list, 10k docs: {step} (worst step)", None, worst[step], "ms",
                              "<= 100 ms", absolute=100.0,
                              note=f"median {median(steps[step]) * 1e3:.1f} ms over {len(steps[step])} steps"))
    results.append(Result("8 document list: document texts read", None, float(len(text_reads)), "queries",
                          "0", absolute=0.0,
                          note=f"{len(statements)} SQL statements traced; "
                               + (text_reads[0][:80] if text_reads else "none reads documents.text")))
    return results


def _reads_text(sql: str) -> bool:
    """Whether a traced statement reads the documents' text column."""
    import re

    s = " ".join(sql.split()).lower()
    if not s.startswith(("select", "with")) or "documents" not in s:
        return False
    select_list = s.split(" from ", 1)[0].replace("count(*)", "")  # (a count reads no column)
    return bool(re.search(r"(^|[\s,.(])text([\s,)]|$)", select_list)) or "*" in select_list
