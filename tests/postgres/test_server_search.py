"""Migration 0004's indexes answer the document list's and the search's
statements: each statement's expression is the index's own (a query
folding names or text even slightly otherwise would read every row, and
its answers would still be right: only this shows it). Asked with
sequential scans off, as a large project would be planned."""

from __future__ import annotations

import psycopg
import pytest

from annotator.core.model import text_digest
from annotator.core.storage.postgres import admin, document_list, migrations, search
from annotator.core.storage.postgres.bulk_reads import PENDING_TEXT
from annotator.core.storage.postgres.project import ServerProject


@pytest.fixture
def owner(database):
    """The owner's connection to a set-up project of 5,000 documents."""
    admin.init_server(database.owner_url)
    admin.add_user(database.owner_url, "adam", "admin", "adam pw")
    with ServerProject.open(database.url("adam", "adam pw")) as project, project.write() as unit:
        texts = [("Ärger", "Ärger in Köln"), ("alpha", "Ann met Bob"), ("Beta", "ΟΔΟΣ")]
        unit.insert_documents([(name, text, text_digest(text), {}) for name, text in texts], unit.now())
    with psycopg.connect(database.owner_url, autocommit=True) as conn:
        # enough rows that walking a whole index costs more than asking the right one
        conn.execute("INSERT INTO documents (name, text) "
                     "SELECT 'Doc ' || i, 'filler number ' || i FROM generate_series(1, 5000) i")
        conn.execute("INSERT INTO document_status (doc_id, annotator, status) "
                     "SELECT id, 'alice', 'done' FROM documents WHERE id % 7 = 0")
        conn.execute("INSERT INTO layer_counts (doc_id, annotator, spans) "
                     "SELECT id, 'alice', id % 5 FROM documents WHERE id % 3 = 0")
        conn.execute("VACUUM ANALYZE")  # (also empties the GIN indexes' pending lists, as autovacuum would)
        conn.execute("SET enable_seqscan = off")
        yield conn


def plan(conn, statement: str, params) -> str:
    return "\n".join(row[0] for row in conn.execute("EXPLAIN " + statement, params))


def test_the_list_reads_walk_their_indexes(owner):
    pattern = {"pattern": "%alp%", "who": "alice", "limit": 10, "offset": 0}
    expected = [
        (document_list.NAME_ASC, (10, 0), "documents_by_name"),
        (document_list.NAME_DESC, (10, 0), "documents_by_name"),
        (document_list.NAME_BEFORE, {"folded": "alpha", "id": 2}, "documents_by_name"),
        (document_list.COUNT_FILTER, ("%alp%",), "documents_name_trigrams"),
        (document_list.NAME_FILTER_ASC, ("%alp%", 10, 0), "documents_name_trigrams"),
        (document_list.SPANS_FILTER_ASC, pattern, "documents_name_trigrams"),
        (document_list.STAGE_FILTER_ASC, pattern, "documents_name_trigrams"),
        (document_list.SPANS_SOME_ASC, ("alice", 10, 0), "layer_counts_by_spans"),
        (document_list.SPANS_SOME_DESC, ("alice", 10, 0), "layer_counts_by_spans"),
        (document_list.STAGE_SOME_ASC, ("alice", 10, 0), "document_status_by_stage"),
        (document_list.STAGE_SOME_DESC, ("alice", 10, 0), "document_status_by_stage"),
    ]
    for statement, params, index in expected:
        assert index in plan(owner, statement, params), statement


def test_searches_ask_the_trigram_index(owner):
    # (pg_trgm takes words of letters and digits as the database's LC_CTYPE
    # sees them: under C, as here, only ASCII ones; "ärger" is asked as "rger")
    for text in ("ann met", "ärger", "KÖLN", ["met", "ann"]):
        asked = search.question((text,) if isinstance(text, str) else tuple(text))
        statement = search.FOUND_BY_REGEX if asked.by_regex else search.FOUND_BY_LIKE
        assert "documents_text_trigrams" in plan(owner, statement, {**asked.params, "limit": 5}), text
        rows = search.ROWS_BY_REGEX if asked.by_regex else search.ROWS_BY_LIKE
        assert "documents_text_trigrams" in plan(owner, rows, asked.params), text
    assert search.question(("ärger",)).by_regex and not search.question(("ann met",)).by_regex
    assert "documents_by_code_points" in plan(owner, search.IDS_BY_NAME, {"limit": 5})


def test_the_migration_adds_the_change_feeds_index(owner):
    indexes = dict(owner.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'change_log'"))
    assert "(txid)" in indexes["change_log_by_txid"]
    assert owner.execute(migrations.TRIGRAMS_SCHEMA).fetchone() == ("public",)


def test_only_the_kelvin_sign_lowers_to_an_ascii_letter():
    """search.py lowers a text's ASCII letters on the server and asks for
    what else lowers to them in the query: only "K" (U+212A) does, by
    itself ("İ" to "i" and a dot, which search.py asks for apart). A newer
    Unicode in a newer Python could add one: this would say so."""
    lowering_to_ascii = {chr(code): chr(code).lower() for code in range(0x80, 0x110000)
                         if not 0xD800 <= code <= 0xDFFF and any(c.isascii() for c in chr(code).lower())}
    assert lowering_to_ascii == {"\u212a": "k", "\u0130": "i\u0307"}
    assert {low: more for low, more in search._lowered_from().items() if low.isascii()} == search._ASCII_FROM


def test_pending_text_is_read_through_its_own_index(owner):
    # A large import's documents, pending (migration 0005: out of the partial
    # trigram index): a search asks the index for the others and finds the
    # pending ones by their partial btree, never by reading every row.
    owner.execute("UPDATE documents SET indexed = false WHERE id > 4500")
    owner.execute("VACUUM ANALYZE documents")
    for text in ("ann met", "ärger", ["met", "ann"]):
        asked = search.question((text,) if isinstance(text, str) else tuple(text))
        if asked.alone:
            statement = search.FOUND_BY_REGEX if asked.by_regex else search.FOUND_BY_LIKE
        else:
            statement = search.FOUND_BY_REGEX_AND if asked.by_regex else search.FOUND_BY_LIKE_AND
        rows = search.ROWS_BY_REGEX if asked.by_regex else search.ROWS_BY_LIKE
        for shown in (plan(owner, statement, {**asked.params, "limit": 5}), plan(owner, rows, asked.params)):
            assert "documents_text_trigrams" in shown and "documents_text_pending" in shown, (text, shown)
    assert "documents_text_pending" in plan(owner, PENDING_TEXT, ())


def test_a_common_string_with_a_limit_walks_the_names(owner):
    # The planner takes no statistics from a partial index's expression:
    # 0005's statistics on the lowered text tell it "filler" is in nearly
    # every document, so a page of 100 is read from the names in order (a
    # guess of "rare" sorted every candidate instead), and "ann met" is rare.
    common = search.question(("filler",))
    assert "documents_by_code_points" in plan(owner, search.FOUND_BY_LIKE, {**common.params, "limit": 100})
    rare = search.question(("ann met",))
    assert "documents_text_trigrams" in plan(owner, search.FOUND_BY_LIKE, {**rare.params, "limit": 100})


@pytest.mark.parametrize("repeat", [300, 100_000])
def test_a_very_long_search_of_letters_with_other_cases_is_answered(database, repeat):
    """A class per character ("é" or "É") made the server's expression too
    complex past tens of thousands of characters: a long string is asked
    for its start and checked here, so the answer is still exact."""
    admin.init_server(database.owner_url)
    admin.add_user(database.owner_url, "adam", "admin", "adam pw")
    texts = [("holds", "x" + "É" * repeat + "y"), ("almost", "x" + "é" * (repeat - 1) + "y"),
             ("none", "nothing here")]
    with ServerProject.open(database.url("adam", "adam pw")) as project:
        with project.write() as unit:
            unit.insert_documents([(name, text, text_digest(text), {}) for name, text in texts], unit.now())
        holds = [doc_id for doc_id, name, _ in project.document_keys() if name == "holds"]
        assert project.search_documents("é" * repeat) == holds
        assert project.search_documents("É" * repeat, limit=1) == holds
        assert [row[0] for row in project.documents_containing("é" * repeat)] == holds
