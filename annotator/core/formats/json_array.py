"""A JSON file holding one array (or one object), read an element at a time.

Label Studio exports a project as one JSON array of tasks, often on a single
line: there is no line to split on, and decoding the file whole holds it
several times over in memory. This reads the file in chunks and decodes each
element of the top-level array with the strict decoder's `raw_decode` as
soon as it is whole, so memory is bounded by the largest element (twice it,
at worst), not by the file.

How an element split across chunks is found: decoding is simply tried, and
an error that may only mean "the element goes on in the next chunk" (an
unterminated string, or any error within a few characters of what has been
read) reads more and tries again. Each retry at least doubles what is held
from the element's start, so a large element is decoded a few times at
most (linear time), and a real error far from the end is reported at once.
A UTF-8 character split across chunks is carried to the next chunk; a BOM
is dropped; a file cut short is said to be so, naming the line the cut
element starts on. (ijson would do this too; this is ~150 lines that keep
the strict decoder's refusals and our messages exactly, with no dependency.)
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from annotator.core import textio
from annotator.core.errors import InputError
from annotator.core.formats.json_checks import DECODER, Unstorable
from annotator.core.model import shown

CHUNK = 1 << 16  # bytes read at a time (1 MiB chunks, decoded to 4 MiB strings, left the
# allocator holding 30 MB; 64 KiB: 3 MB)
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's own whitespace
# A decoding error this close to the end of what is read may be the element
# going on past it (a number, `true` or a \\u escape cut): read more first.
_NEAR_END = 8
_CLOSING = re.compile(r"[]}]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def elements(path: Path, element: str = "task", array: str = "a JSON array of Label Studio tasks"
             ) -> Iterator[tuple[Any, int, int, int]]:
    """(value, line it starts on, bytes read, file size) for each element of
    the top-level array, or for the one object a file may hold instead. A
    problem with the file (not UTF-8, malformed JSON, cut short) is raised
    as an InputError naming its line: nothing after it can be read.
    `element` and `array` name what the file holds, for the messages."""
    with textio.open_regular(path) as f:
        yield from _Reader(f, path, element, array).elements()


def _whole_characters(data: bytes) -> int:
    """Where `data` stops holding whole UTF-8 characters: the bytes after it
    start a character the next chunk completes."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back for its lead byte
            continue
        needs = 1 if byte < 0xC0 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
        return len(data) - back if needs > back else len(data)
    return len(data)  # no lead byte in reach: not UTF-8, which decoding will say


class _Reader:
    def __init__(self, f: BinaryIO, path: Path, element: str, array: str):
        self.f, self.path, self.element, self.array = f, path, element, array
        self.total = os.fstat(f.fileno()).st_size
        self.buf = ""  # decoded text from the oldest character still needed
        self.pos = 0  # the reading position in buf
        self.eof = False
        self.done = 0  # bytes read
        self.head: bytes | None = None  # the file's first bytes, to say what a binary file looks like
        self.pending = b""  # the start of a UTF-8 character the next chunk completes
        self.cut_character = False  # the file ends inside a UTF-8 character
        self.line, self.counted = 1, 0  # the line of buf[counted] (counted moves forward only)
        self.base_line, self.base_column = 1, 0  # line and 0-based column of buf[0]
        self.byte_line, self.line_bytes = 1, 0  # the line, and bytes into it, of the next byte decoded

    # -- the text, a chunk at a time ------------------------------------------

    def line_at(self, pos: int) -> int:
        self.line += self.buf.count("\n", self.counted, pos)
        self.counted = pos
        return self.line

    def more(self, size: int = CHUNK) -> bool:
        """Read the next `size` bytes onto the text, dropping what was
        consumed; False at the end of the file."""
        if self.eof:
            return False
        first = self.head is None
        try:
            data = self.f.read(max(size, 4))  # a byte-order mark read whole
        except OSError as e:
            raise InputError(self.path, None, f"cannot be read: {e.strerror or e}") from None
        if first:
            self.head = data[:4096]
            if data.startswith(_UTF16_BOMS):
                raise InputError(self.path, 1, "file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                               "save it as UTF-8 and import it again")
            data = data.removeprefix(codecs.BOM_UTF8)
        if not data:
            self.eof = True
            if self.pending:
                self.decode_cut(self.pending)
            return False
        self.done += len(data)
        data = self.pending + data
        whole = _whole_characters(data)
        self.pending = data[whole:]
        text = self.decode(data[:whole])
        self.line_at(self.pos)
        newline = self.buf.rfind("\n", 0, self.pos)
        self.base_column = self.pos - newline - 1 if newline >= 0 else self.base_column + self.pos
        self.base_line = self.line
        self.buf = self.buf[self.pos:] + text
        self.pos = self.counted = 0
        return True

    def decode(self, data: bytes) -> str:
        nul = data.find(b"\x00")
        if nul != -1:
            raise InputError(self.path, self.byte_line + data.count(b"\n", 0, nul),
                             f"file contains NUL bytes: {textio.binary_hint(self.head or data)}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            newline = data.rfind(b"\n", 0, e.start)
            column = e.start - newline if newline >= 0 else self.line_bytes + e.start + 1
            raise InputError(self.path, self.byte_line + data.count(b"\n", 0, e.start),
                             f"not valid UTF-8 (byte 0x{data[e.start]:02x} at byte {column} of the line); "
                             "save the file as UTF-8 and import it again") from None
        lines = data.count(b"\n")
        self.byte_line += lines
        self.line_bytes = len(data) - data.rfind(b"\n") - 1 if lines else self.line_bytes + len(data)
        return text

    def decode_cut(self, data: bytes) -> None:
        """The bytes after the file's last whole character: a character cut
        short is said to be so after the JSON is read (inside an element,
        that element is named as cut); anything else is not UTF-8."""
        try:
            started = codecs.getincrementaldecoder("utf-8")().decode(data, final=False) == ""
        except UnicodeDecodeError:
            started = False
        if not started:
            self.decode(data)  # not the start of a character: says where
        self.cut_character = True

    def grow(self) -> bool:
        """Read as much again as is held from the reading position, in one
        read: each retry of a long element doubles it (and the held text is
        copied once per retry, not once per chunk)."""
        return self.more(max(len(self.buf) - self.pos, CHUNK))

    def next_char(self) -> str:
        """The next character that is not JSON whitespace ("" at the end of the file)."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    # -- JSON ---------------------------------------------------------------------

    def elements(self) -> Iterator[tuple[Any, int, int, int]]:
        first = self.next_char()
        if first == "":
            raise InputError(self.path, None, "the file is empty")
        if first == "{":
            line = self.line_at(self.pos)
            yield self.value(1, line), line, self.done, self.total
        elif first != "[":
            raise InputError(self.path, self.line_at(self.pos),
                             f"expected {self.array}, found {shown(self.buf[self.pos:self.pos + 20])}")
        else:
            self.pos += 1
            after = self.next_char()
            number = 0
            while after != "]":
                number += 1
                if after == "":
                    raise self.cut_short(f"after {self.element} {number - 1}, before the array's closing ']'"
                                         if number > 1 else "before the array's closing ']'")
                line = self.line_at(self.pos)
                yield self.value(number, line), line, self.done, self.total
                after = self.next_char()
                if after == ",":
                    self.pos += 1
                    after = self.next_char()
                    if after == "]":  # a trailing comma: JSON has none
                        raise InputError(self.path, self.line_at(self.pos),
                                         f"malformed JSON: a ',' after the last {self.element}")
                elif after not in ("]", ""):
                    raise InputError(self.path, self.line_at(self.pos),
                                     f"malformed JSON: expected ',' or ']' after a {self.element}")
            self.pos += 1
        if self.next_char() != "":
            raise InputError(self.path, self.line_at(self.pos),
                             f"malformed JSON: extra data after the {self.element}s")
        if self.cut_character:
            raise InputError(self.path, self.byte_line, "the file ends inside a UTF-8 character "
                                                        "(was the file cut short?)")

    def value(self, number: int, line: int) -> Any:
        """The JSON value at the reading position (a whole element), read on
        as far as it goes; the position moves past it."""
        where = f"{self.element} {number}: "
        while True:
            try:
                value, end = DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                unterminated = e.msg.startswith("Unterminated string")
                if not self.eof and (unterminated or e.pos >= len(self.buf) - _NEAR_END) and self.grow():
                    continue
                # At the end of the file, an error with no closing bracket after
                # it is the element cut short ("1." of "1.5", "tru", "{"a": 1").
                if self.eof and (unterminated or not _CLOSING.search(self.buf, e.pos)):
                    raise InputError(self.path, line, f"{where}malformed JSON: the file ends inside this "
                                                      f"{self.element}, which starts on line {line} "
                                                      "(was the file cut short?)") from None
                raise self.malformed(where, e) from None
            except RecursionError:
                raise InputError(self.path, line, f"{where}malformed JSON: nested too deeply") from None
            except Unstorable as e:
                raise InputError(self.path, line, where + str(e)) from None
            except ValueError:  # int() refuses numbers of more than 4300 digits
                raise InputError(self.path, line, f"{where}malformed JSON: a number has too many digits") from None
            if end > len(self.buf) - _NEAR_END and self.buf[self.pos] not in '{["' and not self.eof \
                    and self.grow():
                continue  # a number read up to a chunk's end may go on in the next ("1.5e" + "3")
            self.pos = end
            return value

    def malformed(self, where: str, e: json.JSONDecodeError) -> InputError:
        newline = self.buf.rfind("\n", 0, e.pos)
        column = e.pos - newline if newline >= 0 else self.base_column + e.pos + 1
        line = self.base_line + self.buf.count("\n", 0, e.pos)
        return InputError(self.path, line, f"{where}malformed JSON: {e.msg} (column {column})")

    def cut_short(self, what: str) -> InputError:
        return InputError(self.path, self.line_at(self.pos),
                          f"malformed JSON: the file ends {what} (was the file cut short?)")
