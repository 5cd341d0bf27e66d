"""brat standoff: a folder holding, for each document, NAME.txt and NAME.ann.

Written (`annotator export --format brat -o FOLDER`):
- `ANNOTATOR/NAME.txt`: the text exactly as stored (UTF-8, no BOM added, CRLF
  kept, no newline added). Each annotator's layer is a subfolder named after
  them: brat keeps several annotators' work as separate collections. A
  document nobody annotated is written at the top of the folder.
- `ANNOTATOR/NAME.ann`: `T1<TAB>TYPE START END<TAB>TEXT` per span and
  `#1<TAB>AnnotatorNotes T1<TAB>NOTE` per note. Offsets are code points
  into the .txt, end exclusive: brat is Python and reads the .txt without
  translating line ends (codecs.open is binary underneath), so an emoji is
  one character and CRLF two, as here. An .ann line cannot hold a line
  break (brat reads it with str.splitlines, see #786 in brat's tracker), so
  a span whose text holds one is written with brat's discontinuous syntax,
  split at the breaks: "New\\nYork" is `0 3;4 8<TAB>New York` (brat joins a
  span's fragments with one space). A span that begins or ends with a break
  gets an empty fragment there (`0 4;5 5`), so its exact extent survives.
  A note's line breaks, tabs and backslashes are escaped as `\\n`, `\\r`,
  `\\t`, `\\\\` (others of str.splitlines' breaks as `\\uXXXX`).
- `ANNOTATOR/NAME.json`, which brat ignores: the document's real name, the
  annotator, the document's meta and the labels written in another form. A
  name unfit for a file (`/`, `..`, `CON`, a leading dot, over 100 bytes,
  or one differing from another only in case) gets a safe, unique stem;
  the real name comes back from here on import.
- `annotation.conf` (`[entities]`: the labels used) and `visual.conf`. A
  brat type may hold only `A-Za-z0-9_-` (brat's normalize_to_storage_form),
  so "named entity" is written as the type `named_entity` (made unique with
  `-2` if two labels meet), shown in brat under its name by visual.conf's
  `[labels]`, and read back exactly through NAME.json.

Read (`annotator import FOLDER`, or one NAME.ann with NAME.txt beside it):
every .ann below the folder with its .txt, and every .txt without an .ann
(a document no one has annotated, as brat shows it). An .ann directly in the
folder belongs to the importing user (--user); one in a subfolder to the
annotator the subfolder is named after (or the one NAME.json names). T lines
become spans, `AnnotatorNotes` lines their notes (several are joined by line
breaks). `E`, `R`, `A`, `M`, `N` and `*` lines (events, relations,
attributes, normalisations, equivalences) and other `#` comments are
accepted and ignored: annotator has no events or relations yet. A
discontinuous span whose gaps are only line breaks is one span (what the
writer makes); one with text in its gaps is imported as its outer extent,
with a note saying which fragments brat had. A T line whose text is not
the .txt's at its offsets, or anything else malformed, rejects the import,
naming the .ann file and line. A UTF-8 BOM at the start of a .txt is kept
as the text's first character: brat counts it in its offsets.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from annotator.core.errors import AnnotatorError, ImportRejected, InputError
from annotator.core.formats.document import ParsedDocument, ParsedSpan, Problems, by_document, streamed
from annotator.core.formats.json_checks import DECODER, MAX_META_DEPTH, Unstorable, depth
from annotator.core.model import (MAX_NOTE_LENGTH, document_name_problem, name_problem, normalize_name,
                                  shown)
from annotator.core.textio import decode_utf8, read_bytes

# What marks a NAME.json as ours (another tool's .json beside an .ann is ignored).
SIDECAR_KEY = "annotator_brat"
SIDECAR_VERSION = 1
# The characters str.splitlines() breaks at: brat reads .ann files by them.
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_NOT_BREAK = re.compile(f"[^{_BREAKS}]+")
_ONLY_BREAKS = re.compile(f"[{_BREAKS}]*")
# brat's storage form of a type name (projectconfig.normalize_to_storage_form).
_NOT_TYPE_CHAR = re.compile(r"[^A-Za-z0-9_-]")
_T_DATA = re.compile(r"(\S+) ([0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*)[ \t]*")
_ID = re.compile(r"[A-Za-z]+[0-9]+\S*|#[A-Za-z]*[0-9]+\S*|\*")
_NOTE_ESCAPE = re.compile(f"[\\\\\t{_BREAKS}]")
_NOTE_UNESCAPE = re.compile(r"\\(\\|n|r|t|u[0-9a-fA-F]{4})")
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Names Windows refuses for a file, whatever its suffix.
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_UNFIT_IN_FILE_NAME = set('<>:"/\\|?*')
# A stem's UTF-8 length at most: room for "-123.json" within the 255 bytes
# most file systems allow, and short enough to read in a listing.
MAX_STEM_BYTES = 100
MAX_ERRORS_PER_FILE = 20
CONF_FILES = ("annotation.conf", "visual.conf")


# ---------------------------------------------------------------- writing

def write(records: Iterable[dict], out: Path, *, report: Callable[[str], None] | None = None) -> int:
    """Write export records (core.exporter.layers) into the empty folder
    `out`, one document at a time. Returns the number of documents."""
    used = {_fold(name) for name in CONF_FILES}  # every name at the folder's top
    folders: dict[str | None, Path] = {None: out}
    types: dict[str, str] = {}  # label -> brat type, one for the whole export
    documents = 0
    for layers in by_document(records):
        documents += 1
        name = layers[0]["meta"].get("name") or "document"
        stem = _unique(_safe_stem(name), used, (".txt", ".ann", ".json"))
        for record in layers:
            annotator = record["annotator"]
            if annotator not in folders:
                folder = _unique(_safe_stem(annotator), used, ("",))
                folders[annotator] = out / folder
                folders[annotator].mkdir()
            _write_layer(folders[annotator] / stem, record, types)
    (out / "annotation.conf").write_bytes(_annotation_conf(types).encode("utf-8"))
    (out / "visual.conf").write_bytes(_visual_conf(types).encode("utf-8"))
    renamed = {label: kind for label, kind in types.items() if label != kind}
    if renamed and report is not None:
        shown_ = ", ".join(f"{label!r} as {kind}" for label, kind in list(renamed.items())[:5])
        more = f" and {len(renamed) - 5} more" if len(renamed) > 5 else ""
        report(f"{len(renamed)} label{'s' if len(renamed) > 1 else ''} written as brat types "
               f"({shown_}{more}): brat allows only A-Z, a-z, 0-9, _ and - in a type; visual.conf shows "
               "them by name and importing the folder gives the labels back")
    return documents


def _write_layer(base: Path, record: dict, types: dict[str, str]) -> None:
    text = record["text"]
    lines = []
    labels = {}
    notes = 0
    for number, span in enumerate(sorted(record["spans"], key=lambda s: (s["start"], s["end"], s["label"])),
                                  start=1):
        kind = _brat_type(span["label"], types)
        if kind != span["label"]:
            labels[kind] = span["label"]
        fragments = _fragments(text, span["start"], span["end"])
        offsets = ";".join(f"{start} {end}" for start, end in fragments)
        lines.append(f"T{number}\t{kind} {offsets}\t{' '.join(text[s:e] for s, e in fragments)}\n")
        if span.get("note"):
            notes += 1
            lines.append(f"#{notes}\tAnnotatorNotes T{number}\t{_escape_note(span['note'])}\n")
    meta = {key: value for key, value in record["meta"].items() if key != "name"}
    sidecar = {SIDECAR_KEY: SIDECAR_VERSION, "name": record["meta"].get("name"),
               "annotator": record["annotator"], "meta": meta, "labels": labels}
    try:
        encoded = json.dumps(sidecar, ensure_ascii=False, allow_nan=False, indent=1)
    except ValueError:
        raise AnnotatorError(f"document {shown(sidecar['name'])} cannot be exported: its metadata holds a "
                             "number JSON cannot represent (infinity or NaN, imported by an older "
                             "annotator)") from None
    base.with_name(base.name + ".txt").write_bytes(text.encode("utf-8"))
    base.with_name(base.name + ".ann").write_bytes("".join(lines).encode("utf-8"))
    base.with_name(base.name + ".json").write_bytes((encoded + "\n").encode("utf-8"))


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as brat fragments holding no line break; an edge that is
    a line break gets an empty fragment, so the extent is kept."""
    pieces = [m.span() for m in _NOT_BREAK.finditer(text, start, end)]
    if not pieces or pieces[0][0] != start:
        pieces.insert(0, (start, start))
    if pieces[-1][1] != end:
        pieces.append((end, end))
    return pieces


def _brat_type(label: str, types: dict[str, str]) -> str:
    kind = types.get(label)
    if kind is None:
        base = _NOT_TYPE_CHAR.sub("_", label)
        kind, n = base, 1
        taken = set(types.values())
        while kind in taken:
            n += 1
            kind = f"{base}-{n}"
        types[label] = kind
    return kind


def _annotation_conf(types: dict[str, str]) -> str:
    entities = "".join(f"{kind}\n" for kind in sorted(types.values()))
    return f"[entities]\n{entities}\n[relations]\n\n[events]\n\n[attributes]\n"


def _visual_conf(types: dict[str, str]) -> str:
    # brat separates a type's display names with "|": one in a label cannot be shown.
    shown_ = "".join(f"{kind} | {label}\n" for label, kind in sorted(types.items(), key=lambda item: item[1])
                     if label != kind and "|" not in label)
    return f"[labels]\n{shown_}\n[drawing]\n"


def _escape_note(note: str) -> str:
    return _NOTE_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), note)


def _unescape_note(note: str) -> str:
    def one(m: re.Match) -> str:
        code = m.group(1)
        return {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}.get(code) or chr(int(code[1:], 16))
    return _NOTE_UNESCAPE.sub(one, note)


def _safe_stem(name: str | None) -> str:
    """A file name made of `name` that every common file system accepts and
    brat shows (it hides names starting with "." or "hidden_")."""
    stem = "".join("_" if ch in _UNFIT_IN_FILE_NAME or not ch.isprintable() else ch for ch in name or "")
    stem = stem.strip(" .")  # Windows drops trailing dots and blanks; a leading dot hides a file
    if stem.lower().startswith("hidden_") or stem.split(".")[0].upper() in _DEVICES:
        stem = "_" + stem
    encoded = stem.encode("utf-8")
    if len(encoded) > MAX_STEM_BYTES:
        stem = encoded[:MAX_STEM_BYTES].decode("utf-8", "ignore").rstrip(" .")
    return stem or "document"


def _fold(name: str) -> str:
    # How a case-insensitive file system (Windows, macOS) compares names.
    return unicodedata.normalize("NFC", name.casefold())


def _unique(stem: str, used: set[str], suffixes: tuple[str, ...]) -> str:
    """`stem`, or `stem-2`, `stem-3`..., whose files (stem + each suffix) are
    not yet in `used` (then they are)."""
    candidate, n = stem, 1
    while any(_fold(candidate + suffix) in used for suffix in suffixes):
        n += 1
        candidate = f"{stem}-{n}"
    used.update(_fold(candidate + suffix) for suffix in suffixes)
    return candidate


# ---------------------------------------------------------------- reading

def sniff_folder(path: Path) -> bool:
    """An .ann file in the folder or in a folder inside it."""
    try:
        with os.scandir(path) as entries:
            subfolders = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.name.lower().endswith(".ann") and entry.is_file():
                    return True
                if entry.is_dir():
                    subfolders.append(entry.path)
        for folder in subfolders:
            with os.scandir(folder) as entries:
                if any(e.name.lower().endswith(".ann") and e.is_file() for e in entries):
                    return True
    except OSError:
        return False
    return False


def sniff(head: bytes) -> bool:
    """A brat annotation line first: an id, a tab, a type."""
    try:
        first = head.removeprefix(b"\xef\xbb\xbf").lstrip().split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(re.match(r"(T[0-9]+\t\S+ [0-9]+ [0-9]+|#[0-9]+\t\S+ |[ERAMN][0-9]+\t\S|\*\t\S)", first))


def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """The documents of a brat folder, or of one .ann file (its .txt beside
    it), one at a time. A bad document goes to `problems` (see
    document.Problems). `progress(bytes_read, total)` is told after each document."""
    path = Path(path)
    if path.is_dir():
        found = _documents_in(path)
        if not found:
            raise InputError(path, None, "holds no brat documents (.ann and .txt files)")
    else:
        read_bytes(path, limit=0)  # a missing file, a pipe or a device: said as for any file
        found = [_Found(path, path.with_name(path.stem + ".txt"), None, normalize_name(path.stem))]
    return streamed(lambda problems: _read(found, progress, problems), problems)


def _read(found: list[_Found], progress, problems: Problems) -> Iterator[ParsedDocument]:
    sizes = [_size(one.ann) + _size(one.txt) for one in found] if progress is not None else []
    done, total = 0, sum(sizes)
    for i, one in enumerate(found):
        try:
            document = _read_document(one)
        except InputError as e:
            problems.add(e)
        except ImportRejected as e:
            for error in e.errors:
                problems.add(error)
        else:
            yield document
        if progress is not None:
            done += sizes[i]
            progress(done, total)


def _size(path: Path | None) -> int:
    try:
        return os.path.getsize(path) if path is not None else 0
    except OSError:
        return 0


class _Found(NamedTuple):
    ann: Path | None  # None: a text no one has annotated
    txt: Path
    annotator: str | None  # from the folder it is in
    name: str  # from its path


def _documents_in(root: Path) -> list[_Found]:
    """Every document below `root` (hidden files and folders skipped), in
    path order."""
    files: dict[Path, dict[str, Path]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            stem, suffix = os.path.splitext(filename)
            if not filename.startswith(".") and suffix.lower() in (".ann", ".txt"):
                files.setdefault(Path(dirpath) / stem, {})[suffix.lower()] = Path(dirpath) / filename
    found = []
    for base in sorted(files):
        parts = base.relative_to(root).parts
        annotator = normalize_name(parts[0]) if len(parts) > 1 else None
        name = normalize_name("/".join(parts[1:] if len(parts) > 1 else parts))
        ann = files[base].get(".ann")
        found.append(_Found(ann, files[base].get(".txt") or _beside(base, ".txt"), annotator, name))
    return found


def _read_document(found: _Found) -> ParsedDocument:
    where = found.ann or found.txt
    if not found.txt.is_file():
        raise InputError(where, None, f"has no text beside it: brat keeps a document's text in "
                                      f"{found.txt.name}, which is missing")
    data = read_bytes(found.txt)
    text = decode_utf8(data, found.txt)
    if data.startswith(b"\xef\xbb\xbf"):
        text = "\ufeff" + text  # brat counts it
    if not text:
        raise InputError(found.txt, None, "the file is empty: there is no text to annotate")
    sidecar = _sidecar(found.txt.with_suffix(".json"))
    name, annotator = found.name, found.annotator
    if sidecar is not None:
        name, annotator = sidecar["name"], sidecar["annotator"]
    else:
        problem = document_name_problem(name)
        if problem:
            raise InputError(where, None, f"the file's path is its document's name, and the {problem}; "
                                          "rename the file")
        problem = annotator is not None and name_problem(annotator, "annotator")
        if problem:
            raise InputError(where, None, f"the folder's name is its annotator's name, and the {problem}; "
                                          "rename the folder")
    spans = _read_ann(found.ann, text, sidecar) if found.ann else []
    return ParsedDocument(name=name, text=text, meta=sidecar["meta"] if sidecar else {}, annotator=annotator,
                          spans=spans, source=str(where), line=None)


def _beside(base: Path, suffix: str) -> Path:
    # base.with_suffix would cut a name holding a dot ("v1.2" -> "v1").
    return base.with_name(base.name + suffix)


def _sidecar(path: Path) -> dict | None:
    """What NAME.json written by annotator says, checked; None if there is
    no such file, or it is another tool's."""
    if not path.is_file():
        return None
    try:
        obj = DECODER.decode(decode_utf8(read_bytes(path), path))
    except (ValueError, RecursionError) as e:  # (JSONDecodeError and Unstorable are ValueErrors)
        if isinstance(e, Unstorable):
            raise InputError(path, None, str(e)) from None
        return None  # not JSON: not ours
    if not isinstance(obj, dict) or SIDECAR_KEY not in obj:
        return None

    def fail(message: str) -> InputError:
        return InputError(path, None, message)

    name = normalize_name(obj.get("name"))
    problem = document_name_problem(name)
    if problem:
        raise fail(f'"name": {problem}')
    annotator = normalize_name(obj.get("annotator"))
    if annotator is not None and name_problem(annotator, "annotator"):
        raise fail(f'"annotator": {name_problem(annotator, "annotator")}')
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict) or depth(meta) > MAX_META_DEPTH:
        raise fail(f'"meta" must be an object nested at most {MAX_META_DEPTH} levels deep')
    labels = obj.get("labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise fail('"labels" must map brat types to label names')
    return {"name": name, "annotator": annotator, "meta": meta, "labels": labels}


def _read_ann(path: Path, text: str, sidecar: dict | None) -> list[ParsedSpan]:
    """The spans of one .ann file, checked against `text`."""
    content = decode_utf8(read_bytes(path), path)
    labels = sidecar["labels"] if sidecar else {}
    spans: dict[str, tuple[int, int, str, str | None]] = {}  # T id -> start, end, label, fragments note
    notes: dict[str, list[str]] = {}
    note_lines: dict[str, int] = {}
    errors: list[InputError] = []
    for number, line in enumerate(content.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            _read_line(line, number, text, labels, spans, notes, note_lines, sidecar is not None,
                       lambda message: InputError(path, number, message))
        except InputError as e:
            errors.append(e)
            if len(errors) >= MAX_ERRORS_PER_FILE:
                errors.append(InputError(path, None, f"stopped checking after {len(errors)} bad lines "
                                                     f"(at line {number})"))
                break
    for target, number in note_lines.items():
        if target not in spans:
            errors.append(InputError(path, number, f"a note for {target}, which is not a T line of this file"))
    if errors:
        raise ImportRejected(errors)
    result: dict[tuple, ParsedSpan] = {}
    for tid, (start, end, label, fragments) in spans.items():
        written = notes.get(tid, []) + ([fragments] if fragments else [])
        note = "\n".join(written) or None
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise InputError(path, None, f"the note of {tid} is longer than {MAX_NOTE_LENGTH:,} characters")
        result.setdefault((start, end, label), ParsedSpan(start, end, label, note=note, id=tid))
    return list(result.values())


def _read_line(line: str, number: int, text: str, labels: dict, spans: dict, notes: dict, note_lines: dict,
               ours: bool, fail: Callable[[str], InputError]) -> None:
    ident, tab, rest = line.partition("\t")
    if not tab or not _ID.fullmatch(ident):
        raise fail(f"not a brat annotation line: expected an id (T1, #1, E1, R1, A1, N1 or *), a tab, then "
                   f"the annotation; found {shown(line[:40])}")
    if ident[0] == "#":
        data, _, note = rest.partition("\t")
        fields = data.split()
        if len(fields) != 2:
            raise fail(f"a note line is #ID<TAB>AnnotatorNotes TARGET<TAB>NOTE; found {shown(data[:40])}")
        kind, target = fields
        note = _unescape_note(note) if ours else note.strip()
        if kind == "AnnotatorNotes" and target[:1] == "T" and note:
            notes.setdefault(target, []).append(note)
            note_lines.setdefault(target, number)
        return
    if ident[0] != "T":
        return  # events, relations, attributes, normalisations, equivalences: not kept
    if ident in spans:
        raise fail(f"{ident} is defined twice in this file")
    data, tab, written = rest.partition("\t")
    m = _T_DATA.fullmatch(data)
    if m is None:
        raise fail(f"a T line is T1<TAB>TYPE START END<TAB>TEXT (fragments: START END;START END); "
                   f"found {shown(data[:40])}")
    kind = m.group(1)
    label = normalize_name(labels.get(kind, kind))
    problem = name_problem(label)
    if problem:
        raise fail(problem)
    pairs = [tuple(part.split(" ")) for part in m.group(2).split(";")]
    if any(len(number) > 15 for pair in pairs for number in pair):
        raise fail("an offset is too large")
    fragments = sorted((int(s), int(e)) for s, e in pairs)
    for start, end in fragments:
        if start > end:
            raise fail(f"fragment {start} {end} ends before it starts")
        if end > len(text):
            raise fail(f"offset {end} is past the end of the text ({len(text)} characters)")
    for (_, end), (start, _) in zip(fragments, fragments[1:]):
        if start < end:
            raise fail("its fragments overlap")
    start, end = fragments[0][0], fragments[-1][1]
    if start == end:
        raise fail(f"the span {start} {end} is empty")
    expected = " ".join(text[s:e] for s, e in fragments)
    if tab and written and not (written.startswith(expected)
                                and (len(written) == len(expected) or written[len(expected)].isspace())):
        raise fail(f"its text {shown(written)} does not match the .txt at {m.group(2)}, which is "
                   f"{shown(expected)}")
    gaps = (text[e:s] for (_, e), (s, _) in zip(fragments, fragments[1:]))
    discontinuous = not all(_ONLY_BREAKS.fullmatch(gap) for gap in gaps)
    note = f"brat fragments {m.group(2)} (discontinuous: imported as one span)" if discontinuous else None
    spans[ident] = (start, end, label, note)
