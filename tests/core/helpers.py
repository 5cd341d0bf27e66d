"""Small helpers shared by the core, CLI and reliability tests.

They read the project file with plain sqlite3 (not through the code under
test), so a bug in the store cannot hide itself from the check. They only
read, but through an ordinary connection: a read-only one would leave -wal
and -shm files behind.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable

# Texts that break offset arithmetic in other annotation tools: each is kept
# exactly, and code-point offsets into it must survive import and export.
TRICKY_TEXTS = {
    "emoji": "Hi 👋 there 😀😀 end",
    "crlf": "line one\r\nline two\r\n\r\nline four",
    "lone_cr": "old mac\rline\rendings",
    "nbsp": "Mr\u00a0Smith paid\u00a0€5\u202f000",
    "combining": "cafe\u0301 na\u0308ive Zoe\u0308 e\u0301\u0301",
    "zwj": "family 👨\u200d👩\u200d👧\u200d👦 and flag 🏳\ufe0f\u200d🌈 ok",
    "rtl": "English then עברית ואז العربية \u202bembedded\u202c done",
    "astral": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𠜎𠜱 math 𝑥²",
    "separators": "para\u2028line\u2029para\u0085nel\ttab\x0bvt\x0cff",
    "bom_inside": "starts\ufeffwith a zero-width no-break space inside",
}


def write_jsonl(path: Path, records: Iterable[dict | str]) -> Path:
    """One record per line; a str is written as it is (for malformed lines)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(record if isinstance(record, str) else json.dumps(record, ensure_ascii=False))
            f.write("\n")
    return path


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.split("\n") if line]


def layers_as_jsonl(path: Path) -> list[dict]:
    """A project's export records (every layer) through the JSONL writer,
    sorted by document name and annotator: two projects compared this way
    hold the same documents, spans, notes and meta."""
    import io

    from annotator.core import exporter
    from annotator.core.formats import jsonl
    from annotator.core.storage import Project

    out = io.StringIO()
    with Project.open(path) as project:
        jsonl.write(exporter.layers(project), out)
    return sorted(read_jsonl(out.getvalue()), key=lambda r: (r["meta"]["name"], r["annotator"] or ""))


def snapshot(path: Path) -> dict:
    """Everything a user could lose, read straight from the file."""
    conn = sqlite3.connect(path)
    try:
        return {
            "documents": conn.execute(
                "SELECT id, name, text, text_sha256, length, meta FROM documents ORDER BY id").fetchall(),
            "spans": conn.execute(
                'SELECT id, doc_id, annotator, label, start, "end" FROM spans ORDER BY id').fetchall(),
            "labels": conn.execute(
                "SELECT name, color, hotkey, mnemonic, description, position FROM labels "
                "ORDER BY position").fetchall(),
            "status": conn.execute(
                "SELECT doc_id, annotator, status FROM document_status ORDER BY doc_id, annotator").fetchall(),
        }
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def spans_as_text(path: Path) -> set[tuple]:
    """Every span as (document name, annotator, label, start, end, covered text)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            'SELECT d.name, s.annotator, s.label, s.start, s."end", d.text FROM spans s '
            "JOIN documents d ON d.id = s.doc_id").fetchall()
    finally:
        conn.close()
    return {(name, who, label, start, end, text[start:end]) for name, who, label, start, end, text in rows}


def awkward_text_and_spans():
    """A hypothesis strategy: (text, sorted spans) over texts awkward for
    offsets (CRLF, combining marks, ZWJ emoji, astral letters, RTL, U+2028,
    quotes and backslashes) and labels with a blank or an accent, for the
    formats' round-trip properties."""
    from hypothesis import strategies as st

    texts = st.text(alphabet=st.sampled_from("ab \r\n\u0301\u200d👩🏳\ufe0f𝔘עب\u2028\"\\") | st.characters(
        blacklist_categories=("Cs",)), min_size=1, max_size=40)

    @st.composite
    def text_and_spans(draw):
        text = draw(texts)
        spans = set()
        for _ in range(draw(st.integers(0, 5))):
            start = draw(st.integers(0, len(text) - 1))
            spans.add((start, draw(st.integers(start + 1, len(text))), draw(st.sampled_from(["A", "B c", "é"]))))
        return text, sorted(spans)

    return text_and_spans()


# Review: three annotators on the sample article, with known agreements and
# conflicts (tests/core/test_review.py and tests/gui/test_review_window.py).
REVIEW_ANNOTATORS = ("alice", "bob", "carol")
# (what, label, who): a phrase of the sample article, tagged exactly so by `who`.
REVIEW_TAGS = [
    ("Xi Jinping", "actor", REVIEW_ANNOTATORS),                   # agreed by all
    ("Communist Party of China", "organisation", REVIEW_ANNOTATORS),  # agreed by all
    ("Kim Jong-un", "actor", ("alice", "bob")),                   # agreed by some
    ("July 11, 1961", "date", ("alice", "carol")),                # conflict: bob says "July 11"
    ("July 11", "date", ("bob",)),
    ("Song Tao", "actor", ("alice",)),                            # conflict: bob says organisation
    ("Song Tao", "organisation", ("bob",)),
]


def tag_for_review(project) -> tuple[int, str]:
    """Tag the sample article (the project's one document) as REVIEW_TAGS
    says; returns its id and text."""
    from annotator.core import ops

    (doc,) = project.document_summaries("anyone")
    text = project.document(doc.id).text
    for phrase, label, who in REVIEW_TAGS:
        start = text.index(phrase)
        for name in who:
            ops.tag_span(project, doc.id, name, label, start, start + len(phrase))
    return doc.id, text


# A child process that measures its own peak memory (VmHWM, which starts
# afresh at exec) over some work: the streaming tests' memory bounds.
# A child script starts with CHILD_MEASURES and calls kb("VmRSS:") / kb("VmHWM:").
CHILD_MEASURES = """
def kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])
"""


def child_numbers(script: str, *args, timeout: float) -> tuple[int, ...]:
    """Run `script` (after CHILD_MEASURES) in a fresh interpreter with
    `args`; the integers it prints."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", CHILD_MEASURES + script, *map(str, args)], check=True,
                         capture_output=True, text=True, timeout=timeout).stdout.split()
    return tuple(int(word) for word in out)
