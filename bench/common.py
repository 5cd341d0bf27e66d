"""Timing helpers and the result row every benchmark reports."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Result:
    """One line of the results table.

    `limit`: ours/baseline must be at most this (None: no ratio target).
    `absolute`: ours must be at most this, in `unit` (None: no absolute target).
    """

    name: str
    baseline: float | None
    ours: float
    unit: str
    target: str
    limit: float | None = None
    absolute: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.ours / self.baseline

    @property
    def passed(self) -> bool:
        ok = True
        if self.limit is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.limit
        if self.absolute is not None:
            ok = ok and self.ours <= self.absolute
        return ok


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes (garbage collected first, so an earlier
    run's garbage is not charged to this one)."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleaved(baseline: Callable[[], float], ours: Callable[[], float], repeat: int) -> tuple[float, float]:
    """Median seconds of `repeat` runs of each, alternating them so that a
    slow patch of the machine hurts both alike. Each callable returns the
    seconds it measured (so set-up can stay outside the timing)."""
    b, o = [], []
    for _ in range(repeat):
        b.append(baseline())
        o.append(ours())
    return median(b), median(o)


@contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A fresh folder under bench/out (the same disk a project would live on,
    unlike a RAM-backed /tmp), removed afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=OUT))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fresh_path(folder: Path, name: str) -> Path:
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            os.remove(p)
    return path


def add_remove_results(name: str, small: dict[str, list[float]], large: dict[str, list[float]],
                       what: str = "") -> list[Result]:
    """The 'add' and 'remove' rows of benchmark 2: medians at 50,000 spans
    against the same at 100, in ms, with both p95s in the note."""
    results = []
    for kind in ("add", "remove"):
        s, l = small[kind], large[kind]
        results.append(Result(
            name.format(kind=kind), median(s) * 1e3, median(l) * 1e3, "ms",
            "<= 16 ms, <= 1.5x", limit=1.5, absolute=16.0,
            note=f"baseline = same at 100 spans; {what}p95 {p95(s) * 1e3:.1f} / {p95(l) * 1e3:.1f} ms "
                 f"over {len(l)} actions"))
    return results


# `annotator ARGS` that reports its own peak RSS (VmHWM, which starts afresh at
# exec; wait4's ru_maxrss would count the bench process it was forked from).
_LAUNCH = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status:
        sys.stderr.write("".join(f"PEAK {line.split()[1]}\\n" for line in status if line.startswith("VmHWM")))
atexit.register(_peak)
from annotator.cli import main
sys.argv[0] = "annotator"
main()
"""


def annotator_process(*args: str) -> tuple[float, float]:
    """Wall seconds of `annotator ARGS` as a process, and its peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATOR_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _LAUNCH, *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"annotator {' '.join(args)} failed: {proc.stderr}")
    peaks = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK ")]
    return elapsed, (peaks[-1] / 1024 if peaks else float("nan"))


def documents_in(path: Path) -> int:
    """How many documents a bench project holds (-1: none there, or not a
    project), to reuse one already built only if it is complete."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1
