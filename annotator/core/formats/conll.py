"""CoNLL (IOB2): one token per line, `TOKEN<TAB>TAG`, a blank line after each
sentence, each document (and annotator layer) after a `-DOCSTART- -X- O O`
line.

Written:
```
-DOCSTART- -X- O O
# name = Kim's visit
# annotator = alice

Kim	B-actor
met	O
...
```
- `-DOCSTART- -X- O O`, exactly: the line `spacy convert -c ner` splits
  documents at (its conll_ner_to_docs), and one CoNLL-2003 readers such as
  Hugging Face's conll2003 script skip (every line starting -DOCSTART-).
- `# name = ...` and `# annotator = ...`, CoNLL-U's comment form, keep the
  document's name and whose layer it is (each layer is a document block of
  its own, with the same tokens). Readers that take every line as a token
  (`spacy convert`, Hugging Face's conll2003 script) do not skip them, so
  `--no-names` leaves them out; importing such a file names the documents
  after the file and its lines, and gives every span to the importing user.
- Tokens from the core tokenizer (core/tokenize.py: every visible character
  is in one token; whitespace never is). A sentence ends at a line break in
  the text, except inside a span (of any layer of the document), so that a
  span is never cut in two.
- Tags: `B-LABEL`, `I-LABEL`, `O` (IOB2). A tag cannot hold whitespace (the
  columns are whitespace-separated for most readers): a label's blanks are
  written as `_` ("named entity" -> `B-named_entity`), which is lossy and
  reported.
- One tag column holds one span per token. Where spans overlap, the longest
  is kept (of equal ones, the first; then the first label in name order) and
  the others are left out, counted in the report. A span whose edge falls
  inside a token is widened to the tokens it touches (counted); a span of
  blanks alone touches no token and is left out (counted).
- Meta and notes are not written: CoNLL has no place for them.
Offsets do not appear in CoNLL: tokens are text, so emoji and CRLF need no
counting convention.

Read: lines of whitespace- or tab-separated columns, the first the token and
the last the tag (CoNLL-2003's four columns, or two); `-DOCSTART-` lines
start a document; a blank line ends a sentence; `# name = ` and
`# annotator = ` lines (before a document's first token) name it. Tags may
be IOB2, IOB1 (an `I-` opening a span), or BIOES/BILOU (`E-`/`L-` ends a span,
`S-`/`U-` is a span of one token). The text is rebuilt by joining a
sentence's tokens with one space and sentences with a line break: the
original whitespace is not in a CoNLL file, so it is not kept.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from annotator.core import textio
from annotator.core.errors import InputError
from annotator.core.formats.document import ParsedDocument, Problems, by_document, streamed
from annotator.core.formats.json_checks import MAX_ERRORS_PER_FILE, PROGRESS_LINES
from annotator.core.model import document_name_problem, name_problem, normalize_name, shown
from annotator.core.tokenize import tokens as tokenize

DOCSTART = "-DOCSTART- -X- O O"
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")
_BLANK = re.compile(r"\s")
_TAG = re.compile(r"O|([BIESLU])-(.+)")
_COMMENT = re.compile(r"# (name|annotator) = (.*)")
_SNIFF_TOKEN_LINE = re.compile(rb"\S+(?:[ \t]+\S+)*[ \t]+(?:O|[BIESLU]-\S+)\r?")


# ---------------------------------------------------------------- writing

def write(records: Iterable[dict], out: IO[str], *, report: Callable[[str], None] | None = None,
          no_names: bool = False) -> int:
    """Write export records (core.exporter.layers) one document at a time.
    Returns the number of documents written."""
    counts = {"overlapping": 0, "widened": 0, "blank": 0, "empty": 0}
    tags: dict[str, str] = {}  # label -> what its tags carry
    documents = 0
    for layers in by_document(records):
        text = layers[0]["text"]
        found = tokenize(text)
        if not found:
            counts["empty"] += 1
            continue
        documents += 1
        starts = [start for start, _ in found]
        ends = [end for _, end in found]
        chosen = [_tagged(record["spans"], starts, ends, counts) for record in layers]
        # A sentence never ends inside a span of any layer: every layer's
        # block then has the same sentences, so the same rebuilt text.
        joined = set()
        for spans in chosen:
            for first, last, _ in spans:
                joined.update(range(first, last))
        ends_sentence = {i for i in range(len(found) - 1)
                         if i not in joined and _LINE_BREAK.search(text, found[i][1], found[i + 1][0])}
        words = [text[start:end] for start, end in found]
        for record, spans in zip(layers, chosen):
            lines = [DOCSTART + "\n"]
            if not no_names:
                lines.append(f"# name = {record['meta'].get('name')}\n")
                if record["annotator"] is not None:
                    lines.append(f"# annotator = {record['annotator']}\n")
            lines.append("\n")
            tag = ["O"] * len(found)
            for first, last, label in spans:
                carried = tags.setdefault(label, _BLANK.sub("_", label))
                tag[first] = f"B-{carried}"
                tag[first + 1:last + 1] = [f"I-{carried}"] * (last - first)
            for i, word in enumerate(words):
                lines.append(f"{word}\t{tag[i]}\n\n" if i in ends_sentence else f"{word}\t{tag[i]}\n")
            lines.append("\n")
            out.write("".join(lines))
    if report is not None:
        _report(report, counts, tags)
    return documents


def _tagged(spans: list[dict], starts: list[int], ends: list[int], counts: dict) -> list[tuple[int, int, str]]:
    """(first token, last token, label) of the spans one tag column can hold."""
    touched = []
    for span in spans:
        first = bisect.bisect_right(ends, span["start"])  # the first token ending after the start
        last = bisect.bisect_left(starts, span["end"]) - 1  # the last token starting before the end
        if first > last:
            counts["blank"] += 1
            continue
        if starts[first] != span["start"] or ends[last] != span["end"]:
            counts["widened"] += 1
        touched.append((first, last, span["label"]))
    # Longest first (then earliest, then label): each token goes to the first span claiming it.
    touched.sort(key=lambda s: (s[0] - s[1], s[0], s[2]))
    taken: set[int] = set()
    kept = []
    for first, last, label in touched:
        if any(i in taken for i in range(first, last + 1)):
            counts["overlapping"] += 1
            continue
        taken.update(range(first, last + 1))
        kept.append((first, last, label))
    return sorted(kept)


def _report(report: Callable[[str], None], counts: dict, tags: dict[str, str]) -> None:
    if counts["overlapping"]:
        report(f"{counts['overlapping']} span{_s(counts['overlapping'])} overlapping a longer one left out: "
               "CoNLL's one tag per token holds one span (the longest is kept)")
    if counts["widened"]:
        report(f"{counts['widened']} span{_s(counts['widened'])} not on token edges widened to the whole "
               "tokens they touch")
    if counts["blank"]:
        report(f"{counts['blank']} span{_s(counts['blank'])} of blanks alone (no token) left out")
    if counts["empty"]:
        report(f"{counts['empty']} document{_s(counts['empty'])} without a token (blank text) left out")
    renamed = [f"{label!r} as {tag}" for label, tag in tags.items() if label != tag]
    if renamed:
        report(f"label{_s(len(renamed))} with blanks written with _ in their tags ({', '.join(renamed[:5])}"
               f"{' and more' if len(renamed) > 5 else ''}): a tag cannot hold whitespace; importing the "
               "file gives the _ form")


def _s(n: int) -> str:
    return "" if n == 1 else "s"


# ---------------------------------------------------------------- reading

def sniff(head: bytes) -> bool:
    """A `-DOCSTART-` line first, or token lines ending in an IOB tag."""
    lines = [line for line in head.removeprefix(b"\xef\xbb\xbf").split(b"\n")[:-1] or head.split(b"\n")
             if line.strip() and not line.startswith(b"# ")][:5]
    if not lines:
        return False
    if lines[0].startswith(b"-DOCSTART-"):
        return True
    return all(_SNIFF_TOKEN_LINE.fullmatch(line) for line in lines)


class _Block:
    """A document as it is read: its tokens, sentence ends and spans."""

    def __init__(self, line: int):
        self.line = line
        self.name: str | None = None
        self.annotator: str | None = None
        self.tokens: list[str] = []
        self.sentence_ends: set[int] = set()  # token indices a sentence ends after
        self.spans: list[tuple[int, int, str]] = []  # token first, token last (inclusive), label
        self.open: tuple[int, str] | None = None  # the span being read: first token, label

    def close_span(self) -> None:
        if self.open is not None:
            self.spans.append((self.open[0], len(self.tokens) - 1, self.open[1]))
            self.open = None

    def end_sentence(self) -> None:
        self.close_span()
        if self.tokens:
            self.sentence_ends.add(len(self.tokens) - 1)


def read(path: Path, progress: Callable[[int, int], None] | None = None,
         problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """Each document as soon as its block ends, the file read a line at a
    time; bad lines go to `problems` (see document.Problems), and after the
    first one no more documents are made. `progress(bytes_read, total)` is
    told every PROGRESS_LINES lines."""
    return streamed(lambda found: _read(path, progress, found), problems)


def _read(path: Path, progress, problems: Problems) -> Iterator[ParsedDocument]:
    block: _Block | None = None
    columns: int | None = None
    labels: dict[str, str | None] = {}  # a tag's label -> why it cannot be one (None: it can)
    bad = found = 0

    def fail(message: str) -> None:
        nonlocal bad
        problems.add(InputError(path, number, message))
        bad += 1

    def finished(block: _Block | None) -> Iterator[ParsedDocument]:
        if block is None:
            return
        block.end_sentence()
        if not bad and block.tokens:
            try:
                yield _document(block, path)
            except InputError as e:
                fail_at(e)

    def fail_at(error: InputError) -> None:
        nonlocal bad
        problems.add(error)
        bad += 1

    for number, line in _text_lines(path, progress):
        if bad >= MAX_ERRORS_PER_FILE:
            problems.add(InputError(path, None, f"stopped checking after {bad} bad lines "
                                                f"(at line {number}); the rest was not read"))
            return
        if line.startswith("-DOCSTART-"):
            for document in finished(block):
                found += 1
                yield document
            block = _Block(number)
            continue
        if not line or line.isspace():
            if block is not None:
                block.end_sentence()
            continue
        comment = _COMMENT.fullmatch(line) if line.startswith("# ") else None
        if comment and (block is None or not block.tokens):
            if block is None:
                block = _Block(number)
            value = normalize_name(comment.group(2))
            problem = (document_name_problem(value) if comment.group(1) == "name"
                       else name_problem(value, "annotator"))
            if problem:
                fail(problem)
            setattr(block, comment.group(1), value)
            continue
        fields = [f.strip() for f in line.split("\t")] if "\t" in line else line.split()
        if len(fields) < 2 or not all(fields):
            fail(f"expected a token and its tag separated by a tab or spaces; found {shown(line[:40])}")
            continue
        if columns is None:
            columns = len(fields)
        elif len(fields) != columns:
            fail(f"{len(fields)} columns where the file's first token line has {columns}")
            continue
        if block is None:
            block = _Block(number)
        _read_tag(block, fields[0], fields[-1], labels, fail)
    for document in finished(block):
        found += 1
        yield document
    if not found and not bad:
        raise InputError(path, None, "the file holds no tokens: there is nothing to import")


def _text_lines(path: Path, progress) -> Iterator[tuple[int, str]]:
    """(number, line without its line break) of a UTF-8 file, read a line
    at a time, with decode_utf8's refusals (UTF-16, NUL bytes, bytes that
    are not UTF-8) naming the line."""
    limit = textio.MAX_FILE_BYTES
    with textio.open_regular(path) as f:
        total = os.fstat(f.fileno()).st_size
        head = f.peek(65536)[:65536]
        nul = head.find(b"\x00")
        if nul != -1:  # a binary file is said to be one before its lines are judged
            raise InputError(path, textio.line_of(head, nul), f"file contains NUL bytes: {textio.binary_hint(head)}")
        done = 0
        for number, raw in enumerate(iter(functools.partial(f.readline, limit + 1), b""), start=1):
            done += len(raw)
            if progress is not None and number % PROGRESS_LINES == 0:
                progress(done, total)
            if len(raw) > limit:
                raise textio.too_long(path, number, limit)
            if number == 1:
                if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise InputError(path, 1, "file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                              "save it as UTF-8 and import it again")
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if b"\x00" in raw:
                raise InputError(path, number, f"file contains NUL bytes: {textio.binary_hint(head)}")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(path, number, f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at byte {e.start + 1} "
                                               "of the line); save the file as UTF-8 and import it again") from None
            yield number, line.removesuffix("\n").removesuffix("\r")


def _read_tag(block: _Block, token: str, tag: str, labels: dict[str, str | None],
              fail: Callable[[str], None]) -> None:
    if tag == "O":  # most tokens
        block.close_span()
        block.tokens.append(token)
        return
    m = _TAG.fullmatch(tag)
    if m is None:
        fail(f"the tag {shown(tag)} is not O or B-, I-, E-, S-, L-, U- and a label")
        return
    kind, label = m.groups()
    label = normalize_name(label)
    if label not in labels:
        labels[label] = name_problem(label)
    if labels[label]:
        fail(labels[label])
        return
    continues = block.open is not None and block.open[1] == label and kind in "IEL"
    if not continues:
        block.close_span()
    block.tokens.append(token)
    if not continues:
        block.open = (len(block.tokens) - 1, label)  # B, S, U; and I, E, L opening a span (IOB1)
    if kind in ("E", "L", "S", "U"):
        block.close_span()


def _document(block: _Block, path: Path) -> ParsedDocument:
    pieces = []
    offsets = []
    position = 0
    for i, token in enumerate(block.tokens):
        offsets.append(position)
        pieces.append(token)
        position += len(token)
        if i + 1 < len(block.tokens):
            pieces.append("\n" if i in block.sentence_ends else " ")
            position += 1
    text = "".join(pieces)
    spans = [(offsets[first], offsets[last] + len(block.tokens[last]), label)
             for first, last, label in block.spans]
    name = block.name
    if name is None:
        name = normalize_name(f"{path.stem}:{block.line}")
        problem = document_name_problem(name)
        if problem:
            raise InputError(path, block.line, f"a document without a '# name = ' line is named after the "
                                               f"file, and the {problem}; rename the file")
    return ParsedDocument(name=name, text=text, annotator=block.annotator, spans=list(dict.fromkeys(spans)),
                          source=str(path), line=block.line)

