"""Label Studio JSON: the JSON export of a Label Studio text project.

A JSON array of tasks (Label Studio's export docs, "Label Studio JSON
format of annotated tasks"):
`{"id": 7, "data": {"text": ...}, "annotations": [{"id", "completed_by",
"was_cancelled", "result": [{"id", "type": "labels", "from_name": "label",
"to_name": "text", "value": {"start", "end", "text", "labels": ["LABEL"]},
"meta"?: {"text": ["a note"]}}]}], "predictions": [...]}`.

Read:
- the text is `data.text` (the key Label Studio's own converter needs); a
  task holding it elsewhere is refused with the keys it has;
- each annotation is one layer, owned by `completed_by`: an object's
  "email" (as Label Studio's converter and importer read it), or a user id
  as `user ID` (ids mean nothing here, but different people must stay
  different layers; `import --as NAME` renames a single annotator's file);
  none means the importing user. Cancelled (skipped) annotations are left
  out, as Label Studio's converter does; a task without annotations is
  imported as a document without spans;
- every `labels` result item is a span per label in `value.labels`, with the
  region's note (`meta.text`) as the span's note; an item that cannot be
  read is an error, never dropped. Other result types (choices, textarea,
  relation, ...) are not spans and are ignored;
- "predictions" are a model's suggestions, not anyone's layer: they are not
  imported (annotator keeps people's layers; suggestions are a layer kind
  still to come);
- the document name is `data.meta.name` (where `write` puts it: Label
  Studio loses a task's own "meta" on import and keeps "data"), else
  `labelstudio:ID` from the task id, else `FILE-STEM:N` for the N-th task;
  the meta is the task's "meta", then `data.meta`, then any other `data`
  fields;
- the file is read a task at a time (json_array.py): memory is bounded by
  the largest task, not the file;
- a bad task is reported at the line where it starts (an export is often a
  single line, so the message also names the task's position and id);
  malformed JSON at its line and column; a file cut short names the line
  the cut task starts on.
Offsets count code points (Python string indices). Label Studio has counted
code points since 2022 (label-studio-frontend PR #308; its end-to-end test
"NER - Emoji - Text" expects "test" in "🐱 Warning: This is a test text" at
21, which is 22 in UTF-16). Earlier releases counted UTF-16 units, as
JavaScript does (label-studio issue #1347): a span whose `value.text` matches
the text only when its offsets are read as UTF-16 units is converted, so
their exports import right too.

Write: the array, one task per document (`id` numbered from 1), written
task by task; `data` holds the text and `meta` (with the name); each layer
is one annotation with `completed_by: {"email": NAME}`: the form Label
Studio's importer resolves to a member (by email; an unknown one is refused
unless its ALLOW_IMPORT_TASKS_WITH_UNKNOWN_EMAILS setting is on) and its
converter reports as the annotator, so the name round-trips. The gold layer
is marked `ground_truth`. Results use `from_name` "label" and `to_name`
"text", the names in Label Studio's named-entity template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.formats import json_array
from annotator.core.formats.document import ParsedDocument, ParsedSpan, Problems, by_document, streamed
from annotator.core.formats.json_checks import (ENCODER, MAX_ERRORS_PER_FILE, check_meta, checked_span, given_name,
                                                json_kind)
from annotator.core.layers import GOLD_NAME
from annotator.core.model import (MAX_NOTE_LENGTH, document_name_problem, name_problem, normalize_name, shown,
                                  unpaired_surrogate)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
PROGRESS_TASKS = 500  # tasks between two progress reports


def sniff(head: bytes) -> bool:
    """A JSON array whose first element is an object, with a Label Studio
    task's keys ("data" with "annotations" or "predictions") near the start."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"[") or not head[1:].lstrip().startswith(b"{"):
        return False
    return b'"data"' in head and (b'"annotations"' in head or b'"predictions"' in head
                                  or b'"completions"' in head)


def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """Each task's documents as its task is decoded: the file is read a
    chunk at a time (json_array.py), holding one task, not the file. A bad
    task goes to `problems` (see document.Problems); malformed JSON, or a
    file cut short, ends the reading."""
    return streamed(lambda found: _read(path, progress, found), problems)


def _read(path: Path, progress, problems: Problems) -> Iterator[ParsedDocument]:
    bad = found = 0
    for index, (task, line, done, total) in enumerate(json_array.elements(path)):
        if progress is not None and index % PROGRESS_TASKS == 0:
            progress(done, total)
        try:
            documents = _parse_task(task, index, line, path)
        except InputError as e:
            problems.add(e)
            bad += 1
            if bad >= MAX_ERRORS_PER_FILE - 1:
                problems.add(InputError(path, None, f"stopped checking after {bad} bad tasks "
                                                    f"(at task {index + 1}); later tasks were not checked"))
                return
            continue
        found += len(documents)
        yield from documents
    if not found and not bad:
        raise InputError(path, None, "the file holds no tasks (it is an empty list)")


def _parse_task(task: Any, index: int, line: int, path: Path) -> list[ParsedDocument]:
    task_id = task.get("id") if isinstance(task, dict) else None
    where = f"task {index + 1}" + (f" (id {shown(task_id)})" if task_id is not None else "")

    def fail(message: str) -> InputError:
        return InputError(path, line, f"{where}: {message}")

    if not isinstance(task, dict):
        raise fail(f"expected a task object, found {json_kind(task)}")
    data = task.get("data")
    if not isinstance(data, dict):
        raise fail('has no "data" object' if data is None else f'"data" must be an object, not {json_kind(data)}')
    text = data.get("text")
    if "text" not in data:
        keys = ", ".join(shown(k) for k in list(data)[:8]) or "none"
        raise fail(f'has no "data.text" (its data keys: {keys}); annotator imports text tasks whose text '
                   'is in data.text')
    if not isinstance(text, str):
        raise fail(f'"data.text" must be a string, not {json_kind(text)}')
    if not text:
        raise fail('"data.text" is empty: there is nothing to annotate')
    bad = unpaired_surrogate(text)
    if bad is not None:
        raise fail(f'"data.text" holds an unpaired surrogate at offset {bad}, which is not valid Unicode')
    meta = _meta(task, data, fail)
    name = _document_name(meta.pop("name", None), task_id, index, path, fail)

    annotations = task.get("annotations", task.get("completions"))
    if annotations is None:
        annotations = []
    if not isinstance(annotations, list):
        raise fail(f'"annotations" must be a list, not {json_kind(annotations)}')
    documents = []
    units = _Utf16(text)
    for a, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise fail(f"annotation {a + 1} must be an object, not {json_kind(annotation)}")
        if annotation.get("was_cancelled") is True or annotation.get("skipped") is True:
            continue
        where_a = f"annotation {a + 1}" + (f" (id {shown(annotation['id'])})" if "id" in annotation else "")
        annotator = _annotator(annotation.get("completed_by"), where_a, fail)
        result = annotation.get("result")
        if result is None:
            result = []
        if not isinstance(result, list):
            raise fail(f'{where_a}: "result" must be a list, not {json_kind(result)}')
        spans: list = []
        for r, item in enumerate(result):
            where_r = f"{where_a}, result {r + 1}" + (f" (id {shown(item['id'])})"
                                                       if isinstance(item, dict) and "id" in item else "")
            if not isinstance(item, dict):
                raise fail(f"{where_r} must be an object, not {json_kind(item)}")
            if item.get("type") == "labels":
                spans += _spans(text, item, units, where_r, fail)
        documents.append(ParsedDocument(name=name, text=text, meta=meta, annotator=annotator,
                                        spans=list(dict.fromkeys(spans)), source=str(path), line=line))
    if not documents:  # nobody annotated it (or every annotation was cancelled)
        documents.append(ParsedDocument(name=name, text=text, meta=meta, source=str(path), line=line))
    return documents


def _spans(text: str, item: dict, units: "_Utf16", where: str, fail) -> list[ParsedSpan]:
    value = item.get("value")
    if not isinstance(value, dict):
        raise fail(f'{where}: a "labels" result needs a "value" object')
    for key in ("start", "end", "labels"):
        if key not in value:
            raise fail(f'{where}: its value has no "{key}"')
    labels = value["labels"]
    if not isinstance(labels, list) or not labels:
        raise fail(f'{where}: "value.labels" must be a list of one or more labels, found {shown(labels)}')
    span_text = value.get("text")
    start, end = units.code_points(value["start"], value["end"], span_text)
    note = _note(item.get("meta"), where, fail)
    return [ParsedSpan(*checked_span(text, start, end, label, span_text, where, fail), note=note)
            for label in labels]


def _note(meta: Any, where: str, fail) -> str | None:
    """A region's note: Label Studio keeps it as `meta.text`, a list of strings."""
    if meta is None or not isinstance(meta, dict) or meta.get("text") in (None, "", []):
        return None
    lines = meta["text"]
    if isinstance(lines, str):
        lines = [lines]
    if not isinstance(lines, list) or not all(isinstance(s, str) for s in lines):
        raise fail(f'{where}: its "meta.text" (the region\'s note) must be text, found {shown(lines)}')
    note = "\n".join(lines)
    if unpaired_surrogate(note) is not None:
        raise fail(f"{where}: its note holds text that is not valid Unicode")
    if len(note) > MAX_NOTE_LENGTH:
        raise fail(f"{where}: its note is longer than {MAX_NOTE_LENGTH:,} characters")
    return note or None


class _Utf16:
    """Offsets of old Label Studio releases, in UTF-16 units, into code points."""

    def __init__(self, text: str):
        self.text = text
        self._table: list[int] | None = None

    def code_points(self, start: Any, end: Any, span_text: Any) -> tuple[Any, Any]:
        """(start, end) as code points: as given, unless only reading them as
        UTF-16 units makes the text they cover `span_text`."""
        text = self.text
        if (not isinstance(span_text, str) or not _is_offset(start) or not _is_offset(end)
                or text[start:end] == span_text or not _ASTRAL.search(text)):
            return start, end
        if self._table is None:
            # Code-point index of each UTF-16 position; -1 inside a surrogate pair.
            table = []
            for i, ch in enumerate(text):
                table.append(i)
                if ord(ch) > 0xFFFF:
                    table.append(-1)
            table.append(len(text))
            self._table = table
        table = self._table
        if end < len(table) and table[start] >= 0 and table[end] >= 0 \
                and text[table[start]:table[end]] == span_text:
            return table[start], table[end]
        return start, end


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _annotator(completed_by: Any, where: str, fail) -> str | None:
    if completed_by is None:
        return None
    if isinstance(completed_by, dict):
        name = completed_by.get("email")
        if not isinstance(name, str) or not name:
            raise fail(f'{where}: "completed_by" has no "email" to name its annotator')
    elif isinstance(completed_by, int) and not isinstance(completed_by, bool):
        name = f"user {completed_by}"
    else:
        raise fail(f'{where}: "completed_by" must be a user id or an object with an "email", '
                   f"found {shown(completed_by)}")
    name = normalize_name(name)
    problem = name_problem(name, "annotator")
    if problem:
        raise fail(f'{where}: "completed_by": {problem}')
    return name


def _meta(task: dict, data: dict, fail) -> dict:
    meta: dict = {}
    for where, value in (("meta", task.get("meta")), ("data.meta", data.get("meta"))):
        if value is None:
            continue
        if not isinstance(value, dict):
            raise fail(f'"{where}" must be an object, not {json_kind(value)}')
        meta.update(value)
    for key, value in data.items():
        if key not in ("text", "meta"):
            meta.setdefault(key, value)
    check_meta(meta, "its metadata", fail)
    return meta


def _document_name(name: Any, task_id: Any, index: int, path: Path, fail) -> str:
    if name is not None and name != "":
        return given_name(name, "data.meta.name", fail)
    if _is_offset(task_id) or isinstance(task_id, str) and task_id:
        name = normalize_name(f"labelstudio:{task_id}")
        what = 'its "id"'
    else:
        name = normalize_name(f"{path.stem}:{index + 1}")
        what = "the file"
    problem = document_name_problem(name)
    if problem:
        raise fail(f'a task without "data.meta.name" is named after {what}, and the {problem}')
    return name




def write(records: Iterable[dict], out: IO[str], *, report: Callable[[str], None] | None = None) -> int:
    """Write export records (see annotator.core.exporter) as a JSON array of
    tasks, one document at a time; returns the number of tasks written."""
    tasks = annotation_id = 0
    out.write("[")
    for layers in by_document(records):
        annotations = []
        for record in layers:
            if record["annotator"] is None and not record["spans"]:
                continue  # a document nobody annotated: a task without annotations
            annotation_id += 1
            annotations.append(_annotation(record, annotation_id))
        first = layers[0]
        task = {"id": tasks + 1, "data": {"text": first["text"], "meta": first["meta"]},
                "annotations": annotations, "predictions": []}
        try:
            encoded = ENCODER.encode(task)
        except ValueError:
            raise AnnotatorError(f"document {shown(first['meta'].get('name'))} cannot be exported: its "
                                 "metadata holds a number JSON cannot represent (infinity or NaN)") from None
        out.write(",\n" if tasks else "\n")
        out.write(encoded)
        tasks += 1
    out.write("\n]\n")
    return tasks


def _annotation(record: dict, annotation_id: int) -> dict:
    text = record["text"]
    result = []
    for n, span in enumerate(sorted(record["spans"], key=lambda s: (s["start"], s["end"], s["label"])), 1):
        item = {"id": f"a{annotation_id}s{n}", "type": "labels", "from_name": "label", "to_name": "text",
                "value": {"start": span["start"], "end": span["end"], "text": text[span["start"]:span["end"]],
                          "labels": [span["label"]]}}
        if span.get("note"):
            item["meta"] = {"text": [span["note"]]}
        result.append(item)
    annotation: dict = {"id": annotation_id}
    if record["annotator"] is not None:
        annotation["completed_by"] = {"email": record["annotator"]}
    annotation.update(result=result, was_cancelled=False, ground_truth=record["annotator"] == GOLD_NAME)
    return annotation
