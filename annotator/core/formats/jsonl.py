"""JSONL: one document (and one annotator's spans) per line.

Read: `{"text": str, "meta": {"name": ...}, "annotator": str,
        "spans": [{"start", "end", "label", "text"?, "note"?}]}` (spaCy/Prodigy) or
       doccano's `"label": [[start, end, label], ...]`.
Write: `{"text", "spans": [{"start", "end", "label", "text", "note"?}], "annotator", "meta"}`,
       spans sorted by (start, end), UTF-8, not ASCII-escaped. With `tokens`
       (`export --tokens`), also Prodigy's and spaCy's token fields, from the
       core tokenizer (core/tokenize.py, the one agreement and CoNLL use):
       `"tokens": [{"text", "start", "end", "id", "ws"}]` and on each span
       `token_start`/`token_end` (inclusive, as Prodigy has them): the first
       and last token the span touches. A span not on token edges keeps its
       exact characters; its token fields cover the tokens it touches.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from annotator.core import tokenize
from annotator.core.errors import AnnotatorError, InputError
from annotator.core.formats.document import ParsedDocument, ParsedSpan, Problems
from annotator.core.formats.json_checks import (ENCODER, KNOWN_LABELS, as_list, check_meta, checked_span,
                                                decode_line, given_name, json_kind, read_lines)
from annotator.core.model import (MAX_NOTE_LENGTH, document_name_problem, name_problem, normalize_name,
                                  shown, unpaired_surrogate)


def sniff(head: bytes) -> bool:
    """A JSON object on the first non-blank line."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """`progress(bytes_read, total)` is told how far it got every
    PROGRESS_LINES lines; it may raise to stop (errors.Cancelled)."""
    return read_lines(path, _parse_line, progress, problems)


def _parse_line(raw: bytes, path: Path, number: int) -> ParsedDocument:
    def fail(message: str) -> InputError:
        return InputError(path, number, message)

    obj = decode_line(raw, fail)
    if not isinstance(obj, dict):
        raise fail(f"expected a JSON object with a \"text\" field, found {json_kind(obj)}")

    text = obj.get("text")
    if "text" not in obj:
        raise fail('missing "text"')
    if not isinstance(text, str):
        raise fail(f'"text" must be a string, not {json_kind(text)}')
    if not text:
        raise fail('"text" is empty: there is nothing to annotate')
    bad = unpaired_surrogate(text)
    if bad is not None:
        raise fail(f'"text" holds an unpaired surrogate at offset {bad}, which is not valid Unicode')

    meta = obj.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise fail(f'"meta" must be an object, not {json_kind(meta)}')
    check_meta(meta, '"meta"', fail)
    name = _document_name(meta.get("name"), path, number, fail)
    meta = {k: v for k, v in meta.items() if k != "name"}

    annotator = normalize_name(obj.get("annotator"))
    if annotator is not None:
        problem = name_problem(annotator, "annotator")
        if problem:
            raise fail(f'"annotator": {problem}')

    spans = _spans(text, as_list(obj, "spans", fail), fail)
    for i, item in enumerate(as_list(obj, "label", fail)):
        if not isinstance(item, list) or len(item) != 3:
            raise fail(f'"label" item {i + 1} must be [start, end, label], found {json.dumps(item)[:60]}')
        spans.append(checked_span(text, item[0], item[1], item[2], None, f'"label" item {i + 1}', fail))

    return ParsedDocument(name=name, text=text, meta=meta, annotator=annotator,
                          spans=list(dict.fromkeys(spans)), source=str(path), line=number)


def _spans(text: str, items: list, fail) -> list:
    """The "spans" items, checked. A file holds millions: the usual span (a
    dict of int offsets inside the text, a label already seen and valid, its
    "text" if given equal to the document's, no note) is checked here in a
    few comparisons; anything else takes the long way, which says exactly
    what is wrong (and gives the same result for a good span)."""
    length = len(text)
    spans = []
    for i, span in enumerate(items):
        if type(span) is dict:
            start, end, label = span.get("start"), span.get("end"), span.get("label")
            if type(start) is int and type(end) is int and 0 <= start < end <= length and type(label) is str:
                known = KNOWN_LABELS.get(label)
                if known is not None and not known[1] and span.get("note") in (None, ""):
                    given = span.get("text")
                    if given is None or given == text[start:end]:
                        spans.append((start, end, known[0]))
                        continue
        spans.append(_span(text, i, span, fail))
    return spans


def _span(text: str, i: int, span: Any, fail) -> tuple:
    if not isinstance(span, dict):
        raise fail(f'"spans" item {i + 1} must be an object with start, end and label')
    for key in ("start", "end", "label"):
        if key not in span:
            raise fail(f'"spans" item {i + 1} has no "{key}"')
    checked = checked_span(text, span["start"], span["end"], span["label"],
                           span.get("text"), f'"spans" item {i + 1}', fail)
    note = span.get("note")
    if note is not None and note != "":
        if not isinstance(note, str):
            raise fail(f'"spans" item {i + 1}: its "note" must be a string, not {json_kind(note)}')
        if unpaired_surrogate(note) is not None:
            raise fail(f'"spans" item {i + 1}: its "note" holds text that is not valid Unicode')
        if len(note) > MAX_NOTE_LENGTH:
            raise fail(f'"spans" item {i + 1}: its "note" is longer than {MAX_NOTE_LENGTH:,} characters')
        checked = ParsedSpan(*checked, note=note)
    return checked


def _document_name(name: Any, path: Path, number: int, fail) -> str:
    """meta.name in its stored form, or the file's name and line if it has none."""
    if name is None or name == "":
        name = normalize_name(f"{path.stem}:{number}")
        problem = document_name_problem(name)
        if problem:
            raise fail(f'a line without "meta.name" is named after the file, and the {problem}; '
                       'rename the file or give the line a "meta.name"')
        return name
    return given_name(name, "meta.name", fail)


def write(layers: Iterable[dict], out: IO[str], *, report=None, tokens: bool = False) -> int:
    """Write export records (see annotator.core.exporter) one per line.
    Returns the number of lines written."""
    n = 0
    encode = ENCODER.encode
    for record in layers:
        if tokens:
            record = _with_tokens(record)
        try:
            line = encode(record)
        except ValueError:
            raise AnnotatorError(_unwritable(record)) from None
        out.write(line)
        out.write("\n")
        n += 1
    return n


def _with_tokens(record: dict) -> dict:
    text = record["text"]
    found = tokenize.tokens(text)
    starts = [start for start, _ in found]
    ends = [end for _, end in found]
    listed = [{"text": text[start:end], "start": start, "end": end, "id": i,
               # Prodigy's "ws": whether whitespace follows the token.
               "ws": end < len(text) and text[end].isspace()}
              for i, (start, end) in enumerate(found)]
    spans = []
    for span in record["spans"]:
        first = bisect.bisect_right(ends, span["start"])  # the first token ending after the start
        last = bisect.bisect_left(starts, span["end"]) - 1  # the last token starting before the end
        if first <= last:  # (a span of blanks alone touches no token)
            span = {**span, "token_start": first, "token_end": last}
        spans.append(span)
    return {**record, "tokens": listed, "spans": spans}


def _unwritable(record: dict) -> str:
    meta = record.get("meta") or {}
    return (f"document {shown(meta.get('name'))} cannot be exported: its metadata holds a number "
            "JSON cannot represent (infinity or NaN, imported by an older annotator)")
