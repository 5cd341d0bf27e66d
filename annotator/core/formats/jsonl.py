"""JSONL: one document (and one annotator's spans) per line.

Read: `{"text": str, "meta": {"name": ...}, "annotator": str,
        "spans": [{"start", "end", "label", "text"?, "note"?}]}` (spaCy/Prodigy) or
       doccano's `"label": [[start, end, label], ...]`.
Write: `{"text", "spans": [{"start", "end", "label", "text", "note"?}], "annotator", "meta"}`,
       spans sorted by (start, end), UTF-8, not ASCII-escaped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from annotator.core.errors import AnnotatorError, ImportRejected, InputError
from annotator.core.formats.document import ParsedDocument, ParsedSpan
from annotator.core.model import (MAX_NOTE_LENGTH, document_name_problem, name_problem, normalize_name,
                                  offsets_problem, shown, unpaired_surrogate)
from annotator.core.textio import binary_hint, line_of, read_bytes

# A file stops being read after this many problems (the last one being the
# note that reading stopped): they are all reported, and fit on one screen.
MAX_ERRORS_PER_FILE = 20
# Metadata is a few fields, not a tree: deeper nesting is refused.
MAX_META_DEPTH = 50


def sniff(head: bytes) -> bool:
    """A JSON object on the first non-blank line."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


# Lines between two progress reports: often enough to cancel a 100 MB file
# promptly, rarely enough to cost nothing (a report is a Qt signal).
PROGRESS_LINES = 2_000


def read(path: Path, progress: Callable[[int, int], None] | None = None) -> list[ParsedDocument]:
    """`progress(bytes_read, total)` is told how far it got every
    PROGRESS_LINES lines; it may raise to stop (errors.Cancelled)."""
    data = read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, 1, "file is UTF-16; save it as UTF-8 and import it again")
    # JSON text never holds a raw NUL byte: this is UTF-16 without a BOM, or binary.
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(path, line_of(data, nul), f"file contains NUL bytes: {binary_hint(data)}")
    documents: list[ParsedDocument] = []
    errors: list[InputError] = []
    # Split on \n only: a JSON string may hold a raw U+2028 or U+0085, which
    # str.splitlines() would wrongly treat as a line break.
    lines = data.split(b"\n")
    done = 0
    for number, raw in enumerate(lines, start=1):
        done += len(raw) + 1
        if progress is not None and number % PROGRESS_LINES == 0:
            progress(done, len(data))
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw.strip():
            continue
        try:
            documents.append(_parse_line(raw, path, number))
        except InputError as e:
            errors.append(e)
            if len(errors) >= MAX_ERRORS_PER_FILE - 1 and any(rest.strip() for rest in lines[number:]):
                errors.append(InputError(path, None, f"stopped checking after {len(errors)} bad lines "
                                                     f"(at line {number}); the rest was not read"))
                break
    if errors:
        raise ImportRejected(errors, documents)
    if not documents:
        raise InputError(path, None, "the file holds no documents (it is empty or blank)")
    return documents


def _parse_line(raw: bytes, path: Path, number: int) -> ParsedDocument:
    def fail(message: str) -> InputError:
        return InputError(path, number, message)

    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise fail(f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at byte {e.start + 1} of the line)") from None
    try:
        obj = _DECODER.decode(line)
    except json.JSONDecodeError as e:
        raise fail(f"malformed JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise fail("malformed JSON: nested too deeply") from None
    except _Unstorable as e:
        raise fail(str(e)) from None
    except ValueError:
        # int() refuses numbers of more than 4300 digits (CVE-2020-10735 guard).
        raise fail("malformed JSON: a number has too many digits") from None
    if not isinstance(obj, dict):
        raise fail(f"expected a JSON object with a \"text\" field, found {_json_kind(obj)}")

    text = obj.get("text")
    if "text" not in obj:
        raise fail('missing "text"')
    if not isinstance(text, str):
        raise fail(f'"text" must be a string, not {_json_kind(text)}')
    if not text:
        raise fail('"text" is empty: there is nothing to annotate')
    bad = unpaired_surrogate(text)
    if bad is not None:
        raise fail(f'"text" holds an unpaired surrogate at offset {bad}, which is not valid Unicode')

    meta = obj.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise fail(f'"meta" must be an object, not {_json_kind(meta)}')
    if _depth(meta) > MAX_META_DEPTH:
        # Python reads JSON by recursion: meta this deep could fail later in
        # a deeper call stack (the window, an export) instead of here.
        raise fail(f'"meta" is nested more than {MAX_META_DEPTH} levels deep')
    try:
        json.dumps(meta, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        raise fail('"meta" holds text that is not valid Unicode, or is nested too deeply') from None
    name = _document_name(meta.get("name"), path, number, fail)
    meta = {k: v for k, v in meta.items() if k != "name"}

    annotator = normalize_name(obj.get("annotator"))
    if annotator is not None:
        problem = name_problem(annotator, "annotator")
        if problem:
            raise fail(f'"annotator": {problem}')

    spans = []
    for i, span in enumerate(_as_list(obj, "spans", fail)):
        if not isinstance(span, dict):
            raise fail(f'"spans" item {i + 1} must be an object with start, end and label')
        for key in ("start", "end", "label"):
            if key not in span:
                raise fail(f'"spans" item {i + 1} has no "{key}"')
        checked = _checked_span(text, span["start"], span["end"], span["label"],
                                span.get("text"), f'"spans" item {i + 1}', fail)
        note = span.get("note")
        if note is not None and note != "":
            if not isinstance(note, str):
                raise fail(f'"spans" item {i + 1}: its "note" must be a string, not {_json_kind(note)}')
            if unpaired_surrogate(note) is not None:
                raise fail(f'"spans" item {i + 1}: its "note" holds text that is not valid Unicode')
            if len(note) > MAX_NOTE_LENGTH:
                raise fail(f'"spans" item {i + 1}: its "note" is longer than {MAX_NOTE_LENGTH:,} characters')
            checked = ParsedSpan(*checked, note=note)
        spans.append(checked)
    for i, item in enumerate(_as_list(obj, "label", fail)):
        if not isinstance(item, list) or len(item) != 3:
            raise fail(f'"label" item {i + 1} must be [start, end, label], found {json.dumps(item)[:60]}')
        spans.append(_checked_span(text, item[0], item[1], item[2], None, f'"label" item {i + 1}', fail))

    return ParsedDocument(name=name, text=text, meta=meta, annotator=annotator,
                          spans=list(dict.fromkeys(spans)), source=str(path), line=number)


def _document_name(name: Any, path: Path, number: int, fail) -> str:
    """meta.name in its stored form, or the file's name and line if it has none."""
    if name is None or name == "":
        name = normalize_name(f"{path.stem}:{number}")
        problem = document_name_problem(name)
        if problem:
            raise fail(f'a line without "meta.name" is named after the file, and the {problem}; '
                       'rename the file or give the line a "meta.name"')
        return name
    if not isinstance(name, str):
        raise fail(f'"meta.name" must be a string, not {_json_kind(name)}')
    name = normalize_name(name)
    problem = document_name_problem(name)
    if problem:
        raise fail(f'"meta.name": {problem}')
    return name


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, (list, dict)))
    return deepest


class _Unstorable(ValueError):
    """Raised from inside the JSON decoder, with the whole message for the line."""


def _reject_constant(name: str):
    # Python's json accepts NaN and Infinity, but they are not JSON: exporting
    # them would write lines other tools cannot read.
    raise _Unstorable(f"malformed JSON: {name} is not a JSON value")


def _finite_float(literal: str) -> float:
    # Python reads 1e400 as infinity, which would be exported as Infinity: not JSON.
    value = float(literal)
    if math.isinf(value):
        raise _Unstorable(f"the number {shown(literal)} is too large to store (beyond 1.8e308); "
                          "JSON exported from it could not be read back")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    # Python keeps the last of two equal keys without a word: a second "spans"
    # would silently replace the first. Comparing lengths keeps the common case cheap.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _Unstorable(f"the key {shown(key)} appears twice in one object; "
                          "keep one (which was meant is unclear)")
    return obj


# One decoder for every line: json.loads with hooks would build a new one per line.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float,
                            object_pairs_hook=_unique_keys)


def _as_list(obj: dict, key: str, fail) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(f'"{key}" must be a list, not {_json_kind(value)}')
    return value


def _checked_span(text: str, start: Any, end: Any, label: Any, span_text: Any,
                  where: str, fail) -> tuple[int, int, str]:
    problem = offsets_problem(len(text), start, end)
    if problem:
        raise fail(f"{where}: {problem}")
    label = normalize_name(label)
    problem = name_problem(label)
    if problem:
        raise fail(f"{where}: {problem}")
    if span_text is not None and span_text != text[start:end]:
        raise fail(f"{where}: its \"text\" {_short(span_text)} does not match the document text "
                   f"at [{start}, {end}), which is {_short(text[start:end])}")
    return (start, end, label)


def _short(value: Any) -> str:
    s = json.dumps(value, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + '..."'


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# allow_nan=False: infinity or NaN (in a project imported before they were
# refused) would be written as Infinity/NaN, which no JSON reader accepts.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def write(layers: Iterable[dict], out: IO[str]) -> int:
    """Write export records (see annotator.core.exporter) one per line.
    Returns the number of lines written."""
    n = 0
    encode = _ENCODER.encode
    for record in layers:
        try:
            line = encode(record)
        except ValueError:
            raise AnnotatorError(_unwritable(record)) from None
        out.write(line)
        out.write("\n")
        n += 1
    return n


def _unwritable(record: dict) -> str:
    meta = record.get("meta") or {}
    return (f"document {shown(meta.get('name'))} cannot be exported: its metadata holds a number "
            "JSON cannot represent (infinity or NaN, imported by an older annotator)")
