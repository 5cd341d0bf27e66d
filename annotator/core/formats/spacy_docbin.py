"""spaCy's binary training format: a `.spacy` file holding a `DocBin`.

Needs spaCy (`pip install 'annotator[spacy]'`), imported only here, inside
read and write. No trained model is used: texts are tokenized by a blank
pipeline (`spacy.blank`), so export works offline.

Write: one `Doc` per document and annotator layer (a document's layers are
consecutive Docs with the same text), tokenized by `spacy.blank(lang)` where
the document's meta "lang"/"language" is a language spaCy's blank pipelines
support, else the multi-language `xx`. Every span that falls on token
boundaries is in `doc.spans["sc"]`; those that overlap none longer or
earlier are also `doc.ents` (spaCy entities cannot overlap; the tokens of
an overlapping span outside every entity are marked missing, not "O", so a
model is not taught they are no entity). Spans off token boundaries cannot be
spaCy spans: they are counted in the report. Nothing is lost, though: each
Doc's `user_data` (DocBin(store_user_data=True)) carries
    "annotator_owner": the layer's annotator (None for a document nobody annotated),
    "annotator_meta":  the document's meta, its name included,
    "annotator_spans": every span as [start, end, label] or [start, end, label, note],
so a re-import brings every span back exactly.

Read: any DocBin. A Doc from our export gives its user_data spans, owner and
name; any span in its span groups or entities not among them (added in
spaCy) is added too. A Doc from elsewhere gives the spans of every span
group and its entities; it is named `FILE-STEM:N` (N counting Docs from 1)
and its spans belong to the importing user.

Offsets: spaCy's character offsets (`Span.start_char`) are Python string
indices, i.e. code points, like ours: no conversion. `\\r\\n` is kept (spaCy's
tokenizer never changes the text: a Doc's text is its input).
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.formats.document import ParsedDocument, ParsedSpan, Problems, by_document, streamed
from annotator.core.model import (MAX_NOTE_LENGTH, document_name_problem, name_problem, normalize_name,
                                  offsets_problem, shown, unpaired_surrogate)
from annotator.core.textio import MAX_FILE_BYTES, read_bytes

INSTALL_HINT = "pip install 'annotator[spacy]'"
OWNER, META, SPANS = "annotator_owner", "annotator_meta", "annotator_spans"
# The group spaCy's span categorizer reads by default.
SPAN_GROUP = "sc"
# Only what a blank pipeline's Docs carry (ORTH and SPACY are always kept):
# the default attrs add eight more columns of zeros per token in memory.
DOCBIN_ATTRS = ["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"]
FALLBACK_LANG = "xx"
# A language code as spaCy names its blank pipelines ("en", "de", "grc");
# anything else would be handed to importlib as a module path.
_LANG_CODE = re.compile(r"[a-z]{2,3}")
MAX_ERRORS_PER_FILE = 20
PROGRESS_DOCS = 500
# A DocBin is one zlib blob that spaCy inflates whole: its inflated size is
# bounded like a text file's (textio's bound), before anything is inflated.
MAX_INFLATED = MAX_FILE_BYTES
_INFLATE_PIECE = 1 << 20


def _spacy(path: Path | None = None):
    try:
        import spacy
        from spacy.tokens import DocBin  # noqa: F401  (checks the install is whole)
    except ImportError as e:
        message = f"the spaCy format needs spaCy, which is not installed ({e}); install it with {INSTALL_HINT}"
        if path is not None:
            raise InputError(path, None, message) from None
        raise AnnotatorError(message) from None
    return spacy


def sniff(head: bytes) -> bool:
    """A DocBin: zlib-compressed msgpack whose map names the DocBin's fields."""
    try:
        start = zlib.decompressobj().decompress(head, 256)
    except zlib.error:
        return False
    # A msgpack map (fixmap, map16 or map32) whose first fields name "attrs".
    return bool(start) and (0x80 <= start[0] <= 0x8f or start[0] in (0xde, 0xdf)) and b"attrs" in start[:64]


# -- write -----------------------------------------------------------------

class _Tokenizers:
    """A blank pipeline per language, made once; unknown or unusable
    languages fall back to the multi-language one (and are reported)."""

    def __init__(self, spacy):
        self.spacy = spacy
        self.pipelines: dict[str, Any] = {}
        self.fallbacks: dict[str, int] = {}  # language asked for -> documents tokenized as xx instead

    def for_meta(self, meta: dict):
        asked = meta.get("lang", meta.get("language"))
        code = asked.strip().lower().replace("_", "-").split("-")[0] if isinstance(asked, str) else ""
        nlp = self._blank(code) if _LANG_CODE.fullmatch(code) else None
        if nlp is None:
            if isinstance(asked, str) and asked.strip():
                self.fallbacks[asked] = self.fallbacks.get(asked, 0) + 1
            nlp = self._blank(FALLBACK_LANG)
        return nlp

    def _blank(self, code: str):
        if code not in self.pipelines:
            try:
                nlp = self.spacy.blank(code)
            except Exception:  # unknown code, or a language needing its own package (ja: SudachiPy)
                nlp = None
            if nlp is not None:
                nlp.max_length = sys.maxsize  # make_doc refuses texts over 1,000,000 characters otherwise
            self.pipelines[code] = nlp
        return self.pipelines[code]


def write(records: Iterable[dict], out: IO[bytes], *, report: Callable[[str], None] | None = None,
          **options) -> int:
    """Write the layers as one DocBin. Returns the number of documents (a
    document with several layers is one Doc per layer). A DocBin is one
    compressed blob, so every Doc's token columns and spans (not its text)
    are held until the end: measured, 8,000 documents of 3,000 characters
    peak at 625 MB, 2.2 ms a document (2 cores)."""
    spacy = _spacy()
    from spacy.tokens import DocBin

    tokenizers = _Tokenizers(spacy)
    docbin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)
    documents = docs = misaligned = not_entities = 0
    for layers in by_document(records):
        documents += 1
        for record in layers:
            nlp = tokenizers.for_meta(record["meta"])
            doc, off_tokens, overlapping = _doc(nlp, record)
            misaligned += off_tokens
            not_entities += overlapping
            try:
                docbin.add(doc)
            except Exception as e:  # user_data msgpack cannot hold (an integer beyond 64 bits)
                raise AnnotatorError(f"document {shown(record['meta'].get('name'))} cannot be written as "
                                     f"a spaCy Doc: {e}") from None
            docs += 1
    out.write(docbin.to_bytes())
    if report is not None:
        _report(report, documents, docs, misaligned, not_entities, tokenizers.fallbacks)
    return documents


def _doc(nlp, record: dict):
    """The Doc of one layer, and how many of its spans are off token
    boundaries and how many (aligned) overlap an entity kept instead."""
    from spacy.tokens import Span, SpanGroup
    from spacy.util import filter_spans

    text = record["text"]
    doc = nlp.make_doc(text)
    if doc.text != text:  # spaCy promises this; offsets depend on it
        raise AnnotatorError(f"document {shown(record['meta'].get('name'))}: spaCy's tokenizer changed its "
                             "text, so span offsets could not be kept; nothing was written")
    spans = sorted(record["spans"], key=lambda s: (s["start"], s["end"], s["label"]))
    aligned = []
    for span in spans:
        made = doc.char_span(span["start"], span["end"], label=span["label"], alignment_mode="strict")
        if made is not None:
            aligned.append(made)
    doc.spans[SPAN_GROUP] = SpanGroup(doc, name=SPAN_GROUP, spans=aligned)
    entities = filter_spans(aligned)  # spaCy's own choice: longest (in tokens) first, then earliest
    kept = {i for entity in entities for i in range(entity.start, entity.end)}
    # Tokens a span covers that no entity does: unknown to NER, not "outside".
    missing = set()
    for span in spans:
        covering = doc.char_span(span["start"], span["end"], alignment_mode="expand")
        if covering is not None:
            missing.update(i for i in range(covering.start, covering.end) if i not in kept)
    doc.set_ents(entities, missing=[Span(doc, i, i + 1) for i in sorted(missing)], default="outside")
    doc.user_data[OWNER] = record["annotator"]
    doc.user_data[META] = record["meta"]
    doc.user_data[SPANS] = [[s["start"], s["end"], s["label"], s["note"]] if s.get("note") else
                            [s["start"], s["end"], s["label"]] for s in spans]
    return doc, len(spans) - len(aligned), len(aligned) - len(entities)


def _report(report, documents: int, docs: int, misaligned: int, not_entities: int,
            fallbacks: dict[str, int]) -> None:
    if docs != documents:
        report(f"{docs} spaCy Docs: one per document and annotator layer.")
    if misaligned:
        report(f"{misaligned} span{'s do' if misaligned != 1 else ' does'} not fall on spaCy's token "
               f"boundaries, so {'they are' if misaligned != 1 else 'it is'} in neither doc.spans"
               f"[\"{SPAN_GROUP}\"] nor doc.ents; every span is kept with its exact offsets in "
               f"doc.user_data[\"{SPANS}\"] and comes back when the file is imported.")
    if not_entities:
        report(f"{not_entities} span{'s overlap' if not_entities != 1 else ' overlaps'} a longer (or equally "
               f"long, earlier) one: in doc.spans[\"{SPAN_GROUP}\"] but not in doc.ents, "
               "which cannot overlap.")
    for asked, count in sorted(fallbacks.items()):
        report(f"meta language {shown(asked)} ({count} document{'s' if count != 1 else ''}) is not one "
               f"spaCy can tokenize here; the multi-language tokenizer ({FALLBACK_LANG!r}) was used.")


# -- read ------------------------------------------------------------------

def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """Every Doc of the DocBin at `path`, one at a time (the DocBin itself is
    one compressed blob, read whole: one inflating past MAX_INFLATED is
    refused before it is inflated). A bad Doc goes to `problems` (see
    document.Problems). `progress(bytes, total)` is told how far it got
    (Docs read, as a share of the file) every PROGRESS_DOCS."""
    return streamed(lambda found: _read(path, progress, found), problems)


def _read(path: Path, progress, problems: Problems) -> Iterator[ParsedDocument]:
    spacy = _spacy(path)
    from spacy.tokens import DocBin

    data = read_bytes(path)
    _check_inflated_size(data, path)
    try:
        docbin = DocBin().from_bytes(data)
    except Exception as e:  # zlib, msgpack or shape errors: anything but a DocBin
        raise InputError(path, None, f"is not a spaCy DocBin (.spacy) file, or it is damaged ({_why(e)})") from None
    vocab = spacy.blank(FALLBACK_LANG).vocab
    total = len(docbin)
    bad = found = 0
    docs = docbin.get_docs(vocab)
    for number in range(1, total + 1):
        if progress is not None and number % PROGRESS_DOCS == 0:
            progress(len(data) * number // total, len(data))  # in bytes, as the importer counts
        try:
            doc = next(docs)
        except Exception as e:
            problems.add(InputError(path, None, f"document {number} is damaged ({_why(e)}); "
                                                "the rest of the file was not read"))
            return
        try:
            parsed = _parsed(doc, path, number)
        except InputError as e:
            problems.add(e)
            bad += 1
        except Exception as e:  # spaCy's structures inside it damaged: a span past the Doc, a lost string
            problems.add(InputError(path, None, f"document {number} is damaged ({_why(e)})"))
            bad += 1
        else:
            found += 1
            yield parsed
        if bad >= MAX_ERRORS_PER_FILE - 1 and number < total:
            problems.add(InputError(path, None, f"stopped checking after {bad} bad documents "
                                                f"(at document {number}); the rest was not read"))
            return
    if not found and not bad:
        raise InputError(path, None, "the file holds no documents")


def _check_inflated_size(data: bytes, path: Path) -> None:
    """Refuse a DocBin whose data inflates past MAX_INFLATED, before spaCy
    inflates it whole (DocBin.from_bytes is one zlib.decompress): a 1 MB
    file of zeros inflates to 1 GiB. Counted by inflating a piece at a
    time and dropping each (about 0.8 s a GiB, 2 cores); data zlib cannot
    read is left to from_bytes to refuse, with its message."""
    inflate = zlib.decompressobj()
    size = 0
    rest = data
    try:
        while True:
            piece = inflate.decompress(rest, _INFLATE_PIECE)
            size += len(piece)
            if size > MAX_INFLATED:
                raise InputError(path, None, f"inflates to more than {_bytes(MAX_INFLATED)} (a DocBin is "
                                             f"compressed; annotator reads at most {_bytes(MAX_INFLATED)} of "
                                             "its data, held whole); split it into smaller DocBins")
            rest = inflate.unconsumed_tail
            if inflate.eof or not (rest or piece):
                return
    except zlib.error:
        return


def _bytes(n: int) -> str:
    return f"{n / (1 << 30):g} GiB" if n >= 1 << 30 else f"{n:,} bytes"


def _why(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"[:200]


def _parsed(doc, path: Path, number: int) -> ParsedDocument:
    def fail(message: str) -> InputError:
        return InputError(path, None, f"document {number}: {message}")

    text = doc.text
    if not text:
        raise fail("its text is empty: there is nothing to annotate")
    if unpaired_surrogate(text) is not None or "\x00" in text:
        raise fail("its text holds a NUL or an unpaired surrogate, which annotator cannot store")
    ours = doc.user_data.get(SPANS) is not None
    meta = _meta(doc.user_data.get(META) if ours else None, fail)
    name = meta.pop("name", None)
    if name is None or name == "":
        name = f"{path.stem}:{number}"
    if not isinstance(name, str):
        raise fail(f'its "name" must be a string, not {shown(name)}')
    name = normalize_name(name)
    problem = document_name_problem(name)
    if problem:
        raise fail(f"its name: {problem}")
    annotator = normalize_name(doc.user_data.get(OWNER)) if ours else None
    if annotator is not None:
        problem = name_problem(annotator, "annotator")
        if problem:
            raise fail(f"its annotator: {problem}")
    spans = _own_spans(doc.user_data.get(SPANS), len(text), fail) if ours else []
    seen = {span[:3] for span in spans}
    for where, found in _spacy_spans(doc):
        key = (found.start_char, found.end_char, normalize_name(found.label_))
        if key not in seen:
            problem = name_problem(key[2])
            if problem:
                raise fail(f"{where} [{key[0]}, {key[1]}) {shown(found.text)}: {problem}")
            seen.add(key)
            spans.append(key)
    return ParsedDocument(name=name, text=text, meta=meta, annotator=annotator, spans=spans,
                          source=str(path), line=None)


def _spacy_spans(doc):
    for group_name, group in doc.spans.items():
        for span in group:
            yield f"span group {shown(group_name)}, span", span
    for span in doc.ents:
        yield "entity", span


def _meta(meta: Any, fail) -> dict:
    """A JSON object, as the project stores meta (msgpack gives tuples and
    may give bytes, which JSON cannot hold)."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise fail(f'user_data["{META}"] must be a map, not {type(meta).__name__}')
    try:
        return json.loads(json.dumps(meta, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        raise fail(f'user_data["{META}"] holds values JSON cannot (bytes, NaN, non-text keys) '
                   "or is nested too deeply") from None


def _own_spans(items: Any, length: int, fail) -> list:
    if not isinstance(items, (list, tuple)):
        raise fail(f'user_data["{SPANS}"] must be a list, not {type(items).__name__}')
    spans = []
    for i, item in enumerate(items, start=1):
        where = f'user_data["{SPANS}"] item {i}'
        if not isinstance(item, (list, tuple)) or len(item) not in (3, 4):
            raise fail(f"{where} must be [start, end, label] or [start, end, label, note]")
        start, end, label = item[:3]
        problem = offsets_problem(length, start, end)
        if problem:
            raise fail(f"{where}: {problem}")
        label = normalize_name(label)
        problem = name_problem(label)
        if problem:
            raise fail(f"{where}: {problem}")
        note = item[3] if len(item) == 4 else None
        if note is not None and note != "":
            if not isinstance(note, str) or unpaired_surrogate(note) is not None:
                raise fail(f"{where}: its note must be valid text")
            if len(note) > MAX_NOTE_LENGTH:
                raise fail(f"{where}: its note is longer than {MAX_NOTE_LENGTH:,} characters")
            spans.append(ParsedSpan(start, end, label, note=note))
        else:
            spans.append((start, end, label))
    # One span per (start, end, label): the first, with its note if it has one.
    unique: dict[tuple, Any] = {}
    for span in spans:
        unique.setdefault(tuple(span[:3]), span)
    return list(unique.values())
