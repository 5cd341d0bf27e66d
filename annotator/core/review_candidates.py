"""Where annotators agree and where they do not: a document's spans grouped
into candidates for review. Pure: no project, no I/O.

A **candidate** is a cluster of annotator spans that overlap one another,
directly or through others (touching is not overlapping: offsets are end
exclusive). Within it, each distinct (start, end, label) is a **reading**,
held by the annotators who tagged exactly that. A candidate is

- AGREED_ALL: one reading, held by every annotator of the document;
- AGREED_SOME: one reading, held by some; the others have nothing there;
- CONFLICT: two or more readings (other boundaries, or other labels).

"Annotators of the document" is whoever the caller passes: core/review.py
passes those with a span or a status other than "new" in the document (so
someone who marked it done with no span there disagrees by having nothing).
Spans of anyone else are left out; gold spans (layers.GOLD_NAME) are never
readings, only carried along where they overlap a candidate.
"""

from __future__ import annotations

import functools
import operator
from bisect import bisect_left
from itertools import groupby
from typing import Iterable, NamedTuple

from annotator.core.changes import Decision
from annotator.core.layers import GOLD_NAME
from annotator.core.model import Span

AGREED_ALL = "agreed by all"
AGREED_SOME = "agreed by some"
CONFLICT = "in conflict"
CLASSES = (AGREED_ALL, AGREED_SOME, CONFLICT)


class Reading(NamedTuple):
    start: int
    end: int
    label: str
    annotators: tuple[str, ...]  # sorted
    in_gold: bool  # gold holds exactly this
    rejected: bool  # a reviewer rejected exactly this


class Candidate(NamedTuple):
    # A NamedTuple, not a dataclass: a large document makes 50,000 of them.
    doc_id: int
    start: int  # the cluster's extent
    end: int
    kind: str  # one of CLASSES
    readings: tuple[Reading, ...]  # by position, then label
    spans: tuple[Span, ...]  # the annotators' spans in it, by position
    gold: tuple[Span, ...]  # gold spans overlapping it
    decisions: tuple[Decision, ...]  # review decisions overlapping it, in the order given

    @property
    def decided(self) -> bool:
        """Whether review has settled this place: gold holds something here
        (a reading accepted, or a gold span edited onto it), or every
        reading was rejected. Rejecting one reading of a conflict leaves it
        open."""
        return bool(self.gold) or all(r.rejected for r in self.readings)

    def who(self) -> dict[str, tuple[Span, ...]]:
        """Who tagged what here: {annotator: their spans in it}."""
        found: dict[str, list[Span]] = {}
        for span in self.spans:
            found.setdefault(span.annotator, []).append(span)
        return {name: tuple(spans) for name, spans in sorted(found.items())}


# Built from a ready tuple without the Python-level __new__ (see unit.span_from_row).
_reading = functools.partial(tuple.__new__, Reading)
_candidate = functools.partial(tuple.__new__, Candidate)
_position = operator.itemgetter(0, 1, 2)  # a span's (start, end, label)


def candidates(spans: Iterable[Span], annotators: Iterable[str],
               decisions: Iterable[Decision] = ()) -> list[Candidate]:
    """The candidates of one document's `spans` (every layer, gold
    included), by position, classed against `annotators` (see the module
    docstring); `decisions` (the document's, oldest first) are carried
    along where they overlap. Sorts once and sweeps: linear after the sort."""
    chosen = frozenset(annotators) - {GOLD_NAME}
    mine, gold = [], []
    for span in spans:
        if span.annotator == GOLD_NAME:
            gold.append(span)
        elif span.annotator in chosen:
            mine.append(span)
    mine.sort()
    gold.sort()
    clusters, ends = _clusters(mine)
    starts = [cluster[0].start for cluster in clusters]
    gold_in = _overlapping(gold, starts, ends)
    decided = [d for d in decisions if d.label is not None]  # not the "reviewed" mark
    decisions_in = _overlapping(decided, starts, ends)
    gold_exact = {(s.start, s.end, s.label) for s in gold}
    rejected = {(d.start, d.end, d.label) for d in decided if d.decision == "reject"}
    result = []
    for i, cluster in enumerate(clusters):
        first, last = cluster[0], cluster[-1]
        if first[:3] == last[:3]:
            # One reading (most places): the cluster is sorted, so its ends
            # agree only if all do, and the annotators come in name order.
            key = first[:3]
            who = (first.annotator,) if len(cluster) == 1 else tuple([s.annotator for s in cluster])
            readings = (_reading(key + (who, key in gold_exact, key in rejected)),)
            kind = AGREED_ALL if len(who) == len(chosen) else AGREED_SOME
        else:
            readings = tuple([_reading(key + (tuple([s.annotator for s in group]), key in gold_exact,
                                              key in rejected))
                              for key, group in groupby(cluster, key=_position)])
            kind = CONFLICT
        result.append(_candidate((cluster[0].doc_id, starts[i], ends[i], kind, readings, tuple(cluster),
                                  tuple(gold_in.get(i, ())), tuple(decisions_in.get(i, ())))))
    return result


def _clusters(spans: list[Span]) -> tuple[list[list[Span]], list[int]]:
    """Spans sorted by position, cut where no span reaches past the next
    start; and where each cluster ends."""
    clusters: list[list[Span]] = []
    ends: list[int] = []
    reach = -1
    for span in spans:
        if span.start < reach:
            clusters[-1].append(span)
            if span.end > reach:
                reach = ends[-1] = span.end
        else:
            clusters.append([span])
            reach = span.end
            ends.append(reach)
    return clusters, ends


def _overlapping(items, starts: list[int], ends: list[int]) -> dict[int, list]:
    """{cluster index: the items (with .start, .end) overlapping it}. The
    clusters are disjoint and sorted, so each item looks at the clusters
    from the first that ends after its start, as long as they start before
    its end."""
    found: dict[int, list] = {}
    for item in items:
        i = bisect_left(ends, item.start + 1)  # first cluster ending after item.start
        while i < len(starts) and starts[i] < item.end:
            found.setdefault(i, []).append(item)
            i += 1
    return found
