"""Shared test set-up.

Qt runs offscreen so the suite needs no display; the variable must be set
before PySide6 creates the QApplication (pytest-qt does that lazily).
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep the tests away from the real per-user project and settings.
os.environ.pop("ANNOTATOR_DB", None)
os.environ.pop("ANNOTATOR_USER", None)

import pytest  # noqa: E402

from annotator.core.storage import Project  # noqa: E402


@pytest.fixture
def project_path(tmp_path):
    return tmp_path / "project.db"


@pytest.fixture
def project(project_path):
    with Project.open(project_path) as p:
        yield p
