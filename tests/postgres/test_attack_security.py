"""Attacks on the owner's functions and locks, found by a review: what an
annotator's own session can make them do (a temporary table standing in
for the owner's; the import's document-id lock held by an annotator)."""

from __future__ import annotations

import psycopg
import pytest

from annotator.core.errors import ProjectBusy
from annotator.core.importer import import_files
from annotator.core.storage.postgres.project import ServerProject
from tests.core.helpers import write_jsonl
from tests.postgres.conftest import OWNER
from tests.postgres.test_server_live import password, set_up


def test_an_annotator_has_no_temporary_schema_to_shadow_the_owners_tables(database):
    """prune_change_log(), index_pending_text() and advance_id_sequence()
    run as the owner with `search_path = pg_catalog, public`: pg_temp, not
    listed, is searched FIRST for tables, so a temporary change_log_horizon
    would take the horizon's update while the real log is pruned (a reader
    left behind fed with a hole in it). What stops it today is only the
    database's REVOKE ALL ... FROM PUBLIC (no TEMPORARY): keep it so, or
    add pg_temp last to those search_paths."""
    set_up(database.owner_url)
    with psycopg.connect(database.url("alice", password("alice"))) as raw:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary"):
            raw.execute("CREATE TEMP TABLE change_log_horizon (only_row boolean, pruned_to xid8)")


def test_an_annotator_cannot_hold_the_document_id_lock(database, tmp_path):
    """The import's document-id lock was an advisory lock anyone may take:
    an annotator holding it made every admin's import wait, then fail as
    busy. Now it is a row only admins may lock; the old advisory lock
    blocks nothing."""
    set_up(database.owner_url)
    holder = psycopg.connect(database.url("alice", password("alice")), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(hashtext('annotator document ids'))")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        holder.execute("SELECT only_row FROM document_id_lock FOR UPDATE")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), holder.transaction():
        holder.execute("LOCK TABLE document_id_lock IN ROW EXCLUSIVE MODE")
    try:
        path = write_jsonl(tmp_path / "more.jsonl", [{"text": "one more"}])
        with ServerProject.open(database.owner_url) as owner:
            owner.wait_for_lock = False  # 200 ms rather than 30 s
            try:
                import_files(owner, [path], annotator=None)
                imported = True
            except ProjectBusy:
                imported = False
    finally:
        holder.close()
    assert imported, f"{OWNER}'s import was refused as busy"
