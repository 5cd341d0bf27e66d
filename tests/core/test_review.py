"""Review and curation (core/review.py): candidates where three annotators
agree and disagree on the sample article, and every curation step (accept,
reject, edit in gold, accept all agreed, marking reviewed) with its undo and
redo, the decisions stored, and the annotators' layers left alone."""

from __future__ import annotations

import re
import sqlite3

import pytest

from annotator.core import ops, review
from annotator.core.changes import Change, Decision
from annotator.core.errors import AnnotatorError, SpanError
from annotator.core.feed import IdRanges
from annotator.core.model import Span
from annotator.core.paths import seeds_dir
from annotator.core.review import AGREED_ALL, AGREED_SOME, CONFLICT, candidates
from annotator.core.storage import Project
from tests.core.helpers import REVIEW_ANNOTATORS, tag_for_review

ANNOTATORS = REVIEW_ANNOTATORS


@pytest.fixture
def article(project_path):
    """The sample article, tagged by three annotators; yields (project, doc_id, where)."""
    with Project.open(project_path, seeds=seeds_dir()) as project:
        doc_id, text = tag_for_review(project)

        def where(phrase: str) -> tuple[int, int]:
            start = text.index(phrase)
            return start, start + len(phrase)

        yield project, doc_id, where


def layers(project: Project, doc_id: int) -> dict[str, list[Span]]:
    return {name: project.spans(doc_id, name) for name in ANNOTATORS}


def gold(project: Project, doc_id: int) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in project.spans(doc_id, "gold")}


def decision_rows(path) -> list[tuple]:
    """The stored decisions, read past the code under test."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute('SELECT id, doc_id, start, "end", label, decision, reviewer, decided_at, gold_span_id '
                            "FROM review_decisions ORDER BY id").fetchall()
    finally:
        conn.close()


# ------------------------------------------------------------------ candidates

def test_candidates_are_classed_by_who_agrees(article):
    project, doc_id, where = article
    found = {(c.start, c.end): c for c in review.document_candidates(project, doc_id)}
    assert {span: c.kind for span, c in found.items()} == {
        where("Xi Jinping"): AGREED_ALL,
        where("Communist Party of China"): AGREED_ALL,
        where("Kim Jong-un"): AGREED_SOME,
        where("July 11, 1961"): CONFLICT,
        where("Song Tao"): CONFLICT,
    }
    date = found[where("July 11, 1961")]
    assert [(r.start, r.end, r.label, r.annotators) for r in date.readings] == [
        (*where("July 11"), "date", ("bob",)), (*where("July 11, 1961"), "date", ("alice", "carol"))]
    # who tagged what there
    assert {who: [(s.start, s.end, s.label) for s in spans] for who, spans in date.who().items()} == {
        "alice": [(*where("July 11, 1961"), "date")], "bob": [(*where("July 11"), "date")],
        "carol": [(*where("July 11, 1961"), "date")]}
    song = found[where("Song Tao")]
    assert sorted(r.label for r in song.readings) == ["actor", "organisation"]
    assert not any(c.decided or c.gold for c in found.values())


def test_who_annotated_the_document_includes_a_status_without_spans(article):
    project, doc_id, where = article
    ops.set_status(project, doc_id, "dave", "done")  # read it, found nothing
    ops.set_status(project, doc_id, "erin", "new")  # never started: not counted
    assert review.document_annotators(project, doc_id) == ["alice", "bob", "carol", "dave"]
    kinds = {(c.start, c.end): c.kind for c in review.document_candidates(project, doc_id)}
    assert kinds[where("Xi Jinping")] == AGREED_SOME
    # classed against a chosen few instead
    kinds = {(c.start, c.end): c.kind for c in review.document_candidates(project, doc_id, ["alice", "bob"])}
    assert kinds[where("Kim Jong-un")] == AGREED_ALL
    assert kinds[where("July 11, 1961")] == CONFLICT


def test_clusters_are_transitive_touching_is_not_overlapping_and_gold_is_no_reading():
    spans = [Span(0, 5, "actor", "a", 1), Span(4, 9, "actor", "b", 1), Span(8, 12, "actor", "a", 1),
             Span(12, 14, "date", "a", 1), Span(12, 14, "date", "b", 1),
             Span(20, 22, "date", "a", 1), Span(20, 22, "date", "zed", 1),
             Span(11, 13, "actor", "gold", 1, 99)]
    found = candidates(spans, ["a", "b"])
    assert [(c.start, c.end, c.kind, len(c.readings)) for c in found] == [
        (0, 12, CONFLICT, 3), (12, 14, AGREED_ALL, 1), (20, 22, AGREED_SOME, 1)]
    # the gold span overlaps the first two candidates, not the third
    assert [[s.id for s in c.gold] for c in found] == [[99], [99], []]
    assert [c.decided for c in found] == [True, True, False]


def test_a_candidate_is_decided_by_gold_or_by_rejecting_every_reading():
    spans = [Span(0, 5, "actor", "a", 1), Span(0, 6, "actor", "b", 1)]
    reject = Decision(1, 0, 5, "actor", "reject", "rev", "t", None, 1)
    (one,) = candidates(spans, ["a", "b"], [reject])
    assert not one.decided and [r.rejected for r in one.readings] == [True, False]
    assert one.decisions == (reject,)
    (both,) = candidates(spans, ["a", "b"], [reject, reject._replace(end=6, id=2)])
    assert both.decided


def test_candidates_of_a_large_document_are_right(article):
    """3 x 50,000 spans: every third position agreed by all, the others by
    two or in conflict (the speed is measured by the bench, not here)."""
    spans = []
    for i in range(50_000):
        start = i * 10
        spans += [Span(start, start + 5, "actor", "a", 1), Span(start, start + 5, "actor", "b", 1),
                  Span(start, start + (5 if i % 3 == 0 else 6), "actor", "c", 1)] if i % 3 != 2 else \
                 [Span(start, start + 5, "actor", "a", 1), Span(start, start + 5, "actor", "b", 1)]
    found = candidates(spans, ["a", "b", "c"])
    assert len(found) == 50_000
    assert [c.kind for c in found[:6]] == [AGREED_ALL, CONFLICT, AGREED_SOME] * 2


# ------------------------------------------------------------------ accept, reject, edit

def test_accept_puts_a_reading_into_gold_and_undo_redo_keep_ids(article, project_path):
    project, doc_id, where = article
    before = layers(project, doc_id)
    change = review.accept(project, doc_id, "rita", *where("July 11, 1961"), "date")
    (span,), (decision,) = change.added, change.decisions_added
    assert span.annotator == "gold" and gold(project, doc_id) == {(*where("July 11, 1961"), "date")}
    (row,) = decision_rows(project_path)
    assert row[:7] == (decision.id, doc_id, *where("July 11, 1961"), "date", "accept", "rita")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", row[7]) and row[8] == span.id

    ops.apply(project, change.inverse())
    assert gold(project, doc_id) == set() and decision_rows(project_path) == []
    redone = ops.apply(project, change)
    assert redone.added == change.added and redone.decisions_added == change.decisions_added
    assert project.spans(doc_id, "gold") == [span] and decision_rows(project_path) == [row]
    assert layers(project, doc_id) == before
    (date,) = [c for c in review.document_candidates(project, doc_id) if c.kind == CONFLICT and
               c.start == where("July 11")[0]]
    assert date.decided and [r.in_gold for r in date.readings] == [False, True]


def test_accepting_what_gold_holds_is_refused(article):
    project, doc_id, where = article
    review.accept(project, doc_id, "rita", *where("Song Tao"), "actor")
    with pytest.raises(SpanError, match="gold already has"):
        review.accept(project, doc_id, "rita", *where("Song Tao"), "actor")


def test_reject_stores_a_decision_only_and_takes_a_reading_out_of_gold(article, project_path):
    project, doc_id, where = article
    before = layers(project, doc_id)
    change = review.reject(project, doc_id, "rita", *where("Song Tao"), "organisation")
    assert not change.added and not change.removed and len(change.decisions_added) == 1
    assert [r[5:7] for r in decision_rows(project_path)] == [("reject", "rita")]
    assert review.reject(project, doc_id, "rita", *where("Song Tao"), "organisation") == Change()

    accepted = review.accept(project, doc_id, "rita", *where("Kim Jong-un"), "actor")
    out = review.reject(project, doc_id, "sam", *where("Kim Jong-un"), "actor")
    assert out.removed == accepted.added and gold(project, doc_id) == set()
    ops.apply(project, out.inverse())
    assert project.spans(doc_id, "gold") == list(accepted.added)
    assert layers(project, doc_id) == before


def test_edit_in_gold_changes_label_and_boundaries_in_place(article, project_path):
    project, doc_id, where = article
    (span,) = review.accept(project, doc_id, "rita", *where("July 11"), "date").added
    relabel = review.edit_gold(project, span.id, "sam", label="actor")
    move = review.edit_gold(project, span.id, "sam", end=where("July 11, 1961")[1], label="date")
    assert project.spans(doc_id, "gold") == [span._replace(end=where("July 11, 1961")[1])]
    assert [r[5:7] for r in decision_rows(project_path)] == [("accept", "rita"), ("edit", "sam"), ("edit", "sam")]
    assert decision_rows(project_path)[-1][2:5] == (*where("July 11, 1961"), "date")

    ops.apply(project, move.inverse())
    ops.apply(project, relabel.inverse())
    assert project.spans(doc_id, "gold") == [span] and len(decision_rows(project_path)) == 1
    ops.apply(project, relabel)
    ops.apply(project, move)
    assert project.spans(doc_id, "gold") == [span._replace(end=where("July 11, 1961")[1])]
    # the edit decisions came back under their own ids
    assert [r[0] for r in decision_rows(project_path)[1:]] == [relabel.decisions_added[0].id,
                                                               move.decisions_added[0].id]


def test_review_never_edits_an_annotators_layer(article):
    project, doc_id, where = article
    before = layers(project, doc_id)
    alices = project.spans(doc_id, "alice")[0]
    with pytest.raises(SpanError, match="not gold"):
        review.edit_gold(project, alices.id, "rita", label="date")
    with pytest.raises(SpanError, match="that span is alice's"):
        ops.move_span(project, alices.id, alices.start, alices.end + 1, "rita")
    with pytest.raises(SpanError, match="no span|no longer exists"):
        review.edit_gold(project, 10_000, "rita", label="date")
    assert layers(project, doc_id) == before


def test_bad_edits_and_reviewers_are_refused_and_change_nothing(article, project_path):
    project, doc_id, where = article
    (span,) = review.accept(project, doc_id, "rita", *where("Xi Jinping"), "actor").added
    for kwargs, message in [({"end": 10**9}, "past the end"), ({"start": span.end}, "before its end"),
                            ({"label": "nope"}, "unknown label")]:
        with pytest.raises(SpanError, match=message):
            review.edit_gold(project, span.id, "rita", **kwargs)
    with pytest.raises(SpanError, match="reviewer name"):
        review.accept(project, doc_id, " ", *where("Kim Jong-un"), "actor")
    assert project.spans(doc_id, "gold") == [span] and len(decision_rows(project_path)) == 1


# ------------------------------------------------------------------ accept all agreed

def test_accept_all_agreed_with_the_default_and_other_numbers(article, project_path):
    project, doc_id, where = article
    before = layers(project, doc_id)
    change = review.accept_all_agreed(project, doc_id, "rita")
    agreed_by_all = {(*where("Xi Jinping"), "actor"), (*where("Communist Party of China"), "organisation")}
    assert gold(project, doc_id) == agreed_by_all
    assert {(d.start, d.end, d.label, d.decision, d.reviewer, d.gold_span_id) for d in change.decisions_added} == \
        {(s.start, s.end, s.label, "accept", "rita", s.id) for s in change.added}
    assert review.accept_all_agreed(project, doc_id, "rita") == Change()  # a second run adds nothing

    two = review.accept_all_agreed(project, None, "rita", min_agree=2)
    by_two = {(*where("Kim Jong-un"), "actor"), (*where("July 11, 1961"), "date")}
    assert {(s.start, s.end, s.label) for s in two.added} == by_two
    review.accept_all_agreed(project, None, "rita", min_agree=1)
    assert gold(project, doc_id) == {(s.start, s.end, s.label) for spans in before.values() for s in spans}
    assert layers(project, doc_id) == before
    assert len(decision_rows(project_path)) == len(gold(project, doc_id))


def test_accept_all_agreed_is_one_undo_step_and_redo_keeps_ids(article, project_path):
    project, doc_id, where = article
    change = review.accept_all_agreed(project, None, "rita", min_agree=1)
    rows = decision_rows(project_path)
    assert len(change.added) == 7  # every reading
    ops.apply(project, change.inverse())
    assert gold(project, doc_id) == set() and decision_rows(project_path) == []
    ops.apply(project, change)
    assert project.spans(doc_id, "gold") == sorted(change.added) and decision_rows(project_path) == rows


def test_accept_all_agreed_skips_rejected_readings_and_counts_chosen_annotators(article):
    project, doc_id, where = article
    review.reject(project, doc_id, "rita", *where("July 11, 1961"), "date")
    review.accept_all_agreed(project, doc_id, "rita", min_agree=2)
    assert gold(project, doc_id) == {(*where("Xi Jinping"), "actor"), (*where("Communist Party of China"),
                                                                       "organisation"),
                                     (*where("Kim Jong-un"), "actor")}
    # alice and bob alone: all of them (two) agree on one more, Song Tao is still a conflict
    review.accept_all_agreed(project, doc_id, "rita", annotators=["bob", "alice"])
    assert (*where("Song Tao"), "actor") not in gold(project, doc_id)
    review.accept_all_agreed(project, doc_id, "rita", annotators=["alice"])
    assert (*where("Song Tao"), "actor") in gold(project, doc_id)


def test_accept_all_agreed_refuses_unknown_annotators_and_bad_numbers(article):
    project, doc_id, _ = article
    for kwargs, message in [({"annotators": ["alice", "zed"]},
                             "no annotator 'zed'.*known annotators: alice, bob, carol"),
                            ({"annotators": ["gold"]}, "reviewed layer"),
                            ({"min_agree": 0}, "1 or more"),
                            ({"min_agree": 3, "annotators": ["alice", "bob"]}, "only 2 chosen")]:
        with pytest.raises(AnnotatorError, match=message):
            review.accept_all_agreed(project, None, "rita", **kwargs)
    assert gold(project, doc_id) == set()


# ------------------------------------------------------------------ status, change log

def test_review_status_per_document(article):
    project, doc_id, where = article
    assert review.review_statuses(project) == {doc_id: review.NOT_STARTED}
    rejected = review.reject(project, doc_id, "rita", *where("Song Tao"), "actor")
    assert review.review_statuses(project) == {doc_id: review.IN_REVIEW}
    marked = review.set_reviewed(project, doc_id, "rita")
    assert review.review_statuses(project) == {doc_id: review.REVIEWED}
    assert review.set_reviewed(project, doc_id, "sam") == Change()
    ops.apply(project, marked.inverse())
    ops.apply(project, rejected.inverse())
    assert review.review_statuses(project) == {doc_id: review.NOT_STARTED}
    review.accept_all_agreed(project, doc_id, "rita")
    review.set_reviewed(project, doc_id, "rita")
    unmarked = review.set_reviewed(project, doc_id, "rita", reviewed=False)
    assert len(unmarked.decisions_removed) == 1 and review.review_statuses(project)[doc_id] == review.IN_REVIEW
    assert review.review_statuses(project, IdRanges.of([doc_id])) == {doc_id: review.IN_REVIEW}
    assert review.review_statuses(project, IdRanges.of([doc_id + 1])) == {}


def test_decisions_are_in_the_change_log(article):
    project, doc_id, where = article
    seq = project.change_seq()
    review.reject(project, doc_id, "rita", *where("Song Tao"), "actor")
    feed = project.changes_since(seq)
    assert doc_id in feed.documents and not feed.spans  # a decision alone: the document's row


def test_a_decision_change_inverts_by_swapping():
    d = Decision(1, 0, 5, "actor", "accept", "rita", "t", 7, 3)
    change = Change(decisions_added=(d,))
    assert change and change.inverse() == Change(decisions_removed=(d,)) and change.inverse().inverse() == change
    assert change.doc_ids == {1}
