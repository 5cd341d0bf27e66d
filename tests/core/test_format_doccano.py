"""doccano JSONL: doccano's own examples read as doccano means them, a
project's layers go out and come back unchanged, and bad lines are refused
naming the file and line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import exporter, formats
from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import doccano
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import awkward_text_and_spans, layers_as_jsonl, TRICKY_TEXTS, spans_as_text, write_jsonl

FIXTURES = Path(__file__).parent.parent / "data" / "formats" / "doccano"


def covered(doc) -> list[tuple[str, str]]:
    return [(doc.text[s[0]:s[1]], s[2]) for s in doc.spans]


def test_doccanos_documented_sequence_labelling_example_reads_as_its_spans():
    path = FIXTURES / "sequence_labeling.jsonl"
    assert formats.recognise(path).name == "doccano"
    docs = formats.read_file(path)
    assert [covered(d) for d in docs] == [[("EU", "ORG"), ("German", "MISC")], [("Peter Blackburn", "PERSON")],
                                         [("Obama", "PERSON")]]
    # No id and no name: named after the file and line, as JSONL lines are.
    assert [d.name for d in docs] == ["sequence_labeling:1", "sequence_labeling:2", "sequence_labeling:3"]
    assert {d.annotator for d in docs} == {None}


def test_doccanos_relation_example_is_refused_naming_its_relations_and_the_line():
    path = FIXTURES / "relation_extraction.jsonl"
    with pytest.raises(ImportRejected) as e:
        formats.read_file(path)
    (error,) = e.value.errors
    assert (error.path, error.line) == (str(path), 1)
    assert "3 relations" in error.message and "jq -c 'del(.relations)'" in error.message


def test_entities_without_relations_import_with_doccanos_id_and_keys_as_meta():
    [doc] = formats.read_file(FIXTURES / "entities_without_relations.jsonl")
    assert covered(doc) == [("Google", "ORG"), ("September 4, 1998", "DATE"), ("Larry Page", "PERSON"),
                            ("Sergey Brin", "PERSON")]
    assert doc.name == "doccano:41"
    assert doc.meta == {"Comments": []}  # the id is in the name


def test_emoji_offsets_count_code_points_as_doccano_has_since_2019():
    docs = formats.read_file(FIXTURES / "emoji_doccano_0x.jsonl")
    assert [covered(d) for d in docs] == [[("😄", "l1"), ("label2", "l2")], [("🎊", "l1"), ("label2", "l2")]]
    assert {d.annotator for d in docs} == {"admin"}  # doccano 0.x's "username"


def test_one_members_files_meet_on_the_same_documents(tmp_path):
    """doccano's per-annotator export is a file per member: imported each
    --as its member, they become one document with a layer each."""
    for who, label in (("alice", "ORG"), ("bob", "LOC")):
        write_jsonl(tmp_path / f"{who}.jsonl", [{"id": 7, "text": "Acme in Oslo", "label": [[0, 4, label]]}])
    with Project.open(tmp_path / "p.db") as project:
        for who in ("alice", "bob"):
            import_files(project, [tmp_path / f"{who}.jsonl"], annotator=None, add_labels=True, as_annotator=who)
    assert spans_as_text(tmp_path / "p.db") == {("doccano:7", "alice", "ORG", 0, 4, "Acme"),
                                                ("doccano:7", "bob", "LOC", 0, 4, "Acme")}


def _project_with_layers(tmp_path: Path) -> Path:
    """A project with tricky texts, two annotators, the gold layer and notes."""
    records = []
    for i, (kind, text) in enumerate(TRICKY_TEXTS.items()):
        n = len(text)
        records.append({"text": text, "meta": {"name": f"doc {kind}", "source": kind}, "annotator": "alice",
                        "spans": [{"start": 0, "end": n, "label": "all"},
                                  {"start": n - 1, "end": n, "label": "last", "note": f"note {i}\r\n✓"}]})
        records.append({"text": text, "meta": {"name": f"doc {kind}", "source": kind}, "annotator": "gold",
                        "spans": [{"start": 1, "end": 2, "label": "second"}]})
    records.append({"text": "Nobody annotated this.", "meta": {"name": "empty"}, "spans": []})
    source = write_jsonl(tmp_path / "source.jsonl", records)
    with Project.open(tmp_path / "a.db") as project:
        import_files(project, [source], annotator=None, add_labels=True)
    return tmp_path / "a.db"


@pytest.mark.parametrize("relations", [False, True])
def test_export_then_import_gives_the_same_texts_layers_and_spans(tmp_path, relations):
    original = _project_with_layers(tmp_path)
    out = io.StringIO()
    notes: list[str] = []
    with Project.open(original) as project:
        lines = doccano.write(exporter.layers(project), out, report=notes.append, relations=relations)
    exported = tmp_path / "out.jsonl"
    exported.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert lines == out.getvalue().count("\n") == 2 * len(TRICKY_TEXTS) + 1
    first = json.loads(out.getvalue().split("\n")[0])
    assert ("entities" in first and first["relations"] == []) if relations else isinstance(first["label"], list)
    assert formats.recognise(exported).name == "doccano"
    # doccano has no place for notes: said, with the count.
    assert notes == [f"{len(TRICKY_TEXTS)} span notes not written: doccano has no place for notes"]

    with Project.open(tmp_path / "b.db") as project:
        import_files(project, [exported], annotator=None, add_labels=True)
    assert spans_as_text(tmp_path / "b.db") == spans_as_text(original)
    before, after = layers_as_jsonl(original), layers_as_jsonl(tmp_path / "b.db")
    for record in before:
        for span in record["spans"]:
            span.pop("note", None)
    assert after == before  # texts, names, meta, layers and spans alike


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(docs=st.lists(awkward_text_and_spans(), min_size=1, max_size=3), relations=st.booleans())
def test_written_layers_read_back_exactly_whatever_the_text(tmp_path, docs, relations):
    records = [{"text": text, "annotator": "ann", "meta": {"name": f"d{i}"},
                "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in spans]}
               for i, (text, spans) in enumerate(docs)]
    out = io.StringIO()
    doccano.write(iter(records), out, relations=relations)
    path = tmp_path / "prop.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    read = list(doccano.read(path))
    assert [(d.name, d.text, d.annotator, d.spans) for d in read] == \
        [(f"d{i}", text, "ann", spans) for i, (text, spans) in enumerate(docs)]


def test_our_jsonl_and_doccanos_files_are_told_apart_by_content(tmp_path):
    ours = write_jsonl(tmp_path / "ours.jsonl", [{"text": "Kim", "spans": [], "label": [[0, 3, "X"]]}])
    theirs = write_jsonl(tmp_path / "theirs.jsonl", [{"text": "Kim", "label": []}])
    relation = write_jsonl(tmp_path / "rel", [{"text": "Kim", "entities": [], "relations": []}])
    assert [formats.recognise(p).name for p in (ours, theirs, relation)] == ["jsonl", "doccano", "doccano"]
    # A first line longer than the 64 KiB that sniffing reads is judged by its keys.
    long = write_jsonl(tmp_path / "long.jsonl", [{"label": [[0, 1, "X"]], "text": "x" * 100_000}])
    long_ours = write_jsonl(tmp_path / "long-ours.jsonl", [{"spans": [], "text": "x" * 100_000}])
    assert [formats.recognise(p).name for p in (long, long_ours)] == ["doccano", "jsonl"]


@pytest.mark.parametrize("line, message", [
    ('{"text": "Kim", "label": [[0, true, "X"]]}', "span end must be an integer"),
    ('{"text": "Kim", "label": [[0, 4, "X"]]}', "past the end of the text"),
    ('{"text": "Kim", "label": [[0, 1.0, "X"]]}', "span end must be an integer"),
    ('{"text": "Kim", "label": [[0, 1]]}', "must be [start, end, label]"),
    ('{"text": "Kim", "label": ["positive"]}', "text-classification export"),
    ('{"text": "Kim", "labels": [[0, 1, ""]]}', "label is empty"),
    ('{"text": "Kim", "entities": [{"start_offset": 0, "label": "X"}]}', 'has no "end_offset"'),
    ('{"text": "Kim", "entities": "X"}', '"entities" must be a list'),
    ('{"text": "Kim", "label": [], "x": NaN}', "NaN is not a JSON value"),
    ('{"text": "Kim", "label": [], "x": 1e400}', "too large to store"),
    ('{"text": "K\\ud800", "label": []}', "unpaired surrogate"),
    ('{"text": "Kim", "label": [], "label": [[0, 1, "X"]]}', "appears twice"),
    ('{"text": "", "label": []}', '"text" is empty'),
    ('{"label": [[0, 1, "X"]]}', 'missing "text"'),
    ('{"text": "Kim", "label": [], "annotator": "a\\u0000b"}', "control or invisible"),
    ('{"text": "Kim", "label": [], "id": 1, "meta": []}', '"meta" must be an object'),
    ('{"text": "Kim", "label": [[0, 1, "X"]], "relations": [{"from_id": 1}]}', "1 relation,"),
    ('{"text": "Kim", "spans": [{"start": 0, "end": 1, "label": "X"}]}', "annotator's own JSONL form"),
    ('["text", "Kim"]', "expected a JSON object"),
    ('{"text": "Kim", "label": [', "malformed JSON"),
])
def test_a_bad_line_is_refused_naming_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": [[0, 1, "X"]]}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        list(doccano.read(path))
    (error,) = e.value.errors
    assert (error.path, error.line) == (str(path), 3)
    assert message in error.message
    assert [d.name for d in e.value.documents] == ["bad:1"]  # the good line still checked by the importer


@pytest.mark.parametrize("content, message", [
    ("\ufeff".encode("utf-16-le") + b'{\x00}\x00', "UTF-16"),
    (b'{"text": "a"}\n\x00', "NUL bytes"),
    (b"\n \n", "holds no documents"),
])
def test_a_file_that_is_not_utf8_jsonl_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(doccano.read(path))

