"""Benchmarks that need a fresh process: start-up time and peak memory.

Each measurement runs `python bench/probe.py KIND ...` in a subprocess;
the probe prints what it measured on its last line. Baseline and ours
alternate, and medians are taken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.common import Result, median, scratch_dir

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "probe.py"


def _env() -> dict:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    # An installed program has compiled bytecode; let the probes use and
    # write it (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make
    # every start compile annotator, click and sqlite-utils from source).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def probe(*args: str, env: dict | None = None) -> tuple[float, dict]:
    """Run the probe; (wall seconds from spawn to its exit, its report)."""
    env = dict(env or _env())
    env["BENCH_SPAWNED_AT"] = repr(time.time())
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"probe {args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def sample_project(folder: Path) -> Path:
    """A project holding the sample article from seeds/, as the default one does."""
    from annotator.core.paths import seeds_dir
    from annotator.core.storage import Project

    db = folder / "sample.db"
    Project.open(db, seeds=seeds_dir()).close()
    return db


def bench_startup(repeat: int = 11) -> list[Result]:
    with scratch_dir("startup") as tmp:
        db = sample_project(tmp)
        # A home of its own: the default project (made by the first start,
        # with the sample article) and the window settings go here.
        home = tmp / "home"
        home.mkdir()
        env = {k: v for k, v in _env().items() if not k.startswith(("ANNOTATOR_", "XDG_"))}
        env.update(HOME=str(home), USER="bench", LOGNAME="bench")
        # Warm-up: the first start makes the default project; fill OS caches
        # and write bytecode, as on any second start.
        probe("startup-bare", env=env)
        probe("startup-ours", env=env)
        probe("startup-ours", "--db", str(db), env=env)
        base, ours, with_options = [], [], []
        for _ in range(repeat):
            base.append(probe("startup-bare", env=env)[1]["painted"])
            ours.append(probe("startup-ours", env=env)[1]["painted"])
            with_options.append(probe("startup-ours", "--db", str(db), env=env)[1]["painted"])
    b = median(base)
    return [Result("6 start-up to painted window (sample project)", b, median(ours), "s", "< 1 s, <= 2x",
                   limit=2.0, absolute=1.0,
                   note="`annotator` from process spawn, on the default project (the sample "
                        "article); baseline: python -c 'import PySide6.QtWidgets' + one empty "
                        f"window; {repeat} runs each"),
            Result("6 start-up: annotator --db FILE", b, median(with_options), "s", "< 1 s",
                   absolute=1.0,
                   note="the same through the click command line (options given), on a copy "
                        "of the sample project")]


def bench_memory(repeat: int = 3) -> list[Result]:
    big = generate.big_jsonl()
    with scratch_dir("memory") as tmp:
        from bench.gui_bench import big_project

        db, doc_id = big_project(tmp)
        base, ours = [], []
        for _ in range(repeat):
            base.append(probe("memory-bare", str(big))[1]["maxrss_mb"])
            ours.append(probe("memory-ours", str(db), str(doc_id))[1]["maxrss_mb"])
    b, o = median(base), median(ours)
    return [Result("7 peak memory, 5 MB / 50k spans open", b, o, "MB", "<= 2x", limit=2.0,
                   note="peak RSS (VmHWM) of a fresh process; baseline: bare QPlainTextEdit with the text "
                        "(read from the same JSONL), painted")]
