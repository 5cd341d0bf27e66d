"""Starting the window, or explaining why it cannot start.

Kept free of Qt imports at module level so the no-display check runs before
Qt can abort the process with its own, far less helpful, message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NO_DISPLAY_MESSAGE = """\
annotator: no display found, so the annotation window cannot open.
The command line works without one, for example:
  annotator --db project.db import article.txt
  annotator --db project.db list
  annotator --db project.db export -o labels.jsonl
(To run the window without a screen, for tests or screenshots, set QT_QPA_PLATFORM=offscreen.)"""


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the user chose a platform plugin (offscreen, vnc, ...)
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(db: Path, user: str, seeds: Path | None) -> int:
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    from annotator.gui.app import main

    return main(db, user, seeds)
