"""Export and full-text search at a million documents (issue 15).

    python -m bench scale_export
    python -m bench.scale_export_bench build      # only build the projects

The projects: `bench/out/scale-1m.db` (1,000,000 short articles made like
`many.jsonl`, 10 spans each, 10,000,000 spans; about every 101st article
ends with a sentence naming a person in Chinese, so a two-character CJK
query has something to find) and `bench/out/scale-100k.db` (its first
100,000 articles). Built once through `importer.import_documents` in batches
of 50,000 ParsedDocuments into a temporary name, renamed when complete;
reused when its document count is right. Other benchmarks may reuse them.

Rows:
- export of 1M documents: `annotator export -o FILE` as a process (timed
  once: it takes minutes) against the raw floor in this process: sqlite3
  reading both tables in document order (the spans from their covering
  index) + `json.dumps` per layer to a file; target 1.5x. Peak RSS of
  `annotator export -o` at 100k and 1M documents: the export must stay
  streaming (target: 1M at most 1.5x the peak at 100k).
- full-text search at 1M (`Project.search_documents(q, limit=100)`, the
  first page in name order; median of 5): a word, a substring, a
  two-character Chinese name, each at most 100 ms; baseline: sqlite3
  `instr(lower(text), lower(q))` over the documents table, same order and
  limit. Info rows: every match (no limit) and a phrase of common words.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
import json
from itertools import groupby
from pathlib import Path

from bench import generate
from bench.common import OUT, Result, annotator_process, documents_in, median

MILLION = 1_000_000
BATCH = 50_000
_CJK_NAMES = ("王芳", "李娜", "张伟", "刘洋")


def scale_documents(n: int):
    """ParsedDocuments: n articles (seeded: always the same), 10 spans each."""
    from annotator.core.formats import ParsedDocument

    for i, (name, text, spans) in enumerate(generate.many_documents(seed=15, n_docs=n, n_spans=10 * n)):
        if i % 101 == 7:
            # After the spans: their offsets stay right.
            text += f"记者{_CJK_NAMES[(i // 101) % len(_CJK_NAMES)]}报道。\n"
        yield ParsedDocument(name=f"scale-{i:07d}", text=text, annotator=generate.ANNOTATOR, spans=spans)


def project(n: int) -> Path:
    """bench/out/scale-1m.db (or -100k): built once, then reused."""
    name = "scale-1m.db" if n == MILLION else f"scale-{n // 1000}k.db"
    path = OUT / name
    if path.exists() and documents_in(path) == n:
        return path
    from annotator.core.importer import import_documents
    from annotator.core.storage import Project

    building = OUT / (name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    documents = scale_documents(n)
    with Project.open(building) as p:
        for first in range(0, n, BATCH):
            batch = [next(documents) for _ in range(min(BATCH, n - first))]
            import_documents(p, batch, annotator=None)
            print(f"{name}: {first + len(batch):,} documents ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr, flush=True)
    assert documents_in(building) == n
    os.replace(building, path)
    for suffix in ("-wal", "-shm"):  # empty once closed (every commit is checkpointed)
        Path(str(building) + suffix).unlink(missing_ok=True)
    return path


# ------------------------------------------------------------------ export


def baseline_export(db: Path, out: Path) -> float:
    """The raw floor: sqlite3 reads documents and spans in document order
    and json.dumps one line per layer (as `annotator export` writes)."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    spans = conn.execute('SELECT doc_id, annotator, start, "end", label FROM spans '
                         'ORDER BY doc_id, annotator, start, "end", label')
    by_doc = groupby(spans, key=lambda row: row[0])
    pending = next(by_doc, None)
    with open(out, "w", encoding="utf-8") as f:
        for doc_id, name, text, meta in conn.execute("SELECT id, name, text, meta FROM documents ORDER BY id"):
            rows = []
            if pending is not None and pending[0] == doc_id:
                rows = list(pending[1])
                pending = next(by_doc, None)
            for annotator, layer in groupby(rows, key=lambda row: row[1]):
                f.write(json.dumps({
                    "text": text,
                    "spans": [{"start": s, "end": e, "label": lab, "text": text[s:e]} for _, _, s, e, lab in layer],
                    "annotator": annotator,
                    "meta": {"name": name, **json.loads(meta)},
                }, ensure_ascii=False))
                f.write("\n")
    conn.close()
    return time.perf_counter() - t0


def bench_export_scale() -> list[Result]:
    small, large = project(100_000), project(MILLION)
    out = OUT / "scale-export.jsonl"
    try:
        _, peak_small = annotator_process("--db", str(small), "export", "-o", str(out))
        ours, peak_large = annotator_process("--db", str(large), "export", "-o", str(out))
        size = out.stat().st_size
        floor = baseline_export(large, out)
    finally:
        out.unlink(missing_ok=True)
    return [
        Result("S1 export 1M docs / 10M spans (annotator export -o)", floor, ours, "s", "<= 1.5x", limit=1.5,
               note=f"one run each ({size / 1e9:.1f} GB of JSONL); baseline: sqlite3 read in document "
                    "order + json.dumps per layer to a file, no fsync, in-process; ours is the "
                    "whole process (start-up, atomic write + fsync)"),
        Result("S2 export peak memory, 1M vs 100k docs", peak_small, peak_large, "MB", "<= 1.5x", limit=1.5,
               note="peak RSS (VmHWM) of `annotator export -o` at 100k documents (baseline) and 1M"),
    ]


# ------------------------------------------------------------------ search

_QUERIES = (
    ("a word", "minister"),
    ("a substring", "ouncil memb"),
    ("a 2-character Chinese name", "王芳"),
)
_INSTR = ("SELECT id FROM documents WHERE instr(lower(text), lower(?)) > 0 ORDER BY name, id LIMIT ?")
_INSTR_ALL = "SELECT count(*) FROM documents WHERE instr(lower(text), lower(?)) > 0"


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return median(times), result


def bench_search_scale(repeat: int = 5, page: int = 100) -> list[Result]:
    from annotator.core.storage import Project

    db = project(MILLION)
    results = []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with Project.open(db) as p:
        for what, query in _QUERIES:
            base, expected = _timed(lambda: [i for (i,) in conn.execute(_INSTR, (query, page))], 1)
            ours, found = _timed(lambda: p.search_documents(query, limit=page), repeat)
            # instr's lower() folds ASCII only: these queries need no more.
            assert found == expected, (query, found[:5], expected[:5])
            results.append(Result(f"S3 search 1M docs, {what} ({query!r}), first {page}", base * 1e3,
                                  ours * 1e3, "ms", "<= 100 ms", absolute=100.0,
                                  note=f"baseline: sqlite3 instr(lower(text), lower(q)) in name order, "
                                       f"LIMIT {page} (1 run); ours: median of {repeat}"))
        for what, query in _QUERIES + (("a phrase of common words", "the minister said"),):
            base, count = _timed(lambda: conn.execute(_INSTR_ALL, (query,)).fetchone()[0], 1)
            ours, found = _timed(lambda: p.search_documents(query), 1)
            assert len(found) == count, (query, len(found), count)
            results.append(Result(f"S4 search 1M docs, {what} ({query!r}), every match (info)", base,
                                  ours, "s", "info", note=f"{count:,} documents; baseline: sqlite3 "
                                                           "count of instr(lower(text), lower(q)) > 0"))
    conn.close()
    return results


def bench_scale_export() -> list[Result]:
    return bench_search_scale() + bench_export_scale()


if __name__ == "__main__":
    if sys.argv[1:] == ["build"]:
        for n in (100_000, MILLION):
            print(project(n))
