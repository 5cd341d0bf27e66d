"""Merging another annotator's project file (core/merge.py).

The other file holds the 10,000 articles of many.jsonl with their 100,000
spans; this project holds the same documents without spans (a team sharing
its documents). Timed: `merge_projects` bringing every layer in (first
merge), and merging the same file again (nothing to change: what a person
does every time they pick up a colleague's newer file, most of it the same).

Baseline (the physical floor of the same job): plain sqlite3 on the same two
files: ATTACH the other file read-only and, in one transaction, copy its
spans across with one INSERT OR IGNORE ... SELECT joining the documents on
(name, text_sha256). It checks nothing, reads no text, keeps no record of
where a layer came from and cannot tell a clash: what we pay for on top.

    python -m bench.merge_bench
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

from bench import generate
from bench.common import Result, median, scratch_dir

REPEAT = 3
_COPY = """
    INSERT OR IGNORE INTO spans (doc_id, annotator, label, start, "end")
    SELECT here.id, s.annotator, s.label, s.start, s."end"
    FROM other.spans s
    JOIN other.documents d ON d.id = s.doc_id
    JOIN main.documents here ON here.name = d.name AND here.text_sha256 = d.text_sha256
"""


def _projects(tmp: Path) -> tuple[Path, Path]:
    from annotator.core.importer import import_files
    from annotator.core.storage import Project

    many = generate.many_jsonl()
    bare = tmp / "documents.jsonl"
    with open(many, encoding="utf-8") as src, open(bare, "w", encoding="utf-8") as out:
        for line in src:
            record = json.loads(line)
            out.write(json.dumps({"text": record["text"], "meta": record["meta"]}, ensure_ascii=False) + "\n")
    theirs, template = tmp / "theirs.db", tmp / "template.db"
    with Project.open(theirs) as project:
        import_files(project, [many], annotator="them", add_labels=True)
    with Project.open(template) as project:
        import_files(project, [bare], annotator="us", add_labels=True)
    return theirs, template


def _fresh(template: Path, path: Path) -> Path:
    shutil.copy(template, path)
    return path


def _baseline(target: Path, theirs: Path) -> float:
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    t0 = time.perf_counter()
    conn.execute("ATTACH ? AS other", (f"{theirs.resolve().as_uri()}?mode=ro",))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(_COPY)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def _ours(target: Path, theirs: Path) -> tuple[float, object]:
    from annotator.core.merge import merge_projects
    from annotator.core.storage import Project

    with Project.open(target) as project:
        t0 = time.perf_counter()
        result = merge_projects(project, [theirs])
        return time.perf_counter() - t0, result


def bench_merge() -> list[Result]:
    first_b, first_o, again_b, again_o = [], [], [], []
    with scratch_dir("merge") as tmp:
        theirs, template = _projects(tmp)
        for i in range(REPEAT):
            base = _fresh(template, tmp / f"base{i}.db")
            first_b.append(_baseline(base, theirs))
            again_b.append(_baseline(base, theirs))
            ours = _fresh(template, tmp / f"ours{i}.db")
            seconds, result = _ours(ours, theirs)
            assert result.spans_added == 100_000 or result.spans_added > 90_000, result
            first_o.append(seconds)
            seconds, result = _ours(ours, theirs)
            assert not result.changed, result
            again_o.append(seconds)
    note = ("10k matched documents, 100k spans; baseline: sqlite3 ATTACH (read-only) + one "
            "INSERT OR IGNORE ... SELECT joined on (name, text_sha256), one transaction")
    return [Result("M1 merge a colleague's file: every layer new", median(first_b), median(first_o), "s",
                   "-", note=note),
            Result("M2 merge the same file again: nothing to change", median(again_b), median(again_o), "s",
                   "-", note=note)]


if __name__ == "__main__":
    from bench.run import table

    print(table(bench_merge()))
