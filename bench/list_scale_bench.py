"""Issue 15: the document list at a million documents (group `list1m`).

`python -m bench list1m`. The project, `bench/out/list-1m.db`, is built once
(deterministic, seeded) through the importer's `import_documents` in
batches: 1,000,000 short articles named `SECTION-NNNNNNN` (the section
random, so name order is not id order), 10 spans each for `alice`, and
10 for `bob` in every other one. It is built under a temporary name and
renamed when complete, and reused while it holds 1,000,000 documents.

Timed in one process on the real window (as `alice`): opening the list
(the first screen painted), jumping to the middle and to the end, sorting
by each column (both ways), typing a name filter key by key ("contains":
1-2 characters walk the name index, 3+ ask the trigram index of names,
migration 0013), then filters found inside names all through the order
(`0042`: 1,300 names; `ics-05`: 12,500): each step until painted, the
worst single step against 100 ms. Baseline, in the same
process and for the same steps: a bare QTableView over a QStandardItemModel
holding the screen's rows of a plain sqlite3 LIMIT/OFFSET query. Then the
window's start-up on this project against the sample project (probes, as
bench 6).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from pathlib import Path

from bench.common import OUT, Result, documents_in, median, scratch_dir

DOCUMENTS = 1_000_000
BATCH = 20_000
SECTIONS = ("politics", "economy", "World", "sport", "Culture", "science", "opinion", "local")
LABELS = ("actor", "organisation", "date", "quote")
WORDS = ("the council voted on the budget after a long debate while the mayor said the city "
         "would not raise taxes this year despite warnings from the central bank").split()


def list_project() -> Path:
    """bench/out/list-1m.db, built if missing or incomplete."""
    path = OUT / "list-1m.db"
    if path.exists() and documents_in(path) == DOCUMENTS:
        return path
    from annotator.core.formats.document import ParsedDocument
    from annotator.core.importer import import_documents
    from annotator.core.storage import Project

    OUT.mkdir(parents=True, exist_ok=True)
    building = OUT / "list-1m.building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    rng = random.Random(15)
    t0 = time.perf_counter()
    with Project.open(building) as project:
        for first in range(0, DOCUMENTS, BATCH):
            docs = []
            for i in range(first, first + BATCH):
                name = f"{rng.choice(SECTIONS)}-{i:07d}"
                text = " ".join(rng.choice(WORDS) for _ in range(40))
                spans = _spans(rng, text)
                docs.append(ParsedDocument(name, text, annotator="alice", spans=spans))
                if i % 2 == 0:
                    docs.append(ParsedDocument(name, text, annotator="bob", spans=_spans(rng, text)))
            import_documents(project, docs, annotator=None)
            print(f"  list-1m: {first + BATCH:,} documents ({time.perf_counter() - t0:.0f} s)", flush=True)
    os.replace(building, path)
    return path


def _spans(rng: random.Random, text: str) -> list[tuple[int, int, str]]:
    """Ten distinct spans on word boundaries."""
    starts = [i for i, c in enumerate(text) if i == 0 or text[i - 1] == " "]
    chosen = sorted(rng.sample(starts, 10))
    return [(s, text.index(" ", s) if " " in text[s:] else len(text), rng.choice(LABELS)) for s in chosen]


# ------------------------------------------------------------------ the window


def bench_list_scale() -> list[Result]:
    db = list_project()
    results = _window_steps(db)
    results += _startup(db)
    return results


def _settle(app, widget) -> None:
    widget.viewport().update()
    app.processEvents()


def _window_steps(db: Path) -> list[Result]:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    from annotator.core.storage import Project
    from annotator.gui.app import make_app
    from annotator.gui.main_window import MainWindow
    from annotator.gui.session_changes import Changed

    app = make_app()
    with scratch_dir("list1m") as tmp:
        project = Project.open(db)
        window = MainWindow(project, "alice", QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
        window.resize(1340, 820)
        window.show()
        app.processEvents()
        lst = window.documents
        table = lst.table
        reads: list[int] = []
        page = project.document_page

        def counted_page(*args):
            rows = page(*args)
            reads.append(len(rows))
            return rows

        project.document_page = counted_page

        # The baseline: a bare view of the same screen of rows from plain SQL.
        conn = sqlite3.connect(db)
        bare = QTableView()
        bare.resize(table.size())
        bare.show()
        screen = max(1, table.viewport().height() // table.verticalHeader().defaultSectionSize() + 1)

        def bare_step(sql: str, offset: int) -> float:
            t0 = time.perf_counter()
            model = QStandardItemModel(0, 3)
            for name, n in conn.execute(sql, (screen, offset)):
                model.appendRow([QStandardItem(name), QStandardItem(str(n)), QStandardItem("new")])
            bare.setModel(model)
            _settle(app, bare)
            return time.perf_counter() - t0

        steps: dict[str, float] = {}
        base: dict[str, float] = {}

        def step(name: str, action, sql: str = "SELECT name, id FROM documents LIMIT ? OFFSET ?",
                 offset: int = 0) -> None:
            _settle(app, table)
            t0 = time.perf_counter()
            action()
            _settle(app, table)
            steps[name] = time.perf_counter() - t0
            base[name] = bare_step(sql, offset)

        bar = table.verticalScrollBar()
        step("open", lambda: (window.session.documents.reorder(), lst.follow(Changed(documents=None))))
        step("scroll to the middle", lambda: bar.setValue(bar.maximum() // 2), offset=DOCUMENTS // 2)
        step("scroll to the end", lambda: bar.setValue(bar.maximum()), offset=DOCUMENTS - screen)
        for column, name in ((1, "span count"), (2, "status"), (0, "name")):
            step(f"sort by {name}", lambda c=column: lst._heading_clicked(c))
            step(f"sort by {name}, reversed", lambda c=column: lst._heading_clicked(c))
            step(f"sort by {name}: scroll to the middle", lambda: bar.setValue(bar.maximum() // 2),
                 offset=DOCUMENTS // 2)
        lst._heading_clicked(0)  # (by name, ascending again)
        for fragment in ("p", "po", "pol", "poli", "politics-05", "politics-055", "", "0042", "ics-05", ""):
            step(f"filter '{fragment}'", lambda f=fragment: lst.filter.setText(f),
                 sql="SELECT name, id FROM documents WHERE name LIKE '%p%' LIMIT ? OFFSET ?")
        rows_read = sum(reads)
        shown = window.documents.model.rowCount()
        project.document_page = page
        window.close()
        bare.close()
        conn.close()
    assert shown == DOCUMENTS, shown
    worst = max(steps, key=steps.get)
    worst_base = max(base.values())
    note = "; ".join(f"{k} {v * 1e3:.0f}" for k, v in steps.items())
    return [
        Result("15 document list, 1M docs: worst single step", worst_base * 1e3, steps[worst] * 1e3, "ms",
               "<= 100 ms", absolute=100.0,
               note=f"worst: {worst}; baseline: bare QTableView + QStandardItemModel of one screen "
                    f"({screen} rows) from a plain sqlite3 LIMIT/OFFSET, same steps, its worst; ms per "
                    f"step: {note}"),
        Result("15 document list, 1M docs: median step", median(list(base.values())) * 1e3,
               median(list(steps.values())) * 1e3, "ms", "<= 100 ms", absolute=100.0,
               note=f"{len(steps)} steps"),
        Result("15 document list, 1M docs: rows read", None, float(rows_read), "rows", "<= 20,000",
               absolute=20_000.0,
               note=f"rows read through document_page over all {len(steps)} steps (of {DOCUMENTS:,})"),
    ]


def _startup(db: Path, repeat: int = 5) -> list[Result]:
    from bench.process_bench import _env, probe, sample_project

    with scratch_dir("startup1m") as tmp:
        sample = sample_project(tmp)
        home = tmp / "home"
        home.mkdir()
        env = {k: v for k, v in _env().items() if not k.startswith(("ANNOTATOR_", "XDG_"))}
        env.update(HOME=str(home), USER="alice", LOGNAME="alice")
        probe("startup-ours", "--db", str(sample), env=env)
        probe("startup-ours", "--db", str(db), env=env)
        small, large = [], []
        for _ in range(repeat):
            small.append(probe("startup-ours", "--db", str(sample), env=env)[1]["painted"])
            large.append(probe("startup-ours", "--db", str(db), env=env)[1]["painted"])
    return [Result("15 start-up on the 1M-document project", median(small), median(large), "s", "<= 1.5x",
                   limit=1.5, note=f"`annotator --db list-1m.db` vs `--db sample.db` (bench 6's), spawn to "
                                   f"first paint, median of {repeat} each, alternating")]


if __name__ == "__main__":
    list_project()
