"""Inter-annotator agreement (`annotator agreement`) on a large project.

The project: 10,000 articles made like many.jsonl (bench/generate.py), and
three annotators of 10 spans per article each (100,000 spans each, 300,000
in all) who disagree as people do: the first picks 10 of the article's
candidate spans; each other one keeps about 70% of those, relabels about
8%, moves a boundary of about 10% (a word more or less) and swaps the rest
for another candidate.

Timed, as processes (what a person runs), alternating: `annotator
agreement --format json -o FILE` against the baseline `annotator export -o
FILE` of the same project (every document and span read and written once):
agreement reads the same rows, tokenizes every text and counts; the target
is at most 3x the export. Peak memory (ru_maxrss of the child) of both is
reported in the note.

    python -m bench.agreement_bench
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench import generate
from bench.common import Result, annotator_process, median, scratch_dir

REPEAT = 3
ANNOTATORS = ("ann1", "ann2", "ann3")
LABELS = ("actor", "organisation", "date", "quote")


def _variant(rng: random.Random, text: str, chosen: list, candidates: list) -> list:
    """Another annotator's reading of the same article."""
    out = set()
    for start, end, label in chosen:
        roll = rng.random()
        if roll < 0.70:
            out.add((start, end, label))
        elif roll < 0.78:
            out.add((start, end, rng.choice([lb for lb in LABELS if lb != label])))
        elif roll < 0.88:
            space = text.find(" ", end + 1)
            if rng.random() < 0.5 and 0 < space < end + 20:
                out.add((start, space, label))   # a word too many
            else:
                cut = text.rfind(" ", start, end)
                out.add((start, cut if cut > start else end, label))  # a word too few
    spare = [c for c in candidates if c not in out]
    rng.shuffle(spare)
    while len(out) < len(chosen) and spare:
        out.add(spare.pop())
    return sorted(out)


def _records(seed: int = 5, n_docs: int = 10_000, per_doc: int = 10):
    rng = random.Random(seed)
    for i in range(n_docs):
        newline = "\r\n" if i % 3 == 0 else "\n"
        while True:
            text, spans = generate.make_document(rng, rng.randrange(600, 2400), newline)
            candidates = sorted(set(spans))
            if len(candidates) >= per_doc:
                break
        first = generate.choose(rng, candidates, per_doc)
        layers = [first] + [_variant(rng, text, first, candidates) for _ in ANNOTATORS[1:]]
        for name, layer in zip(ANNOTATORS, layers):
            yield {"text": text, "annotator": name, "meta": {"name": f"article-{i:05d}"},
                   "spans": [{"start": s, "end": e, "label": lb} for s, e, lb in layer]}


def project(folder: Path) -> Path:
    from annotator.core.importer import import_files
    from annotator.core.storage import Project

    source = generate.write_jsonl(folder / "three.jsonl", _records())
    path = folder / "three.db"
    with Project.open(path) as p:
        import_files(p, [source], annotator=ANNOTATORS[0], add_labels=True)
    return path


def bench_agreement() -> list[Result]:
    with scratch_dir("agreement") as tmp:
        db = project(tmp)
        ours, base, ours_mb, base_mb = [], [], 0.0, 0.0
        for _ in range(REPEAT):
            seconds, mb = annotator_process("--db", str(db), "export", "-o", str(tmp / "export.jsonl"))
            base.append(seconds)
            base_mb = max(base_mb, mb)
            seconds, mb = annotator_process("--db", str(db), "agreement", "--format", "json", "-o", str(tmp / "agreement.json"))
            ours.append(seconds)
            ours_mb = max(ours_mb, mb)
        report = json.loads((tmp / "agreement.json").read_text(encoding="utf-8"))
        assert report["documents"] == 10_000 and len(report["pairs"]) == 3, report["documents"]
        spans = report["pairs"][0]["exact"]["spans_a"]
        assert spans == 100_000, spans
        kappas = ", ".join(f"{p['a']}/{p['b']} {p['token_kappa']}" for p in report["pairs"])
    note = (f"10k articles, 3 annotators x 100k spans; process wall time incl. start-up, median of {REPEAT}; "
            f"baseline: `annotator export -o FILE` of the same project; token kappa {kappas}, "
            f"Fleiss {report['fleiss_kappa']}, alpha {report['krippendorff_alpha']}; peak RSS: "
            f"export {base_mb:.0f} MB, agreement {ours_mb:.0f} MB")
    return [Result("A1 agreement, 10k docs x 3 annotators (process)", median(base), median(ours), "s",
                   "<= 3x", limit=3.0, note=note)]


if __name__ == "__main__":
    from bench.run import table

    print(table(bench_agreement()))
