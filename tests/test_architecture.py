"""The dependency rules (docs/architecture.md), checked by import-linter over the real
import graph (see [tool.importlinter] in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_never_imports_qt_or_gui():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_importing_core_and_cli_loads_no_qt():
    # The CLI must stay usable (and fast to start) without Qt.
    code = ("import sys, annotator.cli, annotator.core.importer, annotator.core.exporter; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_opening_an_up_to_date_project_does_not_import_sqlite_utils(tmp_path):
    # sqlite-utils (and numpy, which it imports when present) costs ~150 ms,
    # half the window's start-up budget; it is only needed to migrate.
    db = tmp_path / "p.db"
    code = ("import sys; from annotator.core.storage import Project; "
            "Project.open(sys.argv[1]).close(); "
            "print(any(m.split('.')[0] in ('sqlite_utils', 'numpy') for m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout
    again = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout
    assert (first.strip(), again.strip()) == ("True", "False")
