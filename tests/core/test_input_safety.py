"""Input that Python's json and open() accept but the project must not:
numbers JSON cannot hold, keys given twice, and files that are not regular
files (a FIFO, a device, a folder) or are too large to read."""

from __future__ import annotations

import io
import json
import os
import sqlite3

import pytest

from annotator.core import textio
from annotator.core.errors import AnnotatorError, ImportRejected, InputError
from annotator.core.formats import read_file, writer
from annotator.core.importer import import_files
from tests.cli.conftest import run_cli  # noqa: F401  (a fixture)
from tests.core.helpers import snapshot, write_jsonl

GOOD = '{"text": "Alice met Bob.", "spans": [{"start": 0, "end": 5, "label": "actor"}]}'


def refused(project, path) -> InputError:
    """Import `path`, expect it refused whole, and return its one error."""
    before = snapshot(project.path)
    with pytest.raises(ImportRejected) as e:
        import_files(project, [path], annotator="ann")
    assert snapshot(project.path) == before  # nothing half-imported
    [error] = e.value.errors
    return error


# -- numbers JSON cannot hold ----------------------------------------------

@pytest.mark.parametrize("line", [
    '{"text": "abc", "meta": {"score": 1e400}}',
    '{"text": "abc", "meta": {"scores": [1, 2, -1E+999]}}',
    '{"text": "abc", "spans": [{"start": 0, "end": 1, "label": "actor", "confidence": 1e400}]}',
    '{"text": "abc", "label": [[0, 1, "actor"]], "weights": [[1e400]]}',
    '{"text": "abc", "extra": {"deep": [{"x": 123456789e305}]}}',
])
def test_a_number_too_large_for_a_double_is_refused_naming_file_and_line(project, tmp_path, line):
    path = write_jsonl(tmp_path / "big-numbers.jsonl", [GOOD, line])
    error = refused(project, path)
    assert (error.path, error.line) == (str(path), 2)
    assert "too large" in error.message
    # Large but finite, it goes in.
    write_jsonl(path, [GOOD, line.replace("e400", "e308").replace("E+999", "E+300").replace("e305", "e290")])
    assert import_files(project, [path], annotator="ann").documents_added == 2


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_the_writer_refuses_a_number_json_cannot_hold_naming_the_document(bad):
    records = [{"text": "fine", "spans": [], "annotator": None, "meta": {"name": "first"}},
               {"text": "abc", "spans": [], "annotator": None, "meta": {"name": "old import", "score": [bad]}}]
    out = io.StringIO()
    with pytest.raises(AnnotatorError, match="'old import'.*cannot be exported"):
        writer("jsonl")(records, out)
    assert "Infinity" not in out.getvalue() and "NaN" not in out.getvalue()


def test_exporting_a_project_holding_infinity_says_which_document(run_cli, project_path, tmp_path):  # noqa: F811
    # An annotator older than this check stored 1e400 as the meta text "Infinity".
    source = write_jsonl(tmp_path / "in.jsonl", ['{"text": "abc", "meta": {"name": "scored", "score": 1}}'])
    assert run_cli("import", source).exit_code == 0
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("""UPDATE documents SET meta = '{"score": Infinity}'""")
    conn.close()
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "-o", out)
    assert result.exit_code == 1
    assert "'scored' cannot be exported" in result.stderr
    assert not out.exists()


# -- duplicate keys -----------------------------------------------------------

@pytest.mark.parametrize("line, key", [
    ('{"text": "abc", "spans": [{"start": 0, "end": 1, "label": "actor"}], "spans": []}', "'spans'"),
    ('{"text": "abc", "text": "xyz"}', "'text'"),
    ('{"text": "abc", "meta": {"name": "a", "name": "b"}}', "'name'"),
    ('{"text": "abc", "spans": [{"start": 0, "end": 1, "label": "actor", "label": "date"}]}', "'label'"),
    ('{"text": "abc", "meta": {"x": [{"k": 1, "k": 1}]}}', "'k'"),
    ('{"text": "abc", "meta": {"a\\u202eb": 1, "a\\u202eb": 2}}', "'a\\u202eb'"),  # quoted escaped
])
def test_a_key_given_twice_in_one_object_is_refused_naming_it(project, tmp_path, line, key):
    path = write_jsonl(tmp_path / "twice.jsonl", [GOOD, GOOD, line])
    error = refused(project, path)
    assert (error.path, error.line) == (str(path), 3)
    assert f"the key {key} appears twice" in error.message
    assert "\u202e" not in str(error)


def test_keys_repeated_only_across_objects_are_fine_but_not_within_one(tmp_path):
    spans = '[{"start": 0, "end": 1, "label": "actor"}, {"start": 1, "end": 2, "label": "actor"}]'
    path = write_jsonl(tmp_path / "ok.jsonl", [
        f'{{"text": "abc", "spans": {spans}, "meta": {{"text": "not the document", "start": 0}}}}'])
    [doc] = read_file(path)
    assert doc.spans == [(0, 1, "actor"), (1, 2, "actor")]
    assert doc.meta == {"text": "not the document", "start": 0}
    write_jsonl(path, [f'{{"text": "abc", "spans": {spans}, "meta": {{"start": 0, "start": 0}}}}'])
    with pytest.raises(ImportRejected, match="the key 'start' appears twice"):
        read_file(path)


# -- files that are not regular files, or too large -------------------------

@pytest.mark.timeout(20)
@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(project, tmp_path, suffix):
    pipe = tmp_path / f"pipe{suffix}"
    os.mkfifo(pipe)
    error = refused(project, pipe)
    assert error.path == str(pipe) and "named pipe" in error.message


@pytest.mark.timeout(20)
def test_a_fifo_swapped_in_after_the_check_is_still_refused(tmp_path, monkeypatch):
    # The name is checked, then opened: a FIFO put there in between must not block.
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    regular = os.stat(write_jsonl(tmp_path / "regular.txt", ["text"]))
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: regular if os.fspath(p) == str(pipe) else real_stat(p, *a, **k))
    with pytest.raises(InputError, match="named pipe"):
        read_file(pipe)


@pytest.mark.timeout(20)
def test_a_symlink_to_dev_zero_is_refused_before_reading(project, tmp_path):
    link = tmp_path / "endless.txt"
    link.symlink_to("/dev/zero")
    error = refused(project, link)
    assert "is a device (it links to /dev/zero)" in error.message
    # A link to a regular file is followed and read.
    target = tmp_path / "real.txt"
    target.write_text("linked text", encoding="utf-8")
    link.unlink()
    link.symlink_to(target)
    assert [doc.text for doc in read_file(link)] == ["linked text"]


@pytest.mark.timeout(20)
def test_a_file_over_the_size_limit_is_refused_unread(project, tmp_path):
    # Sparse: the size is there, the disk blocks are not.
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(textio.MAX_FILE_BYTES + 300 * 2 ** 20)
    error = refused(project, huge)
    assert error.message == ("is 1,388,314,624 bytes (1.3 GiB); annotator imports files of up to 1 GiB; "
                             "split it into smaller files")


def test_a_file_at_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(textio, "MAX_FILE_BYTES", 20)
    path = tmp_path / "twenty.txt"
    path.write_bytes(b"x" * 20)
    assert [doc.text for doc in read_file(path)] == ["x" * 20]
    path.write_bytes(b"x" * 21)
    with pytest.raises(InputError, match="is 21 bytes; annotator imports files of up to 20 bytes"):
        read_file(path)


def test_a_jsonl_file_over_the_limit_is_refused_too(tmp_path, monkeypatch):
    monkeypatch.setattr(textio, "MAX_FILE_BYTES", 100)
    path = write_jsonl(tmp_path / "many.jsonl", [json.dumps({"text": "x" * 200})])
    with pytest.raises(InputError, match="annotator imports files of up to 100 bytes"):
        read_file(path)
