"""Label Studio JSON: its documented export reads as Label Studio means it,
a project's layers go out (task by task) and come back unchanged, and bad
tasks are refused naming the file, line and task."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import exporter, formats
from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import labelstudio
from annotator.core.formats.document import ParsedSpan
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import awkward_text_and_spans, layers_as_jsonl, TRICKY_TEXTS, spans_as_text, write_jsonl

FIXTURES = Path(__file__).parent.parent / "data" / "formats" / "labelstudio"


def test_the_documented_export_reads_as_label_studio_means_it():
    docs = formats.read_file(FIXTURES / "export.json")
    got = [(d.name, d.annotator, d.line, [(d.text[s.start:s.end], s.label, s.note) for s in d.spans])
           for d in docs]
    assert got == [
        # user ids name distinct layers; the choices result is not a span
        ("labelstudio:1", "user 10", 2, [("Calif.", "LOC", None)]),
        # an email names its annotator; a region with two labels is two spans, with the region's note
        ("labelstudio:1", "hakan@heartex.com", 2, [("planetary fire age", "EVENT", "two labels: unsure which"),
                                                   ("planetary fire age", "MISC", "two labels: unsure which")]),
        # the cancelled annotation and the prediction are not imported;
        # an old release's UTF-16 offsets (13-23) are proved by the span's text and converted
        ("labelstudio:2", "a.a@a.net", 89, [("annotation", "Annotation", None)]),
        ("labelstudio:3", None, 110, []),  # nobody annotated it: a document all the same
    ]
    assert docs[3].text == "Line one\r\nLine two" and docs[3].meta == {"source": "notes.txt"}


def test_a_single_line_export_and_a_single_task_are_read(tmp_path):
    tasks = json.loads((FIXTURES / "export.json").read_text(encoding="utf-8"))
    one_line = tmp_path / "project-1-at-2024.json"
    one_line.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert [(d.name, d.line) for d in formats.read_file(one_line)] == \
        [(d.name, 1) for d in formats.read_file(FIXTURES / "export.json")]
    single = tmp_path / "task.json"
    single.write_text(json.dumps(tasks[1]), encoding="utf-8")
    assert [d.name for d in formats.read_file(single)] == ["labelstudio:2"]


def test_label_studio_offsets_are_code_points(tmp_path):
    """Its current releases count code points ("test" at 21 in its own emoji test)."""
    text = "🐱 Warning: This is a test text"
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"id": 1, "data": {"text": text}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 21, "end": 25, "text": "test", "labels": ["region"]}}]}]}]),
        encoding="utf-8")
    [doc] = list(labelstudio.read(path))
    assert doc.spans == [ParsedSpan(21, 25, "region")] and doc.annotator is None


def _project_with_layers(tmp_path: Path) -> Path:
    records = []
    for i, (kind, text) in enumerate(TRICKY_TEXTS.items()):
        n = len(text)
        meta = {"name": f"doc {kind}", "source": kind, "nested": {"n": [i]}}
        records.append({"text": text, "meta": meta, "annotator": "alice",
                        "spans": [{"start": 0, "end": n, "label": "all"},
                                  {"start": n - 1, "end": n, "label": "last", "note": f"note {i}\r\nline 2 ✓"}]})
        records.append({"text": text, "meta": meta, "annotator": "bob@example.org",
                        "spans": [{"start": 0, "end": 1, "label": "first"}]})
        records.append({"text": text, "meta": meta, "annotator": "gold",
                        "spans": [{"start": 1, "end": 2, "label": "second"}]})
    records.append({"text": "Nobody annotated this.", "meta": {"name": "empty"}, "spans": []})
    source = write_jsonl(tmp_path / "source.jsonl", records)
    with Project.open(tmp_path / "a.db") as project:
        import_files(project, [source], annotator=None, add_labels=True)
    return tmp_path / "a.db"


def test_export_then_import_gives_the_same_texts_layers_spans_and_notes(tmp_path):
    original = _project_with_layers(tmp_path)
    out = io.StringIO()
    with Project.open(original) as project:
        tasks = labelstudio.write(exporter.layers(project), out)
    exported = tmp_path / "out.json"
    exported.write_text(out.getvalue(), encoding="utf-8", newline="")
    written = json.loads(out.getvalue())
    assert tasks == len(written) == len(TRICKY_TEXTS) + 1
    first = written[0]
    assert [a["completed_by"] for a in first["annotations"]] == [{"email": "alice"}, {"email": "bob@example.org"},
                                                                 {"email": "gold"}]
    assert [a["ground_truth"] for a in first["annotations"]] == [False, False, True]
    assert first["annotations"][0]["result"][1]["meta"] == {"text": ["note 0\r\nline 2 ✓"]}
    assert written[-1]["annotations"] == []  # the document nobody annotated

    with Project.open(tmp_path / "b.db") as project:
        import_files(project, [exported], annotator=None, add_labels=True)
    assert spans_as_text(tmp_path / "b.db") == spans_as_text(original)
    assert layers_as_jsonl(tmp_path / "b.db") == layers_as_jsonl(original)  # names, meta and notes too


def test_tasks_are_written_as_the_documents_come(tmp_path):
    """One document at a time: a task is out before the next is read."""
    out = io.StringIO()

    def records():
        for i in range(3):
            yield {"text": f"text {i}", "annotator": "a", "meta": {"name": f"d{i}"},
                   "spans": [{"start": 0, "end": 4, "label": "X", "text": "text"}]}
            # (the next record is read to see that a document's layers ended)
            assert i == 0 or f'"text {i - 1}"' in out.getvalue()

    assert labelstudio.write(records(), out) == 3
    assert [t["data"]["text"] for t in json.loads(out.getvalue())] == ["text 0", "text 1", "text 2"]


@st.composite
def documents(draw):
    text, spans = draw(awkward_text_and_spans())
    return text, spans, draw(st.sampled_from([None, "", "a note\r\n👋"]))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(docs=st.lists(documents(), min_size=1, max_size=3))
def test_written_layers_read_back_exactly_whatever_the_text(tmp_path, docs):
    records = [{"text": text, "annotator": "ann", "meta": {"name": f"d{i}"},
                "spans": [{"start": s, "end": e, "label": label, "text": text[s:e], **({"note": note} if note else {})}
                          for s, e, label in spans]}
               for i, (text, spans, note) in enumerate(docs)]
    out = io.StringIO()
    labelstudio.write(iter(records), out)
    path = tmp_path / "prop.json"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    read = list(labelstudio.read(path))
    assert [(d.name, d.text, d.annotator, d.spans) for d in read] == \
        [(f"d{i}", text, "ann", [ParsedSpan(s, e, label, note=note or None) for s, e, label in spans])
         for i, (text, spans, note) in enumerate(docs)]


def test_a_label_studio_file_is_recognised_by_its_content(tmp_path):
    path = tmp_path / "export-without-suffix"
    path.write_bytes((FIXTURES / "export.json").read_bytes())
    assert formats.recognise(path).name == "labelstudio"
    other = tmp_path / "not-tasks"
    other.write_text('[{"id": 1, "name": "a list of something else"}]', encoding="utf-8")
    with pytest.raises(InputError, match="not one of the known kinds"):
        formats.recognise(other)


GOOD = '{"id": 1, "data": {"text": "fine"}, "annotations": []}'


def _labels(value: str) -> str:
    return ('{"id": 9, "data": {"text": "Kim 👋"}, "annotations": [{"id": 4, "completed_by": 1, '
            '"result": [{"id": "r1", "type": "labels", "value": %s}]}]}' % value)


@pytest.mark.parametrize("task, message", [
    (_labels('{"start": 0, "end": true, "labels": ["X"]}'), "span end must be an integer"),
    (_labels('{"start": 0, "end": 6, "labels": ["X"]}'), "past the end of the text"),
    (_labels('{"start": 0.0, "end": 3, "labels": ["X"]}'), "span start must be an integer"),
    (_labels('{"start": 0, "end": 3, "labels": []}'), "one or more labels"),
    (_labels('{"start": 0, "end": 3}'), 'has no "labels"'),
    (_labels('{"start": 0, "end": 3, "labels": [""]}'), "label is empty"),
    (_labels('{"start": 0, "end": 3, "text": "Tim", "labels": ["X"]}'), "does not match the document text"),
    (_labels('"Kim"'), 'needs a "value" object'),
    (_labels('{"start": 0, "end": 3, "labels": ["X"], "x": NaN}'), "NaN is not a JSON value"),
    (_labels('{"start": 0, "end": 3, "labels": ["X"], "labels": ["Y"]}'), "appears twice"),
    ('{"id": 9, "data": {"content": "Kim"}}', 'has no "data.text" (its data keys: \'content\')'),
    ('{"id": 9, "data": {"text": "K\\udc00"}}', "unpaired surrogate"),
    ('{"id": 9, "data": {"text": ""}}', '"data.text" is empty'),
    ('{"id": 9, "data": "Kim"}', '"data" must be an object'),
    ('{"id": 9, "data": {"text": "Kim"}, "annotations": [{"completed_by": "kim", "result": []}]}',
     '"completed_by" must be a user id or an object'),
    ('{"id": 9, "data": {"text": "Kim"}, "annotations": [{"completed_by": {"id": 3}, "result": []}]}',
     'has no "email"'),
    ('{"id": 9, "data": {"text": "Kim"}, "annotations": {"result": []}}', '"annotations" must be a list'),
    ('["Kim"]', "expected a task object"),
])
def test_a_bad_task_is_refused_naming_the_file_line_and_task(tmp_path, task, message):
    path = tmp_path / "bad.json"
    path.write_text("[\n" + GOOD + ",\n\n" + task + "\n]\n", encoding="utf-8")
    with pytest.raises((ImportRejected, InputError)) as e:
        list(labelstudio.read(path))
    # Malformed JSON stops the reading (InputError); a bad task is one of the file's problems.
    (error,) = e.value.errors if isinstance(e.value, ImportRejected) else [e.value]
    assert (error.path, error.line) == (str(path), 4)
    assert error.message.startswith("task 2")
    assert message in error.message


@pytest.mark.parametrize("content, line, message", [
    ('{"data": {"text": "x"}}\n[', 2, "extra data after the tasks"),
    ('[\n' + GOOD + '\n' + GOOD + ']', 3, "expected ',' or ']'"),
    # cut short: named at the line the cut task starts on
    ('[\n' + GOOD + ',\n{"id": 2, "data": {"text": "x"}\n', 3, "malformed JSON: the file ends inside this task"),
    ('"tasks"', 1, "expected a JSON array of Label Studio tasks"),
    ('[]', None, "holds no tasks"),
    ('  \n', None, "the file is empty"),
])
def test_a_file_that_is_not_a_task_list_is_refused_whole(tmp_path, content, line, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        list(labelstudio.read(path))
    assert (e.value.path, e.value.line) == (str(path), line)
    assert message in e.value.message


def test_utf16_and_binary_files_are_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes("\ufeff[]".encode("utf-16-le"))
    with pytest.raises(InputError, match="UTF-16"):
        list(labelstudio.read(path))
    path.write_bytes(b"[\x00]")
    with pytest.raises(InputError, match="NUL bytes"):
        list(labelstudio.read(path))
