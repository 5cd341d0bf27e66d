"""Every schema change is a numbered migration, applied in order by
sqlite-utils' `Migrations`.

Never edit a migration that has shipped: add a new one. The names are what
tells a project file's version (see `unknown_applied`), so they never change.

Opening an up-to-date project only reads which migrations are applied, with
one plain query on sqlite-utils' own bookkeeping table; sqlite-utils itself
(about 150 ms to import, more with numpy installed) is imported only when a
migration has to run. That keeps it off the start-up path of the window.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

SET_NAME = "annotator"
# sqlite-utils' Migrations.migrations_table; checked against it in migrations().
TABLE = "_sqlite_migrations"
_REGISTERED: list[tuple[str, Callable[["Database"], None]]] = []


def _migration(name: str):
    def register(fn: Callable[["Database"], None]):
        _REGISTERED.append((name, fn))
        return fn
    return register


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


@_migration("0004_change_log")
def _change_log(db: Database) -> None:
    # What each commit changed, so another window applies just that instead
    # of reading everything again (see changelog.py). Ids are kept as ranges:
    # tag-all and import hand out consecutive ids, so 50,000 spans are a row.
    # AUTOINCREMENT: a position is never handed out twice, even after the
    # oldest rows are pruned.
    db.execute("""
        CREATE TABLE change_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('spans', 'documents', 'labels')),
            doc_id INTEGER,
            first_id INTEGER,
            last_id INTEGER
        )""")


@_migration("0005_label_display")
def _label_display(db: Database) -> None:
    # How a label's spans are drawn, stored with the label instead of the
    # window knowing that "quote" is underlined.
    db.execute("ALTER TABLE labels ADD COLUMN display TEXT NOT NULL DEFAULT 'highlight' "
               "CHECK (display IN ('highlight', 'underline'))")
    db.execute("UPDATE labels SET display = 'underline' WHERE name = 'quote'")


@_migration("0006_merged_layers")
def _merged_layers(db: Database) -> None:
    # Which layers (an annotator's spans in one document) a merge brought in
    # from another project file (core/merge.py): the next merge replaces
    # such a copy, but never a layer made here. `fingerprint` is what the
    # layer held when merged, so a merged layer since changed here is told
    # apart (a clash). `source_id` is the other file's random id (its PRAGMA
    # user_version); `source_name` its file name, for messages.
    db.execute("""
        CREATE TABLE merged_layers (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            source_id INTEGER NOT NULL,
            source_name TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            merged_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, annotator)
        )""")


@_migration("0007_review")
def _review(db: Database) -> None:
    # Review decisions (core/review.py): who decided what on which reading
    # (start, end, label) of a document, and when. An "accept" names the
    # gold span it made, an "edit" the gold span it changed; undo removes a
    # decision with its gold span and redo puts both back under their ids
    # (AUTOINCREMENT: an id is never handed out again). `gold_span_id` is no
    # foreign key: the decision and its span are removed and restored
    # together by one change, in either order. "reviewed" marks the whole
    # document (no position or label). The label follows a renamed label.
    db.execute("""
        CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            label TEXT REFERENCES labels(name) ON UPDATE CASCADE,
            decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit', 'reviewed')),
            reviewer TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            gold_span_id INTEGER,
            CHECK ((decision = 'reviewed') = (label IS NULL))
        )""")
    db.execute('CREATE INDEX review_decisions_by_doc ON review_decisions (doc_id, start, "end")')


@_migration("0008_span_notes")
def _span_notes(db: Database) -> None:
    # A free-text note on a span, kept apart from the spans table: few spans
    # have one, and the spans table is read a lot. It goes with its span.
    db.execute("""
        CREATE TABLE span_notes (
            span_id INTEGER PRIMARY KEY REFERENCES spans(id) ON DELETE CASCADE,
            note TEXT NOT NULL CHECK (note <> '')
        )""")


@_migration("0009_spans_indexes")
def _spans_indexes(db: Database) -> None:
    # Every index on spans is paid for on each span an import writes (issue
    # 15: four of them made 100,000 spans 4.6x slower to insert than a bare
    # table). spans_by_layer (doc_id, annotator, start, end, label) held the
    # same five columns as the UNIQUE constraint's index and as
    # spans_by_position; one layer's spans in text order are read from
    # spans_by_position (doc_id, then filtered by annotator, already in
    # order: no sort), and counts and look-ups by layer from the UNIQUE
    # index. So spans_by_position becomes part of the schema (it was only
    # added to files opened for writing) and spans_by_layer goes.
    db.execute('CREATE INDEX IF NOT EXISTS spans_by_position ON spans (doc_id, start, "end", label, annotator)')
    db.execute("DROP INDEX IF EXISTS spans_by_layer")


@_migration("0010_document_fulltext")
def _document_fulltext(db: Database) -> None:
    # Full-text search over document text (storage/sqlite/fulltext.py): FTS5
    # with the trigram tokenizer finds any substring of 3+ characters in any
    # script, case folded. Contentless and detail=none: it records which
    # documents hold each trigram, not where (the 10,000-article bench
    # project grows about 20%, against about 100% with positions); candidates are
    # checked against the text. Each text is indexed with two U+0001 after
    # it, so that a text's last one or two characters also start a trigram
    # (1-2 character queries read the index's vocabulary by prefix).
    # Triggers keep it current in the writer's transaction, whoever writes.
    # A SQLite without FTS5 or trigram (before 3.34) gets no index: search
    # then scans, and nothing else changes.
    try:
        db.execute("CREATE VIRTUAL TABLE documents_fts USING fts5(text, content='', tokenize='trigram', "
                   "detail='none')")
    except sqlite3.OperationalError:
        return
    db.execute("CREATE VIRTUAL TABLE documents_fts_terms USING fts5vocab(documents_fts, 'instance')")
    db.execute("INSERT INTO documents_fts (rowid, text) SELECT id, text || char(1, 1) FROM documents")
    db.execute("""
        CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
            INSERT INTO documents_fts (rowid, text) VALUES (new.id, new.text || char(1, 1));
        END""")
    db.execute("""
        CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.id, old.text || char(1, 1));
        END""")
    db.execute("""
        CREATE TRIGGER documents_fts_update AFTER UPDATE OF id, text ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.id, old.text || char(1, 1));
            INSERT INTO documents_fts (rowid, text) VALUES (new.id, new.text || char(1, 1));
        END""")



@_migration("0011_document_list")
def _document_list(db: Database) -> None:
    # The document list at a million documents (storage/sqlite/document_list.py)
    # pages through indexes instead of reading every row. Each layer's span
    # count (an annotator's spans in a document), kept by the unit of work's
    # span writes, so sorting by it is an index walk and a row reads one
    # entry instead of counting the layer's spans. A layer with no span has
    # no row (or a row of 0). WITHOUT ROWID: the key is the lookup.
    db.execute("""
        CREATE TABLE layer_counts (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            spans INTEGER NOT NULL,
            PRIMARY KEY (doc_id, annotator)
        ) WITHOUT ROWID""")
    db.execute("INSERT INTO layer_counts (doc_id, annotator, spans) "
               "SELECT doc_id, annotator, count(*) FROM spans GROUP BY doc_id, annotator")
    # Sorted by span count: (count, id) per annotator; the partial index
    # counts a layer's place among the annotated ones by id.
    db.execute("CREATE INDEX layer_counts_by_spans ON layer_counts (annotator, spans, doc_id)")
    db.execute("CREATE INDEX layer_counts_annotated ON layer_counts (annotator, doc_id) WHERE spans > 0")
    # By name, and filtered by the start of the name: one NOCASE index
    # serves the order and LIKE 'prefix%'.
    db.execute("CREATE INDEX documents_by_name ON documents (name COLLATE NOCASE)")
    # By status in workflow order (new, in progress, done): the same CASE
    # as document_list.STAGE, which queries must spell exactly so.
    db.execute("CREATE INDEX document_status_by_stage ON document_status "
               "(annotator, (CASE status WHEN 'new' THEN 0 WHEN 'in progress' THEN 1 ELSE 2 END), doc_id)")
    db.execute("CREATE INDEX document_status_started ON document_status (annotator, doc_id) "
               "WHERE status <> 'new'")


@_migration("0012_fulltext_pending")
def _fulltext_pending(db: Database) -> None:
    # A large import leaves its documents' text out of the full-text index
    # (indexing was a third of an import's time) and records their ids
    # here; they are indexed later, a slice per transaction (by the window in
    # the background), and searched by reading their text until then
    # (storage/sqlite/fulltext.py). Rows are id ranges.
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents_fts'").fetchone():
        return  # no index (a SQLite without trigram FTS5): nothing is ever pending
    db.execute("CREATE TABLE fulltext_pending (first INTEGER NOT NULL, last INTEGER NOT NULL, "
               "CHECK (first <= last))")
    # A contentless FTS5 table must be told a deleted row's exact text, and
    # telling it about a row it never held corrupts it: the delete and update
    # triggers leave pending documents alone.
    db.execute("DROP TRIGGER documents_fts_delete")
    db.execute("DROP TRIGGER documents_fts_update")
    db.execute("""
        CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, text) SELECT 'delete', old.id, old.text || char(1, 1)
                WHERE NOT EXISTS (SELECT 1 FROM fulltext_pending WHERE old.id BETWEEN first AND last);
        END""")
    db.execute("""
        CREATE TRIGGER documents_fts_update AFTER UPDATE OF id, text ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, text) SELECT 'delete', old.id, old.text || char(1, 1)
                WHERE NOT EXISTS (SELECT 1 FROM fulltext_pending WHERE old.id BETWEEN first AND last);
            INSERT INTO documents_fts (rowid, text) SELECT new.id, new.text || char(1, 1)
                WHERE NOT EXISTS (SELECT 1 FROM fulltext_pending WHERE new.id BETWEEN first AND last);
        END""")


# Indexes that only make reads faster are not migrations: a migration makes
# older versions refuse the file and read-only copies unopenable, and costs a
# backup copy of the whole project. These are added, when missing, to any
# file that can be written; the queries they serve work without them.
READ_INDEXES = ("spans_by_position",)


def missing_read_indexes(conn: sqlite3.Connection) -> list[str]:
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    return [name for name in READ_INDEXES if name not in present]


def add_read_indexes(conn: sqlite3.Connection) -> None:
    # The window reads every layer of a document in text order, page by page
    # as it shows them: this index holds that order (and every column read),
    # so the first page arrives without SQLite sorting 50,000 rows first.
    conn.execute('CREATE INDEX IF NOT EXISTS spans_by_position ON spans (doc_id, start, "end", label, annotator)')


def known() -> list[str]:
    """Names of every migration this version has, in order."""
    return [name for name, _ in _REGISTERED]


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in the file, in the order applied
    (what `Migrations.applied` returns, read without importing sqlite-utils)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone()
    if not exists:
        return []
    rows = conn.execute(f"SELECT name FROM [{TABLE}] WHERE migration_set = ? ORDER BY rowid",
                        (SET_NAME,))
    names = [row[0] for row in rows]
    if not all(isinstance(name, str) for name in names):
        # (found by the damaged-file fuzz test: a changed byte made one NULL)
        raise sqlite3.DatabaseError("its list of schema changes is damaged (an entry that is not a name)")
    return names


def pending(conn: sqlite3.Connection) -> list[str]:
    done = set(applied(conn))
    return [name for name in known() if name not in done]


def unknown_applied(conn: sqlite3.Connection) -> list[str]:
    """Migrations recorded in the file that this version does not know:
    the file was written by a newer annotator."""
    names = known()
    return [name for name in applied(conn) if name not in names]


def migrations() -> "Migrations":
    """The sqlite-utils migration set holding every migration above."""
    from sqlite_utils.migrations import Migrations

    assert Migrations.migrations_table == TABLE, "sqlite-utils moved its migrations table"
    migration_set = Migrations(SET_NAME)
    for name, fn in _REGISTERED:
        migration_set(name=name)(fn)
    return migration_set


def apply(conn: sqlite3.Connection) -> None:
    """Apply every pending migration, inside the caller's transaction."""
    from sqlite_utils import Database

    migrations().apply(Database(conn))


@_migration("0013_document_names")
def _document_names(db: Database) -> None:
    # The document list's name filter ("contains", storage/sqlite/document_list.py)
    # through an index: FTS5 trigrams of each name as SQLite's lower() makes
    # it (ASCII letters only, LIKE's own case folding), the tokenizer told
    # not to fold anything more (case_sensitive 1), so the index agrees with
    # LIKE exactly. detail=full keeps each trigram's position: a filter of 3+
    # characters is a phrase of its trigrams, which matches exactly the names
    # that contain it (no candidate to check). The lowered names are kept in
    # the index's own table: sorted, they are the list's NOCASE order, so the
    # matches are sorted there without a read of each document's row (1M
    # names of ~16 characters: +65 MB, 3 s to build). Triggers keep it
    # current in the writer's transaction, whoever writes. A SQLite without
    # FTS5 or trigram gets no index: the filter walks the name index instead,
    # as before, and nothing else changes.
    try:
        db.execute("CREATE VIRTUAL TABLE document_names USING fts5(name, columnsize=0, "
                   "tokenize='trigram case_sensitive 1', detail='full')")
    except sqlite3.OperationalError:
        return
    db.execute("INSERT INTO document_names (rowid, name) SELECT id, lower(name) FROM documents")
    db.execute("""
        CREATE TRIGGER document_names_insert AFTER INSERT ON documents BEGIN
            INSERT INTO document_names (rowid, name) VALUES (new.id, lower(new.name));
        END""")
    db.execute("""
        CREATE TRIGGER document_names_delete AFTER DELETE ON documents BEGIN
            DELETE FROM document_names WHERE rowid = old.id;
        END""")
    db.execute("""
        CREATE TRIGGER document_names_update AFTER UPDATE OF id, name ON documents BEGIN
            DELETE FROM document_names WHERE rowid = old.id;
            INSERT INTO document_names (rowid, name) VALUES (new.id, lower(new.name));
        END""")
