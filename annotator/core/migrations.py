"""Every schema change is a numbered migration, applied in order.

Never edit a migration that has shipped: add a new one. The names are what
tells a project file's version (see `unknown_applied`), so they never change.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("annotator")
_KNOWN: list[str] = []


def _migration(name: str):
    _KNOWN.append(name)
    return MIGRATIONS(name=name)


@_migration("0001_initial")
def _initial(db: Database) -> None:
    # Plain SQL because the constraints (CHECK, composite UNIQUE, cascades)
    # are the point of this schema, and they read best as SQL.
    db.execute("""
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            length INTEGER NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (name, text_sha256)
        )""")
    db.execute("""
        CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            color TEXT NOT NULL,
            hotkey TEXT,
            mnemonic TEXT,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        )""")
    # AUTOINCREMENT so a removed span's id is never handed to a new span:
    # undo puts a span back under its old id.
    db.execute("""
        CREATE TABLE spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            label TEXT NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            CHECK (start >= 0 AND start < "end"),
            UNIQUE (doc_id, annotator, label, start, "end")
        )""")
    db.execute('CREATE INDEX spans_by_layer ON spans (doc_id, annotator, start, "end")')
    db.execute("""
        CREATE TABLE document_status (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('new', 'in progress', 'done')),
            PRIMARY KEY (doc_id, annotator)
        )""")


@_migration("0002_spans_by_label")
def _spans_by_label(db: Database) -> None:
    # Renaming a label cascades to its spans, and removing one checks that no
    # span uses it: both look spans up by label, a full scan without this.
    db.execute("CREATE INDEX spans_by_label ON spans (label)")


@_migration("0003_covering_indexes")
def _covering_indexes(db: Database) -> None:
    # Opening a document reads one layer in (start, end, label) order: with
    # every column it reads in the index, SQLite neither sorts nor visits the
    # table (50,000 spans: 0.09 s -> a third of that).
    db.execute("DROP INDEX spans_by_layer")
    db.execute('CREATE INDEX spans_by_layer ON spans (doc_id, annotator, start, "end", label)')
    # Each span operation checks offsets against the document's length; the
    # row stores length after a text of up to megabytes, so read it from here.
    db.execute("CREATE INDEX documents_length ON documents (id, length)")


def unknown_applied(db: Database) -> list[str]:
    """Migrations recorded in the file that this version does not know:
    the file was written by a newer annotator."""
    return [m.name for m in MIGRATIONS.applied(db) if m.name not in _KNOWN]
