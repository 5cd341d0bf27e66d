"""An export that is a folder (brat) is written whole or not at all, and
never deletes a folder it did not write."""

from __future__ import annotations

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.folder_output import MARKER, write_folder_atomically


def _fill(files: dict[str, str]):
    def fill(folder):
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return len(files)
    return fill


def _tree(folder):
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name != MARKER}


def test_a_new_folder_holds_what_was_written_and_nothing_is_left_beside_it(tmp_path):
    target = tmp_path / "out"
    assert write_folder_atomically(target, _fill({"a.txt": "A", "a.ann": "T1\tactor 0 1\tA\n"})) == 2
    assert _tree(target) == {"a.txt": "A", "a.ann": "T1\tactor 0 1\tA\n"}
    assert (target / MARKER).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_folder_is_filled(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    write_folder_atomically(target, _fill({"a.txt": "A"}))
    assert _tree(target) == {"a.txt": "A"}


def test_an_earlier_export_is_replaced_whole(tmp_path):
    target = tmp_path / "out"
    write_folder_atomically(target, _fill({"old.txt": "old", "kept?.txt": "no"}))
    write_folder_atomically(target, _fill({"new.txt": "new"}))
    assert _tree(target) == {"new.txt": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failed_export_leaves_the_earlier_one_as_it_was(tmp_path):
    target = tmp_path / "out"
    write_folder_atomically(target, _fill({"old.txt": "old"}))

    def fails(folder):
        (folder / "half.txt").write_text("half", encoding="utf-8")
        raise AnnotatorError("document 'x' cannot be written")

    with pytest.raises(AnnotatorError, match="cannot be written"):
        write_folder_atomically(target, fails)
    assert _tree(target) == {"old.txt": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_someone_else_filled_is_refused_and_untouched(tmp_path):
    target = tmp_path / "thesis"
    target.mkdir()
    (target / "chapter1.md").write_text("months of work", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="not empty, and not an earlier export"):
        write_folder_atomically(target, _fill({"a.txt": "A"}))
    assert _tree(target) == {"chapter1.md": "months of work"}


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_file_or_link_in_the_way_is_refused(tmp_path, kind):
    target = tmp_path / "out"
    if kind == "file":
        target.write_text("a file", encoding="utf-8")
    else:
        (tmp_path / "elsewhere").mkdir()
        target.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(AnnotatorError, match="writes a folder"):
        write_folder_atomically(target, _fill({"a.txt": "A"}))
    assert target.is_symlink() or target.read_text(encoding="utf-8") == "a file"


def test_a_missing_parent_folder_is_named(tmp_path):
    with pytest.raises(AnnotatorError, match="does not exist"):
        write_folder_atomically(tmp_path / "nope" / "out", _fill({"a.txt": "A"}))


def test_a_file_added_to_an_earlier_export_is_never_deleted(tmp_path):
    target = tmp_path / "out"
    write_folder_atomically(target, _fill({"a.txt": "A"}))
    (target / "my-notes.md").write_text("mine", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="my-notes.md was put there since"):
        write_folder_atomically(target, _fill({"b.txt": "B"}))
    assert _tree(target) == {"a.txt": "A", "my-notes.md": "mine"}
    (target / "my-notes.md").unlink()
    write_folder_atomically(target, _fill({"b.txt": "B"}))  # only our files again: replaced
    assert _tree(target) == {"b.txt": "B"}


def test_the_folder_you_are_in_is_refused(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for name in (".", str(here), str(tmp_path)):
        with pytest.raises(AnnotatorError, match="the folder you are in"):
            write_folder_atomically(name, _fill({"a.txt": "A"}))
    assert list(here.iterdir()) == [] and here.exists()


def test_a_killed_exports_temporary_folder_is_removed_by_the_next(tmp_path):
    from annotator.core.files import this_machine

    left = tmp_path / f".out.{this_machine()}.999999999.tmp"  # a process that is gone
    left.mkdir()
    (left / "half.txt").write_text("half", encoding="utf-8")
    write_folder_atomically(tmp_path / "out", _fill({"a.txt": "A"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
