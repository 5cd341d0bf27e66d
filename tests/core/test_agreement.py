"""core/agreement*.py: each measure against a worked example done by hand, and
against scikit-learn and the krippendorff package on seeded random data."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from annotator.core import ops
from annotator.core.agreement import DocumentLayers, measure, project_agreement
from annotator.core.agreement_measures import (PRF, cohen_kappa, fleiss_kappa, krippendorff_alpha,
                                               observed_agreement)
from annotator.core.agreement_output import as_dict, write_csv, write_json, write_table
from annotator.core.agreement_spans import OUTSIDE, exact_matches, overlap_matches, token_labels
from annotator.core.errors import AnnotatorError
from annotator.core.importer import import_files
from annotator.core.tokenize import tokens
from tests.core.helpers import write_jsonl


def doc(text, spans, annotated=None, doc_id=1, name="d"):
    return DocumentLayers(doc_id, name, text, spans, frozenset(annotated if annotated is not None else spans))


# ------------------------------------------------------------------ the statistics


def test_cohen_kappa_worked_example():
    # 50 items. Observed: (20 + 15) / 50 = 0.7. A said "x" 25 times, B 30
    # times; "y" 25 and 20. Chance: (25*30 + 25*20) / 50^2 = 0.5.
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    confusion = {("x", "x"): 20, ("x", "y"): 5, ("y", "x"): 10, ("y", "y"): 15}
    assert cohen_kappa(confusion) == pytest.approx(0.4)
    assert observed_agreement(confusion) == pytest.approx(0.7)


def test_cohen_kappa_is_undefined_where_chance_agreement_is_total():
    # Both said "O" to everything: chance agreement 1, kappa 0/0 -> None.
    assert cohen_kappa({("O", "O"): 12}) is None
    assert observed_agreement({("O", "O"): 12}) == 1.0
    assert cohen_kappa({}) is None
    # One said "O" to all, the other not: chance = observed, kappa 0 (defined).
    assert cohen_kappa({("O", "O"): 3, ("O", "x"): 1}) == 0.0


def test_fleiss_kappa_worked_example():
    # Fleiss (1971) as on Wikipedia: 10 items, 14 raters, 5 categories.
    # Category totals 20, 28, 39, 21, 32 of 140: p = .143 .200 .279 .150 .229,
    # P_e = sum p^2 = 0.2127. P_i per row = (sum n^2 - 14) / (14*13), e.g.
    # row 1: (196 - 14) / 182 = 1.0; mean P = 0.3780.
    # kappa = (0.3780 - 0.2127) / (1 - 0.2127) = 0.2099
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    items = [({c: n for c, n in enumerate(row) if n}, 1) for row in table]
    assert fleiss_kappa(items) == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_kappa_edges():
    assert fleiss_kappa([]) is None
    assert fleiss_kappa([({"O": 3}, 10)]) is None  # every rating alike: chance agreement 1
    with pytest.raises(ValueError):
        fleiss_kappa([({"a": 3}, 1), ({"a": 2}, 1)])


def test_krippendorff_alpha_worked_example():
    # Krippendorff, "Computing Krippendorff's alpha-reliability" (2011), the
    # nominal example: 4 coders, 12 units, missing values. Unit 12 has one
    # value: not pairable. Pairable values n = 40; per value n_1..n_5 = 9,
    # 13, 10, 5, 3, so expected disagreement sum_{c!=k} n_c n_k = 40^2 -
    # (81 + 169 + 100 + 25 + 9) = 1216. Observed: only units 2 {2,3,2,2},
    # 6 {1,2,3,4} and 8 {1,1,2,1} disagree; ordered unlike pairs / (m - 1):
    # (16 - 10)/3 = 2, (16 - 4)/3 = 4, (16 - 10)/3 = 2; sum 8.
    # alpha = 1 - (n - 1) * 8 / 1216 = 1 - 39 * 8 / 1216 = 0.743
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
            [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    units = [(Counter(v for v in column if v is not None), 1) for column in zip(*data)]
    assert krippendorff_alpha(units) == pytest.approx(1 - 39 * 8 / 1216)
    assert round(krippendorff_alpha(units), 3) == 0.743


def test_krippendorff_alpha_edges():
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([(Counter({"x": 1}), 5)]) is None  # nothing pairable
    assert krippendorff_alpha([(Counter({"x": 2}), 5)]) is None  # one value only: 0/0


def test_prf():
    assert PRF(2, 4, 3).precision == pytest.approx(2 / 3)
    assert PRF(2, 4, 3).recall == 0.5
    assert PRF(2, 4, 3).f1 == pytest.approx(4 / 7)
    assert PRF(0, 0, 0).f1 is None and PRF(0, 2, 0).precision is None and PRF(0, 2, 0).f1 == 0.0


# ------------------------------------------------------------------ spans and tokens


def test_exact_and_overlap_matching_worked_example():
    a = [(0, 3, "actor"), (8, 10, "actor"), (14, 21, "place"), (25, 31, "date")]
    b = [(0, 3, "actor"), (7, 10, "actor"), (14, 17, "place"), (18, 21, "place"), (25, 31, "org")]
    # exact: only (0, 3, actor). overlap: actor 0-3 with 0-3, 8-10 with 7-10;
    # place 14-21 with one of b's two halves (each span used once): 1.
    # date vs org: labels differ, no match.
    assert exact_matches(a, b) == {"actor": 1}
    assert overlap_matches(a, b) == {"actor": 2, "place": 1}


def test_overlap_pairs_exact_twins_first():
    # b's long span overlaps a's short one by 3, but a's long one exactly (7):
    # greedy by shared characters pairs the twins, then the short ones.
    a = [(0, 7, "x"), (0, 3, "x")]
    b = [(0, 7, "x"), (1, 3, "x")]
    assert overlap_matches(a, b) == {"x": 2}
    assert exact_matches(a, b) == {"x": 1}


def dense(bounds, spans):
    found = token_labels(bounds, spans)
    return [found.get(i, OUTSIDE) for i in range(len(bounds))]


def test_token_labels_innermost_wins():
    text = '"Kim Jong-un said no"'
    bounds = tokens(text)   # " Kim Jong-un said no "
    labels = dense(bounds, [(0, 21, "quote"), (1, 12, "actor"), (5, 8, "zzz")])
    # the actor is inside the quote; "zzz" covers part of Jong-un: that token
    # is shortest-covered by zzz (3 characters) -> zzz
    assert labels == ["quote", "actor", "zzz", "quote", "quote", "quote"]
    # equal lengths: the label first in alphabetical order
    assert dense(bounds, [(1, 4, "b"), (1, 4, "a")])[1] == "a"
    assert token_labels(bounds, []) == {}
    # a span ending inside a token, or starting at its last character, covers it
    assert dense(bounds, [(2, 3, "x")])[1] == "x"
    assert dense(bounds, [(3, 6, "x")])[1:3] == ["x", "x"]
    # a span over a blank alone covers no token
    assert token_labels(bounds, [(4, 5, "x")]) == {}


def test_measure_worked_example():
    text = "Kim met Xi in Beijing"          # tokens: Kim met Xi in Beijing
    alice = [(0, 3, "actor"), (8, 10, "actor"), (14, 21, "place")]
    bob = [(0, 3, "actor"), (8, 10, "org")]
    report = measure([doc(text, {"alice": alice, "bob": bob})], ["alice", "bob"])
    (pair,) = report.pairs
    # exact: 1 of alice's 3, 1 of bob's 2: P 1/2, R 1/3, F1 2/5
    assert pair.exact() == PRF(1, 3, 2) and pair.exact().f1 == pytest.approx(0.4)
    # tokens alice: actor O actor O place; bob: actor O org O O
    # agree on 3 of 5: p_o = .6; alice O 2/5 actor 2/5 place 1/5, bob O 3/5
    # actor 1/5 org 1/5: p_e = (2*3 + 2*1)/25 = .32; kappa = .28/.68 = 0.41176
    assert pair.kappa == pytest.approx(0.28 / 0.68)
    assert pair.confusion[("actor", "org")] == 1 and pair.confusion[("place", OUTSIDE)] == 1
    # with two annotators Fleiss' kappa is Scott's pi: p_e from pooled shares
    # O 5/10 actor 3/10 place 1/10 org 1/10 -> .36; pi = (.6 - .36)/.64 = .375
    assert report.fleiss_kappa == pytest.approx(0.375)
    # alpha = 1 - (n-1) D_o / D_e with n = 10: disagreeing ordered pairs 4
    # (2 units, each 2) / (m-1=1) = 4; expected 100 - (25+9+1+1) = 64
    # -> 1 - 9*4/64 = 0.4375
    assert report.krippendorff_alpha == pytest.approx(0.4375)
    assert [row.kappa for row in report.per_document] == [pytest.approx(0.28 / 0.68)]


def test_label_used_by_one_annotator_only():
    report = measure([doc("a b", {"x": [(0, 1, "only")], "y": []})], ["x", "y"])
    pair = report.pairs[0]
    assert pair.exact("only") == PRF(0, 1, 0)
    assert pair.exact("only").f1 == 0.0 and pair.exact("only").precision is None
    assert report.labels == ["only"]


def test_no_spans_at_all_gives_undefined_figures_and_json_null():
    report = measure([doc("Nothing here.", {}, annotated={"x", "y"})], ["x", "y"])
    pair = report.pairs[0]
    assert pair.kappa is None and pair.observed == 1.0 and pair.exact().f1 is None
    data = json.loads(json.dumps(as_dict(report), allow_nan=False))
    assert data["pairs"][0]["token_kappa"] is None
    assert data["fleiss_kappa"] is None and data["krippendorff_alpha"] is None
    assert data["per_document"][0]["exact_f1"] is None


def test_a_document_without_tokens():
    report = measure([doc(" \r\n ", {}, annotated={"x", "y"})], ["x", "y"])
    assert report.pairs[0].documents == 1 and report.pairs[0].tokens == 0
    assert report.per_document[0].tokens == 0 and report.per_document[0].kappa is None


def test_one_annotator_is_refused():
    with pytest.raises(AnnotatorError, match="at least two"):
        measure([], ["x"])


def test_who_did_not_annotate_a_document_is_missing_not_all_outside():
    text = "Kim met Xi"
    docs = [doc(text, {"x": [(0, 3, "a")], "y": [(0, 3, "a")]}, doc_id=1, name="both"),
            doc(text, {"x": [(0, 3, "a")]}, annotated={"x"}, doc_id=2, name="x only"),
            doc(text, {"y": [(0, 3, "a")]}, annotated={"y", "z"}, doc_id=3, name="z found nothing")]
    report = measure(docs, ["x", "y", "z"])
    pairs = {(p.a, p.b): p for p in report.pairs}
    assert pairs["x", "y"].documents == 1 and pairs["x", "y"].kappa == 1.0
    assert pairs["x", "z"].documents == 0 and pairs["x", "z"].tokens == 0
    # z's "done, nothing here" counts: all O against y's actor
    assert pairs["y", "z"].confusion == {("a", OUTSIDE): 1, (OUTSIDE, OUTSIDE): 2}
    # Fleiss: no document did all three annotate
    assert report.fleiss_kappa is None and report.fleiss_documents_tokens == 0
    # per-document: only documents at least two annotated; worst first
    assert [row.name for row in report.per_document] == ["z found nothing", "both"]


def test_labels_filter_drops_other_spans():
    spans = {"x": [(0, 3, "a"), (4, 7, "b")], "y": [(0, 3, "a"), (4, 7, "c")]}
    report = measure([doc("Kim met Xi", spans)], ["x", "y"], labels=["a"])
    assert report.labels == ["a"] and report.pairs[0].kappa == 1.0


# ------------------------------------------------------------------ against reference implementations


def _random_corpus(rng: random.Random, n_docs: int, annotators: list[str], labels: list[str]):
    words = ["Kim", "Jong-un", "met", "Xi", "in", "北京", "on", "1,000.5", "’s", ",", "Москва", "👍"]
    for i in range(n_docs):
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 30)))
        bounds = tokens(text)
        spans, annotated = {}, set()
        for name in annotators:
            if rng.random() < 0.15:
                continue  # did not annotate this document
            annotated.add(name)
            layer = set()
            for _ in range(rng.randrange(0, 6)):
                if not bounds:
                    break
                first = rng.randrange(len(bounds))
                last = min(len(bounds) - 1, first + rng.randrange(0, 4))
                layer.add((bounds[first][0], bounds[last][1], rng.choice(labels)))
            spans[name] = sorted(layer)
        yield DocumentLayers(i, f"doc{i}", text, spans, frozenset(annotated))


def _naive_token_labels(text, spans):
    """The rule written out per token: the shortest covering span, then the
    alphabetically first label."""
    out = []
    for s, e in tokens(text):  # noqa: the rule, token by token
        covering = sorted((end - start, label) for start, end, label in spans if start < e and end > s)
        out.append(covering[0][1] if covering else OUTSIDE)
    return out


def test_cohen_kappa_matches_scikit_learn_on_random_data():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(12)
    annotators, labels = ["a", "b", "c"], ["actor", "org", "date"]
    docs = list(_random_corpus(rng, 60, annotators, labels))
    report = measure(docs, annotators)
    for pair in report.pairs:
        ya, yb = [], []
        for d in docs:
            if pair.a in d.annotated and pair.b in d.annotated:
                ya += _naive_token_labels(d.text, d.spans.get(pair.a, []))
                yb += _naive_token_labels(d.text, d.spans.get(pair.b, []))
        assert pair.tokens == len(ya) > 0
        assert pair.kappa == pytest.approx(sklearn_metrics.cohen_kappa_score(ya, yb))
        assert pair.confusion == Counter(zip(ya, yb))


def test_krippendorff_alpha_matches_the_krippendorff_package_on_random_data():
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    rng = random.Random(7)
    annotators, labels = ["a", "b", "c", "d"], ["actor", "org"]
    docs = list(_random_corpus(rng, 50, annotators, labels))
    report = measure(docs, annotators)
    code = {OUTSIDE: 0, "actor": 1, "org": 2}
    columns = []
    for d in docs:
        per = {name: _naive_token_labels(d.text, d.spans.get(name, [])) for name in d.annotated}
        for t in range(len(tokens(d.text))):
            columns.append([code[per[name][t]] if name in per else np.nan for name in annotators])
    data = np.array(columns, dtype=float).T
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert report.krippendorff_alpha == pytest.approx(expected)


def test_fleiss_kappa_equals_its_definition_per_token_on_random_data():
    rng = random.Random(3)
    annotators = ["a", "b", "c"]
    docs = list(_random_corpus(rng, 40, annotators, ["x", "y"]))
    report = measure(docs, annotators)
    rows = []
    for d in docs:
        if set(annotators) <= d.annotated:
            per = [_naive_token_labels(d.text, d.spans.get(name, [])) for name in annotators]
            rows += [Counter(labels) for labels in zip(*per)]
    n, k = len(rows), 3
    p_bar = sum((sum(c * c for c in row.values()) - k) / (k * (k - 1)) for row in rows) / n
    share = Counter()
    for row in rows:
        share.update(row)
    p_e = sum((v / (n * k)) ** 2 for v in share.values())
    assert report.fleiss_kappa == pytest.approx((p_bar - p_e) / (1 - p_e))


# ------------------------------------------------------------------ a project, and the outputs


@pytest.fixture
def three(project, tmp_path):
    text = "Kim met Xi in Beijing on Monday"
    lines = [
        {"text": text, "meta": {"name": "a"}, "annotator": "alice",
         "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "date"]]},
        {"text": text, "meta": {"name": "a"}, "annotator": "bob",
         "label": [[0, 3, "actor"], [8, 10, "actor"], [25, 31, "organisation"]]},
        {"text": text, "meta": {"name": "a"}, "annotator": "gold", "label": [[0, 3, "actor"]]},
        {"text": "Nothing at all.", "meta": {"name": "b"}},
    ]
    import_files(project, [write_jsonl(tmp_path / "in.jsonl", lines)], annotator="x", add_labels=True)
    return project


def test_project_agreement_leaves_gold_out_unless_named(three):
    report = project_agreement(three)
    assert report.annotators == ["alice", "bob"] and report.documents == 2
    assert report.pairs[0].exact() == PRF(2, 3, 3)
    named = project_agreement(three, ["alice", "gold"])
    assert named.pairs[0].exact() == PRF(1, 3, 1)


def test_a_done_status_counts_as_annotated(three):
    ops.set_status(three, 2, "carol", "done")
    report = project_agreement(three, ["alice", "carol"])
    # carol marked the empty document done; alice never opened it: no pair there
    assert report.pairs[0].documents == 0
    report = project_agreement(three, ["bob", "carol"])
    assert report.pairs[0].documents == 0
    ops.set_status(three, 2, "bob", "done")
    report = project_agreement(three, ["bob", "carol"])
    assert report.pairs[0].documents == 1 and report.pairs[0].kappa is None
    assert report.pairs[0].observed == 1.0


def test_a_status_of_new_is_not_annotating(three):
    # bob marked the empty document done, then set it back to new: he has
    # not annotated it after all, so there is no pair to compare there
    ops.set_status(three, 2, "alice", "done")
    ops.set_status(three, 2, "bob", "done")
    assert project_agreement(three).pairs[0].documents == 2
    ops.set_status(three, 2, "bob", "new")
    assert project_agreement(three).pairs[0].documents == 1


def test_unknown_names_are_refused_naming_what_exists(three):
    with pytest.raises(AnnotatorError, match=r"no annotator 'bobb'.*alice, bob.*Did you mean 'bob'"):
        project_agreement(three, ["alice", "bobb"])
    with pytest.raises(AnnotatorError, match=r"no label 'actr'.*actor.*Did you mean 'actor'"):
        project_agreement(three, None, ["actr"])
    with pytest.raises(AnnotatorError, match="at least two different"):
        project_agreement(three, ["alice", "alice"])


def test_fewer_than_two_annotators_in_the_project(project, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "x", "meta": {"name": "a"}}])
    import_files(project, [path], annotator="solo")
    with pytest.raises(AnnotatorError, match="at least two annotators; this project has nobody yet"):
        project_agreement(project)


def test_outputs(three):
    import io

    report = project_agreement(three)
    out = io.StringIO()
    write_json(report, out)
    data = json.loads(out.getvalue())
    assert data["pairs"][0]["confusion"]["labels"][0] == "O"
    assert not any(isinstance(v, float) and math.isnan(v) for v in data.values())
    out = io.StringIO()
    write_csv(report, out)
    assert out.getvalue().splitlines()[0] == "table,measure,value,tokens"
    assert "documents,a,1,2,7," in out.getvalue()
    out = io.StringIO()
    write_table(report, out)
    assert "alice / bob" in out.getvalue() and "Token confusion (alice down, bob across)" in out.getvalue()
