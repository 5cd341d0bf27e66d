"""Inter-annotator agreement over a project, document by document.

What is compared, and the rules chosen:

- Spans: two annotators' layers of a document, exactly (same start, end and
  label) and by overlap (same label, sharing a character; one-to-one, see
  agreement_spans.overlap_matches). Precision counts the second annotator's
  spans, recall the first's; F1 is symmetric. Per label and overall (micro:
  the counts of every label and document summed before dividing).
- Tokens (core/tokenize.py): each token gets the label of the span of that
  annotator that covers it (the innermost where spans nest), or "O". Cohen's
  kappa per pair, Fleiss' kappa and Krippendorff's alpha (nominal) across
  everyone taken, a confusion matrix per pair.
- Who annotated a document: an annotator with a span in it (of any label)
  or a status other than "new" there (someone who marked it done and found
  nothing agrees that nothing is there). Anyone else is *missing* for that
  document, not "all O": they are left out of its pairs, Krippendorff's
  alpha treats their values as missing, and Fleiss' kappa (which needs
  every item rated by everyone) counts only the documents all the chosen
  annotators annotated. The same rule as review's accept-all-agreed.
- The gold layer is not an annotator unless named (`--annotators A,gold`
  measures A against the reviewed spans).
- `labels`: spans of other labels are dropped before anything is counted,
  so their tokens are "O".

Memory: one document's tokens at a time; everything else is counts (token
label patterns, span match counts) plus one row per document for the
breakdown. Undefined figures are None (see agreement_measures).
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations, groupby
from typing import Iterable, Iterator

from annotator.core import agreement_measures as measures
from annotator.core.agreement_measures import PRF
from annotator.core.agreement_spans import OUTSIDE, Triple, exact_matches, overlap_matches, token_labels
from annotator.core.errors import AnnotatorError
from annotator.core.exporter import GOLD, check_annotator, known_annotators
from annotator.core.model import normalize_name
from annotator.core.storage import Project
from annotator.core.tokenize import tokens

__all__ = ["DocumentAgreement", "DocumentLayers", "PairAgreement", "Report", "measure", "project_agreement"]


@dataclass(frozen=True)
class DocumentLayers:
    """One document as agreement sees it: its text, each annotator's spans
    (start, end, label), and who annotated it (see the module's rules)."""

    doc_id: int
    name: str
    text: str
    spans: dict[str, list[Triple]]
    annotated: frozenset[str]


@dataclass
class PairAgreement:
    a: str
    b: str
    documents: int = 0  # documents both annotated
    # {label: [exact matched, overlap matched, spans of a, spans of b]}
    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    confusion: Counter = field(default_factory=Counter)  # {(label of a, label of b): tokens}

    def exact(self, label: str | None = None) -> PRF:
        return self._prf(0, label)

    def overlap(self, label: str | None = None) -> PRF:
        return self._prf(1, label)

    def _prf(self, which: int, label: str | None) -> PRF:
        rows = self.counts.values() if label is None else [self.counts.get(label, [0, 0, 0, 0])]
        return sum((PRF(row[which], row[2], row[3]) for row in rows), measures.NO_SPANS)

    @property
    def tokens(self) -> int:
        return sum(self.confusion.values())

    @property
    def kappa(self) -> float | None:
        return measures.cohen_kappa(self.confusion)

    @property
    def observed(self) -> float | None:
        return measures.observed_agreement(self.confusion)


@dataclass(frozen=True)
class DocumentAgreement:
    """One document's row of the breakdown: means over the pairs who both
    annotated it (None where no pair's figure is defined)."""

    doc_id: int
    name: str
    annotators: int
    tokens: int
    kappa: float | None
    exact_f1: float | None
    overlap_f1: float | None


@dataclass
class Report:
    annotators: list[str]
    labels: list[str]  # every label counted (spans seen), without OUTSIDE
    documents: int = 0
    pairs: list[PairAgreement] = field(default_factory=list)
    patterns: Counter = field(default_factory=Counter)  # {Pattern: tokens}
    per_document: list[DocumentAgreement] = field(default_factory=list)  # worst first once finished

    @property
    def fleiss_documents_tokens(self) -> int:
        return sum(n for p, n in self.patterns.items() if None not in p)

    @property
    def fleiss_kappa(self) -> float | None:
        """Over the tokens of documents every annotator taken annotated."""
        return measures.fleiss_kappa((Counter(p), n) for p, n in self.patterns.items() if None not in p)

    @property
    def krippendorff_alpha(self) -> float | None:
        return measures.krippendorff_alpha((measures.value_counts(p), n) for p, n in self.patterns.items())


def measure(documents: Iterable[DocumentLayers], annotators: list[str],
            labels: list[str] | None = None) -> Report:
    """Agreement of `annotators` over `documents` (streamed: one held at a
    time). With `labels`, only spans of those labels count."""
    if len(annotators) < 2:
        raise AnnotatorError("agreement needs at least two annotators")
    wanted = set(labels) if labels is not None else None
    report = Report(list(annotators), [])
    seen_labels: set[str] = set()
    pairs = {(a, b): PairAgreement(a, b) for a, b in combinations(annotators, 2)}
    report.pairs = list(pairs.values())
    for doc in documents:
        report.documents += 1
        layers = {name: [t for t in doc.spans.get(name, ()) if wanted is None or t[2] in wanted]
                  for name in annotators if name in doc.annotated}
        for spans in layers.values():
            seen_labels.update(t[2] for t in spans)
        row = _document(doc, annotators, layers, pairs, report.patterns)
        if row is not None:
            report.per_document.append(row)
    report.labels = sorted(seen_labels)
    report.per_document.sort(key=_worst_first)
    return report


def _document(doc: DocumentLayers, annotators: list[str], layers: dict[str, list[Triple]],
              pairs: dict[tuple[str, str], PairAgreement], patterns: Counter) -> DocumentAgreement | None:
    bounds = tokens(doc.text)
    columns = {name: token_labels(bounds, spans) for name, spans in layers.items()}
    # One pattern per token: the labels everyone gave it (None: did not
    # annotate). Tokens no span covers all have the same one: counted at once.
    covered = set().union(*columns.values())
    doc_patterns = Counter(tuple(columns[name].get(i, OUTSIDE) if name in columns else None
                                 for name in annotators) for i in covered)
    if len(bounds) > len(covered):
        doc_patterns[tuple(OUTSIDE if name in columns else None for name in annotators)] += \
            len(bounds) - len(covered)
    patterns.update(doc_patterns)
    index = {name: i for i, name in enumerate(annotators)}
    kappas, exact_f1s, overlap_f1s = [], [], []
    for (a, b), pair in pairs.items():
        if a not in layers or b not in layers:
            continue
        pair.documents += 1
        ia, ib = index[a], index[b]
        confusion: Counter = Counter()
        for pattern, n in doc_patterns.items():
            confusion[pattern[ia], pattern[ib]] += n
        pair.confusion.update(confusion)
        exact = exact_matches(layers[a], layers[b])
        overlap = overlap_matches(layers[a], layers[b])
        size_a = Counter(t[2] for t in layers[a])
        size_b = Counter(t[2] for t in layers[b])
        for label in size_a.keys() | size_b.keys():
            row = pair.counts[label]
            row[0] += exact[label]
            row[1] += overlap[label]
            row[2] += size_a[label]
            row[3] += size_b[label]
        kappas.append(measures.cohen_kappa(confusion))
        exact_f1s.append(PRF(sum(exact.values()), len(layers[a]), len(layers[b])).f1)
        overlap_f1s.append(PRF(sum(overlap.values()), len(layers[a]), len(layers[b])).f1)
    if not kappas:
        return None  # fewer than two annotated it: nothing to compare
    return DocumentAgreement(doc.doc_id, doc.name, len(layers), len(bounds),
                             _mean(kappas), _mean(exact_f1s), _mean(overlap_f1s))


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _worst_first(row: DocumentAgreement):
    # Lowest token kappa first; then lowest overlap F1. Undefined kappa (every
    # token "O" for everyone, or no tokens) is agreement with nothing to
    # correct for chance: last.
    return (row.kappa is None, row.kappa if row.kappa is not None else 0.0,
            row.overlap_f1 if row.overlap_f1 is not None else 1.0, row.name, row.doc_id)


# ------------------------------------------------------------------ a project


def project_agreement(project: Project, annotators: list[str] | None = None,
                      labels: list[str] | None = None) -> Report:
    """Agreement in a project: of `annotators` (default: everyone with a
    span or a status, gold left out) on `labels` (default: all). Unknown
    names are refused, naming those that exist."""
    if annotators is None:
        chosen = [name for name in known_annotators(project) if name != GOLD]
        if len(chosen) < 2:
            have = ", ".join(chosen) if chosen else "nobody yet"
            raise AnnotatorError(f"{project.path}: agreement needs at least two annotators; this project "
                                 f"has {have}. Name others (or {GOLD!r}) with --annotators.")
    else:
        chosen = list(dict.fromkeys(check_annotator(project, name) for name in annotators))
        if len(chosen) < 2:
            raise AnnotatorError(f"agreement needs at least two different annotators; got {', '.join(chosen)}")
    if labels is not None:
        labels = list(dict.fromkeys(_check_label(project, name) for name in labels))
    return measure(_documents(project, set(chosen)), chosen, labels)


def document_agreement(project: Project, doc_id: int, annotators: list[str] | None = None) -> Report | None:
    """Agreement in one document: of `annotators` (default: everyone who
    annotated it, gold left out). None if fewer than two did."""
    from annotator.core.review import document_annotators  # (review imports nothing of ours)

    who = [n for n in (annotators or document_annotators(project, doc_id)) if n != GOLD or annotators]
    if len(who) < 2:
        return None
    document = project.document(doc_id)
    spans: dict[str, list[Triple]] = {}
    for span in project.spans(doc_id):
        if span.annotator in who:
            spans.setdefault(span.annotator, []).append((span.start, span.end, span.label))
    annotated = frozenset(set(spans) | {n for n in who if project.status(doc_id, n) != "new"})
    return measure([DocumentLayers(doc_id, document.name, document.text, spans, annotated)], who)


def _check_label(project: Project, name: str) -> str:
    name = normalize_name(name)
    known = project.label_names()
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise AnnotatorError(f"{project.path}: no label {name!r} in this project; its labels: "
                         f"{', '.join(known) if known else 'none'}.{hint}")


def _documents(project: Project, chosen: set[str]) -> Iterator[DocumentLayers]:
    """Every document with the chosen annotators' spans, merged from the two
    doc-id-ordered streams of export_rows (as the exporter does)."""
    marked: dict[int, set[str]] = defaultdict(set)
    for doc_id, annotator, status in project.all_statuses():
        if status != "new" and annotator in chosen:
            marked[doc_id].add(annotator)
    documents, span_rows = project.export_rows(None)
    by_doc = groupby(span_rows, key=lambda row: row[0])
    pending = next(by_doc, None)
    for doc_id, name, text, _meta in documents:
        spans: dict[str, list[Triple]] = {}
        while pending is not None and pending[0] < doc_id:
            pending = next(by_doc, None)
        if pending is not None and pending[0] == doc_id:
            for row in pending[1]:
                # (doc_id, annotator, start, end, label, ...): later columns (a note) are not ours
                annotator, start, end, label = row[1:5]
                if annotator in chosen:
                    spans.setdefault(annotator, []).append((start, end, label))
            pending = next(by_doc, None)
        annotated = frozenset(marked.pop(doc_id, set()) | spans.keys())
        yield DocumentLayers(doc_id, name, text, spans, annotated)


def shown_label(report: Report, label: str) -> str:
    """How a token label is shown: OUTSIDE as "O" (as "(outside)" if a
    label is called "O")."""
    if label != OUTSIDE:
        return label
    return "O" if "O" not in report.labels else "(outside)"
