"""Exact text decoding and the offset and name rules."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.errors import InputError, SpanError
from annotator.core.model import check_offsets, name_problem, offsets_problem, trim_whitespace
from annotator.core.textio import decode_utf8, read_bytes
from tests.core.helpers import TRICKY_TEXTS


@pytest.mark.parametrize("name", sorted(TRICKY_TEXTS))
def test_utf8_text_is_decoded_exactly(name):
    text = TRICKY_TEXTS[name]
    assert decode_utf8(text.encode("utf-8"), "f.txt") == text


def test_only_the_leading_bom_is_dropped():
    text = "\ufeffinner BOM stays"
    assert decode_utf8(codecs.BOM_UTF8 + text.encode("utf-8"), "f.txt") == text
    assert decode_utf8(codecs.BOM_UTF8, "f.txt") == ""


@given(st.text())
def test_any_utf8_text_decodes_to_itself(text):
    data = text.encode("utf-8", "surrogatepass")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return  # lone surrogates are not UTF-8; covered below
    if "\x00" in text or text.startswith("\ufeff"):
        return  # NUL means binary; a leading BOM is dropped on purpose
    assert decode_utf8(data, "f.txt") == text


@pytest.mark.parametrize("data, line, fragment", [
    (b"ok\nstill ok\nbad \xff byte\n", 3, "not valid UTF-8"),
    (b"caf\xe9 latin-1\n", 1, "not valid UTF-8"),
    (b"truncated \xe2\x82", 1, "not valid UTF-8"),
    (b"\xed\xa0\x80 encoded surrogate", 1, "not valid UTF-8"),
    (codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"), 1, "UTF-16"),
    (codecs.BOM_UTF16_BE + "hi".encode("utf-16-be"), 1, "UTF-16"),
    ("plain words here\nand more".encode("utf-16-le"), 1, "UTF-16 without a byte-order mark"),
    (b"text\n\n\x00\x01\x02\x03binary", 3, "binary"),
])
def test_undecodable_bytes_name_the_file_and_line(data, line, fragment):
    with pytest.raises(InputError) as e:
        decode_utf8(data, "some/file.txt")
    assert e.value.path == "some/file.txt" and e.value.line == line
    assert fragment in str(e.value)
    assert str(e.value).startswith(f"some/file.txt, line {line}: ")


def test_read_bytes_errors_name_the_path(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_bytes(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="folder"):
        read_bytes(tmp_path)


@pytest.mark.parametrize("start, end, fragment", [
    (1.0, 3, "integer"), (1, 3.5, "integer"), (True, 3, "integer"), (0, False, "integer"),
    ("1", 3, "integer"), (None, 3, "integer"), (-1, 3, "negative"), (0, -2, "negative"),
    (0, 11, "past the end"), (10 ** 30, 10 ** 30 + 1, "past the end"),
    (3, 3, "before its end"), (5, 2, "before its end"),
])
def test_offset_rules(start, end, fragment):
    problem = offsets_problem(10, start, end)
    assert problem is not None and fragment in problem
    with pytest.raises(SpanError):
        check_offsets(10, start, end)


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_offsets_are_valid_exactly_when_inside_and_non_empty(length, start, end):
    valid = 0 <= start < end <= length
    assert (offsets_problem(length, start, end) is None) == valid


@pytest.mark.parametrize("name", ["", " actor", "actor ", "a\tb", "a\nb", "bell\x07", "zw\u200bj",
                                  "rtl\u202eoverride", "line\u2028sep", "x" * 65, 3, None, "\ud800"])
def test_bad_label_names(name):
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", ["actor", "Person Name", "日付", "quote/indirect", "a" * 64,
                                  "'; DROP TABLE spans; --", "<b>bold</b>"])
def test_good_label_names(name):
    assert name_problem(name) is None


def test_trim_whitespace_shrinks_to_the_words():
    text = "  two words \u00a0\n"
    start, end = trim_whitespace(text, 0, len(text))
    assert text[start:end] == "two words"
    assert trim_whitespace("   ", 0, 3)[0] == trim_whitespace("   ", 0, 3)[1]


def test_a_huge_offset_is_quoted_briefly():
    problem = offsets_problem(10, 0, 10 ** 4000)
    assert "past the end" in problem and len(problem) < 150
    problem = offsets_problem(10, [[0] * 1000], 3)
    assert "must be an integer" in problem and len(problem) < 150


def test_a_huge_name_is_quoted_briefly():
    problem = name_problem(" " + "x" * 100_000, "annotator")
    assert "longer than 64" in problem and len(problem) < 150
