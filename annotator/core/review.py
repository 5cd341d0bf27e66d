"""Review and curation: comparing the annotators' layers of a document and
deciding what goes into the gold layer (layers.GOLD_NAME).

Candidates (where annotators agree or not) come from review_candidates.py,
re-exported here. Every curation step is an operation like those in ops.py:
one commit, one `Change`, undone by `ops.apply(change.inverse())`:

- `accept`: the reading goes into gold, with an "accept" decision naming
  the gold span;
- `reject`: a "reject" decision; a reading already in gold leaves it;
- `edit_gold`: a gold span gets another label or boundaries in place (same
  id), with an "edit" decision;
- `accept_all_agreed`: every reading held by at least N annotators goes
  into gold, in one step;
- `set_reviewed`: a person marks the document reviewed (or not).

Every decision is stored with the reviewer's name and the time. Review
writes only the gold layer and the decisions: the annotators' own layers
are never changed by it.

A document's review status: "reviewed" once a person marks it so (judging
that is theirs: a candidate left open may be right to leave), "in review"
while it has a decision or a gold span, else "not started".
"""

from __future__ import annotations

from typing import Iterable

from annotator.core import ops
from annotator.core.changes import Change, Decision
from annotator.core.errors import AnnotatorError, SpanError
from annotator.core.layers import GOLD, GOLD_NAME, Layer, may_edit
from annotator.core.model import Span, check_offsets, name_problem, normalize_name
from annotator.core.review_candidates import (AGREED_ALL, AGREED_SOME, CLASSES, CONFLICT, Candidate,
                                              Reading, candidates)
from annotator.core.storage import Project
from annotator.core.storage.interface import UnitOfWork

__all__ = ["AGREED_ALL", "AGREED_SOME", "CLASSES", "CONFLICT", "Candidate", "Reading", "candidates",
           "NOT_STARTED", "IN_REVIEW", "REVIEWED", "document_annotators", "document_candidates",
           "review_statuses", "accept", "reject", "edit_gold", "set_reviewed", "accept_all_agreed",
           "check_annotators"]

NOT_STARTED = "not started"
IN_REVIEW = "in review"
REVIEWED = "reviewed"
REVIEW_STATUSES = (NOT_STARTED, IN_REVIEW, REVIEWED)


# ------------------------------------------------------------------ reading

def document_annotators(project: Project, doc_id: int) -> list[str]:
    """Who annotated the document: a span in it, or a status other than
    "new" (someone who marked it done with no span there found nothing).
    Never gold."""
    names = set(project.annotators(doc_id))
    names |= {name for name in project.status_annotators() if project.status(doc_id, name) != "new"}
    names.discard(GOLD_NAME)
    return sorted(names)


def document_candidates(project: Project, doc_id: int, annotators: Iterable[str] | None = None) -> list[Candidate]:
    """The candidates of a document, classed against `annotators` (default:
    everyone who annotated it)."""
    who = document_annotators(project, doc_id) if annotators is None else list(annotators)
    return candidates(project.spans(doc_id), who, project.decisions(doc_id))


def review_statuses(project: Project, ids=None) -> dict[int, str]:
    """{doc_id: one of REVIEW_STATUSES} for every document (or those among
    the IdRanges `ids`): what the document list shows."""
    return project.review_statuses(ids)


def check_annotators(project: Project, names: Iterable[str]) -> list[str]:
    """`names` in their stored form, if each is an annotator of the project
    (a span or a status somewhere); otherwise AnnotatorError naming the
    unknown ones and the known. Gold is no annotator here."""
    known = sorted((set(project.annotators()) | set(project.status_annotators())) - {GOLD_NAME})
    stored = {normalize_name(k): k for k in known}
    chosen, unknown = [], []
    for name in map(normalize_name, names):
        (chosen if name in stored else unknown).append(stored.get(name, name))
    if unknown:
        raise AnnotatorError(f"{project.path}: no annotator {', '.join(map(repr, unknown))} in this project; "
                             f"known annotators: {', '.join(known) or 'none yet'}"
                             + (f" ({GOLD_NAME!r} is the reviewed layer, not an annotator)"
                                if GOLD_NAME in unknown else ""))
    return list(dict.fromkeys(chosen))


# ------------------------------------------------------------------ curating

def accept(project: Project, doc_id: int, reviewer: str, start: int, end: int, label: str) -> Change:
    """Put the reading (start, end, label) into gold, with an "accept" decision."""
    reviewer = _check_reviewer(reviewer)
    with project.write() as unit:
        added = ops.apply(project, Change(added=(Span(start, end, label, GOLD_NAME, doc_id),))).added
        decision = Decision(doc_id, start, end, label, "accept", reviewer, unit.now(), added[0].id)
        decisions = unit.insert_decisions([decision])
    return Change(added=added, decisions_added=decisions)


def reject(project: Project, doc_id: int, reviewer: str, start: int, end: int, label: str) -> Change:
    """Reject the reading (start, end, label): a "reject" decision, and out of
    gold if gold holds it. Nothing if it is already rejected and not in gold."""
    reviewer = _check_reviewer(reviewer)
    with project.write() as unit:
        length = unit.document_length(doc_id)
        if length is None:
            raise SpanError(f"there is no document with id {doc_id}")
        check_offsets(length, start, end)
        if label not in project.label_names():
            raise SpanError(f"unknown label {label!r}; known labels are {', '.join(project.label_names())}")
        gold_id = unit.find_span(Span(start, end, label, GOLD_NAME, doc_id))
        if gold_id is None and any(d.decision == "reject" and (d.start, d.end, d.label) == (start, end, label)
                                   for d in unit.decisions(doc_id)):
            return Change()
        out = ops.apply(project, Change(removed=(unit.span(gold_id),))) if gold_id else Change()
        decisions = unit.insert_decisions([Decision(doc_id, start, end, label, "reject", reviewer, unit.now(),
                                                    gold_id)])
    return Change(removed=out.removed, notes=out.notes, decisions_added=decisions)


def edit_gold(project: Project, span_id: int, reviewer: str, *, label: str | None = None,
              start: int | None = None, end: int | None = None) -> Change:
    """Give a gold span another label and/or boundaries, in place (its id
    kept), with an "edit" decision. Only gold spans: an annotator's layer is
    never changed by a review."""
    reviewer = _check_reviewer(reviewer)
    with project.write() as unit:
        span = unit.span(span_id)
        if span is None:
            raise SpanError(f"span {span_id} no longer exists (another window may have removed it)")
        if Layer.of(span).kind != GOLD:
            raise SpanError(f"span {span_id} is {span.annotator}'s, not gold: review edits only the gold "
                            "layer (annotators' own layers are never changed by a review)")
        after = span._replace(label=span.label if label is None else label,
                              start=span.start if start is None else start,
                              end=span.end if end is None else end)
        if after == span:
            return Change()
        relabeled = ops.apply(project, Change(relabeled=((span, after),))).relabeled
        decisions = unit.insert_decisions([Decision(span.doc_id, after.start, after.end, after.label, "edit",
                                                    reviewer, unit.now(), span.id)])
    return Change(relabeled=relabeled, decisions_added=decisions)


def set_reviewed(project: Project, doc_id: int, reviewer: str, reviewed: bool = True) -> Change:
    """Mark the document reviewed (a "reviewed" decision), or take the mark
    away (every "reviewed" decision of the document)."""
    reviewer = _check_reviewer(reviewer)
    with project.write() as unit:
        if unit.document_length(doc_id) is None:
            raise SpanError(f"there is no document with id {doc_id}")
        marks = tuple(d for d in unit.decisions(doc_id) if d.decision == REVIEWED)
        if reviewed and not marks:
            mark = Decision(doc_id, 0, 0, None, REVIEWED, reviewer, unit.now())
            return ops.apply(project, Change(decisions_added=(mark,)))
        if not reviewed and marks:
            return ops.apply(project, Change(decisions_removed=marks))
    return Change()


def accept_all_agreed(project: Project, doc_id: int | None, reviewer: str, min_agree: int | None = None,
                      annotators: Iterable[str] | None = None) -> Change:
    """Put into gold every reading (start, end, label) that at least
    `min_agree` of the chosen annotators hold exactly, in one commit and one
    undo step; in one document, or every document (`doc_id` None).

    The chosen annotators of a document are those of `annotators` (default:
    everyone) who annotated it (see document_annotators); `min_agree`
    defaults to all of them. A reading already in gold, or rejected by a
    reviewer, is skipped: running this twice adds nothing the second time."""
    reviewer = _check_reviewer(reviewer)
    if min_agree is not None and (isinstance(min_agree, bool) or not isinstance(min_agree, int) or min_agree < 1):
        raise AnnotatorError(f"the number of annotators who must agree must be 1 or more, not {min_agree!r}")
    wanted = None if annotators is None else set(check_annotators(project, annotators))
    if wanted is not None and min_agree is not None and min_agree > len(wanted):
        raise AnnotatorError(f"{min_agree} annotators cannot agree: only {len(wanted)} chosen "
                             f"({', '.join(sorted(wanted))})")
    with project.write() as unit:
        doc_ids = [d for d, *_ in project.document_keys()] if doc_id is None else [doc_id]
        if doc_id is not None and unit.document_length(doc_id) is None:
            raise SpanError(f"there is no document with id {doc_id}")
        new: list[Span] = []
        for doc in doc_ids:
            new += _agreed(project, unit, doc, wanted, min_agree)
        if not new:
            return Change()
        added = unit.insert_new_spans(new)
        now = unit.now()
        decisions = unit.insert_decisions([Decision(s.doc_id, s.start, s.end, s.label, "accept", reviewer, now, s.id)
                                           for s in added])
    return Change(added=added, decisions_added=decisions)


def _agreed(project: Project, unit: UnitOfWork, doc_id: int, wanted: set[str] | None,
            min_agree: int | None) -> list[Span]:
    """The gold spans accept_all_agreed adds to one document."""
    chosen = set(document_annotators(project, doc_id))
    if wanted is not None:
        chosen &= wanted
    need = len(chosen) if min_agree is None else min_agree
    if not chosen or need > len(chosen):
        return []
    holders: dict[tuple[int, int, str], int] = {}
    settled = set()  # readings in gold, or rejected
    for span in project.spans(doc_id):
        key = (span.start, span.end, span.label)
        if span.annotator == GOLD_NAME:
            settled.add(key)
        elif span.annotator in chosen:
            holders[key] = holders.get(key, 0) + 1
    settled |= {(d.start, d.end, d.label) for d in unit.decisions(doc_id) if d.decision == "reject"}
    return [Span(start, end, label, GOLD_NAME, doc_id) for (start, end, label), n in sorted(holders.items())
            if n >= need and (start, end, label) not in settled]


def _check_reviewer(reviewer: str) -> str:
    reviewer = normalize_name(reviewer)
    problem = name_problem(reviewer, "reviewer name")
    if problem:
        raise SpanError(problem)
    if not may_edit(Layer(GOLD, GOLD_NAME), reviewer, reviewing=True):
        raise SpanError(f"{reviewer!r} may not write the gold layer")
    return reviewer
