"""The change log: another connection (a second window, the CLI) learns
exactly what each commit touched, and re-reads only that."""

from __future__ import annotations

import pytest

from annotator.core import ops
from annotator.core.errors import SpanError
from annotator.core.importer import import_files
from annotator.core.storage import Project
from annotator.core.storage.sqlite import changelog
from tests.core.helpers import write_jsonl

TEXT = "Xi Jinping met Kim Jong-un. Xi Jinping left. Xi Jinping came back."


@pytest.fixture
def doc(project, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")
    import_files(project, [path], annotator="ann")
    return project.document_summaries("ann")[0].id


@pytest.fixture
def other(project, project_path):
    """A second connection to the same file: what another window sees."""
    with Project.open(project_path) as p:
        yield p


def _feed(other, seq):
    feed = other.changes_since(seq)
    assert feed is not None
    return feed


def test_a_span_added_elsewhere_arrives_as_that_span(project, other, doc):
    seq = other.change_seq()
    span = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    feed = _feed(other, seq)
    assert feed.seq > seq
    assert list(feed.spans) == [doc] and list(feed.spans[doc]) == [span.id]
    assert doc in feed.documents  # its span count changed
    assert other.spans_by_id(feed.spans[doc]) == [span]
    assert not feed.labels
    assert not _feed(other, feed.seq)  # nothing since


def test_relabel_and_remove_touch_the_same_id_and_reading_it_tells_which(project, other, doc):
    span = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    seq = other.change_seq()
    ops.relabel_span(project, span.id, "organisation")
    feed = _feed(other, seq)
    assert other.spans_by_id(feed.spans[doc]) == [span._replace(label="organisation")]
    ops.remove_span(project, span.id)
    feed = _feed(other, feed.seq)
    assert list(feed.spans[doc]) == [span.id]
    assert other.spans_by_id(feed.spans[doc]) == []  # gone


def test_a_status_change_touches_the_document_only(project, other, doc):
    seq = other.change_seq()
    ops.set_status(project, doc, "ann", "done")
    feed = _feed(other, seq)
    assert list(feed.documents) == [doc] and not feed.spans


def test_tag_all_is_one_range_however_many_spans(project, other, doc):
    first = ops.add_span(project, doc, "ann", "actor", 0, 10).added[0]
    seq = other.change_seq()
    change = ops.tag_all(project, first, TEXT)
    assert len(change.added) == 2
    feed = _feed(other, seq)
    assert len(feed.spans[doc].ranges) == 1
    assert sorted(other.spans_by_id(feed.spans[doc])) == sorted(change.added)


def test_an_import_names_new_documents_and_spans_added_to_existing_ones(project, other, doc, tmp_path):
    seq = other.change_seq()
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": TEXT, "meta": {"name": "doc"}, "spans": [{"start": 15, "end": 26, "label": "actor"}]},
        {"text": "another one", "meta": {"name": "new"}, "spans": [{"start": 0, "end": 7, "label": "topic"}]},
    ])
    import_files(project, [source], annotator="bob", add_labels=True)
    feed = _feed(other, seq)
    new_doc = next(d.id for d in other.document_summaries("bob") if d.name == "new")
    assert set(feed.documents) == {doc, new_doc}
    assert feed.labels  # "topic" was added
    # The open document's new span, and only that document's, is read back.
    (span,) = other.spans_by_id(feed.spans[doc])
    assert (span.doc_id, span.annotator, span.start, span.end) == (doc, "bob", 15, 26)
    assert new_doc not in feed.spans  # a new document is news enough
    rows = other.document_summaries("bob", ids=feed.documents)
    assert [(d.name, d.span_count) for d in rows] == [("doc", 1), ("new", 1)]


def test_a_re_import_names_the_new_span_even_after_skipped_ones_spent_ids(project, other, doc, tmp_path):
    """AUTOINCREMENT spends an id on a row INSERT OR IGNORE skips: the new
    span's id is past the skipped ones', and the log must say so (a window
    reads only the ids logged)."""
    spans = [{"start": 0, "end": 10, "label": "actor"}]
    first = write_jsonl(tmp_path / "first.jsonl", [{"text": TEXT, "meta": {"name": "doc"}, "spans": spans}])
    import_files(project, [first], annotator="bob")
    seq = other.change_seq()
    again = write_jsonl(tmp_path / "again.jsonl", [{"text": TEXT, "meta": {"name": "doc"},
                                                    "spans": spans + [{"start": 15, "end": 26, "label": "actor"}]}])
    import_files(project, [again], annotator="bob")  # the first span is skipped, the second is new
    feed = _feed(other, seq)
    assert [(s.start, s.end) for s in other.spans_by_id(feed.spans[doc])] == [(15, 26)]


def test_a_change_that_fails_logs_nothing(project, other, doc):
    ops.add_span(project, doc, "ann", "actor", 0, 10)
    seq = other.change_seq()
    with pytest.raises(SpanError):
        ops.add_span(project, doc, "ann", "actor", 0, 10)  # already there
    assert other.change_seq() == seq and not _feed(other, seq)


def test_a_window_too_far_behind_is_told_to_read_everything(project, other, doc, monkeypatch):
    monkeypatch.setattr(changelog, "KEEP", 3)
    monkeypatch.setattr(changelog, "PRUNE_EVERY", 2)
    seq = other.change_seq()
    for start in range(0, 40, 4):
        ops.add_span(project, doc, "ann", "actor", start, start + 2)
    assert other.changes_since(seq) is None
    recent = other.change_seq() - 1
    assert other.changes_since(recent) is not None  # the newest rows are kept
    assert other.changes_since(other.change_seq() + 5) is None  # a position from another file
