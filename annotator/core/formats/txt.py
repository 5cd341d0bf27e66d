"""Plain text: one document per file, named after the file."""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.formats import ParsedDocument
from annotator.core.textio import decode_utf8, read_bytes


def read(path: Path) -> list[ParsedDocument]:
    text = decode_utf8(read_bytes(path), path)
    if not text:
        raise InputError(path, None, "the file is empty: there is no text to annotate")
    return [ParsedDocument(name=path.stem, text=text, source=str(path), line=None)]
