"""The `annotator` command.

`annotator` alone, the usual way to open the window, starts it without
loading the command-line machinery (click costs ~20 ms, a tenth of the
start-up). Anything else (options, commands, --help, the ANNOTATOR_DB and
ANNOTATOR_USER variables, a login name that is not a usable annotator name,
no home folder for the default project) goes through the click command line
in annotator.cli, which opens the same window with the same defaults when
given no command, and reports every problem the same way.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if len(sys.argv) == 1 and not os.environ.get("ANNOTATOR_DB") and not os.environ.get("ANNOTATOR_USER"):
        from annotator.core.errors import AnnotatorError
        from annotator.core.model import name_problem, normalize_name
        from annotator.core.paths import default_project_path, default_user, seeds_dir

        user = normalize_name(default_user())
        try:
            db = default_project_path()
        except AnnotatorError:
            db = None  # no home folder: the click path below says so, as it says everything
        if db is not None and name_problem(user, "annotator name") is None:
            from annotator.gui.launch import run_gui

            try:
                code = run_gui(db, user, seeds=seeds_dir())
            except KeyboardInterrupt:  # Ctrl+C while starting: as click says it
                print("\nAborted!", file=sys.stderr)
                code = 1
            sys.exit(code)
    from annotator.cli import main as cli_main

    cli_main()
