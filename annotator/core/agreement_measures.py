"""The agreement statistics, from counts alone (so a corpus is summed up as it
streams past and never held).

Every measure answers None where it is undefined instead of dividing by
zero: None is `null` in JSON and "-" in a table. NaN is never produced, so
it can never reach a JSON file (where it is not valid).
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable, Mapping, NamedTuple

# One token's labels from every annotator taken (None: that annotator did not
# annotate the document), and how many tokens had exactly those labels.
Pattern = tuple[Hashable | None, ...]


class PRF(NamedTuple):
    """Precision, recall and F1 of `predicted` against `reference`, with the
    counts they come from. A figure is None where its denominator is 0."""

    matched: int
    reference: int
    predicted: int

    @property
    def precision(self) -> float | None:
        return self.matched / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        # 2TP / (|A| + |B|): symmetric, and defined (0) when only one side has spans.
        total = self.reference + self.predicted
        return 2 * self.matched / total if total else None

    def __add__(self, other: "PRF") -> "PRF":  # type: ignore[override]
        return PRF(self.matched + other.matched, self.reference + other.reference,
                   self.predicted + other.predicted)


NO_SPANS = PRF(0, 0, 0)


def observed_agreement(confusion: Mapping[tuple[Hashable, Hashable], int]) -> float | None:
    """The share of items both raters labelled alike (None: no items)."""
    total = sum(confusion.values())
    if not total:
        return None
    return sum(n for (a, b), n in confusion.items() if a == b) / total


def cohen_kappa(confusion: Mapping[tuple[Hashable, Hashable], int]) -> float | None:
    """Cohen's kappa from {(label_a, label_b): count}.

    None when there are no items, or when chance agreement is 1: both raters
    gave every item the same single label, so agreement is certain and
    kappa (0/0) says nothing; the observed agreement (1.0) says it all.
    """
    total = sum(confusion.values())
    if not total:
        return None
    rows: Counter = Counter()
    cols: Counter = Counter()
    agreed = 0
    for (a, b), n in confusion.items():
        rows[a] += n
        cols[b] += n
        if a == b:
            agreed += n
    p_o = agreed / total
    p_e = sum(rows[c] * cols[c] for c in rows) / (total * total)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(items: Iterable[tuple[Mapping[Hashable, int], int]]) -> float | None:
    """Fleiss' kappa from (category counts of one item, how many such items).

    Every item must have the same number of ratings n >= 2 (ValueError
    otherwise). None when there are no items or chance agreement is 1 (every
    rating is the same one category).
    """
    n_items = 0
    raters = None
    agreement_sum = 0.0  # sum over items of sum_j n_ij^2
    totals: Counter = Counter()
    for counts, weight in items:
        n = sum(counts.values())
        if raters is None:
            raters = n
        elif n != raters:
            raise ValueError(f"Fleiss' kappa needs the same number of ratings per item ({raters} and {n})")
        n_items += weight
        agreement_sum += weight * sum(c * c for c in counts.values())
        for category, c in counts.items():
            totals[category] += weight * c
    if not n_items or raters is None or raters < 2:
        return None
    p_bar = (agreement_sum - n_items * raters) / (n_items * raters * (raters - 1))
    p_e = sum((t / (n_items * raters)) ** 2 for t in totals.values())
    if p_e >= 1.0:
        return None
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(units: Iterable[tuple[Mapping[Hashable, int], int]]) -> float | None:
    """Krippendorff's alpha for nominal data from (value counts of one unit,
    how many such units). Units may have any number of values (missing
    ratings are simply absent); units with fewer than two are not pairable
    and count for nothing.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, with the
    coincidences o_ck = sum_u n_uc n_uk / (m_u - 1). None when fewer than two
    pairable values, or when every pairable value is the same (no expected
    disagreement: 0/0).
    """
    disagree = 0.0  # sum over c != k of o_ck
    n_c: Counter = Counter()
    for counts, weight in units:
        m = sum(counts.values())
        if m < 2:
            continue
        same = sum(c * c for c in counts.values())
        # ordered pairs of different values in the unit: m^2 - sum n_uc^2
        disagree += weight * (m * m - same) / (m - 1)
        for value, c in counts.items():
            n_c[value] += weight * c
    n = sum(n_c.values())
    if n < 2:
        return None
    expected = n * n - sum(c * c for c in n_c.values())  # sum_{c != k} n_c n_k
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * disagree / expected


def value_counts(pattern: Pattern, keep: Iterable[int] | None = None) -> Counter:
    """How often each label occurs in a pattern (None: missing, left out)."""
    values = pattern if keep is None else (pattern[i] for i in keep)
    return Counter(v for v in values if v is not None)
