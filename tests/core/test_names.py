"""Names (annotators, labels, documents) enter the project in one form
(Unicode NFC) and only if they can be seen: no controls, no invisible or
blank letters, no blank other than a plain space, and of a bounded length.
Names a project already holds keep working."""

from __future__ import annotations

import io
import sqlite3

import pytest

from annotator.core import exporter
from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import read_file, writer
from annotator.core.importer import import_files
from annotator.core.model import MAX_DOCUMENT_NAME_LENGTH, document_name_problem, name_problem
from tests.core.helpers import snapshot, write_jsonl

NFC = "Jos\u00e9"
NFD = "Jose\u0301"

# Each shows as nothing (or as a blank), so two names differing by one look the same.
INVISIBLE = ["\u3164", "\u2800", "\u115f", "\u1160", "\uffa0", "\u180e", "\u17b4", "\u17b5", "\u034f",
             "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u061c", "\u2065", "\ufe0f",
             "\U000e0041", "\U000e0100", "\U0001d159", "\U0001d173"]
CONTROLS = ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u2028", "\u2029"]
BLANKS = ["\u00a0", "\u2003", "\u3000", "\u202f", "\u205f", "\u1680"]


def refused(project, path) -> InputError:
    before = snapshot(project.path)
    with pytest.raises(ImportRejected) as e:
        import_files(project, [path], annotator="ann", add_labels=True)
    assert snapshot(project.path) == before
    [error] = e.value.errors
    assert all(ch.isprintable() for ch in error.message), error.message  # quoted safely
    return error


# -- one form: NFC ------------------------------------------------------------

def test_an_annotator_typed_composed_and_decomposed_is_one_layer(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "one two", "annotator": NFC, "label": [[0, 3, "actor"]]},
        {"text": "one two", "annotator": NFD, "label": [[4, 7, "actor"]]}])
    import_files(project, [path], annotator=None)
    assert project.annotators() == [NFC]


def test_the_importing_user_is_stored_composed(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "one two", "label": [[0, 3, "actor"]]}])
    import_files(project, [path], annotator=NFD)
    assert project.annotators() == [NFC]


def test_labels_added_on_import_are_stored_composed(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "one two", "annotator": "ann", "label": [[0, 3, "caf\u00e9"], [4, 7, "cafe\u0301"]]}])
    result = import_files(project, [path], annotator=None, add_labels=True)
    assert result.labels_added == ("caf\u00e9",)
    assert [label for label in project.label_names() if label.startswith("caf")] == ["caf\u00e9"]
    assert {span.label for span in project.spans(1)} == {"caf\u00e9"}


def test_a_document_named_either_way_is_one_document(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "same text", "meta": {"name": NFC}},
                                              {"text": "same text", "meta": {"name": NFD}}])
    result = import_files(project, [path], annotator="ann")
    assert (result.documents_added, result.documents_existing) == (1, 0)  # the second line is the same, new document
    assert [record["meta"]["name"] for record in exporter.layers(project)] == [NFC]


def test_a_txt_file_named_decomposed_gives_a_composed_document_name(tmp_path):
    # macOS file systems hand back names decomposed.
    path = tmp_path / f"{NFD}.txt"
    path.write_text("text", encoding="utf-8")
    assert [doc.name for doc in read_file(path)] == [NFC]


def test_a_jsonl_line_without_a_name_is_named_composed(tmp_path):
    path = write_jsonl(tmp_path / f"{NFD}.jsonl", [{"text": "text"}])
    assert [doc.name for doc in read_file(path)] == [f"{NFC}:1"]


# -- the rules ----------------------------------------------------------------

@pytest.mark.parametrize("ch", INVISIBLE + CONTROLS, ids=lambda ch: f"U+{ord(ch):04X}")
@pytest.mark.parametrize("check", [name_problem, document_name_problem])
def test_invisible_and_control_characters_are_refused(check, ch):
    problem = check(f"ab{ch}cd")
    assert problem is not None and "control or invisible characters" in problem
    assert f"U+{ord(ch):04X}" in problem


@pytest.mark.parametrize("ch", ["\u3164", "\u2800", "\u115f", "\uffa0", "\u3164\u3164"])
def test_a_name_of_blank_letters_alone_is_refused(ch):
    assert "invisible" in name_problem(ch, "annotator")


@pytest.mark.parametrize("ch", BLANKS, ids=lambda ch: f"U+{ord(ch):04X}")
def test_only_a_plain_space_may_separate_words(ch):
    problem = name_problem(f"two{ch}words")
    assert f"U+{ord(ch):04X}" in problem and "only a plain space" in problem
    assert name_problem("two words") is None


@pytest.mark.parametrize("name", ["actor", "José", "日付", "שלום", "مرحبا", "Zoë", "👋",
                                  "quote/indirect", "'; DROP TABLE spans; --", "a" * 63])
def test_visible_names_are_fine_and_a_filler_makes_them_refused(name):
    assert name_problem(name) is None and document_name_problem(name) is None
    assert name_problem(name + "\u3164") is not None and document_name_problem("\u3164" + name) is not None


def test_length_bounds():
    assert name_problem("a" * 64) is None and "longer than 64" in name_problem("a" * 65)
    longest = "d" * MAX_DOCUMENT_NAME_LENGTH
    assert document_name_problem(longest) is None
    assert f"longer than {MAX_DOCUMENT_NAME_LENGTH}" in document_name_problem(longest + "d")
    assert name_problem("a" * 65, "x", max_length=100) is None


# -- through the readers: file and line named, nothing imported -----------

@pytest.mark.parametrize("line, fragment", [
    ({"text": "t", "meta": {"name": "evil\u202ename"}}, '"meta.name": document name \'evil\\u202ename\''),
    ({"text": "t", "meta": {"name": "two\nlines"}}, '"meta.name": document name'),
    ({"text": "t", "meta": {"name": "nul\x00"}}, "U+0000"),
    ({"text": "t", "meta": {"name": "\u3164"}}, "U+3164 HANGUL FILLER"),
    ({"text": "t", "meta": {"name": "x" * 2_000_000}}, "longer than 255 characters"),
    ({"text": "t", "annotator": "\u2800", "label": [[0, 1, "actor"]]}, "U+2800 BRAILLE PATTERN BLANK"),
    ({"text": "t", "annotator": "al\u00a0ice", "label": [[0, 1, "actor"]]}, "U+00A0 NO-BREAK SPACE"),
    ({"text": "t", "annotator": "ann", "label": [[0, 1, "act\u2800"]]}, '"label" item 1: label \'act'),
    ({"text": "t", "annotator": "ann", "spans": [{"start": 0, "end": 1, "label": "\uffa0"}]}, "U+FFA0"),
])
def test_a_bad_name_in_jsonl_names_the_file_and_line(project, tmp_path, line, fragment):
    path = write_jsonl(tmp_path / "names.jsonl", [{"text": "fine"}, line])
    error = refused(project, path)
    assert (error.path, error.line) == (str(path), 2)
    assert fragment in error.message
    assert len(str(error)) < 300


@pytest.mark.parametrize("stem", ["evil\u202ename", "two\nlines", "tab\there", "\u3164", "zero\u200bwidth"])
def test_a_txt_file_whose_name_makes_a_bad_document_name_is_refused(project, tmp_path, stem):
    path = tmp_path / f"{stem}.txt"
    path.write_text("text", encoding="utf-8")
    error = refused(project, path)
    assert error.path == str(path) and error.line is None
    assert "rename the file" in error.message


def test_a_jsonl_file_whose_name_makes_a_bad_document_name_needs_meta_name(project, tmp_path):
    path = write_jsonl(tmp_path / "evil\u202ename.jsonl", [{"text": "named", "meta": {"name": "ok"}}, {"text": "x"}])
    error = refused(project, path)
    assert (error.path, error.line) == (str(path), 2)
    assert '"meta.name"' in error.message and "\\u202e" in error.message


def test_add_labels_refuses_an_invisible_label(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "text", "annotator": "ann", "label": [[0, 4, "\u2800"]]}])
    assert "U+2800" in refused(project, path).message


# -- names a project already holds --------------------------------------------

def test_a_project_holding_names_now_refused_still_reads_and_exports(project, project_path):
    # As an annotator older than these rules could have stored them.
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("INSERT INTO labels (name, color, position) VALUES ('x\u200by', '#123456', 99)")
        conn.execute("INSERT INTO documents (name, text, text_sha256, length, meta) "
                     "VALUES ('bad\nname\u202e', 'some text', 'h', 9, '{}')")
        conn.execute("INSERT INTO spans (doc_id, annotator, label, start, \"end\") "
                     "VALUES (1, 'a\u3164', 'x\u200by', 0, 4)")
    conn.close()
    project.forget_cached()
    assert [s.name for s in project.document_summaries("a\u3164")] == ["bad\nname\u202e"]
    assert project.annotators() == ["a\u3164"]
    out = io.StringIO()
    assert writer("jsonl")(exporter.layers(project), out) == 1
    assert '"annotator": "a\u3164"' in out.getvalue() and '"label": "x\u200by"' in out.getvalue()


def test_ask_annotator_stores_the_composed_form(monkeypatch):
    from annotator.gui import dialogs

    monkeypatch.setattr(dialogs.QInputDialog, "getItem", staticmethod(lambda *args: (f" {NFD} ", True)))
    assert dialogs.ask_annotator(None, "ann", []) == NFC
    monkeypatch.setattr(dialogs.QInputDialog, "getItem", staticmethod(lambda *args: ("\u3164", True)))
    with pytest.raises(ValueError, match="U\\+3164"):
        dialogs.ask_annotator(None, "ann", [])


