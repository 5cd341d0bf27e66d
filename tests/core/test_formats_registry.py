"""One registry of formats feeds reading, writing, the command line's
--format choices and the window's file dialogs."""

from __future__ import annotations

import pytest

from annotator.core import formats
from annotator.core.errors import InputError


def test_every_readable_suffix_is_read_by_its_format_whatever_its_case(tmp_path):
    (tmp_path / "a.TXT").write_text("Kim met Xi", encoding="utf-8")
    [doc] = formats.read_file(tmp_path / "a.TXT")
    assert doc.text == "Kim met Xi"
    (tmp_path / "a.csv").write_text("name,age\nKim,40\n", encoding="utf-8")  # text, but not prose
    with pytest.raises(InputError, match="cannot import .csv files: known kinds are .jsonl, .*\\.txt"):
        formats.read_file(tmp_path / "a.csv")


def test_a_file_without_a_known_suffix_is_recognised_by_its_content(tmp_path):
    lines = tmp_path / "export-from-elsewhere"
    lines.write_text('{"text": "Kim met Xi", "meta": {"name": "k"}}\n', encoding="utf-8")
    assert formats.recognise(lines).name == "jsonl"
    assert [d.name for d in formats.read_file(lines)] == ["k"]
    note = tmp_path / "README"
    note.write_text("Kim met Xi in Beijing.\n", encoding="utf-8")
    assert formats.recognise(note).name == "txt"
    # Structured data no format here reads is refused, not taken for prose.
    for name, content in (("data", "<?xml version='1.0'?><doc>Kim met Xi</doc>"),):
        (tmp_path / name).write_text(content, encoding="utf-8")
        with pytest.raises(InputError, match="not one of the known kinds"):
            formats.read_file(tmp_path / name)
    with pytest.raises(InputError, match="named pipe|no such file"):
        formats.recognise(tmp_path / "missing")


def test_filters_and_choices_come_from_the_registry():
    readable = [f for f in formats.FORMATS if f.read]
    assert all(f"*{s}" in formats.import_filter() for f in readable for s in f.suffixes)
    assert formats.EXPORT_FORMATS == tuple(f.name for f in formats.FORMATS if f.write)
    assert formats.export_filter("jsonl").startswith("JSONL (*.jsonl)")
    with pytest.raises(ValueError, match="does not write"):
        formats.writer("txt")


def test_the_command_line_offers_the_registrys_export_formats():
    from click.testing import CliRunner

    from annotator.cli import cli

    help_text = CliRunner().invoke(cli, ["export", "--help"]).output
    assert f"[{'|'.join(formats.EXPORT_FORMATS)}]" in help_text


def test_a_folder_no_format_reads_is_refused_saying_what_to_do(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("Kim met Xi", encoding="utf-8")
    with pytest.raises(InputError, match="is a folder, and not one annotator can import .*name the files in it"):
        formats.read_file(tmp_path / "articles")


def test_a_file_with_a_shared_suffix_that_no_format_recognises_goes_to_the_general_one(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text("this is not json\n", encoding="utf-8")
    assert formats.recognise(junk).name == "jsonl"
    with pytest.raises(Exception, match="junk.jsonl, line 1: malformed JSON"):
        formats.read_file(junk)
