"""What every JSON-based reader shares (JSONL, doccano, Label Studio, brat's
sidecar files): one strict decoder, the checks on spans and metadata, the
messages, and the loop over a file's lines.

The decoder refuses what Python's json accepts but JSON does not (NaN,
Infinity, 1e400, a key given twice); the line loop reports every bad line
(up to MAX_ERRORS_PER_FILE) with its number, and reads lines split on \n
only (a JSON string may hold a raw U+2028, which str.splitlines() would
take for a line break).
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Iterator

from annotator.core import textio
from annotator.core.errors import InputError
from annotator.core.formats.document import ParsedDocument, Problems, streamed
from annotator.core.model import document_name_problem, name_problem, normalize_name, offsets_problem, shown
from annotator.core.textio import binary_hint

# A file stops being read after this many problems (the last one being the
# note that reading stopped): they are all reported, and fit on one screen.
MAX_ERRORS_PER_FILE = 20
# Metadata is a few fields, not a tree: deeper nesting is refused.
MAX_META_DEPTH = 50
# Lines between two progress reports: often enough to cancel a 100 MB file
# promptly, rarely enough to cost nothing (a report is a Qt signal).
PROGRESS_LINES = 2_000


def read_lines(path: Path, parse_line: Callable[[bytes, Path, int], ParsedDocument],
               progress: Callable[[int, int], None] | None = None,
               problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """`parse_line(raw, path, number)` for every non-blank line of a UTF-8
    file, yielded one at a time: the file is read a line at a time, so
    memory does not grow with it. Every InputError `parse_line` raises goes
    to `problems` (see document.Problems; without one, all are raised
    together at the end as ImportRejected). `progress(bytes_read, total)` is
    told how far it got every PROGRESS_LINES lines; it may raise to stop."""
    return streamed(lambda found: _lines(path, parse_line, progress, found), problems)


def _lines(path: Path, parse_line, progress, problems: Problems) -> Iterator[ParsedDocument]:
    limit = textio.MAX_FILE_BYTES  # a line is held whole (and decoded): the old whole-file bound
    with textio.open_regular(path) as f:
        total = os.fstat(f.fileno()).st_size
        head = f.peek(65536)[:65536]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(path, 1, "file is UTF-16; save it as UTF-8 and import it again")
        nul = head.find(b"\x00")
        if nul != -1:  # a binary file is said to be one before its lines are judged
            raise InputError(path, textio.line_of(head, nul), f"file contains NUL bytes: {binary_hint(head)}")
        bad = found = stopped_at = 0
        done = 0
        number = 0
        for raw in iter(functools.partial(f.readline, limit + 1), b""):
            number += 1
            done += len(raw)
            if progress is not None and number % PROGRESS_LINES == 0:
                progress(done, total)
            if len(raw) > limit:
                raise textio.too_long(path, number, limit)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            # JSON text never holds a raw NUL byte: this is UTF-16 without a BOM, or binary.
            if b"\x00" in raw:
                raise InputError(path, number, f"file contains NUL bytes: {binary_hint(head)}")
            raw = raw.removesuffix(b"\n").removesuffix(b"\r")
            if not raw.strip():
                continue
            if bad >= MAX_ERRORS_PER_FILE - 1:
                # One more bad line was there to be read: say where checking stopped.
                problems.add(InputError(path, None, f"stopped checking after {bad} bad lines "
                                                    f"(at line {stopped_at}); the rest was not read"))
                return
            try:
                document = parse_line(raw, path, number)
            except InputError as e:
                problems.add(e)
                bad += 1
                stopped_at = number
                continue
            found += 1
            yield document
    if not found and not bad:
        raise InputError(path, None, "the file holds no documents (it is empty or blank)")


def decode_line(raw: bytes, fail: Callable[[str], InputError]) -> Any:
    """One line's JSON value; anything wrong with it raised as `fail(message)`."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise fail(f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at byte {e.start + 1} of the line)") from None
    try:
        return DECODER.decode(line)
    except json.JSONDecodeError as e:
        raise fail(f"malformed JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise fail("malformed JSON: nested too deeply") from None
    except Unstorable as e:
        raise fail(str(e)) from None
    except ValueError:
        # int() refuses numbers of more than 4300 digits (CVE-2020-10735 guard).
        raise fail("malformed JSON: a number has too many digits") from None


def depth(value: Any) -> int:
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


class Unstorable(ValueError):
    """Raised from inside the JSON decoder, with the whole message for the line."""


def _reject_constant(name: str):
    # Python's json accepts NaN and Infinity, but they are not JSON: exporting
    # them would write lines other tools cannot read.
    raise Unstorable(f"malformed JSON: {name} is not a JSON value")


def _finite_float(literal: str) -> float:
    # Python reads 1e400 as infinity, which would be exported as Infinity: not JSON.
    value = float(literal)
    if math.isinf(value):
        raise Unstorable(f"the number {shown(literal)} is too large to store (beyond 1.8e308); "
                          "JSON exported from it could not be read back")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    # Python keeps the last of two equal keys without a word: a second "spans"
    # would silently replace the first. Comparing lengths keeps the common case cheap.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise Unstorable(f"the key {shown(key)} appears twice in one object; "
                          "keep one (which was meant is unclear)")
    return obj


# One decoder for every line: json.loads with hooks would build a new one per line.
DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float,
                            object_pairs_hook=_unique_keys)


def checked_span(text: str, start: Any, end: Any, label: Any, span_text: Any,
                  where: str, fail) -> tuple[int, int, str]:
    problem = offsets_problem(len(text), start, end)
    if problem:
        raise fail(f"{where}: {problem}")
    checked = KNOWN_LABELS.get(label) if type(label) is str else None
    if checked is None:
        checked = _check_label(label)
    name, problem = checked
    if problem:
        raise fail(f"{where}: {problem}")
    label = name
    if span_text is not None and span_text != text[start:end]:
        raise fail(f"{where}: its \"text\" {short(span_text)} does not match the document text "
                   f"at [{start}, {end}), which is {short(text[start:end])}")
    return (start, end, label)


# A label as a file writes it -> (its stored form, what is wrong with it):
# a file names a few labels a million times, so each is checked once
# (checking a name character by character per span was most of an import).
KNOWN_LABELS: dict[str, tuple[str, str | None]] = {}
_LABELS_KEPT = 10_000  # a file of ever-new labels does not grow this without bound


def _check_label(label: Any) -> tuple[str, str | None]:
    name = normalize_name(label)
    checked = (name, name_problem(name))
    if type(label) is str:
        if len(KNOWN_LABELS) >= _LABELS_KEPT:
            KNOWN_LABELS.clear()
        KNOWN_LABELS[label] = checked
    return checked


def short(value: Any) -> str:
    s = json.dumps(value, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + '..."'


def json_kind(value: Any) -> str:
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


def as_list(obj: dict, key: str, fail: Callable[[str], InputError]) -> list:
    """obj[key] as a list: [] if missing or null, refused if anything else."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(f'"{key}" must be a list, not {json_kind(value)}')
    return value


def given_name(name: Any, where: str, fail: Callable[[str], InputError]) -> str:
    """A document name a file gives (`"meta.name"`), in stored form."""
    if not isinstance(name, str):
        raise fail(f'"{where}" must be a string, not {json_kind(name)}')
    name = normalize_name(name)
    problem = document_name_problem(name)
    if problem:
        raise fail(f'"{where}": {problem}')
    return name


_FLAT = (str, int, float, bool, type(None))


def check_meta(meta: dict, what: str, fail: Callable[[str], InputError]) -> None:
    """Refuse metadata that could not be stored and exported again: nested
    too deeply (Python reads JSON by recursion, so meta this deep could fail
    later in a deeper call stack, in the window or an export, instead of
    here), or holding text that is not valid Unicode."""
    if all(type(value) in _FLAT for value in meta.values()):
        # The common case (a name, a date, a source): no nesting to measure,
        # and only the strings can hold what UTF-8 cannot encode.
        try:
            for key, value in meta.items():
                key.encode("utf-8")
                if type(value) is str:
                    value.encode("utf-8")
            return
        except UnicodeEncodeError:
            raise fail(f"{what} holds text that is not valid Unicode, or is nested too deeply") from None
    if depth(meta) > MAX_META_DEPTH:
        raise fail(f"{what} is nested more than {MAX_META_DEPTH} levels deep")
    try:
        json.dumps(meta, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        raise fail(f"{what} holds text that is not valid Unicode, or is nested too deeply") from None


# For writers. allow_nan=False: infinity or NaN (in a project imported before
# they were refused) would be written as Infinity/NaN, which no JSON reader accepts.
ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
