"""SQL is never built from user data: quotes, semicolons and comment markers
in every user-supplied field are stored and exported unchanged, and nothing
in them is executed."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core import ops
from annotator.core.storage import Project
from tests.core.helpers import read_jsonl, write_jsonl

NASTY = [
    "Robert'); DROP TABLE documents;--",
    "x\" OR \"1\"=\"1",
    "' OR 1=1 --",
    "a; DELETE FROM spans; --",
    "/* comment */ SELECT 1; /*",
    "label' || (SELECT name FROM labels) || '",
    "%_[^]%",
    "`tick` [bracket] $1 ?2 :name @p",
]


def tables(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()


def invoke(db, *args, user="tester"):
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", user, *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed: {result.exception!r}") from result.exception
    return result


@pytest.mark.parametrize("evil", NASTY)
def test_sql_in_every_field_round_trips_and_runs_nothing(tmp_path, evil):
    db = tmp_path / "p.db"
    Project.open(db).close()  # create the project
    schema = tables(db)
    text = f"{evil} is the text; {evil}"
    record = {"text": text, "meta": {"name": evil, evil: evil, "source": [evil, {"k": evil}]},
              "annotator": evil,
              "spans": [{"start": 0, "end": len(evil), "label": evil, "text": evil}]}
    source = write_jsonl(tmp_path / "evil.jsonl", [record, {"text": evil, "label": [[0, 1, evil]]}])

    result = invoke(db, "import", "--add-labels", source, user=evil)
    assert result.exit_code == 0, result.output
    assert tables(db) == schema  # nothing dropped, altered or created

    exported = read_jsonl(invoke(db, "export").stdout)
    (first,) = [r for r in exported if r["meta"]["name"] == evil]
    assert first["text"] == text
    assert first["annotator"] == evil
    assert first["meta"] == record["meta"]
    assert first["spans"] == [{"start": 0, "end": len(evil), "label": evil, "text": evil}]
    (second,) = [r for r in exported if r["text"] == evil]
    assert second["annotator"] == evil  # --user owns lines without "annotator"
    assert [s["label"] for s in second["spans"]] == [evil]

    only = read_jsonl(invoke(db, "export", "--annotator", evil).stdout)
    assert len(only) == 2 and all(r["annotator"] == evil for r in only)
    listing = invoke(db, "list", user=evil)
    assert listing.exit_code == 0 and evil in listing.stdout

    with Project.open(db) as p:
        doc = p.document_summaries(evil, name_filter=evil)
        assert [d.name for d in doc] == [evil]  # the filter is literal, not LIKE or SQL
        assert p.annotators() == [evil]
        change = ops.add_span(p, doc[0].id, evil, evil, 1, 3)
        ops.relabel_span(p, change.added[0].id, "actor")
        # (imported with spans: "in progress" for them, as tagging would make it)
        assert ops.set_status(p, doc[0].id, evil, "done").statuses[0].before == "in progress"
        assert p.status(doc[0].id, evil) == "done"
        assert evil in p.label_names()
        assert p.document_count() == 2


PACKAGE = Path(__file__).resolve().parents[2] / "annotator"
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")


def _sql_argument_problem(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and not (
                    isinstance(part.value, ast.Name) and CONSTANT.match(part.value.id)) and not (
                    # int(x) cannot carry SQL: for PRAGMAs, which take no ? parameters
                    isinstance(part.value, ast.Call) and ast.unparse(part.value.func) == "int"):
                return f"f-string interpolates {ast.unparse(part.value)}"
        return None
    if isinstance(node, ast.Name) and CONSTANT.match(node.id):
        return None
    return f"SQL built at run time: {ast.unparse(node)[:60]}"


def test_no_sql_is_built_from_values():
    """Every execute() in the package takes a literal (or a module constant,
    or an int() for a PRAGMA, spliced into an f-string); values only ever go
    in as ? parameters."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "executescript") and node.args):
                problem = _sql_argument_problem(node.args[0])
                if problem:
                    problems.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {problem}")
    assert problems == []


def test_sql_is_written_only_in_the_storage_package():
    """Outside annotator/core/storage nothing runs SQL: the core speaks to a
    project through its storage interface (import-linter also forbids
    importing sqlite3 elsewhere, see tests/test_architecture.py)."""
    storage = PACKAGE / "core" / "storage"
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if storage in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        outside += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}" for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "executescript")]
    assert outside == []
