"""Review mode on the 5 MB document with three annotators' layers of 50,000
spans each (bob: every 7th span a character shorter, carol: every 5th
missing and every 11th another label, so all three classes occur).

- open: choosing the document in review mode until painted (text, the first
  screen's spans of every layer and their candidates); baseline: the same
  document with one layer of 50,000 spans, opened normally in a window in
  the same process (what a reviewer did before review mode). Target <= 2x.
- accept: Ctrl+Enter on a selected candidate until repainted, store
  included; target a 16 ms median. Baseline (the physical floor): one row
  INSERTed into a plain sqlite3 table in WAL with synchronous=FULL and
  committed, plus a bare QPlainTextEdit holding the same text repainted.
- candidates(): core's pure-Python sweep over the 150,000 spans (info),
  beside `sorted()` of the same spans, which it must do anyway.

    python -m bench review
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import generate  # noqa: E402
from bench.common import Result, median, scratch_dir  # noqa: E402
from bench.gui_bench import Window, bare_view, big_project, settle, short_note  # noqa: E402

ACCEPTS = 60


def three_layers(db: Path) -> None:
    """Copy the one layer (generate.ANNOTATOR) to alice, bob and carol, with differences."""
    conn = sqlite3.connect(db)
    rows = conn.execute('SELECT doc_id, label, start, "end" FROM spans WHERE annotator = ? ORDER BY id',
                        (generate.ANNOTATOR,)).fetchall()
    labels = [r[0] for r in conn.execute("SELECT name FROM labels")]
    out = []
    for i, (doc_id, label, start, end) in enumerate(rows):
        out.append((doc_id, "alice", label, start, end))
        out.append((doc_id, "bob", label, start, end - 1 if i % 7 == 0 and end - start > 1 else end))
        if i % 5:
            other = labels[(labels.index(label) + 1) % len(labels)] if i % 11 == 0 else label
            out.append((doc_id, "carol", other, start, end))
    with conn:
        conn.execute("DELETE FROM spans WHERE annotator = ?", (generate.ANNOTATOR,))
        conn.executemany('INSERT OR IGNORE INTO spans (doc_id, annotator, label, start, "end") VALUES (?,?,?,?,?)',
                         out)
    conn.close()


def bench_review(repeat: int = 5) -> list[Result]:
    from PySide6.QtWidgets import QApplication  # noqa: F401

    with scratch_dir("review") as tmp:
        (tmp / "one").mkdir()
        (tmp / "three").mkdir()
        one_db, doc_id = big_project(tmp / "one")
        three_db, _ = big_project(tmp / "three")
        three_layers(three_db)
        single = Window(one_db)
        reviewer = Window(three_db, user="rita")
        reviewer.main.commands["review_mode"].setChecked(True)
        base, ours = [], []
        for _ in range(repeat):
            for window, times in ((single, base), (reviewer, ours)):
                window.open_document(short_note(window))
                settle(window.view)
                t0 = time.perf_counter()
                window.open_document(doc_id)
                settle(window.view)
                times.append(time.perf_counter() - t0)
                while window.main.session.loading or not window.main.session.review_complete:
                    settle()
        session = reviewer.main.session
        assert len(session.index) > 120_000 and session.review_complete
        counts = dict(session.review_counts)
        single.close()

        # Accepting: each step on a fresh candidate, shown first (not timed).
        accept, floor = [], []
        bare = bare_view(reviewer.view)
        bare.setPlainText(reviewer.view.text)
        settle(bare)
        floor_db = sqlite3.connect(tmp / "floor.db", isolation_level=None)
        floor_db.execute("PRAGMA journal_mode=WAL")
        floor_db.execute("PRAGMA synchronous=FULL")
        floor_db.execute("CREATE TABLE spans (start INTEGER, \"end\" INTEGER, label TEXT, annotator TEXT)")
        step = len(session.review_candidates) // (ACCEPTS + 1)
        for k in range(ACCEPTS):
            candidate = session.review_candidates[(k + 1) * step]
            session.select_candidate_at(candidate.start, reveal=True)
            settle(reviewer.view)
            t0 = time.perf_counter()
            reviewer.main.accept_reading()
            settle(reviewer.view)
            accept.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            floor_db.execute("BEGIN")
            floor_db.execute("INSERT INTO spans VALUES (?, ?, ?, 'gold')", (candidate.start, candidate.end, "actor"))
            floor_db.execute("COMMIT")
            settle(bare)
            floor.append(time.perf_counter() - t0)
        assert len(reviewer.project.spans(doc_id, "gold")) == ACCEPTS
        floor_db.close()
        bare.close()

        from annotator.core.review_candidates import candidates

        spans = list(session.index)
        who = session.review_annotators
        sort_times, sweep_times = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            sorted(spans)
            sort_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            candidates(spans, who)
            sweep_times.append(time.perf_counter() - t0)
        reviewer.close()
    return [
        Result("R open 5 MB / 3 x 50k spans in review mode, painted", median(base), median(ours), "s", "<= 2x",
               limit=2.0, note="baseline: the same document with one layer of 50,000 spans opened normally; "
                               f"ours: review mode, the first screen's candidates before the paint, the rest "
                               f"a page per event-loop turn ({counts})"),
        Result("R accept a candidate (median)", median(floor), median(accept), "s", "<= 16 ms", absolute=0.016,
               note="Ctrl+Enter to repainted, store included, only the touched candidate recomputed; "
                    "baseline: sqlite3 INSERT + COMMIT (WAL, synchronous=FULL) + bare QPlainTextEdit repaint"),
        Result("R candidates() on 3 x 50k spans (info)", median(sort_times), median(sweep_times), "s", "-",
               note="core's sweep, beside sorted() of the same spans"),
    ]


if __name__ == "__main__":
    from bench.run import table

    print(table(bench_review()))
