"""Where things live: the default project file, the bundled seeds and schema."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    """The platform's per-user data folder for annotator."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "annotator"


def default_project_path() -> Path:
    return user_data_dir() / "default.annotator.db"


def default_user() -> str:
    try:
        import getpass

        return getpass.getuser() or "annotator"
    except Exception:  # getpass raises various errors when no login name is known
        return "annotator"
