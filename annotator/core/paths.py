"""Where things live: the default project file, the bundled seeds and schema."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from annotator.core.errors import ProjectError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# In a wheel, seeds/ and resources/ are copied into annotator/_data; in a
# source checkout (or an editable install) they sit at the repository top.
_BUNDLED = _PACKAGE_DIR / "_data"
_CHECKOUT = _PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    bundled = _BUNDLED / name
    return bundled if bundled.is_dir() else _CHECKOUT / name


def seeds_dir() -> Path:
    return _data_dir("seeds")


def resources_dir() -> Path:
    return _data_dir("resources")


def user_data_dir() -> Path:
    """The platform's per-user data folder for annotator. Raises ProjectError
    if there is none: no home folder (HOME unset and a user id without a
    passwd entry, as in some containers) and no variable naming one."""
    if sys.platform == "win32":
        base = _absolute(os.environ.get("APPDATA")) or _home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = _home() / "Library" / "Application Support"
    else:
        base = _absolute(os.environ.get("XDG_DATA_HOME")) or _home() / ".local" / "share"
    return base / "annotator"


def default_project_path() -> Path:
    return user_data_dir() / "default.annotator.db"


def _absolute(value: str | None) -> Path | None:
    # The XDG spec says to ignore a relative path; it would name a different
    # project in every working folder.
    return Path(value) if value and os.path.isabs(value) else None


def _home() -> Path:
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # 3.11+ raise RuntimeError; older, pwd's KeyError
        home = None
    if home is None or not home.is_absolute():
        raise ProjectError("no default project location exists (no home folder); "
                           "pass --db FILE or set ANNOTATOR_DB")
    return home


def default_user() -> str:
    try:
        import getpass

        return getpass.getuser() or "annotator"
    except Exception:  # getpass raises various errors when no login name is known
        return "annotator"
