"""Plain text: one document per file, named after the file."""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.formats.document import ParsedDocument
from annotator.core.model import document_name_problem, normalize_name
from annotator.core.textio import decode_utf8, read_bytes


def read(path: Path) -> list[ParsedDocument]:
    name = normalize_name(path.stem)
    problem = document_name_problem(name)
    if problem:
        raise InputError(path, None, f"the file's name is its document's name, and the {problem}; "
                                     "rename the file")
    text = decode_utf8(read_bytes(path), path)
    if not text:
        raise InputError(path, None, "the file is empty: there is no text to annotate")
    return [ParsedDocument(name=name, text=text, source=str(path), line=None)]
