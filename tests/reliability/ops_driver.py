"""Performs random annotation operations through annotator.core.ops, as the
window would, and reports each one on stdout: a "begin" line with what it is
about to change, then a "done" line once the call has returned (and so, by
the contract, is on disk). The crash test kills this process at random
moments and checks the project against the "done" lines.

Usage: python ops_driver.py PROJECT ANNOTATOR SEED N_OPS
"""

from __future__ import annotations

import json
import random
import sys

from annotator.core import ops
from annotator.core.model import Span
from annotator.core.storage import Project

LABELS = ("actor", "organisation", "date", "quote")


def key(span) -> list:
    return [span.doc_id, span.label, span.start, span.end]


def report(phase: str, removed, added) -> None:
    print(json.dumps({"phase": phase, "removed": [key(s) for s in removed],
                      "added": [key(s) for s in added]}), flush=True)


def main(path: str, annotator: str, seed: int, n_ops: int) -> None:
    rng = random.Random(seed)
    project = Project.open(path)
    docs = {d.id: d.length for d in project.document_summaries(annotator)}
    undo: list[ops.Change] = []
    print(json.dumps({"phase": "ready"}), flush=True)
    for _ in range(n_ops):
        mine = [s for doc_id in docs for s in project.spans(doc_id, annotator)]
        have = {tuple(key(s)) for s in mine}
        roll = rng.random()
        if roll < 0.15 and undo:
            change = undo.pop().inverse()
            # Undoing an add removes the span as stored; undoing a remove puts it back.
            report("begin", change.spans_before, change.spans_after)
            ops.apply(project, change)
            report("done", change.spans_before, change.spans_after)
        elif roll < 0.30 and mine:
            span = rng.choice(mine)
            report("begin", [span], [])
            change = ops.remove_span(project, span.id)
            undo.append(change)
            report("done", change.spans_before, change.spans_after)
        elif roll < 0.40 and mine:
            span = rng.choice(mine)
            label = rng.choice([l for l in LABELS if l != span.label])
            if (span.doc_id, label, span.start, span.end) in have:
                continue
            new = Span(span.start, span.end, label, span.annotator, span.doc_id)
            report("begin", [span], [new])
            change = ops.relabel_span(project, span.id, label)
            undo.append(change)
            report("done", change.spans_before, change.spans_after)
        else:
            doc_id = rng.choice(sorted(docs))
            start = rng.randrange(docs[doc_id])
            end = rng.randint(start + 1, min(docs[doc_id], start + 30))
            label = rng.choice(LABELS)
            if (doc_id, label, start, end) in have:
                continue
            new = Span(start, end, label, annotator, doc_id)
            report("begin", [], [new])
            change = ops.add_span(project, doc_id, annotator, label, start, end)
            undo.append(change)
            report("done", change.spans_before, change.spans_after)
    project.close()
    print(json.dumps({"phase": "finished"}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
