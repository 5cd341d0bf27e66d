"""Benchmark 9: tag-all on the 5 MB document, and one tag on a huge document.

Tag-all of a common word writes tens of thousands of spans in one change; it
once froze the window for minutes (each span's check read the whole
document row). Its floor is inserting the same rows with `executemany` into
a bare table in one transaction (WAL, synchronous=FULL). A single tag must
cost the same whatever the document's size: the same `ops.add_span` on a
48 MB document against a 1 KB one.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bench import generate
from bench.common import Result, fresh_path, interleaved, median, scratch_dir
from bench.core_bench import _connection, load_big_project


def _most_common_word(text: str) -> tuple[str, list[tuple[int, int]]]:
    counts = Counter(re.findall(r"\b[a-z]+\b", text))
    word = counts.most_common(1)[0][0]
    return word, [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){word}(?!\w)", text)]


def _baseline_insert(db: Path, rows: list[tuple], bare: bool = True) -> float:
    conn = _connection(db, bare=bare)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany('INSERT INTO spans (doc_id, annotator, label, start, "end") VALUES (?, ?, ?, ?, ?)', rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def bench_tag_all(repeat: int = 3) -> list[Result]:
    from annotator.core import ops
    from annotator.core.model import Span

    with scratch_dir("tagall") as tmp:
        project, doc_id, text = load_big_project(tmp / "big.db", 50_000)
        word, matches = _most_common_word(text)
        rows = [(doc_id, "tagger", "date", s, e) for s, e in matches]
        spans = [Span(s, e, "date", "tagger", doc_id) for s, e in matches]

        def ours() -> float:
            t0 = time.perf_counter()
            change = ops.add_spans(project, spans)
            elapsed = time.perf_counter() - t0
            assert len(change.added) == len(spans)
            ops.apply(project, change.inverse())  # ready for the next round
            return elapsed

        base, mine = interleaved(lambda: _baseline_insert(fresh_path(tmp, "bare.db"), rows), ours, repeat)
        schema_rows = [(1, *row[1:]) for row in rows]
        indexed = median([_project_table_insert(tmp, schema_rows) for _ in range(repeat)])
        window = _window_tag_all(project, doc_id, text, matches[0])
        project.close()
    n = len(matches)
    return [
        Result(f"9 tag all {n:,} matches of {word!r} in 5 MB, store", base, mine, "s", "<= 2x", limit=2.0,
               note=f"baseline = the same {n:,} rows by executemany into a bare table, one transaction; "
                    "ours checks each document, layer and label once and skips spans already there"),
        Result(f"9 tag all {n:,} matches in the window, until painted", base, window, "s", "<= 2x", limit=2.0,
               note="Ctrl+Shift+A on the first match: search, store, span index and list rebuilt once, paint"),
        Result(f"9 (the same {n:,} rows by executemany into the project's spans table)", base, indexed, "s", "-",
               note="what the spans table's UNIQUE constraint, three indexes and foreign keys cost over "
                    "a bare table: most of the gap (issue 15 is where to cut them)"),
    ] + bench_tag_on_huge_document()


def _project_table_insert(tmp: Path, rows: list[tuple]) -> float:
    """The floor of writing these rows into the schema as it is: a fresh
    project holding one document, raw executemany, one transaction."""
    from annotator.core.formats import ParsedDocument
    from annotator.core.importer import import_documents
    from annotator.core.storage import Project

    db = fresh_path(tmp, "schema.db")
    text, _ = generate.load_big()
    with Project.open(db) as project:
        import_documents(project, [ParsedDocument(name="big", text=text)], annotator=None)
    return _baseline_insert(db, rows, bare=False)


def _window_tag_all(project, doc_id: int, text: str, first: tuple[int, int]) -> float:
    from PySide6.QtCore import QSettings

    from annotator.core import ops
    from bench.gui_bench import WINDOW_SIZE, app, settle

    app()
    from annotator.gui.main_window import MainWindow

    settings = QSettings(str(generate.OUT / "tagall-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(project, "tagger", settings, poll_ms=3_600_000)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.open_document(doc_id)
    window.finish_loading()
    settle(window.view)
    times = []
    for _ in range(3):
        change = ops.add_span(project, doc_id, "tagger", "date", *first)
        window.session.show_saved(change)
        window.session.select(change.added[0].id)
        settle(window.view)
        t0 = time.perf_counter()
        window.tag_all_occurrences()
        settle(window.view)
        times.append(time.perf_counter() - t0)
        window.undo()
        ops.apply(project, change.inverse())
        window.check_for_changes()
    window.close()
    return median(times)


def bench_tag_on_huge_document(actions: int = 100) -> list[Result]:
    """ops.add_span on a 48 MB document against a 1 KB one (median)."""
    from annotator.core import ops
    from annotator.core.formats import ParsedDocument
    from annotator.core.importer import import_documents
    from annotator.core.storage import Project

    text, _ = generate.load_big()
    huge = (text * 10)[:48_000_000]
    with scratch_dir("hugedoc") as tmp:
        project = Project.open(tmp / "huge.db")
        import_documents(project, [ParsedDocument(name="small", text=text[:1000]),
                                   ParsedDocument(name="huge", text=huge)], annotator=None)
        ids = {s.name: s.id for s in project.document_summaries("x")}
        times: dict[str, list[float]] = {"small": [], "huge": []}
        for i in range(actions):
            for name in ("small", "huge"):
                t0 = time.perf_counter()
                change = ops.add_span(project, ids[name], "tagger", "actor", i, i + 5)
                times[name].append(time.perf_counter() - t0)
                ops.apply(project, change.inverse())
        project.close()
        floor = raw_commit_floor(tmp / "floor.db")
    return [Result("9 one tag on a 48 MB document, store (median)", median(times["small"]) * 1e3,
                   median(times["huge"]) * 1e3, "ms", "<= 1.5x", limit=1.5,
                   note="baseline = the same ops.add_span on a 1 KB document in the same project"),
            Result("9 one tag, store, against a bare INSERT + COMMIT (median)", floor * 1e3,
                   median(times["small"]) * 1e3, "ms", "-",
                   note="what a tag pays over the floor: its checks, and emptying the -wal into the "
                        "main file after each commit (so a moved or replaced file loses nothing)")]


def raw_commit_floor(db: Path, n: int = 200) -> float:
    """One INSERT + COMMIT by plain sqlite3 (WAL, FULL): the floor of a tag."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (a, b)")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", (i, i))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return median(times)
