"""A project just made on a server gets the default label schema, as a new
project file does (storage/sqlite/project.py), so annotators can tag at
once. Only when `init_server` created the schema now: an admin who later
removes every label does not get them back from a second init.
"""

from __future__ import annotations

from annotator.core.labels import default_labels
from annotator.core.storage.postgres.admin import InitReport
from annotator.core.storage.postgres.migrations import MIGRATIONS
from annotator.core.storage.postgres.project import ServerProject


def created_now(report: InitReport) -> bool:
    """Whether this init made the project (applied its first migration)."""
    return MIGRATIONS[0].name in report.applied


def add_first_labels(url: str, report: InitReport) -> int:
    """The default labels, in one write (in the change log like any schema
    change), if `report`'s init created the project and it has no labels
    yet; returns how many were added."""
    if not created_now(report):
        return 0
    with ServerProject.open(url) as project:
        if project.labels():
            return 0
        labels = default_labels()
        with project.write() as unit:
            unit.insert_labels(labels)
    return len(labels)
