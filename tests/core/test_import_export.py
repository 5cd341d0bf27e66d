"""Import then export: text and offsets survive exactly; the export has the
shape the README specifies; a failed export leaves nothing behind."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import exporter, ops
from annotator.core.errors import AnnotatorError, ImportRejected
from annotator.core.formats import json_checks, jsonl
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import TRICKY_TEXTS, read_jsonl, snapshot, write_jsonl

LABELS = ["actor", "organisation", "date", "quote"]
# Characters that shift offsets in other tools: CR/LF, NBSP, combining marks,
# ZWJ, variation selectors, RTL letters and marks, astral letters and emoji,
# Unicode line separators, a BOM in the middle.
TRICKY_CHARS = ("a", "Z", " ", "\r", "\n", "\t", "\u00a0", "\u0301", "\u0308", "\u200d", "\ufe0f",
                "\u05d0", "\u0627", "\u202b", "\u202c", "👋", "👩", "🏳", "𝔘", "𠜎", "\u2028", "\u2029",
                "\u0085", "\ufeff", "é", "€", "\"", "\\", "<", "&")

tricky_text = st.text(alphabet=st.sampled_from(TRICKY_CHARS) | st.characters(
    blacklist_categories=("Cs",)), min_size=1, max_size=80)


def export_records(project: Project, annotator: str | None = None) -> list[dict]:
    out = io.StringIO()
    jsonl.write(exporter.layers(project, annotator), out)
    text = out.getvalue()
    assert text.endswith("\n") or text == ""
    return read_jsonl(text)


@st.composite
def documents_with_spans(draw):
    text = draw(tricky_text)
    n = len(text)
    spans = set()
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        spans.add((start, end, draw(st.sampled_from(LABELS))))
    return text, sorted(spans)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents_with_spans(), min_size=1, max_size=3))
def test_jsonl_round_trip_keeps_text_and_offsets_exactly(docs):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        records = [{"text": text, "meta": {"name": f"doc {i}"}, "annotator": "ann",
                    "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]}
                              for s, e, label in reversed(spans)]}
                   for i, (text, spans) in enumerate(docs)]
        source = write_jsonl(tmp / "in.jsonl", records)
        with Project.open(tmp / "p.db") as project:
            import_files(project, [source], annotator="fallback")
            exported = export_records(project)
    by_name = {}
    for record in exported:
        by_name.setdefault(record["meta"]["name"], []).append(record)
    assert sorted(by_name) == sorted(f"doc {i}" for i in range(len(docs)))
    for i, (text, spans) in enumerate(docs):
        (record,) = by_name[f"doc {i}"]
        assert record["text"] == text
        assert record["annotator"] == ("ann" if spans else None)
        assert [(s["start"], s["end"], s["label"]) for s in record["spans"]] == spans
        for span in record["spans"]:
            assert span["text"] == text[span["start"]:span["end"]]


@settings(max_examples=40, deadline=None)
@given(tricky_text.filter(lambda t: "\x00" not in t and not t.startswith("\ufeff")),
       st.booleans())
def test_txt_round_trip_keeps_text_exactly(text, with_bom):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = tmp / "article.txt"
        source.write_bytes((b"\xef\xbb\xbf" if with_bom else b"") + text.encode("utf-8"))
        with Project.open(tmp / "p.db") as project:
            import_files(project, [source], annotator="ann")
            (record,) = export_records(project)
    assert record == {"text": text, "spans": [], "annotator": None, "meta": {"name": "article"}}


@pytest.mark.parametrize("name", sorted(TRICKY_TEXTS))
def test_spans_over_tricky_text_cover_the_same_characters(project, tmp_path, name):
    text = TRICKY_TEXTS[name]
    # A span over every maximal run of non-space characters.
    words, start = [], None
    for i, ch in enumerate(text + " "):
        if not ch.isspace() and start is None:
            start = i
        elif ch.isspace() and start is not None:
            words.append((start, i))
            start = None
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": text, "label": [[s, e, "actor"] for s, e in words]}])
    import_files(project, [source], annotator="ann")
    (record,) = export_records(project)
    assert record["text"] == text
    assert [s["text"] for s in record["spans"]] == [text[s:e] for s, e in words]
    assert [s["text"] for s in record["spans"]] == text.split()


@pytest.fixture
def three_docs(project, tmp_path):
    """A: annotated by alice and bob; B: by nobody; C: by bob."""
    source = write_jsonl(tmp_path / "docs.jsonl", [
        {"text": "Alpha text here", "meta": {"name": "A", "source": "wire", "n": 1}},
        {"text": "Beta text", "meta": {"name": "B"}},
        {"text": "Gamma text", "meta": {"name": "C"}},
    ])
    import_files(project, [source], annotator="ann")
    ids = {s.name: s.id for s in project.document_summaries("x")}
    # Added out of order: the export must sort them.
    ops.add_span(project, ids["A"], "alice", "date", 6, 10)
    ops.add_span(project, ids["A"], "alice", "actor", 0, 5)
    ops.add_span(project, ids["A"], "alice", "quote", 0, 10)
    ops.add_span(project, ids["A"], "bob", "actor", 11, 15)
    ops.add_span(project, ids["C"], "bob", "organisation", 0, 5)
    return ids


def test_export_has_every_document_and_one_line_per_layer(project, three_docs):
    records = export_records(project)
    summary = [(r["meta"]["name"], r["annotator"], [(s["start"], s["end"], s["label"]) for s in r["spans"]])
               for r in records]
    assert sorted(summary, key=lambda x: (x[0], str(x[1]))) == [
        ("A", "alice", [(0, 5, "actor"), (0, 10, "quote"), (6, 10, "date")]),
        ("A", "bob", [(11, 15, "actor")]),
        ("B", None, []),
        ("C", "bob", [(0, 5, "organisation")]),
    ]
    for record in records:
        assert list(record) == ["text", "spans", "annotator", "meta"]
        for span in record["spans"]:
            assert list(span) == ["start", "end", "label", "text"]
            assert span["text"] == record["text"][span["start"]:span["end"]]
        starts = [(s["start"], s["end"]) for s in record["spans"]]
        assert starts == sorted(starts)
    a = next(r for r in records if r["meta"]["name"] == "A")
    assert a["meta"] == {"name": "A", "source": "wire", "n": 1}


@pytest.mark.parametrize("who, expected", [
    ("alice", {"A": [(0, 5), (0, 10), (6, 10)], "B": [], "C": []}),
    ("bob", {"A": [(11, 15)], "B": [], "C": [(0, 5)]}),
    ("nobody", {"A": [], "B": [], "C": []}),
])
def test_export_of_one_annotator_has_exactly_one_line_per_document(project, three_docs, who, expected):
    records = export_records(project, who)
    assert sorted(r["meta"]["name"] for r in records) == ["A", "B", "C"]
    for record in records:
        assert record["annotator"] == who
        assert [(s["start"], s["end"]) for s in record["spans"]] == expected[record["meta"]["name"]]


def test_empty_project_exports_nothing(project):
    assert export_records(project) == []


def test_reimport_does_not_duplicate(project, project_path, tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text("same text", encoding="utf-8")
    lines = write_jsonl(tmp_path / "b.jsonl", [
        {"text": "first", "meta": {"name": "one"}, "spans": [{"start": 0, "end": 5, "label": "actor"}]},
        {"text": "second", "meta": {"name": "two"}},
    ])
    first = import_files(project, [txt, lines], annotator="ann")
    assert (first.documents_added, first.documents_existing, first.spans_added) == (3, 0, 1)
    before = snapshot(project_path)
    again = import_files(project, [txt, lines, txt], annotator="ann")
    assert (again.documents_added, again.spans_added) == (0, 0)
    assert again.documents_existing == 4
    assert snapshot(project_path) == before


def test_two_layers_of_a_new_document_count_as_one_added_none_already_present(project, tmp_path):
    lines = write_jsonl(tmp_path / "layers.jsonl", [
        {"text": "Kim met Xi", "meta": {"name": "k"}, "annotator": "alice", "label": [[0, 3, "actor"]]},
        {"text": "Kim met Xi", "meta": {"name": "k"}, "annotator": "bob", "label": [[8, 10, "actor"]]}])
    result = import_files(project, [lines], annotator="ann")
    assert (result.documents_added, result.documents_existing, result.spans_added) == (1, 0, 2)


def test_same_name_other_text_or_same_text_other_name_is_a_new_document(project, tmp_path):
    import_files(project, [write_jsonl(tmp_path / "a.jsonl", [{"text": "t", "meta": {"name": "n"}}])],
                 annotator="ann")
    result = import_files(project, [write_jsonl(tmp_path / "b.jsonl", [
        {"text": "t2", "meta": {"name": "n"}}, {"text": "t", "meta": {"name": "n2"}}])], annotator="ann")
    assert result.documents_added == 2 and project.document_count() == 3


def test_reimport_with_more_spans_merges_them(project, tmp_path):
    doc = {"text": "merge me please", "meta": {"name": "m"}}
    import_files(project, [write_jsonl(tmp_path / "a.jsonl", [
        {**doc, "spans": [{"start": 0, "end": 5, "label": "actor"}]}])], annotator="ann")
    result = import_files(project, [write_jsonl(tmp_path / "b.jsonl", [
        {**doc, "spans": [{"start": 0, "end": 5, "label": "actor"}, {"start": 6, "end": 8, "label": "date"}]}])],
        annotator="ann")
    assert (result.documents_added, result.spans_added) == (0, 1)
    assert [(s.start, s.label) for s in project.spans(1)] == [(0, "actor"), (6, "date")]


def test_doccano_label_format_is_imported(project, tmp_path):
    source = write_jsonl(tmp_path / "doccano.jsonl", [
        {"text": "Kim met Xi on Sunday", "label": [[14, 20, "date"], [0, 3, "actor"], [8, 10, "actor"]],
         "annotator": "doc"},
    ])
    import_files(project, [source], annotator="ann")
    (record,) = export_records(project)
    assert record["annotator"] == "doc"
    assert [(s["text"], s["label"]) for s in record["spans"]] == [("Kim", "actor"), ("Xi", "actor"),
                                                                   ("Sunday", "date")]


def test_spans_without_annotator_belong_to_the_importing_user(project, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [{"text": "abc", "spans": [{"start": 0, "end": 1, "label": "date"}]}])
    import_files(project, [source], annotator="me")
    assert [s.annotator for s in project.spans(1)] == ["me"]


def test_unknown_labels_are_refused_or_added(project, project_path, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "abcdef", "spans": [{"start": 0, "end": 1, "label": "person"},
                                     {"start": 1, "end": 2, "label": "place"}]}])
    before = snapshot(project_path)
    with pytest.raises(ImportRejected) as e:
        import_files(project, [source], annotator="ann")
    message = str(e.value)
    assert "a.jsonl, line 1" in message and "'person'" in message and "'place'" in message
    assert "actor, date, organisation, quote" in message and "--add-labels" in message
    assert snapshot(project_path) == before

    result = import_files(project, [source], annotator="ann", add_labels=True)
    assert result.labels_added == ("person", "place") and result.spans_added == 2
    assert project.label_names()[-2:] == ["person", "place"]
    assert all(label.color.startswith("#") for label in project.labels())


def _temp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp") or name.startswith("."))


def test_failed_export_leaves_no_partial_and_no_temporary_file(project, three_docs, tmp_path):
    target = tmp_path / "out" / "export.jsonl"
    target.parent.mkdir()

    def write_some_then_fail(f):
        f.write('{"text": "half a li')
        raise OSError(28, "No space left on device")

    with pytest.raises(AnnotatorError) as e:
        exporter.write_atomically(target, write_some_then_fail)
    assert str(target) in str(e.value) and "No space left" in str(e.value)
    assert os.listdir(target.parent) == []

    # An earlier export at the same path is kept whole when a new one fails.
    exporter.write_atomically(target, lambda f: jsonl.write(exporter.layers(project), f))
    good = target.read_bytes()
    with pytest.raises(RuntimeError):
        exporter.write_atomically(target, lambda f: (f.write("partial"), (_ for _ in ()).throw(RuntimeError())))
    assert target.read_bytes() == good
    assert _temp_files(target.parent) == []
    assert len(read_jsonl(good.decode("utf-8"))) == 4


def test_export_into_a_missing_folder_is_a_clear_error(project, tmp_path):
    with pytest.raises(AnnotatorError) as e:
        exporter.write_atomically(tmp_path / "no" / "such" / "x.jsonl", lambda f: None)
    assert "no/such/x.jsonl" in str(e.value)
    assert not (tmp_path / "no").exists()


def test_export_is_utf8_and_not_ascii_escaped(project, tmp_path):
    import_files(project, [write_jsonl(tmp_path / "a.jsonl", [{"text": "Zoë 👋 עברית \u00a0"}])],
                 annotator="ann")
    target = tmp_path / "x.jsonl"
    exporter.write_atomically(target, lambda f: jsonl.write(exporter.layers(project), f))
    raw = target.read_bytes()
    assert "Zoë 👋 עברית \u00a0".encode("utf-8") in raw
    assert b"\\u" not in raw
    assert json.loads(raw)["text"] == "Zoë 👋 עברית \u00a0"


def test_export_file_gets_ordinary_permissions_not_the_temp_files(project, three_docs, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    fresh = tmp_path / "fresh.jsonl"
    exporter.write_atomically(fresh, lambda f: jsonl.write(exporter.layers(project), f))
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    existing = tmp_path / "existing.jsonl"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o640)
    exporter.write_atomically(existing, lambda f: jsonl.write(exporter.layers(project), f))
    assert existing.stat().st_mode & 0o777 == 0o640
    assert existing.read_text(encoding="utf-8") != "old"


@pytest.mark.parametrize("lists, ok", [(49, True), (50, False)])
def test_meta_nesting_limit(project, tmp_path, lists, ok):
    # The meta object itself is one level: 49 lists inside make 50 levels.
    line = '{"text": "x", "meta": {"deep": ' + "[" * lists + "]" * lists + "}}"
    source = write_jsonl(tmp_path / "m.jsonl", [line])
    if ok:
        import_files(project, [source], annotator="ann")
        (record,) = export_records(project)
        assert json.dumps(record["meta"]["deep"]) == "[" * lists + "]" * lists
    else:
        with pytest.raises(ImportRejected, match="nested more than 50 levels"):
            import_files(project, [source], annotator="ann")


def test_every_bad_line_of_every_file_is_reported_in_one_go(project, tmp_path):
    """A bad offset on line 2, an unknown label on line 3, malformed JSON on
    line 4 (and an unknown label in a second file): all reported at once,
    in file and line order, so one round of fixes is enough."""
    from annotator.core.errors import ImportRejected
    from annotator.core.importer import import_files

    first = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "Kim met Xi", "spans": [{"start": 0, "end": 3, "label": "actor"}]},
        {"text": "Kim met Xi", "spans": [{"start": 0, "end": 99, "label": "actor"}]},
        {"text": "Kim met Xi", "spans": [{"start": 0, "end": 3, "label": "villain"}]},
        '{"text": "broken',
    ])
    second = write_jsonl(tmp_path / "b.jsonl", [{"text": "Moon", "spans": [{"start": 0, "end": 4, "label": "hero"}]}])
    with pytest.raises(ImportRejected) as e:
        import_files(project, [first, second], annotator="ann")
    assert [(error.path.rsplit("/", 1)[-1], error.line) for error in e.value.errors] == [
        ("a.jsonl", 2), ("a.jsonl", 3), ("a.jsonl", 4), ("b.jsonl", 1)]
    assert project.document_count() == 0


def test_reading_a_large_file_reports_progress_within_it_and_can_be_stopped(project, project_path, tmp_path,
                                                                            monkeypatch):
    from annotator.core import importer
    from annotator.core.errors import Cancelled
    from annotator.core.formats import jsonl

    monkeypatch.setattr(json_checks, "PROGRESS_LINES", 10)
    source = write_jsonl(tmp_path / "big.jsonl", [{"text": f"doc {i} " * 2_000, "meta": {"name": f"d{i}"}}
                                                  for i in range(100)])
    seen = []
    before = snapshot(project_path)

    def progress(step, done, total):
        seen.append((step, done, total))
        if step.startswith("Reading big.jsonl") and len(seen) > 3:
            raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        importer.import_files(project, [source], annotator="ann", progress=progress)
    reading = [(done, total) for step, done, total in seen if step == "Reading big.jsonl, MB"]
    assert len(reading) >= 3 and all(total == 1 for _, total in reading)  # a 1.3 MB file
    assert snapshot(project_path) == before  # stopped while reading: nothing written


def test_imported_spans_start_the_document_for_their_annotator(project, tmp_path):
    from annotator.core import ops as core_ops

    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": "Kim met Xi.", "meta": {"name": "a"}, "annotator": "ann",
         "spans": [{"start": 0, "end": 3, "label": "actor"}]},
        {"text": "Nothing tagged.", "meta": {"name": "b"}, "annotator": "ann"}])
    import_files(project, [source], annotator=None)
    statuses = {d.name: d.status for d in project.document_summaries("ann")}
    assert statuses == {"a": "in progress", "b": "new"}
    core_ops.set_status(project, 1, "ann", "done")
    import_files(project, [source], annotator=None)  # again: a status someone set stays
    assert project.status(1, "ann") == "done"
