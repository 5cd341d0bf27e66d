"""Run the benchmark suite and print the results table.

    python -m bench                  # everything (about 3-4 minutes)
    python -m bench import export    # only these groups
    python -m bench --list           # the group names

Groups: open (1), spans (2: window and store), scroll (3), import (4),
export (5), startup (6), memory (7), list (8), tagall (9), feed (10), merge (M), agreement (A), review (R),
server (SV: a PostgreSQL server the bench starts; skipped where none is installed). Data is generated on first
use under bench/out/ (git-ignored); the GUI runs with QT_QPA_PLATFORM=offscreen.
Each group runs in a fresh Python process; within a group the baseline is
measured beside our code in the same process (start-up and memory: in
alternating subprocesses), so ratios compare across machines.
"""

from __future__ import annotations

import os
import platform
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _groups():
    from bench import (agreement_bench, core_bench, feed_bench, gui_bench, merge_bench, process_bench,
                       review_bench, tag_bench)

    return {
        "open": gui_bench.bench_open,
        "spans": lambda: gui_bench.bench_span_gui() + core_bench.bench_span_store(),
        "scroll": gui_bench.bench_scroll,
        "import": core_bench.bench_import,
        "export": core_bench.bench_export,
        "startup": process_bench.bench_startup,
        "memory": process_bench.bench_memory,
        "list": gui_bench.bench_document_list,
        "tagall": tag_bench.bench_tag_all,
        "feed": feed_bench.bench_feed,
        "agreement": agreement_bench.bench_agreement,
        "merge": merge_bench.bench_merge,
        "review": review_bench.bench_review,
        "scale_export": _scale_export,
        "import_scale": _import_scale,
        "list1m": _list_scale,
        "server": _server,
    }


def _import_scale():
    from bench import import_scale_bench  # writes bench/out/import-scale-N.jsonl on first use (BENCH_MILLION=1: 1M)

    return import_scale_bench.bench_import_scale()


def _list_scale():
    from bench import list_scale_bench  # builds bench/out/list-1m.db on first use (~10 min)

    return list_scale_bench.bench_list_scale()


def _server():
    from bench import server_bench  # starts its own PostgreSQL server (fsync on); skips where none is installed

    return server_bench.bench_server()


def _scale_export():
    from bench import scale_export_bench  # builds bench/out/scale-1m.db on first use (20-30 min)

    return scale_export_bench.bench_scale_export()


def _fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:g} {unit}"


def table(results) -> str:
    rows = [("benchmark", "baseline", "ours", "ratio", "target", "result")]
    for r in results:
        rows.append((r.name, _fmt(r.baseline, r.unit), _fmt(r.ours, r.unit),
                     f"{r.ratio:.2f}x" if r.ratio is not None else "-", r.target,
                     "PASS" if r.passed else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    return "\n".join(lines + [""] + notes)


def _run_isolated(name: str):
    """Run one group in a fresh Python process, so that no group pays for
    the heap (garbage collection, fragmentation) another group left behind."""
    import json
    import subprocess

    from bench.common import Result

    proc = subprocess.run([sys.executable, "-m", "bench.run", "--one", name],
                          stdout=subprocess.PIPE, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark group {name} failed (exit status {proc.returncode})")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    return [Result(**row) for row in rows]


def _one(name: str) -> int:
    import dataclasses
    import json

    results = _groups()[name]()
    print(json.dumps([dataclasses.asdict(r) for r in results]))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return _one(argv[1])
    groups = _groups()
    if "--list" in argv:
        print(" ".join(groups))
        return 0
    chosen = argv or list(groups)
    unknown = [name for name in chosen if name not in groups]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {' '.join(groups)}", file=sys.stderr)
        return 2
    from bench import generate

    generate.main([])
    results = []
    for name in chosen:
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        group_results = _run_isolated(name)
        results.extend(group_results)
        for r in group_results:
            print(f"  {r.name}: {_fmt(r.ours, r.unit)} vs {_fmt(r.baseline, r.unit)} "
                  f"{'PASS' if r.passed else 'FAIL'}", file=sys.stderr, flush=True)
        print(f"  ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    from PySide6 import __version__ as pyside

    print(f"\n{platform.python_implementation()} {platform.python_version()}, PySide6 {pyside}, "
          f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}\n")
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
