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
    with pytest.raises(InputError, match="known kinds are .jsonl, .txt"):
        formats.read_file(tmp_path / "a.csv")


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
