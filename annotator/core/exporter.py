"""Turning a project into export records: one per document and annotator layer."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from itertools import groupby
from pathlib import Path
from typing import IO, Callable, Iterator

from annotator.core.errors import AnnotatorError
from annotator.core.store import Project


def layers(project: Project, annotator: str | None = None) -> Iterator[dict]:
    """Yield `{"text", "spans", "annotator", "meta"}` records.

    Every document appears. Without `annotator`: one record per layer that
    has spans, or a single record with `"annotator": None` and no spans for a
    document nobody annotated. With `annotator`: exactly one record per
    document holding that annotator's spans (possibly none).

    Documents are streamed one at a time, so memory stays at the largest
    document, not the whole project.
    """
    conn = project.conn
    documents = conn.execute("SELECT id, name, text, meta FROM documents ORDER BY id")
    if annotator is None:
        spans = conn.execute(
            'SELECT doc_id, annotator, start, "end", label FROM spans '
            'ORDER BY doc_id, annotator, start, "end", label')
    else:
        spans = conn.execute(
            'SELECT doc_id, annotator, start, "end", label FROM spans WHERE annotator = ? '
            'ORDER BY doc_id, start, "end", label', (annotator,))
    by_doc = groupby(spans, key=lambda row: row[0])
    pending = next(by_doc, None)
    for doc_id, name, text, meta_json in documents:
        meta = {"name": name, **json.loads(meta_json)}
        doc_spans = []
        # Both cursors are ordered by doc_id, so spans are merged in step.
        while pending is not None and pending[0] < doc_id:
            pending = next(by_doc, None)
        if pending is not None and pending[0] == doc_id:
            doc_spans = list(pending[1])
            pending = next(by_doc, None)
        if annotator is not None:
            yield _record(text, doc_spans, annotator, meta)
        elif not doc_spans:
            yield _record(text, [], None, meta)
        else:
            for layer, rows in groupby(doc_spans, key=lambda row: row[1]):
                yield _record(text, rows, layer, meta)


def _record(text: str, rows, annotator: str | None, meta: dict) -> dict:
    return {
        "text": text,
        "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]}
                  for _, _, s, e, label in rows],
        "annotator": annotator,
        "meta": meta,
    }


def write_atomically(path: str | os.PathLike, write: Callable[[IO[str]], object]) -> object:
    """Write a text file through a temporary file in the same folder and
    rename it into place, so a failed export never leaves half a file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    except OSError as e:
        raise AnnotatorError(f"{path}: cannot write there: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            result = write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions a
        # plain write would have, or those of the file it replaces.
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
        return result
    except OSError as e:
        _remove_quietly(tmp)
        raise AnnotatorError(f"{path}: the export could not be written ({e.strerror or e}); "
                             "no file was left behind") from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def _final_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
