"""The spaCy DocBin format: the export loads in spaCy with every span that
falls on token boundaries in doc.spans["sc"] (and the non-overlapping ones in
doc.ents), and the spans spaCy cannot hold come back on import."""

from __future__ import annotations

import io
import random
import sys
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import exporter, formats
from annotator.core.errors import AnnotatorError, Cancelled, ImportRejected, InputError
from annotator.core.formats import spacy_docbin
from annotator.core.formats.document import ParsedSpan
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import TRICKY_TEXTS, spans_as_text, write_jsonl

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin, Span  # noqa: E402

# "\r\n" between the lines, an emoji (one code point; two UTF-16 units) before names.
TEXT = "Dr Amara Chen met 👋 Tomás Ruiz in Northport.\r\nThe café reopened on Monday."


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


AMARA_CHEN = at(TEXT, "Amara Chen")
CHEN = at(TEXT, "Chen")  # inside Amara Chen: in the span group, not an entity
WAVE = at(TEXT, "👋")
NORTHPORT = at(TEXT, "Northport")
NORT = at(TEXT, "Nort")  # half a token: spaCy cannot hold it
CAFE = at(TEXT, "café")
MONDAY = at(TEXT, "Monday")
TOMAS = at(TEXT, "Tomás Ruiz")


def project_with_layers(tmp_path: Path) -> Project:
    source = write_jsonl(tmp_path / "source.jsonl", [
        {"text": TEXT, "meta": {"name": "bridge", "lang": "en", "desk": ["city", 2]}, "annotator": "kim",
         "spans": [{"start": s, "end": e, "label": label} for (s, e), label in (
             (AMARA_CHEN, "actor"), (CHEN, "actor"), (WAVE, "quote"), (NORTHPORT, "organisation"),
             (NORT, "organisation"), (CAFE, "organisation"), (MONDAY, "date"))]
         + [{"start": MONDAY[0], "end": MONDAY[1], "label": "quote", "note": "a day, not a quote?"}]},
        {"text": TEXT, "meta": {"name": "bridge", "lang": "en", "desk": ["city", 2]}, "annotator": "lee",
         "spans": [{"start": TOMAS[0], "end": TOMAS[1], "label": "actor"}]},
        {"text": "Nobody annotated this one.", "meta": {"name": "untouched"}},
    ])
    project = Project.open(tmp_path / "project.db")
    import_files(project, [source], annotator=None)
    return project


def export(project: Project, path: Path) -> list[str]:
    notes: list[str] = []
    written = exporter.write_export(exporter.layers(project), formats.by_name("spacy"), path, report=notes.append)
    assert written == 2  # documents; "bridge" is two Docs, one per layer
    return notes


def test_the_export_loads_in_spacy_with_every_aligned_span_in_its_group_and_entities(tmp_path):
    with project_with_layers(tmp_path) as project:
        notes = export(project, tmp_path / "out.spacy")
    nlp = spacy.blank("en")
    docs = list(DocBin().from_bytes((tmp_path / "out.spacy").read_bytes()).get_docs(nlp.vocab))
    assert [d.text for d in docs] == [TEXT, TEXT, "Nobody annotated this one."]
    kim, lee, untouched = docs

    def chars(spans):
        return {(s.start_char, s.end_char, s.label_) for s in spans}

    # Every span on token boundaries, at its exact characters (code points:
    # the emoji and the \r\n before "The" shift nothing).
    assert chars(kim.spans["sc"]) == {(*AMARA_CHEN, "actor"), (*CHEN, "actor"), (*WAVE, "quote"),
                                      (*NORTHPORT, "organisation"), (*CAFE, "organisation"),
                                      (*MONDAY, "date"), (*MONDAY, "quote")}
    assert [kim.text[s.start_char:s.end_char] for s in kim.spans["sc"] if s.label_ == "quote"] == ["👋", "Monday"]
    # Entities cannot overlap: the longer Amara Chen wins over Chen; of the two
    # equally long Monday spans, the one spaCy's filter_spans keeps.
    ents = chars(kim.ents)
    assert {(*AMARA_CHEN, "actor"), (*WAVE, "quote"), (*NORTHPORT, "organisation"),
            (*CAFE, "organisation")} <= ents
    assert (*CHEN, "actor") not in ents and len([e for e in ents if e[:2] == MONDAY]) == 1
    assert len(ents) == 5
    # A half-token span is nowhere in spaCy's structures, and its token is
    # missing to NER rather than "outside" (no entity covers it) -- but
    # Northport is an entity, so that token stays B.
    assert (*NORT, "organisation") not in chars(kim.spans["sc"])
    assert chars(lee.spans["sc"]) == chars(lee.ents) == {(*TOMAS, "actor")}
    assert len(untouched.spans["sc"]) == 0 and not untouched.ents
    # Who made each layer, and the document's meta, ride along in user_data.
    assert (kim.user_data["annotator_owner"], lee.user_data["annotator_owner"]) == ("kim", "lee")
    assert untouched.user_data["annotator_owner"] is None
    assert kim.user_data["annotator_meta"]["name"] == "bridge"
    assert kim.user_data["annotator_meta"]["lang"] == "en"
    # The user is told what spaCy could not hold, with counts.
    assert any("1 span does not fall on spaCy's token boundaries" in n for n in notes), notes
    assert any(n.startswith("2 spans overlap") for n in notes), notes
    assert any(n.startswith("3 spaCy Docs") for n in notes), notes


def test_tokens_of_a_span_spacy_cannot_hold_are_missing_to_ner_not_outside():
    records = [{"text": "KimJong met Xi", "annotator": "kim", "meta": {"name": "n"},
                "spans": [{"start": 0, "end": 3, "label": "actor", "text": "Kim"}]}]
    out = io.BytesIO()
    spacy_docbin.write(iter(records), out)
    [doc] = DocBin().from_bytes(out.getvalue()).get_docs(spacy.blank("xx").vocab)
    assert [t.ent_iob_ for t in doc] == ["", "O", "O"]  # "" is missing: unknown, not "no entity"


def test_a_reimport_brings_back_every_span_exactly_with_owners_notes_and_meta(tmp_path):
    with project_with_layers(tmp_path) as project:
        export(project, tmp_path / "out.spacy")
        before = spans_as_text(project.path)
    [kim, lee, untouched] = formats.read_file(tmp_path / "out.spacy")
    assert (kim.name, kim.annotator, kim.meta) == ("bridge", "kim", {"lang": "en", "desk": ["city", 2]})
    assert ParsedSpan(*MONDAY, "quote", note="a day, not a quote?") in kim.spans
    assert (*NORT, "organisation") in kim.spans  # the span spaCy could not hold
    assert (untouched.name, untouched.annotator, untouched.spans) == ("untouched", None, [])
    with Project.open(tmp_path / "again.db") as again:
        import_files(again, [tmp_path / "out.spacy"], annotator=None)
        assert spans_as_text(again.path) == before
        doc_id = next(d.id for d in again.document_summaries("kim") if d.name == "bridge")
        assert sorted(again.notes(doc_id).values()) == ["a day, not a quote?"]


def test_a_docbin_made_by_plain_spacy_imports_its_entities_and_span_groups(tmp_path):
    nlp = spacy.blank("en")
    first = nlp("Kim Jong-un met Moon Jae-in in Panmunjom 😀 today.")
    first.ents = [Span(first, 0, 4, "actor"), Span(first, 5, 9, "actor")]
    second = nlp("Samsung Electronics said on Tuesday\r\nthat profits rose.")
    second.spans["sc"] = [Span(second, 0, 2, "organisation"), Span(second, 0, 1, "organisation"),
                          Span(second, 4, 5, "date")]
    second.ents = [Span(second, 0, 2, "organisation")]  # also in the group: imported once
    DocBin(docs=[first, second]).to_disk(tmp_path / "corpus.spacy")

    one, two = formats.read_file(tmp_path / "corpus.spacy")
    assert (one.name, one.annotator, one.meta) == ("corpus:1", None, {})
    assert [one.text[s:e] for s, e, _ in one.spans] == ["Kim Jong-un", "Moon Jae-in"]
    assert two.text == "Samsung Electronics said on Tuesday\r\nthat profits rose."
    assert sorted(two.text[s:e] for s, e, _ in two.spans) == ["Samsung", "Samsung Electronics", "Tuesday"]
    with Project.open(tmp_path / "p.db") as project:
        import_files(project, [tmp_path / "corpus.spacy"], annotator="me")
        assert ("corpus:2", "me", "date", 28, 35, "Tuesday") in spans_as_text(project.path)


def test_a_span_group_of_spacys_with_an_unlabelled_span_is_refused_naming_the_document(tmp_path):
    nlp = spacy.blank("en")
    fine, bad = nlp("Kim met Xi"), nlp("Xi met Kim")
    bad.spans["ruler"] = [Span(bad, 0, 1)]
    DocBin(docs=[fine, bad]).to_disk(tmp_path / "c.spacy")
    with pytest.raises(ImportRejected) as caught:
        formats.read_file(tmp_path / "c.spacy")
    [error] = caught.value.errors
    assert error.path == str(tmp_path / "c.spacy")
    assert "document 2: span group 'ruler', span [0, 2) 'Xi'" in error.message


@pytest.mark.parametrize("content", [b"", b"not a DocBin at all", b"x\x9c\x03\x00"])
def test_a_file_that_is_no_docbin_is_refused_naming_it(tmp_path, content):
    path = tmp_path / "broken.spacy"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        formats.read_file(path)
    assert caught.value.path == str(path)
    assert "is not a spaCy DocBin (.spacy) file, or it is damaged" in caught.value.message


def test_a_truncated_export_is_refused(tmp_path):
    out = io.BytesIO()
    spacy_docbin.write(iter([{"text": "Kim met Xi", "spans": [], "annotator": None, "meta": {"name": "a"}}]), out)
    (tmp_path / "cut.spacy").write_bytes(out.getvalue()[:-10])
    with pytest.raises(InputError, match="cut.spacy: is not a spaCy DocBin"):
        formats.read_file(tmp_path / "cut.spacy")


def test_a_damaged_docbin_is_refused_with_a_message_never_a_traceback(tmp_path):
    out = io.BytesIO()
    spacy_docbin.write(iter([
        {"text": "Kim met Xi 👋 in Beijing.\r\nThen he left.", "annotator": "kim", "meta": {"name": "a"},
         "spans": [{"start": 0, "end": 3, "label": "actor"}, {"start": 11, "end": 12, "label": "quote"}]},
        {"text": "Samsung said so.", "annotator": "lee", "meta": {"name": "b"},
         "spans": [{"start": 0, "end": 7, "label": "organisation"}]}]), out)
    inside = zlib.decompress(out.getvalue())
    rng = random.Random(2)  # fixed: these flips reach spans past their Doc and labels with lost strings
    for i in range(150):
        damaged = bytearray(inside)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"{i}.spacy"
        path.write_bytes(zlib.compress(bytes(damaged)))
        try:
            list(spacy_docbin.read(path))
        except (InputError, ImportRejected) as e:
            errors = e.errors if isinstance(e, ImportRejected) else [e]
            assert all(error.path == str(path) for error in errors)


@pytest.mark.parametrize("user_data, message", [
    ({"annotator_spans": [[0, 99, "actor"]]}, 'document 1: user_data["annotator_spans"] item 1: span end 99 is past'),
    ({"annotator_spans": [[True, 2, "actor"]]}, "span start must be an integer, not True"),
    ({"annotator_spans": [[0, 2]]}, "must be [start, end, label] or [start, end, label, note]"),
    ({"annotator_spans": [[0, 2, ""]]}, "item 1: label"),
    ({"annotator_spans": "spans"}, 'user_data["annotator_spans"] must be a list'),
    ({"annotator_spans": [], "annotator_meta": {"name": 5}}, 'its "name" must be a string'),
    ({"annotator_spans": [], "annotator_meta": {"x": b"\x00"}}, "holds values JSON cannot"),
    ({"annotator_spans": [], "annotator_meta": {"x": float("nan")}}, "holds values JSON cannot"),
    ({"annotator_spans": [], "annotator_owner": "a\nb"}, "document 1: its annotator"),
])
def test_bad_user_data_in_a_docbin_is_refused_naming_file_and_document(tmp_path, user_data, message):
    doc = spacy.blank("xx")("Kim met Xi")
    doc.user_data.update(user_data)
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "bad.spacy")
    with pytest.raises(ImportRejected) as caught:
        formats.read_file(tmp_path / "bad.spacy")
    assert [e.path for e in caught.value.errors] == [str(tmp_path / "bad.spacy")]
    assert message in caught.value.errors[0].message


def test_a_meta_language_spacy_cannot_tokenize_falls_back_to_the_multi_language_one_and_says_so():
    records = [{"text": "Kim met Xi.", "spans": [{"start": 0, "end": 3, "label": "actor", "text": "Kim"}],
                "annotator": "kim", "meta": {"name": n, "lang": lang}}
               for n, lang in (("a", "tlh"), ("b", "en-GB"), ("c", "../../os"), ("d", "tlh"))]
    notes: list[str] = []
    out = io.BytesIO()
    assert spacy_docbin.write(iter(records), out, report=notes.append) == 4
    assert any("'tlh' (2 documents)" in n and "'xx'" in n for n in notes), notes
    assert any("'../../os' (1 document)" in n for n in notes), notes
    assert not any("en-GB" in n for n in notes)
    docs = list(DocBin().from_bytes(out.getvalue()).get_docs(spacy.blank("xx").vocab))
    assert all([(s.start_char, s.end_char) for s in d.spans["sc"]] == [(0, 3)] for d in docs)


def test_a_docbin_is_recognised_by_its_content_without_its_suffix(tmp_path):
    out = io.BytesIO()
    spacy_docbin.write(iter([{"text": "Kim met Xi", "spans": [], "annotator": None, "meta": {"name": "a"}}]), out)
    (tmp_path / "corpus").write_bytes(out.getvalue())
    assert formats.recognise(tmp_path / "corpus").name == "spacy"
    assert not spacy_docbin.sniff(b'{"text": "x"}\n') and not spacy_docbin.sniff(b"Kim met Xi")
    assert not spacy_docbin.sniff(zlib.compress(b"\x81\xa4name\xa1x"))  # compressed msgpack, not a DocBin


def test_without_spacy_the_message_names_the_extra_to_install(tmp_path, monkeypatch):
    (tmp_path / "a.spacy").write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy now raises ImportError
    with pytest.raises(AnnotatorError, match=r"pip install 'annotator\[spacy\]'"):
        spacy_docbin.write(iter([]), io.BytesIO())
    with pytest.raises(InputError, match=r"a\.spacy: .*pip install 'annotator\[spacy\]'"):
        formats.read_file(tmp_path / "a.spacy")


# Awkward texts: emoji and other astral characters, CRLF and lone CR,
# combining marks, right-to-left runs, odd separators.
AWKWARD = st.lists(st.sampled_from(list("ab c.,'-\r\n\t") + ["👋", "😀", "\u0301", "ע", "ب", "\u2028", "𝑥",
                                                             "\u00a0", "\u202b", "e\u0301", "\r\n"]),
                   min_size=1, max_size=30).map("".join)


@st.composite
def layers(draw):
    text = draw(st.one_of(AWKWARD, st.sampled_from(list(TRICKY_TEXTS.values()))))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        note = draw(st.sampled_from([None, "why 👋\r\n"]))
        span = {"start": start, "end": end, "label": draw(st.sampled_from(["actor", "date"])),
                "text": text[start:end]}
        spans.append({**span, "note": note} if note else span)
    return {"text": text, "spans": spans, "annotator": draw(st.sampled_from(["kim", "lee"])),
            "meta": {"name": "doc", "lang": draw(st.sampled_from(["en", "de", "zh", "xx"]))}}


@settings(max_examples=50, deadline=None)
@given(st.lists(layers(), min_size=1, max_size=3))
def test_round_trip_keeps_text_and_every_span_exactly(records):
    for n, record in enumerate(records):
        record["meta"]["name"] = f"doc {n}"
    out = io.BytesIO()
    assert spacy_docbin.write(iter(records), out) == len(records)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "round.spacy"
        path.write_bytes(out.getvalue())
        parsed = list(spacy_docbin.read(path))
    assert [(d.name, d.text, d.annotator) for d in parsed] == [
        (r["meta"]["name"], r["text"], r["annotator"]) for r in records]
    for doc, record in zip(parsed, records):
        expected = {}
        for s in record["spans"]:
            expected.setdefault((s["start"], s["end"], s["label"]), s.get("note"))
        assert {tuple(s[:3]): (s.note if isinstance(s, ParsedSpan) else None) for s in doc.spans} == expected


def test_reading_a_large_docbin_reports_progress_in_bytes_and_can_be_stopped(tmp_path):
    records = [{"text": f"Kim met Xi {n}", "spans": [], "annotator": None, "meta": {"name": f"d{n}"}}
               for n in range(1200)]
    with open(tmp_path / "big.spacy", "wb") as out:
        spacy_docbin.write(iter(records), out)
    size = (tmp_path / "big.spacy").stat().st_size
    calls: list[tuple[int, int]] = []
    assert len(list(spacy_docbin.read(tmp_path / "big.spacy", lambda done, total: calls.append((done, total))))) == 1200
    assert calls == [(size * 500 // 1200, size), (size * 1000 // 1200, size)]

    def stop(done, total):
        raise Cancelled("stopped")
    with pytest.raises(Cancelled):
        list(spacy_docbin.read(tmp_path / "big.spacy", stop))


# -- a DocBin's inflated size is bounded (a zip bomb) ---------------------------

def test_a_docbin_inflating_past_the_bound_is_refused_and_one_at_the_bound_is_read(tmp_path, monkeypatch):
    out = io.BytesIO()
    spacy_docbin.write(iter([{"text": "Kim met Xi in Beijing. " * 200, "spans": [], "annotator": None,
                              "meta": {"name": "a"}}]), out)
    path = tmp_path / "corpus.spacy"
    path.write_bytes(out.getvalue())
    inflated = len(zlib.decompress(out.getvalue()))
    monkeypatch.setattr(spacy_docbin, "_INFLATE_PIECE", 1000)  # the bound crossed inside a piece and between
    monkeypatch.setattr(spacy_docbin, "MAX_INFLATED", inflated)
    assert [d.name for d in formats.read_file(path)] == ["a"]
    monkeypatch.setattr(spacy_docbin, "MAX_INFLATED", inflated - 1)
    with pytest.raises(InputError) as caught:
        formats.read_file(path)
    assert caught.value.path == str(path)
    assert f"inflates to more than {inflated - 1:,} bytes" in caught.value.message
    assert "split it into smaller DocBins" in caught.value.message


_BOMB_CHILD = """
import sys, zlib
from pathlib import Path
from annotator.core.errors import InputError
from annotator.core.formats import spacy_docbin

def kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])

path = Path(sys.argv[1])
# 1 GiB and one byte of zeros: a 4.5 MB file, made a piece at a time.
deflate, zeros = zlib.compressobj(1), bytes(1 << 24)
with open(path, "wb") as f:
    for _ in range(64):
        f.write(deflate.compress(zeros))
    f.write(deflate.compress(b"\\0") + deflate.flush())
import spacy.tokens  # loaded before measuring: the bomb's cost is what is measured
before = kb("VmRSS:")
try:
    list(spacy_docbin.read(path))
except InputError as e:
    print(kb("VmHWM:") - before, e.message)
"""


@pytest.mark.timeout(120)
def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    import subprocess
    out = subprocess.run([sys.executable, "-c", _BOMB_CHILD, str(tmp_path / "bomb.spacy")], check=True,
                         capture_output=True, text=True, timeout=110).stdout
    growth_kb, message = out.split(" ", 1)
    assert message.startswith("inflates to more than 1 GiB")
    # Inflated by spaCy (zlib.decompress, whole) the peak would grow by 1 GiB.
    assert int(growth_kb) < 64 * 1024, f"the peak grew by {int(growth_kb) / 1024:.0f} MB"
