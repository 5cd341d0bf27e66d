"""An agreement report as a table for people, as JSON, or as CSV.

Undefined figures (see agreement_measures) are `null` in JSON, an empty
cell in CSV and "-" in the table: never NaN, which JSON does not allow.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Callable

from annotator.core.agreement import PairAgreement, Report, shown_label
from annotator.core.agreement_measures import PRF

FORMATS = ("table", "csv", "json")
TABLE_DOCUMENTS = 10  # the worst documents a table shows (csv and json have all)


def writer(format_name: str) -> Callable[[Report, IO[str]], None]:
    return {"table": write_table, "csv": write_csv, "json": write_json}[format_name]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _prf(prf: PRF) -> dict:
    return {"precision": _r(prf.precision), "recall": _r(prf.recall), "f1": _r(prf.f1),
            "matched": prf.matched, "spans_a": prf.reference, "spans_b": prf.predicted}


def _confusion(report: Report, pair: PairAgreement) -> tuple[list[str], list[list[int]]]:
    """Row and column labels ("O" first, then the report's labels) and counts."""
    labels = [""] + report.labels
    return ([shown_label(report, label) for label in labels],
            [[pair.confusion.get((a, b), 0) for b in labels] for a in labels])


def as_dict(report: Report) -> dict:
    pairs = []
    for pair in report.pairs:
        names, matrix = _confusion(report, pair)
        pairs.append({
            "a": pair.a, "b": pair.b, "documents": pair.documents, "tokens": pair.tokens,
            "token_kappa": _r(pair.kappa), "token_agreement": _r(pair.observed),
            "exact": {**_prf(pair.exact()), "per_label": {lb: _prf(pair.exact(lb)) for lb in report.labels}},
            "overlap": {**_prf(pair.overlap()),
                        "per_label": {lb: _prf(pair.overlap(lb)) for lb in report.labels}},
            "confusion": {"rows": pair.a, "columns": pair.b, "labels": names, "matrix": matrix},
        })
    return {
        "annotators": report.annotators,
        "labels": report.labels,
        "documents": report.documents,
        "fleiss_kappa": _r(report.fleiss_kappa),
        "fleiss_tokens": report.fleiss_documents_tokens,
        "krippendorff_alpha": _r(report.krippendorff_alpha),
        "pairs": pairs,
        "per_document": [{"document": row.name, "id": row.doc_id, "annotators": row.annotators,
                          "tokens": row.tokens, "token_kappa": _r(row.kappa), "exact_f1": _r(row.exact_f1),
                          "overlap_f1": _r(row.overlap_f1)} for row in report.per_document],
    }


def write_json(report: Report, stream: IO[str]) -> None:
    # allow_nan=False: a NaN slipping through is a bug to hear about, not bad JSON to write.
    json.dump(as_dict(report), stream, ensure_ascii=False, indent=2, allow_nan=False)
    stream.write("\n")


def _cell(value) -> object:
    return "" if value is None else value


def write_csv(report: Report, stream: IO[str]) -> None:
    """Several tables in one file; the first column names the table, and
    each table starts with its own header row."""
    out = csv.writer(stream, lineterminator="\n")
    data = as_dict(report)
    out.writerow(["table", "measure", "value", "tokens"])
    out.writerow(["summary", "fleiss_kappa", _cell(data["fleiss_kappa"]), data["fleiss_tokens"]])
    out.writerow(["summary", "krippendorff_alpha", _cell(data["krippendorff_alpha"]), ""])
    out.writerow(["pairs", "a", "b", "label", "match", "precision", "recall", "f1", "matched", "spans_a",
                  "spans_b", "token_kappa", "token_agreement", "tokens", "documents"])
    for pair in data["pairs"]:
        for match in ("exact", "overlap"):
            rows = [("(all)", pair[match])] + list(pair[match]["per_label"].items())
            for label, prf in rows:
                out.writerow(["pairs", pair["a"], pair["b"], label, match] +
                             [_cell(prf[k]) for k in ("precision", "recall", "f1", "matched", "spans_a",
                                                      "spans_b")] +
                             [_cell(pair["token_kappa"]), _cell(pair["token_agreement"]), pair["tokens"],
                              pair["documents"]])
    out.writerow(["documents", "document", "id", "annotators", "tokens", "token_kappa", "exact_f1",
                  "overlap_f1"])
    for row in data["per_document"]:
        out.writerow(["documents", row["document"], row["id"], row["annotators"], row["tokens"],
                      _cell(row["token_kappa"]), _cell(row["exact_f1"]), _cell(row["overlap_f1"])])
    out.writerow(["confusion", "a", "b", "label_a", "label_b", "tokens"])
    for pair in data["pairs"]:
        names, matrix = pair["confusion"]["labels"], pair["confusion"]["matrix"]
        for name_a, counts in zip(names, matrix):
            for name_b, n in zip(names, counts):
                out.writerow(["confusion", pair["a"], pair["b"], name_a, name_b, n])


def _fig(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _grid(rows: list[list[str]], right_from: int = 1) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i >= right_from else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def write_table(report: Report, stream: IO[str]) -> None:
    lines = [f"Agreement of {', '.join(report.annotators)} over {report.documents:,} document"
             f"{'s' if report.documents != 1 else ''}; labels: {', '.join(report.labels) or 'none used'}.", ""]
    rows = [["pair", "exact P", "R", "F1", "overlap P", "R", "F1", "token kappa", "tokens", "documents"]]
    for pair in report.pairs:
        ex, ov = pair.exact(), pair.overlap()
        rows.append([f"{pair.a} / {pair.b}", _fig(ex.precision), _fig(ex.recall), _fig(ex.f1),
                     _fig(ov.precision), _fig(ov.recall), _fig(ov.f1), _fig(pair.kappa),
                     f"{pair.tokens:,}", f"{pair.documents:,}"])
    lines += _grid(rows) + [""]
    lines.append(f"Fleiss' kappa: {_fig(report.fleiss_kappa)} (tokens of the documents all "
                 f"{len(report.annotators)} annotated: {report.fleiss_documents_tokens:,})")
    lines.append(f"Krippendorff's alpha (nominal): {_fig(report.krippendorff_alpha)} (all tokens; "
                 "an annotator who did not annotate a document is missing there)")
    shown = report.per_document[:TABLE_DOCUMENTS]
    lines += ["", f"Worst documents (mean pairwise token kappa), {len(shown)} of "
                  f"{len(report.per_document):,} compared:"]
    rows = [["document", "annotators", "tokens", "token kappa", "exact F1", "overlap F1"]]
    rows += [[row.name, str(row.annotators), f"{row.tokens:,}", _fig(row.kappa), _fig(row.exact_f1),
              _fig(row.overlap_f1)] for row in shown]
    lines += _grid(rows)
    if len(report.pairs) == 1:
        pair = report.pairs[0]
        names, matrix = _confusion(report, pair)
        lines += ["", f"Token confusion ({pair.a} down, {pair.b} across):"]
        lines += _grid([[""] + names] + [[name] + [f"{n:,}" for n in counts]
                                         for name, counts in zip(names, matrix)])
    else:
        lines += ["", "Confusion matrices for each pair: --format json or csv."]
    stream.write("\n".join(lines) + "\n")
