"""`annotator list` streamed (issue 15): the same lines as reading every
summary and every span count first gave, written as the rows are read, in
memory that does not grow with the project."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from annotator.core import ops
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import write_jsonl


def _expected(project: Project, where_ids: list[int] | None = None) -> list[str]:
    """The lines as `list` wrote them before streaming: every summary (by
    name, then id) and `span_counts()` for the whole project."""
    counts = project.span_counts()
    summaries = project.document_summaries("ann")
    if where_ids is not None:
        summaries = [s for s in summaries if s.id in where_ids]
    width = max(len(str(s.id)) for s in summaries)
    lines = []
    for s in summaries:
        spans = ", ".join(f"{who}: {n}" for who, n in counts.get(s.id, {}).items()) or "no spans"
        lines.append(f"{s.id:>{width}}  {s.name}  ({s.length:,} characters; {spans})")
    return lines


@pytest.fixture
def listed_project(project_path, tmp_path):
    # 12 documents (ids of one and two digits), names out of id order, two
    # documents with one name (ordered by id), three annotators and gold.
    records = []
    for i in range(12):
        name = "same" if i in (3, 9) else f"doc-{(i * 7) % 12:02d}"
        text = f"Kim met Lee in Seoul on day {i}. " * (i + 1)
        for who in (["alice", "bob", "gold"] if i % 3 == 0 else ["bob"] if i % 3 == 1 else [None]):
            spans = [] if who is None else [{"start": 0, "end": 3, "label": "actor"},
                                            {"start": 8, "end": 11, "label": "actor"}][:1 + i % 2]
            records.append({"text": text, "meta": {"name": name}, "annotator": who, "spans": spans})
    source = write_jsonl(tmp_path / "in.jsonl", records)
    with Project.open(project_path) as project:
        import_files(project, [source], annotator="ann")
        # A layer whose every span is removed has no count left: not listed.
        for span in project.spans(2, "bob"):
            ops.remove_span(project, span.id)
        ops.tag_span(project, 7, "ann", "actor", 0, 3)
    return project_path


def test_list_writes_what_reading_everything_first_wrote(run_cli, listed_project):
    with Project.open(listed_project) as project:
        expected = _expected(project)
    assert len(expected) == 12 and any(line.startswith(" 2  ") and "no spans" in line for line in expected)
    result = run_cli("list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == expected


def test_list_where_writes_what_reading_everything_first_wrote(run_cli, listed_project):
    with Project.open(listed_project) as project:
        ids = project.search_documents("day 1")  # days 1, 10 and 11
        expected = _expected(project, ids)
    assert len(expected) == 3
    result = run_cli("list", "--where", "DAY 1")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == expected


# -- memory ---------------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import os, sys
    from annotator.cli import cli

    def kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])

    db = sys.argv[1]
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    before = kb("VmRSS:")
    cli.main(["--db", db, "--user", "ann", "list"], standalone_mode=False)
    sys.stdout.flush()
    growth = kb("VmHWM:") - before
    os.dup2(saved, 1)
    print(growth)
""")


@pytest.mark.timeout(180)
def test_list_holds_nothing_while_listing_a_large_project(tmp_path):
    # 40,000 documents with two layers each: reading every summary and every
    # count first grew the peak by about 25 MB; streamed, by about 2.
    source = tmp_path / "many.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for i in range(40_000):
            for who in ("alice", "bob"):
                f.write('{"text": "Kim met Lee on day %d.", "meta": {"name": "article %d"}, "annotator": "%s", '
                        '"spans": [{"start": 0, "end": 3, "label": "actor"}]}\n' % (i, (i * 7919) % 40_000, who))
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        assert import_files(project, [source], annotator=None).documents_added == 40_000
    out = subprocess.run([sys.executable, "-c", _CHILD, str(db)], check=True, capture_output=True, text=True,
                         timeout=170)
    growth_kb = int(out.stdout.split()[-1])
    assert growth_kb < 8 * 1024, f"listing 40,000 documents grew the peak by {growth_kb / 1024:.0f} MB"
