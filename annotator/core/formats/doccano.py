"""doccano JSONL: doccano's sequence-labelling export, read and written.

Read, one JSON object per line, as doccano exports them (its
backend/data_export; examples in its docs and tests):
- sequence labelling: `{"id": 12, "text": ..., "label": [[start, end, "LABEL"], ...],
  "Comments": [...]}` (`"labels"` is read the same way: older doccano
  releases and many scripts write it);
- relation projects: `{"id", "text", "entities": [{"id", "label",
  "start_offset", "end_offset"}], "relations": [{"id", "from_id", "to_id",
  "type"}]}`, and `"entities"` as `[start, end, label]` lists (intent
  detection).
Relations: annotator has none yet. A line whose "relations" list is not
empty is refused, saying so, rather than imported without them: the user
learns of the loss and can drop the relations knowingly (`jq -c
'del(.relations)'`). Empty "relations" lists are accepted.
Classification exports (`"label": ["positive"]`) are refused with a message.

Annotator: doccano writes none on a line; its per-annotator export is a zip
of one `USERNAME.jsonl` per member, each imported with
`annotator import USERNAME.jsonl --as USERNAME`. Our own "annotator" key
(what `write` adds), and doccano 0.x's "username", are read.
Document name: "meta.name" (or a top-level "name": doccano spreads an
example's meta over the line), else `doccano:ID` from doccano's example id
(ids are unique in a doccano instance, and every member's file of one project
then meets on the same documents, each adding its own layer), else
`FILE-STEM:LINE` as in JSONL. Every other key but "id", and the keys of
"meta", go to the document's meta.
Offsets count code points (Python string indices): doccano has converted its
browser's UTF-16 offsets to code points since 2019 (doccano PR #108,
"Correct emoji length calculation"), so nothing is converted here.

Write: one line per document and layer: `{"text", "label": [[s, e, l], ...],
"annotator"?, "meta"}`, or with the `relations` option doccano's relation
form `{"id", "text", "entities": [...], "relations": [], "annotator"?, "meta"}`
(entity and line ids numbered from 1). doccano keeps a line's other keys as
the example's meta and writes them back on export, so "annotator" and "meta"
survive a trip through doccano. doccano has no place for span notes: they are
left out, and `report` says how many.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.formats.document import ParsedDocument, Problems
from annotator.core.formats.json_checks import (ENCODER, as_list, check_meta, checked_span, decode_line, given_name,
                                                json_kind, read_lines)
from annotator.core.model import document_name_problem, name_problem, normalize_name, shown, unpaired_surrogate

# Keys that are the example itself; every other key of a line is its meta.
# ("id" is doccano's database id: it names a document that has no name.)
_OWN_KEYS = ("id", "text", "label", "labels", "entities", "relations", "annotator", "username", "meta",
             "metadata")
# For a first line cut short by the 64 KiB head: the start of a span list.
_SPAN_LIST = re.compile(rb'"(?:labels?|entities)"\s*:\s*\[\s*[\[{\]]')


def sniff(head: bytes) -> bool:
    """The first non-blank line is a JSON object with a doccano span list
    ("label"/"labels" of [start, end, label] lists, or "entities") and no
    "spans" (which makes it our own JSONL)."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        return False
    line = head.split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        # A first line longer than the head: judged by its keys' look.
        return b'"spans"' not in line and _SPAN_LIST.search(line) is not None
    if not isinstance(obj, dict) or "spans" in obj:
        return False
    if isinstance(obj.get("entities"), list):
        return True
    return any(isinstance(obj.get(key), list) and all(isinstance(item, list) and len(item) == 3
                                                        for item in obj[key])
               for key in ("label", "labels"))


def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """`progress(bytes_read, total)` is told how far it got every
    PROGRESS_LINES lines; it may raise to stop."""
    return read_lines(path, _parse_line, progress, problems)


def _parse_line(raw: bytes, path: Path, number: int) -> ParsedDocument:
    def fail(message: str) -> InputError:
        return InputError(path, number, message)

    obj = decode_line(raw, fail)
    if not isinstance(obj, dict):
        raise fail(f'expected a JSON object with a "text" field, found {json_kind(obj)}')
    text = obj.get("text")
    if not isinstance(text, str):
        raise fail('missing "text"' if "text" not in obj else f'"text" must be a string, not {json_kind(text)}')
    if not text:
        raise fail('"text" is empty: there is nothing to annotate')
    bad = unpaired_surrogate(text)
    if bad is not None:
        raise fail(f'"text" holds an unpaired surrogate at offset {bad}, which is not valid Unicode')
    if "spans" in obj:
        # The first line decides a file's format; a line in another form
        # would otherwise have its "spans" kept as metadata, unnoticed.
        raise fail('the line has "spans", which is annotator\'s own JSONL form, not doccano\'s; '
                   "keep each form in a file of its own")
    relations = obj.get("relations")
    if relations:
        count = f"{len(relations)} relation{'s' if len(relations) != 1 else ''}" if isinstance(relations, list) \
            else "relations"
        raise fail(f"the line holds {count}, which annotator cannot import yet. "
                   "To import the entities without them, drop the relations first "
                   "(for example: jq -c 'del(.relations)' FILE)")

    spans = []
    for key in ("label", "labels"):
        for i, item in enumerate(as_list(obj, key, fail)):
            where = f'"{key}" item {i + 1}'
            if isinstance(item, str):
                raise fail(f"{where} is a category ({shown(item)}), not a span: this is a doccano "
                           "text-classification export, which annotator does not import")
            if not isinstance(item, list) or len(item) != 3:
                raise fail(f"{where} must be [start, end, label], found {json.dumps(item)[:60]}")
            spans.append(checked_span(text, item[0], item[1], item[2], None, where, fail))
    for i, item in enumerate(as_list(obj, "entities", fail)):
        where = f'"entities" item {i + 1}'
        if isinstance(item, list) and len(item) == 3:
            spans.append(checked_span(text, item[0], item[1], item[2], None, where, fail))
            continue
        if not isinstance(item, dict):
            raise fail(f"{where} must be an object with start_offset, end_offset and label "
                       f"(or [start, end, label]), found {json.dumps(item)[:60]}")
        for field in ("start_offset", "end_offset", "label"):
            if field not in item:
                raise fail(f'{where} has no "{field}"')
        spans.append(checked_span(text, item["start_offset"], item["end_offset"], item["label"], None,
                                   where, fail))

    meta = _meta(obj, fail)
    name = _document_name(meta.pop("name", None), obj.get("id"), path, number, fail)
    annotator = obj.get("annotator", obj.get("username"))
    annotator = normalize_name(annotator)
    if annotator is not None:
        problem = name_problem(annotator, "annotator")
        if problem:
            raise fail(f'"annotator": {problem}')
    return ParsedDocument(name=name, text=text, meta=meta, annotator=annotator,
                          spans=list(dict.fromkeys(spans)), source=str(path), line=number)


def _meta(obj: dict, fail) -> dict:
    """The keys of "meta" (and doccano 0.x's "metadata"), then every key
    that is not the example itself (doccano spreads meta over the line)."""
    meta: dict = {}
    for key in ("metadata", "meta"):
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise fail(f'"{key}" must be an object, not {json_kind(value)}')
        meta.update(value)
    meta.update((key, value) for key, value in obj.items() if key not in _OWN_KEYS)
    check_meta(meta, "the line's metadata", fail)
    return meta


def _document_name(name: Any, example_id: Any, path: Path, number: int, fail) -> str:
    if name is not None and name != "":
        return given_name(name, "meta.name", fail)
    if isinstance(example_id, int) and not isinstance(example_id, bool) or \
            isinstance(example_id, str) and example_id:
        name = normalize_name(f"doccano:{example_id}")
        problem = document_name_problem(name)
        if problem:
            raise fail(f'a line without "meta.name" is named after its "id", and the {problem}')
        return name
    name = normalize_name(f"{path.stem}:{number}")
    problem = document_name_problem(name)
    if problem:
        raise fail(f'a line without "meta.name" or "id" is named after the file, and the {problem}; '
                   'rename the file or give the line a "meta.name"')
    return name


def write(records: Iterable[dict], out: IO[str], *, report: Callable[[str], None] | None = None,
          relations: bool = False) -> int:
    """Write export records (see annotator.core.exporter) one line each;
    returns the number of lines written."""
    lines = notes = entity_id = 0
    for record in records:
        spans = sorted(record["spans"], key=lambda s: (s["start"], s["end"], s["label"]))
        notes += sum(1 for span in spans if span.get("note"))
        if relations:
            entities = []
            for span in spans:
                entity_id += 1
                entities.append({"id": entity_id, "label": span["label"],
                                 "start_offset": span["start"], "end_offset": span["end"]})
            line: dict = {"id": lines + 1, "text": record["text"], "entities": entities, "relations": []}
        else:
            line = {"text": record["text"], "label": [[s["start"], s["end"], s["label"]] for s in spans]}
        if record.get("annotator") is not None:
            line["annotator"] = record["annotator"]
        line["meta"] = record["meta"]
        try:
            encoded = ENCODER.encode(line)
        except ValueError:
            raise AnnotatorError(f"document {shown(record['meta'].get('name'))} cannot be exported: its "
                                 "metadata holds a number JSON cannot represent (infinity or NaN)") from None
        out.write(encoded)
        out.write("\n")
        lines += 1
    if notes and report is not None:
        report(f"{notes} span note{'s' if notes != 1 else ''} not written: doccano has no place for notes")
    return lines
