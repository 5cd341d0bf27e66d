"""brat standoff folders: written so brat's offsets index the .txt exactly,
read back (ours and brat's own files) to the same documents, spans, notes,
names and annotators; bad files rejected naming the .ann and line."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import exporter, formats
from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import brat
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import TRICKY_TEXTS, snapshot, write_jsonl

FIXTURE = Path(__file__).parent.parent / "data" / "formats" / "brat"
T_LINE = re.compile(r"(T\S+)\t(\S+) ([0-9 ;]+)\t(.*)")


def export(records: list[dict], folder: Path, reports: list[str] | None = None) -> Path:
    folder.mkdir()
    brat.write(iter(records), folder, report=None if reports is None else reports.append)
    return folder


def layers(path: Path) -> list[dict]:
    """Everything a project holds, as export records, in a stable order."""
    with Project.open(path) as project:
        records = list(exporter.layers(project))
    for record in records:
        record["spans"].sort(key=lambda s: (s["start"], s["end"], s["label"]))
    return sorted(records, key=lambda r: (r["meta"]["name"], r["annotator"] or ""))


def test_a_hand_written_brat_folder_in_the_manner_of_brats_documentation_imports(tmp_path):
    documents = {doc.name: doc for doc in formats.read_file(FIXTURE)}
    assert formats.recognise(FIXTURE).name == "brat"
    assert set(documents) == {"doc-1000", "greeting"}
    sony = documents["doc-1000"]
    assert sony.annotator is None  # at the top of the folder: the importing user's
    assert sony.text.endswith("in London.\n")
    got = {(sony.text[s.start:s.end], s.label, s.note) for s in sony.spans}
    assert got == {
        ("Sony Ericsson", "Organization", "a joint venture, not a company"),  # brat strips a note's blanks
        ("Sony", "Organization", None), ("Ericsson", "Organization", None), ("founded", "Founding", None),
        # fragments with text between them: the outer extent, and a note saying so
        ("2001\nin London", "Date", "brat fragments 74 78;82 88 (discontinuous: imported as one span)"),
        # fragments with only a line break between them: one span, exactly
        ("2001\nin", "Time", None),
    }  # E, R, A, N and * lines were accepted and left out; the note on E1 too
    greeting = documents["greeting"]
    assert greeting.annotator == "alice"  # the subfolder's name
    assert "\r\n" in greeting.text and "👋" in greeting.text
    assert [(greeting.text[s.start:s.end], s.label) for s in greeting.spans] == [
        ("Köln", "City"), ("Berlin", "City"), ("🇩🇪", "Flag")]


def test_the_fixture_goes_into_a_project(tmp_path):
    with Project.open(tmp_path / "p.db") as project:
        result = import_files(project, [FIXTURE], annotator="me", add_labels=True)
        assert (result.documents_added, result.spans_added) == (2, 9)
        assert {(r["meta"]["name"], r["annotator"]) for r in exporter.layers(project)} == {
            ("doc-1000", "me"), ("greeting", "alice")}


def test_one_ann_file_imports_with_the_txt_beside_it():
    [doc] = formats.read_file(FIXTURE / "alice" / "greeting.ann")
    assert (doc.name, doc.annotator, len(doc.spans)) == ("greeting", None, 3)


def brat_spans(ann: Path, text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of every T line, checked here as brat checks it:
    the line's text is the fragments' text joined by single spaces."""
    found = []
    for line in ann.read_bytes().decode("utf-8").split("\n"):
        if line.startswith("T"):
            ident, kind, offsets, written = T_LINE.fullmatch(line).groups()
            fragments = [tuple(map(int, pair.split())) for pair in offsets.split(";")]
            assert written == " ".join(text[s:e] for s, e in fragments), line
            assert not any(ch in written for ch in "\r\n\u2028\u2029\x85\x0b\x0c")
            found.append((fragments[0][0], fragments[-1][1], kind))
    return found


@pytest.mark.parametrize("kind", ["emoji", "crlf", "zwj", "separators", "bom_inside", "astral"])
def test_ann_offsets_index_the_txt_exactly(tmp_path, kind):
    text = TRICKY_TEXTS[kind]
    # a span on every token and one over the whole text, line breaks included
    spans = [{"start": m.start(), "end": m.end(), "label": "word", "text": m.group()}
             for m in re.finditer(r"\S+", text)] + [{"start": 0, "end": len(text), "label": "all"}]
    folder = export([{"text": text, "meta": {"name": kind}, "annotator": "ann", "spans": spans}],
                    tmp_path / "out")
    written = (folder / "ann" / f"{kind}.txt").read_bytes()
    assert written == text.encode("utf-8")  # no BOM, CRLF kept, nothing added
    got = brat_spans(folder / "ann" / f"{kind}.ann", written.decode("utf-8"))
    assert sorted(got) == sorted((s["start"], s["end"], s["label"]) for s in spans)


def test_a_project_goes_out_and_comes_back_with_layers_notes_names_and_meta(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": TRICKY_TEXTS["crlf"], "meta": {"name": "a/b", "source": "wire", "n": [1, 2]}, "annotator": "alice",
         "spans": [{"start": 0, "end": 8, "label": "named entity", "note": "first\nline\\n \ttabbed"},
                   {"start": 5, "end": 13, "label": "named_entity"}]},
        {"text": TRICKY_TEXTS["crlf"], "meta": {"name": "a/b"}, "annotator": "bob/x",
         "spans": [{"start": 8, "end": 10, "label": "quote"}]},  # the line break alone
        {"text": TRICKY_TEXTS["emoji"], "meta": {"name": "A/B"}, "annotator": "gold",
         "spans": [{"start": 3, "end": 4, "label": "quote"}]},
        {"text": "nobody's", "meta": {"name": "../../etc/passwd"}},
        {"text": "long", "meta": {"name": "x" * 250}},
    ])
    with Project.open(tmp_path / "one.db") as project:
        import_files(project, [source], annotator="fallback", add_labels=True)
    with Project.open(tmp_path / "one.db") as project:
        folder = export(list(exporter.layers(project)), tmp_path / "out", reports := [])
    assert any("'named entity' as named_entity" in r for r in reports)
    assert {p.name for p in folder.iterdir()} >= {"annotation.conf", "visual.conf", "alice", "bob_x", "gold"}
    assert not (tmp_path / "etc").exists() and not any(p.name.startswith(".") for p in folder.rglob("*"))
    assert all(len(p.name.encode()) <= 120 for p in folder.rglob("*"))
    with Project.open(tmp_path / "two.db") as project:
        import_files(project, [folder], annotator="fallback", add_labels=True)
    assert layers(tmp_path / "two.db") == layers(tmp_path / "one.db")


def test_labels_are_brat_types_listed_in_annotation_conf_and_named_in_visual_conf(tmp_path):
    folder = export([{"text": "ab", "meta": {"name": "d"}, "annotator": "x", "spans": [
        {"start": 0, "end": 1, "label": "a b"}, {"start": 1, "end": 2, "label": "a_b"},
        {"start": 0, "end": 2, "label": "Zoë"}]}], tmp_path / "out")
    conf = (folder / "annotation.conf").read_text()
    entities = conf.split("[entities]\n")[1].split("\n\n")[0].split("\n")
    assert sorted(entities) == ["Zo_", "a_b", "a_b-2"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", kind) for kind in entities)
    assert "Zo_ | Zoë" in (folder / "visual.conf").read_text()
    [doc] = list(brat.read(folder))
    assert sorted(s.label for s in doc.spans) == ["Zoë", "a b", "a_b"]


def test_names_that_differ_only_in_case_get_files_of_their_own(tmp_path):
    folder = export([{"text": t, "meta": {"name": n}, "annotator": None, "spans": []}
                     for t, n in (("one", "report"), ("two", "Report"), ("three", "REPORT.txt"))],
                    tmp_path / "out")
    stems = sorted(p.stem.casefold() for p in folder.glob("*.txt"))
    assert len(set(stems)) == 3
    assert sorted((d.name, d.text) for d in brat.read(folder)) == [
        ("REPORT.txt", "three"), ("Report", "two"), ("report", "one")]


texts = st.text(alphabet=st.sampled_from("ab \r\n\t\u2028\x85👋é\u0301\u05d0\u202b"), min_size=1, max_size=30)


@st.composite
def documents(draw):
    text = draw(texts)
    spans = set()
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text) - 1))
        spans.add((start, draw(st.integers(start + 1, len(text))), draw(st.sampled_from(["x", "y z"]))))
    notes = st.none() | st.text(alphabet=st.sampled_from("n \\\r\n\tu2028\u2028"), min_size=1, max_size=8)
    return text, {span: draw(notes) for span in spans}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents(), min_size=1, max_size=3), st.sampled_from([None, "ann", "A n/n"]))
def test_round_trip_of_awkward_texts_keeps_text_spans_and_notes(docs, annotator):
    with tempfile.TemporaryDirectory() as tmp:
        records = [{"text": text, "meta": {"name": f"doc {i}"}, "annotator": annotator,
                    "spans": [{"start": s, "end": e, "label": label, "text": text[s:e],
                               **({"note": note} if note else {})} for (s, e, label), note in spans.items()]}
                   for i, (text, spans) in enumerate(docs)]
        back = list(brat.read(export(records, Path(tmp) / "out")))
    assert len(back) == len(docs)
    for doc, (text, spans) in zip(sorted(back, key=lambda d: d.name), docs):
        assert (doc.text, doc.annotator) == (text, annotator)
        assert {(s.start, s.end, s.label): s.note for s in doc.spans} == {k: v or None for k, v in spans.items()}


def bad_folder(tmp_path: Path, ann: str, text: str = "Kim met Xi") -> Path:
    folder = tmp_path / "bad"
    folder.mkdir(exist_ok=True)
    (folder / "d.txt").write_text(text, encoding="utf-8")
    (folder / "d.ann").write_bytes(ann.encode("utf-8"))
    return folder


@pytest.mark.parametrize("ann, line, message", [
    ("T1\tactor 0 3\tKim\nT2\tactor 4 7\tmat\n", 2, r"its text 'mat' does not match the .txt at 4 7, which is 'met'"),
    ("T1\tactor 0 3\tKim\n\nT2\tactor 8 99\tXi\n", 3, "offset 99 is past the end of the text"),
    ("T1 actor 0 3 Kim\n", 1, "not a brat annotation line"),
    ("T1\tactor 0 x\tKim\n", 1, "a T line is"),
    ("T1\tactor 3 3\t\n", 1, "is empty"),
    ("T1\tactor 0 3\tKim\nT1\tactor 4 7\tmet\n", 2, "T1 is defined twice"),
    ("T1\tactor 0 5;4 7\tKim m met\n", 1, "fragments overlap"),
    ("T1\tactor 0 3\tKim\n#1\tAnnotatorNotes T7\tfor nobody\n", 2, "a note for T7"),
    ("T1\tac\u200btor 0 3\tKim\n", 1, "invisible"),
])
def test_a_bad_ann_line_is_named_with_the_file_and_line(tmp_path, ann, line, message):
    folder = bad_folder(tmp_path, ann)
    with pytest.raises(ImportRejected) as caught:
        list(brat.read(folder))
    [error] = caught.value.errors
    assert (error.path, error.line) == (str(folder / "d.ann"), line)
    assert re.search(message, error.message)


def test_every_bad_file_is_reported_and_nothing_is_imported(tmp_path):
    folder = bad_folder(tmp_path, "T1\tactor 0 3\tKin\n")
    (folder / "lost.ann").write_text("T1\tactor 0 3\tKim\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "good.txt").write_text("fine", encoding="utf-8")
    with Project.open(tmp_path / "p.db") as project:
        with pytest.raises(ImportRejected) as caught:
            import_files(project, [folder], annotator="me", add_labels=True)
    assert snapshot(tmp_path / "p.db")["documents"] == []
    shown = str(caught.value)
    assert "d.ann, line 1: its text 'Kin' does not match" in shown
    assert "lost.ann: has no text beside it" in shown
    assert "empty.txt: the file is empty" in shown


def test_a_folder_without_ann_files_is_not_taken_for_brat(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert not brat.sniff_folder(tmp_path)
    with pytest.raises(InputError, match="not one annotator can import"):
        formats.recognise(tmp_path)
    assert brat.sniff(b"T1\tPerson 0 3\tKim\n") and not brat.sniff(b"Kim met Xi\n")


def test_a_bom_in_a_txt_is_a_character_as_brat_counts_it(tmp_path):
    folder = bad_folder(tmp_path, "T1\tactor 1 4\tKim\n")
    (folder / "d.txt").write_bytes(b"\xef\xbb\xbfKim met Xi")
    [doc] = list(brat.read(folder))
    assert doc.text[doc.spans[0].start:doc.spans[0].end] == "Kim"


def test_progress_is_told_bytes_read_until_the_whole(tmp_path):
    told = []
    list(brat.read(FIXTURE, lambda done, total: told.append((done, total))))
    total = sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.suffix in (".ann", ".txt"))
    assert len(told) == 2 and told[-1] == (total, total) and told[0][0] < total
