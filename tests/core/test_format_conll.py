"""CoNLL (IOB2): the tags written decode (by a decoder written here) to the
spans the writer says it kept; what one tag column cannot hold is counted;
files from elsewhere (CoNLL-2003's columns, IOB1) read; bad lines named."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import exporter, formats
from annotator.core.errors import ImportRejected
from annotator.core.formats import conll
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import write_jsonl

FIXTURE = Path(__file__).parent.parent / "data" / "formats" / "conll" / "conll2003-style.conll"


def written(records: list[dict], **options) -> tuple[str, list[str]]:
    out, reports = io.StringIO(), []
    conll.write(iter(records), out, report=reports.append, **options)
    return out.getvalue(), reports


def decode_iob2(output: str) -> list[list[tuple[str, list[str]]]]:
    """Per document block, (label, tokens) of each entity: a plain IOB2
    decoder, independent of the module's reader."""
    blocks: list[list[tuple[str, list[str]]]] = []
    current = None
    for line in output.split("\n"):
        if line.startswith("-DOCSTART-"):
            blocks.append([])
            current = None
        elif not line or line.startswith("# "):
            current = None
        else:
            token, tag = line.split("\t")
            if tag.startswith("B-"):
                current = (tag[2:], [token])
                blocks[-1].append(current)
            elif tag.startswith("I-"):
                assert current is not None and current[0] == tag[2:], f"I- without its B-: {line!r}"
                current[1].append(token)
            else:
                assert tag == "O", line
                current = None
    return blocks


def record(text, spans, name="d", annotator="ann"):
    return {"text": text, "meta": {"name": name}, "annotator": annotator,
            "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in spans]}


def at(text: str, word: str, label: str, nth: int = 0) -> tuple[int, int, str]:
    start = [m.start() for m in re.finditer(re.escape(word), text)][nth]
    return start, start + len(word), label


def test_the_tags_decode_back_to_the_spans_written():
    text = "Kim Jong-un met Xi\r\nin Beijing 👋 on 11/07/1961 ."
    spans = [at(text, "Kim Jong-un", "actor"), at(text, "Xi", "actor"), at(text, "Beijing", "place"),
             at(text, "11/07/1961", "date"), at(text, "👋", "wave")]
    output, reports = written([record(text, spans)])
    assert reports == []
    [entities] = decode_iob2(output)
    assert entities == [(label, text[s:e].replace("/", " / ").split()) for s, e, label in sorted(spans)]
    assert "\n\nin\tO\n" in output  # the line break ended a sentence


def test_overlapping_and_unaligned_spans_are_counted_and_what_is_kept_is_written():
    text = "The University of Oslo and Kim's team"
    spans = [at(text, "The University of Oslo", "org"), at(text, "Oslo", "place"),  # nested: left out
             at(text, "Kim's team", "group"), at(text, "Kim", "actor"),  # nested: left out
             (at(text, "and", "x")[0] + 1, at(text, "and", "x")[1], "x"),  # "nd": widened to "and"
             (3, 4, "blank")]  # a blank alone
    output, reports = written([record(text, spans)])
    [entities] = decode_iob2(output)
    assert entities == [("org", ["The", "University", "of", "Oslo"]), ("x", ["and"]),
                        ("group", ["Kim", "'s", "team"])]
    assert any(r.startswith("2 spans overlapping a longer one left out") for r in reports)
    assert any(r.startswith("1 span not on token edges widened") for r in reports)
    assert any(r.startswith("1 span of blanks alone") for r in reports)


def test_a_line_break_inside_a_span_does_not_end_the_sentence_in_any_layer():
    text = "New\nYork is big\nyes"
    output, _ = written([record(text, [at(text, "New\nYork", "place")], annotator="a"),
                         record(text, [], annotator="b")])
    blocks = output.split(conll.DOCSTART + "\n")[1:]
    assert [block.count("\n\n") for block in blocks] == [3, 3]  # after the header, "big", "yes"
    a, b = _read(output)
    assert a.text == b.text == "New York is big\nyes"  # the same text from each layer: stored once
    assert [(a.text[s:e], label) for s, e, label in a.spans] == [("New York", "place")]


def test_labels_with_blanks_are_written_with_underscores_and_reported():
    output, reports = written([record("Kim met", [(0, 3, "named entity")])])
    assert "Kim\tB-named_entity\n" in output
    assert any("'named entity' as named_entity" in r for r in reports)


def test_no_names_writes_what_spacy_convert_splits_documents_at(tmp_path):
    output, _ = written([record("a b", [(0, 1, "x")], name="one"), record("c", [], name="two")], no_names=True)
    assert not any(line.startswith("#") for line in output.split("\n"))
    assert output.count("-DOCSTART- -X- O O\n") == 2
    path = tmp_path / "plain.conll"
    path.write_text(output, encoding="utf-8")
    assert [(d.name, d.annotator, d.text) for d in conll.read(path)] == [("plain:1", None, "a b"),
                                                                          ("plain:6", None, "c")]


def test_a_conll_2003_style_file_with_iob1_tags_reads():
    docs = formats.read_file(FIXTURE)
    assert [d.name for d in docs] == ["conll2003-style:1", "conll2003-style:15"]
    first = docs[0]
    assert first.text == "Kim met Xi in Beijing .\nOslo Bergen rail link"
    assert [(first.text[s:e], label) for s, e, label in first.spans] == [
        ("Kim", "PER"), ("Xi", "PER"), ("Beijing", "LOC"), ("Oslo", "LOC"), ("Bergen", "LOC")]
    assert [(docs[1].text[s:e], label) for s, e, label in docs[1].spans] == [("UN", "ORG")]


@pytest.mark.parametrize("tags, expected", [
    (["B-X", "I-X", "O", "I-X", "I-X", "B-X"], [(0, 2), (3, 5), (5, 6)]),  # IOB2, and IOB1's opening I-
    (["S-X", "B-X", "E-X", "B-X", "I-X"], [(0, 1), (1, 3), (3, 5)]),  # BIOES
    (["U-X", "I-X", "B-X", "L-X", "I-Y"], [(0, 1), (1, 2), (2, 4), (4, 5)]),  # BILOU: U- and L- end a span
])
def test_tag_schemes_decode(tmp_path, tags, expected):
    path = tmp_path / "t.conll"
    path.write_text("".join(f"t{i} {tag}\n" for i, tag in enumerate(tags)), encoding="utf-8")
    [doc] = list(conll.read(path))
    words = doc.text.split(" ")
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    assert [(starts.index(s), starts.index(e + 1) if e + 1 in starts else len(words))
            for s, e, _ in doc.spans] == expected


@pytest.mark.parametrize("content, line, message", [
    ("Kim B-PER\nmet\n", 2, "expected a token and its tag"),
    ("Kim NNP B-PER\nmet O\n", 2, "2 columns where the file's first token line has 3"),
    ("Kim B-PER\nmet X-PER\n", 2, "the tag 'X-PER' is not O or"),
    ("-DOCSTART- -X- O O\n# name = \u200bhidden\nKim O\n", 2, "invisible"),
])
def test_a_bad_line_is_named_with_the_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "bad.conll"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        list(conll.read(path))
    [error] = caught.value.errors
    assert (error.path, error.line) == (str(path), line)
    assert re.search(message, error.message)


def test_a_file_without_a_suffix_is_recognised_as_conll(tmp_path):
    path = tmp_path / "train"
    path.write_bytes(FIXTURE.read_bytes())
    assert formats.recognise(path).name == "conll"
    path.write_text("Kim\tB-PER\nmet\tO\n", encoding="utf-8")
    assert formats.recognise(path).name == "conll"
    path.write_text("Kim met Xi in Beijing. O\nThen they left.\n", encoding="utf-8")
    assert formats.recognise(path).name == "txt"


def test_a_project_goes_out_and_comes_back_with_names_and_layers(tmp_path):
    text = "Kim met Xi\nin Beijing ."
    source = write_jsonl(tmp_path / "in.jsonl", [
        record(text, [at(text, "Kim", "actor"), at(text, "Beijing", "place")], name="visit", annotator="alice"),
        record(text, [at(text, "Kim met Xi", "quote")], name="visit", annotator="bob"),
        {"text": "nobody 😀 here", "meta": {"name": "empty"}}])
    with Project.open(tmp_path / "one.db") as project:
        import_files(project, [source], annotator="me", add_labels=True)
        out = io.StringIO()
        assert conll.write(exporter.layers(project), out) == 2
        before = sorted(map(str, exporter.layers(project)))
    path = tmp_path / "out.conll"
    path.write_text(out.getvalue(), encoding="utf-8")
    with Project.open(tmp_path / "two.db") as project:
        import_files(project, [path], annotator="me", add_labels=True)
        assert sorted(map(str, exporter.layers(project))) == before


words = st.sampled_from(["Kim", "met", "Xi", "é", "naïve", "中", "👋", "🇳🇴", ".", "'", "1,000.5", "עברית", "Jong-un"])


@st.composite
def token_documents(draw):
    sentences = draw(st.lists(st.lists(words, min_size=1, max_size=6), min_size=1, max_size=3))
    text = "\n".join(" ".join(sentence) for sentence in sentences)
    # whole words, not overlapping, within a sentence
    starts, position = [], 0
    for sentence in sentences:
        line = []
        for word in sentence:
            line.append((position, position + len(word)))
            position += len(word) + 1
        starts.append(line)
    spans = []
    for line in starts:
        i = 0
        while i < len(line):
            length = draw(st.integers(0, len(line) - i))
            if length and draw(st.booleans()):
                spans.append((line[i][0], line[i + length - 1][1], draw(st.sampled_from(["a", "b-c"]))))
                i += length
            else:
                i += 1
    return text, spans


@settings(max_examples=50, deadline=None)
@given(st.lists(token_documents(), min_size=1, max_size=3))
def test_round_trip_of_single_space_joined_tokens(docs):
    output, reports = written([record(text, spans, name=f"doc {i}") for i, (text, spans) in enumerate(docs)])
    assert reports == []
    back = _read(output)
    assert [(d.name, d.text, sorted(d.spans)) for d in back] == [
        (f"doc {i}", text, sorted(spans)) for i, (text, spans) in enumerate(docs)]


def _read(output: str):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.conll"
        path.write_text(output, encoding="utf-8")
        return list(conll.read(path))
