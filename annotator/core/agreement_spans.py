"""One document, one or two annotators: span matching and token labels.

Spans here are (start, end, label) triples of one annotator's layer in one
document (a layer holds no duplicates: the schema makes (start, end, label)
unique per layer).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from typing import Iterable, Sequence

# The label of a token no span covers. Shown as "O"; kept as "" inside, which
# no label can be called (names are never empty), so a label named "O" stays apart.
OUTSIDE = ""

Triple = tuple[int, int, str]


def exact_matches(a: Iterable[Triple], b: Iterable[Triple]) -> Counter:
    """{label: how many spans of `a` have a twin in `b` (same start, end and label)}."""
    return Counter(label for _, _, label in set(a) & set(b))


def overlap_matches(a: Sequence[Triple], b: Sequence[Triple]) -> Counter:
    """{label: how many one-to-one pairs of overlapping same-label spans}.

    How they are paired: every overlapping pair of the same label is a
    candidate; candidates are taken greedily, the most shared characters
    first (ties: exact twins first, then by position), each span used at
    most once. An exact twin shares all its characters, which no other
    candidate of that span can beat, so every exact match is also an
    overlap match.
    """
    # The twins are taken out first: no other candidate of either can share
    # more characters, so the greedy pairing would take them first anyway.
    twins = set(a) & set(b)
    found = Counter(label for _, _, label in twins)
    by_label_b: dict[str, list[Triple]] = defaultdict(list)
    for span in b:
        if span not in twins:
            by_label_b[span[2]].append(span)
    if not by_label_b:
        return found
    by_label_a: dict[str, list[Triple]] = defaultdict(list)
    for span in a:
        if span not in twins:
            by_label_a[span[2]].append(span)
    for label, mine in by_label_a.items():
        theirs = by_label_b.get(label)
        if theirs:
            found[label] += _pair_overlapping(mine, theirs)
    return +found


def _pair_overlapping(mine: list[Triple], theirs: list[Triple]) -> int:
    theirs = sorted(theirs)
    starts = [s for s, _, _ in theirs]
    longest = max(e - s for s, e, _ in theirs)
    candidates = []
    for i, (s, e, _) in enumerate(mine):
        # Only spans starting within `longest` before s can reach it.
        for j in range(bisect_right(starts, s - longest), bisect_left(starts, e)):
            ts, te, _ = theirs[j]
            shared = min(e, te) - max(s, ts)
            if shared > 0:
                candidates.append((-shared, (s, e) != (ts, te), s, ts, i, j))
    candidates.sort()
    used_a, used_b, pairs = set(), set(), 0
    for *_, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs += 1
    return pairs


def token_labels(bounds: Sequence[tuple[int, int]], spans: Iterable[Triple]) -> dict[int, str]:
    """{token index: label} of the tokens (`bounds`: tokenize.tokens) that
    a span shares at least one character with; every other token is
    OUTSIDE. Sparse, because most tokens of a text are outside every span.

    Where several spans of the layer cover a token, the shortest (innermost)
    wins: an actor inside a quote is an actor. Of equally long ones, the
    label first in alphabetical order wins, so the result never depends on
    the order spans were read in.
    """
    labels: dict[int, str] = {}
    # Longest first, so shorter spans overwrite; equal lengths: reverse
    # alphabetical, so the alphabetically first label is written last.
    for s, e, label in sorted(spans, key=lambda t: (t[1] - t[0], t[2]), reverse=True):
        first = bisect_left(bounds, (s + 1,))  # tokens starting at or before s ...
        if first and bounds[first - 1][1] > s:
            first -= 1                          # ... the last of which may hold s
        last = bisect_left(bounds, (e,))        # tokens starting before e
        for i in range(first, last):
            labels[i] = label
    return labels
