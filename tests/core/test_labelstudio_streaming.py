"""Label Studio files read a task at a time (core/formats/json_array.py):
whatever the chunk boundaries split (a task, a UTF-8 character, a number, a
BOM) the tasks read are the same; a file cut anywhere is an error naming
the line its cut task starts on; memory does not grow with the file."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportRejected, InputError
from annotator.core.formats import json_array, labelstudio
from tests.core.helpers import child_numbers

# Small chunks put a boundary inside every token, character and task.
SMALL_CHUNKS = [1, 2, 3, 5, 7, 64]


def _task(i: int, text: str = "Kim 🐱 met Lee in Zürich, 東京.") -> dict:
    start = text.index("Lee")
    return {"id": i, "data": {"text": text, "meta": {"name": f"d{i}", "score": 1.5e10 + i}},
            "annotations": [{"id": i, "completed_by": {"email": "ann@example.org"}, "result": [
                {"id": f"r{i}", "type": "labels", "from_name": "label", "to_name": "text",
                 "value": {"start": start, "end": start + 3, "text": "Lee", "labels": ["PER"]},
                 "meta": {"text": ["é note"]}}]}]}


def _pretty(tasks: list) -> str:
    return json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"


def _one_line(tasks: list) -> str:
    return json.dumps(tasks, ensure_ascii=False)


def _start_lines(text: str, count: int) -> list[int]:
    """The line each task of a _pretty file starts on (its "{" line)."""
    return [text.count("\n", 0, text.index(f'  {{\n    "id": {i},')) + 1 for i in range(1, count + 1)]


def _read(path) -> list[tuple]:
    return [(d.name, d.text, d.meta, d.annotator, d.spans, d.line) for d in labelstudio.read(path)]


def _error(path) -> tuple:
    with pytest.raises((InputError, ImportRejected)) as caught:
        list(labelstudio.read(path))
    errors = caught.value.errors if isinstance(caught.value, ImportRejected) else [caught.value]
    return [(e.line, e.message) for e in errors]


@pytest.mark.parametrize("layout", [_pretty, _one_line])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_tasks_read_the_same_wherever_the_chunks_split_them(tmp_path, monkeypatch, layout, bom):
    path = tmp_path / "export.json"
    text = layout([_task(i) for i in range(1, 6)])
    path.write_bytes(bom + text.encode("utf-8"))
    whole = _read(path)
    lines = _start_lines(text, 5) if layout is _pretty else [1] * 5
    assert [(name, line) for name, *_, line in whole] == [(f"d{i}", lines[i - 1]) for i in range(1, 6)]
    assert whole[0][4] == [labelstudio.ParsedSpan(10, 13, "PER", note="é note")]
    for chunk in SMALL_CHUNKS:
        monkeypatch.setattr(json_array, "CHUNK", chunk)
        assert _read(path) == whole, f"chunks of {chunk} bytes"


@pytest.mark.parametrize("chunk", SMALL_CHUNKS + [1 << 20])
def test_a_value_at_the_end_of_a_chunk_is_read_whole(tmp_path, monkeypatch, chunk):
    # A number or literal that ends a chunk may go on in the next one.
    monkeypatch.setattr(json_array, "CHUNK", chunk)
    path = tmp_path / "values.json"
    path.write_text('[123456789, -0.25e-3, true, null, "a\\u00e9\\ud83d\\udc31", {"k": [1, 22, 333]}]',
                    encoding="utf-8")
    assert [value for value, *_ in json_array.elements(path)] == \
        [123456789, -0.25e-3, True, None, "aé🐱", {"k": [1, 22, 333]}]


@pytest.mark.parametrize("chunk", SMALL_CHUNKS + [1 << 20])
@pytest.mark.parametrize("bad, message", [
    ('"x": NaN', "NaN is not a JSON value"),
    ('"x": 1e400', "too large to store"),
    ('"x": 1, "x": 2', "appears twice"),
    ('"x": 1 "y": 2', "malformed JSON: Expecting ',' delimiter (column 34)"),
    ('"x": "a\nb"', "malformed JSON: Invalid control character at (column 34)"),
])
def test_the_strict_decoder_refuses_the_same_across_chunk_boundaries(tmp_path, monkeypatch, chunk, bad, message):
    monkeypatch.setattr(json_array, "CHUNK", chunk)
    good = json.dumps(_task(1), ensure_ascii=False)
    path = tmp_path / "bad.json"
    # The bad task starts on line 3, after a first task on one long line.
    path.write_text("[\n" + good + ",\n" + '{"data": {"text": "Kim"}, ' + bad + "}\n]\n", encoding="utf-8")
    [(line, got)] = _error(path)
    assert line == 3 and got.startswith("task 2: ")
    assert message in got


def test_a_malformed_task_on_a_single_line_file_is_named_by_its_column(tmp_path, monkeypatch):
    tasks = _one_line([_task(1), _task(2)])
    broken = tasks[:-2] + ' "extra"}]'  # ... ]} "extra"}]: a value where a ',' belongs
    path = tmp_path / "bad.json"
    path.write_text(broken, encoding="utf-8")
    column = len(tasks) - 2 + 2  # 1-based column of the stray string
    expected = [(1, f"task 2: malformed JSON: Expecting ',' delimiter (column {column})")]
    assert _error(path) == expected
    for chunk in SMALL_CHUNKS:
        monkeypatch.setattr(json_array, "CHUNK", chunk)
        assert _error(path) == expected, f"chunks of {chunk} bytes"


@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_a_file_cut_anywhere_is_refused_naming_the_line_its_cut_task_starts_on(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(json_array, "CHUNK", chunk)
    text = _pretty([_task(1), _task(2, "短い 🐱 text with Lee")])
    first, second_line = _start_lines(text, 2)
    data = text.encode("utf-8")
    second = data.index(b'  {\n    "id": 2')
    complete = data.rindex(b"]") + 1
    path = tmp_path / "cut.json"
    for cut in range(1, complete):
        path.write_bytes(data[:cut])
        with pytest.raises(InputError) as caught:
            list(labelstudio.read(path))
        e = caught.value
        assert "cut short" in e.message or "not valid UTF-8" in e.message, (cut, e.message)
        if second + 2 < cut < data.rindex(b"}\n]") + 1:  # inside the second task
            assert e.line == second_line and e.message.startswith("task 2: ") \
                and f"which starts on line {second_line}" in e.message, (cut, e.message)
        elif data.index(b"{") < cut < second - 2:  # inside the first
            assert e.line == first and e.message.startswith("task 1: ") \
                and f"which starts on line {first}" in e.message, (cut, e.message)
    path.write_bytes(data[:complete])
    assert len(_read(path)) == 2


@pytest.mark.parametrize("chunk", [2, 1 << 20])
def test_bad_utf8_and_nul_bytes_are_named_by_their_line_in_any_chunk(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(json_array, "CHUNK", chunk)
    data = _pretty([_task(1), _task(2)]).encode("utf-8")
    at = data.index("東".encode(), len(data) // 2)
    line = data.count(b"\n", 0, at) + 1
    column = at - data.rfind(b"\n", 0, at)
    path = tmp_path / "bad.json"
    path.write_bytes(data[:at] + b"\xff" + data[at + 3:])
    [(got_line, message)] = _error(path)
    assert got_line == line and f"byte 0xff at byte {column} of the line" in message
    path.write_bytes(data[:at] + b"\x00" + data[at + 3:])
    [(got_line, message)] = _error(path)
    assert got_line == line and "NUL bytes" in message


@pytest.mark.parametrize("content, line, message", [
    ("[\n" + json.dumps(_task(1)) + ",\n]", 3, "a ',' after the last task"),
    ("[", 1, "ends before the array's closing ']'"),
    ("[\n" + json.dumps(_task(1)), 2, "ends after task 1, before the array's closing ']'"),
    ("[\n" + json.dumps(_task(1)) + ",", 2, "ends after task 1"),
    ("\ufeff42", 1, "expected a JSON array of Label Studio tasks, found '42'"),
])
def test_a_file_that_is_not_a_whole_array_is_refused(tmp_path, content, line, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    [(got_line, got)] = _error(path)
    assert got_line == line and message in got


@pytest.mark.parametrize("content, line, message", [
    (b'[{"data": {"text": "x"}}]\xe2\x82', 1, "the file ends inside a UTF-8 character (was the file cut short?)"),
    (b'[{"data": {"text": "x"}}]\n\xff', 2, "not valid UTF-8 (byte 0xff at byte 1 of the line)"),
    (b'[{"data": {"text": "x\xe2\x82', 1, "task 1: malformed JSON: the file ends inside this task"),
])
def test_a_file_ending_inside_a_character_is_refused(tmp_path, content, line, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    [(got_line, got)] = _error(path)
    assert got_line == line and message in got


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_JSON, max_size=5), chunk=st.integers(1, 9), indent=st.sampled_from([None, 1]))
def test_any_json_array_reads_as_json_loads_reads_it(values, chunk, indent):
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.json"
        path.write_text(json.dumps(values, ensure_ascii=False, indent=indent), encoding="utf-8")
        saved, json_array.CHUNK = json_array.CHUNK, chunk
        try:
            read = [value for value, *_ in json_array.elements(path)] if values else None
        except InputError as e:
            assert not values, e
            read = None
        finally:
            json_array.CHUNK = saved
    assert read == (values or None)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60), chunk=st.integers(1, 5))
def test_any_bytes_are_read_or_refused_with_a_message(data, chunk):
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.json"
        path.write_bytes(b'[{"data": {"text": "K\xc3\xa9"}}, ' + data)
        saved, json_array.CHUNK = json_array.CHUNK, chunk
        try:
            list(labelstudio.read(path))
        except (InputError, ImportRejected):
            pass
        finally:
            json_array.CHUNK = saved


# -- memory ---------------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from annotator.core.formats import labelstudio
    from annotator.core.formats.document import Problems
    from annotator.core.importer import import_files
    from annotator.core.storage import Project

    source, db, mode = sys.argv[1:]
    with Project.open(db) as project:
        before = kb("VmRSS:")
        if mode == "import":
            added = import_files(project, [source], annotator=None, add_labels=True).documents_added
        else:  # the reader alone
            added = sum(1 for _ in labelstudio.read(Path(source), problems=Problems()))
        print(added, kb("VmHWM:") - before)
""")


def _peak_growth_kb(source, db, mode: str) -> tuple[int, int]:
    return child_numbers(_CHILD, source, db, mode, timeout=170)


@pytest.mark.timeout(180)
def test_a_label_studio_file_larger_than_the_memory_allowed_is_imported_in_constant_memory(tmp_path):
    # 15,000 article-sized tasks on ONE line (40 MB). Decoded whole, as the
    # reader did before, the peak grew by 180 MB (the text is held as bytes
    # and as a 4-byte-per-character string: it has an emoji); read a task at
    # a time, the reader grows by 3 MB and the whole import by 30 MB (the
    # importer's batches and SQLite). Measured the same way, 60,000 tasks
    # (160 MB) grow the reader by 3 MB, the import by 51 MB.
    body = " ".join(f"Sentence {k} of the article, with Lee and 東京 and 🐱." for k in range(40))
    source = tmp_path / "export.json"
    with open(source, "w", encoding="utf-8") as f:
        f.write("[")
        for i in range(1, 15_001):
            f.write(("," if i > 1 else "") + json.dumps(_task(i, f"{i} Kim met Lee. " + body), ensure_ascii=False))
        f.write("]")
    size_kb = source.stat().st_size // 1024
    added, growth_kb = _peak_growth_kb(source, tmp_path / "read.db", "read")
    assert added == 15_000
    assert growth_kb < size_kb / 8, f"reading grew the peak by {growth_kb / 1024:.0f} MB ({size_kb / 1024:.0f} MB file)"
    added, growth_kb = _peak_growth_kb(source, tmp_path / "p.db", "import")
    assert added == 15_000
    assert growth_kb < size_kb, f"importing grew the peak by {growth_kb / 1024:.0f} MB ({size_kb / 1024:.0f} MB file)"
