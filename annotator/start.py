"""The `annotator` command.

`annotator` alone, the usual way to open the window, starts it without
loading the command-line machinery (click costs ~20 ms, a tenth of the
start-up). Anything else (options, commands, --help, the ANNOTATOR_DB and
ANNOTATOR_USER variables, a login name that is not a usable annotator name)
goes through the click command line in annotator.cli, which opens the same
window with the same defaults when given no command.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if len(sys.argv) == 1 and not os.environ.get("ANNOTATOR_DB") and not os.environ.get("ANNOTATOR_USER"):
        from annotator.core.model import name_problem
        from annotator.core.paths import default_project_path, default_user, seeds_dir

        user = default_user()
        if name_problem(user, "annotator name") is None:
            from annotator.gui.launch import run_gui

            try:
                code = run_gui(default_project_path(), user, seeds=seeds_dir())
            except KeyboardInterrupt:  # Ctrl+C while starting: as click says it
                print("\nAborted!", file=sys.stderr)
                code = 1
            sys.exit(code)
    from annotator.cli import main as cli_main

    cli_main()
