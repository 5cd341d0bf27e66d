"""Plain text: one document per file, named after the file."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from annotator.core.errors import InputError
from annotator.core.formats.document import ParsedDocument, Problems, name_from_file
from annotator.core.textio import decode_utf8, read_bytes


def sniff(head: bytes) -> bool:
    """Prose: UTF-8 with no NUL byte (a character cut at the end of the
    head aside), not starting like structured data (JSON, XML or HTML),
    which would be imported as one long document of markup by mistake."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not start or start[:1] in (b"{", b"[", b"<") or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3 and e.reason == "unexpected end of data"
    return True


def read(path: Path, progress=None, problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """One document; `progress` is not called (one read is all there is), and
    whatever is wrong is wrong with the whole file (raised, never in `problems`)."""
    name = name_from_file(path)
    text = decode_utf8(read_bytes(path), path)
    if not text:
        raise InputError(path, None, "the file is empty: there is no text to annotate")
    yield ParsedDocument(name=name, text=text, source=str(path), line=None)
