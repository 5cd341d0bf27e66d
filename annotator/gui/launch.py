"""Starting the window, or explaining why it cannot start.

Kept free of Qt imports at module level so the no-display check runs before
Qt can abort the process with its own, far less helpful, message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NO_DISPLAY_MESSAGE = """\
annotator: no display found (DISPLAY is not set, or no X server answers there),
so the annotation window cannot open.
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
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY")
    # Qt aborts the process (status 134, "reinstalling the application may
    # fix this") when DISPLAY names an X server that does not answer: ask
    # the server first, as Qt would, and say so plainly instead.
    return bool(display) and x_server_answers(display)


def x_server_answers(display: str, timeout: float = 2.0) -> bool:
    """Whether an X server listens at DISPLAY (":0", "host:0.0", "unix:1")."""
    import re
    import socket

    match = re.fullmatch(r"(?:(?P<host>[^:/]*)/?)?:(?P<number>\d+)(?:\.\d+)?", display)
    if match is None:
        return True  # a form we do not know (launchd sockets and the like): let Qt try
    host, number = match.group("host") or "", int(match.group("number"))
    try:
        if host in ("", "unix"):
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(timeout)
                try:
                    s.connect(f"/tmp/.X11-unix/X{number}")
                    return True
                except OSError:
                    # Linux's abstract socket, which Xorg also listens on.
                    s.connect(f"\0/tmp/.X11-unix/X{number}")
                    return True
        with socket.create_connection((host, 6000 + number), timeout=timeout):
            return True
    except OSError:
        return False


def run_gui(db: Path | str, user: str | None, seeds: Path | None, review: bool = False) -> int:
    """The window on `db` (a file, or a server project's URL: then `user`
    None means the login the URL gives)."""
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    from annotator.gui.app import main

    return main(db, user, seeds, review=review)
