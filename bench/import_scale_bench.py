"""Import at corpus scale (issue 15): `annotator import` as a process into a
new project, at 10k, 40k, 100k and 1M documents (10 spans each, made from
many.jsonl by generate.scale_jsonl into bench/out/import-scale-N.jsonl), against the raw floor run the same way:
a process doing `json.loads` of each line plus `sqlite3` `executemany` of the
document and span rows into tables with NO indexes, in one transaction,
streamed in batches of 2,000 lines (so its memory is flat too).

Reported per size: import rate (documents/s, ours and the floor's, ratio of
times at most 2x), peak memory (each child's VmHWM), and
across sizes: seconds per document at the larger size against the smaller
(must not rise: at most 1.2x) and the peak memory of 4x the file against
the smaller one (at most 1.5x).

    python -m bench import_scale            # 10k, 40k, 100k
    BENCH_MILLION=1 python -m bench import_scale   # and 1M (its file generated once: ~2.8 GB)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.common import Result, fresh_path, scratch_dir
from annotator.gui.text_indexer import SLICE

# The floor: what a user could write instead, as its own process.
_FLOOR = r"""
import json, sqlite3, sys
source, db = sys.argv[1:]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = FULL")
conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT, text TEXT, meta TEXT)")
conn.execute('CREATE TABLE spans (id INTEGER PRIMARY KEY, doc_id INTEGER, annotator TEXT, label TEXT, '
             'start INTEGER, "end" INTEGER)')
conn.execute("BEGIN")
docs, spans = [], []

def flush():
    conn.executemany("INSERT INTO documents (id, name, text, meta) VALUES (?, ?, ?, ?)", docs)
    conn.executemany('INSERT INTO spans (doc_id, annotator, label, start, "end") VALUES (?, ?, ?, ?, ?)', spans)
    docs.clear()
    spans.clear()

with open(source, "rb") as f:
    for doc_id, line in enumerate(f, start=1):
        obj = json.loads(line)
        docs.append((doc_id, obj["meta"]["name"], obj["text"], json.dumps(obj.get("meta", {}))))
        owner = obj["annotator"]
        spans.extend((doc_id, owner, s["label"], s["start"], s["end"]) for s in obj["spans"])
        if len(docs) >= 2000:
            flush()
flush()
conn.execute("COMMIT")
conn.close()
"""


# Runs a module or script and, at exit, writes its peak RSS (VmHWM, which
# starts afresh at exec; ru_maxrss would carry over this parent's peak).
_MEASURED = r"""
import atexit, runpy, sys
out = sys.argv.pop(1)

def report():
    with open("/proc/self/status") as f:
        peak = next(line for line in f if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(peak.split()[1])

atexit.register(report)
kind, target = sys.argv.pop(1), sys.argv[1]
sys.argv = sys.argv[1:]
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    runpy.run_path(target, run_name="__main__")
"""


def _child(kind: str, target: str, args: list[str], peak_file: Path) -> tuple[float, float]:
    """Seconds from spawn to exit, and the child's peak RSS in MB."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURED, str(peak_file), kind, target, *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{target} {' '.join(args)} failed: {proc.stderr.decode()[-2000:]}")
    return elapsed, int(peak_file.read_text()) / 1024


def _floor(source: Path, db: Path) -> tuple[float, float]:
    script = db.with_name("floor.py")
    script.write_text(_FLOOR)
    return _child("path", str(script), [str(source), str(db)], db.with_name("floor.peak"))


def _ours(source: Path, db: Path) -> tuple[float, float]:
    return _child("module", "annotator", ["--db", str(db), "import", str(source)], db.with_name("ours.peak"))


# What the window does afterwards in the background (gui/text_indexer.py):
# the import's text added to the search index a slice per write.
_INDEX_AFTER = r"""
import sys
from annotator.core.storage import Project
with Project.open(sys.argv[1]) as p:
    while p.index_pending_text(int(sys.argv[2])):
        pass
"""


def _index_afterwards(db: Path) -> float:
    script = db.with_name("index_after.py")
    script.write_text(_INDEX_AFTER)
    return _child("path", str(script), [str(db), str(SLICE)], db.with_name("index.peak"))[0]


def _sizes() -> list[int]:
    sizes = [10_000, 40_000, 100_000]
    if os.environ.get("BENCH_MILLION"):
        sizes.append(1_000_000)
    return sizes


def bench_import_scale() -> list[Result]:
    results = []
    measured: dict[int, tuple[float, float, float, float]] = {}
    with scratch_dir("import-scale") as tmp:
        for n in _sizes():
            source = generate.scale_jsonl(n)
            repeat = 3 if n <= 10_000 else 1
            floors, ours, indexing = [], [], []
            for _ in range(repeat):  # alternating, median (one run at the larger sizes)
                floors.append(_floor(source, fresh_path(tmp, "floor.db")))
                db = fresh_path(tmp, "ours.db")
                ours.append(_ours(source, db))
                indexing.append(_index_afterwards(db))
            floor_s, floor_mb = sorted(floors)[len(floors) // 2]
            ours_s, ours_mb = sorted(ours)[len(ours) // 2]
            index_s = sorted(indexing)[len(indexing) // 2]
            measured[n] = (floor_s, ours_s, floor_mb, ours_mb)
            label = f"{n // 1000}k" if n < 1_000_000 else "1M"
            results.append(Result(
                f"IS import {label} docs / {n // 100}k spans (process, new project)", floor_s, ours_s, "s",
                "<= 2x", limit=2.0,
                note=f"{n / ours_s:,.0f} documents/s (floor {n / floor_s:,.0f}/s: json.loads + executemany "
                     "into tables without indexes, one transaction, as a process)"))
            results.append(Result(
                f"IS import {label} + search index built afterwards (info)", floor_s, ours_s + index_s, "s",
                "info", note=f"the index's whole cost: {index_s:.1f} s more, in slices of "
                             f"{SLICE} documents as the window does in the background (a process)"))
            results.append(Result(f"IS import {label} peak memory", floor_mb, ours_mb, "MB", "info",
                                  note="VmHWM of each process; the floor streams in batches of 2,000 lines"))
    sizes = sorted(measured)
    for small, large in zip(sizes, sizes[1:]):
        per_small = measured[small][1] / small
        per_large = measured[large][1] / large
        results.append(Result(f"IS seconds per document at {large:,} vs {small:,}", per_small * 1e6,
                              per_large * 1e6, "us", "<= 1.2x", limit=1.2,
                              note="import time per document must not rise with the corpus"))
    if 10_000 in measured and 40_000 in measured:
        results.append(Result("IS peak memory of 4x the file (40k vs 10k)", measured[10_000][3],
                              measured[40_000][3], "MB", "<= 1.5x", limit=1.5))
    return results


if __name__ == "__main__":
    from bench.run import table

    print(table(bench_import_scale()))
