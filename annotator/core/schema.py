"""Changing the label schema: add, rename, recolour, re-key, describe,
reorder and remove labels (the window's label dialog and `annotator labels`).

Each is one `Change` carrying a `SchemaChange` (the whole ordered schema
before and after, and any rename), so it is undone like any other step.
A rename keeps the label's spans (they follow it); removing a label that
spans use is refused unless `force`, which removes those spans in the same
step (and undo puts them back, same ids).
"""

from __future__ import annotations

from dataclasses import replace

from annotator.core import ops
from annotator.core.changes import Change, SchemaChange
from annotator.core.errors import SpanError
from annotator.core.labels import EXTRA_COLORS
from annotator.core.model import LABEL_DISPLAYS, Label, is_valid_color, name_problem, normalize_name
from annotator.core.storage import Project

# Keys a label may have: a digit (hotkey) or a letter (mnemonic), pressed alone.
DIGITS = "123456789"


def add_label(project: Project, name: str, *, color: str | None = None, key: str | None = None,
              description: str = "") -> Change:
    labels = list(project.labels())
    name = _new_name(labels, name)
    color = _color(color) if color is not None else _free_color(labels)
    label = _with_key(Label(name=name, color=color, description=description), key, labels)
    return _apply(project, labels, labels + [label])


def rename_label(project: Project, old: str, new: str) -> Change:
    labels = list(project.labels())
    i = _index(labels, old)
    new = _new_name([l for l in labels if l.name != labels[i].name], new)
    if new == labels[i].name:
        return Change()
    after = list(labels)
    after[i] = replace(labels[i], name=new)
    return _apply(project, labels, after, renamed=((labels[i].name, new),))


def update_label(project: Project, name: str, *, color: str | None = None, key: str | None = None,
                 clear_keys: bool = False, description: str | None = None,
                 display: str | None = None) -> Change:
    """Recolour, re-key (`key`; `clear_keys` takes its keys away), describe
    or change how a label is drawn."""
    labels = list(project.labels())
    i = _index(labels, name)
    label = labels[i]
    if color is not None:
        label = replace(label, color=_color(color))
    if clear_keys:
        label = replace(label, hotkey=None, mnemonic=None)
    if key is not None:
        label = _with_key(label, key, labels[:i] + labels[i + 1:])
    if description is not None:
        label = replace(label, description=description)
    if display is not None:
        if display not in LABEL_DISPLAYS:
            raise SpanError(f"a label is drawn as {' or '.join(LABEL_DISPLAYS)}, not {display!r}")
        label = replace(label, display=display)
    after = list(labels)
    after[i] = label
    return _apply(project, labels, after)


def move_label(project: Project, name: str, position: int) -> Change:
    """Put a label at `position` (0: first) in the panel and menus."""
    before = list(project.labels())
    after = list(before)
    label = after.pop(_index(after, name))
    after.insert(max(0, min(position, len(after))), label)
    return _apply(project, before, after)


def remove_label(project: Project, name: str, *, force: bool = False) -> Change:
    labels = list(project.labels())
    i = _index(labels, name)
    with project.write() as unit:
        spans, documents = unit.label_use(labels[i].name)
        decisions = tuple(unit.decisions_labelled(labels[i].name))
        if (spans or decisions) and not force:
            also = f" and {len(decisions):,} review decision{'s' if len(decisions) != 1 else ''}" if decisions else ""
            raise SpanError(f"{spans:,} span{'s' if spans != 1 else ''} in {documents:,} "
                            f"document{'s' if documents != 1 else ''}{also} use the label {labels[i].name!r}; "
                            "remove them too (--force, or say so in the window) or relabel them first")
        removed = tuple(unit.spans_labelled(labels[i].name))
        # The decisions go first (they refer to the label) and come back last on undo.
        return ops.apply(project, Change(removed=removed, decisions_removed=decisions, schema=SchemaChange(
            tuple(labels), tuple(labels[:i] + labels[i + 1:]))))


def key_owner(labels: list[Label], key: str) -> Label | None:
    """The label a key already applies, if any."""
    key = key.lower()
    return next((l for l in labels if key in (l.hotkey, l.mnemonic)), None)


# ------------------------------------------------------------------ checks


def _apply(project: Project, before: list[Label], after: list[Label],
           renamed: tuple[tuple[str, str], ...] = ()) -> Change:
    if after == before and not renamed:
        return Change()
    return ops.apply(project, Change(schema=SchemaChange(tuple(before), tuple(after), renamed)))


def _index(labels: list[Label], name: str) -> int:
    wanted = normalize_name(name)
    for i, label in enumerate(labels):
        if label.name == wanted:
            return i
    raise SpanError(f"there is no label {wanted!r}; the labels are {', '.join(l.name for l in labels)}")


def _new_name(labels: list[Label], name: str) -> str:
    name = normalize_name(name)
    problem = name_problem(name, "label name")
    if problem:
        raise SpanError(problem)
    if any(label.name == name for label in labels):
        raise SpanError(f"there is already a label {name!r}")
    return name


def _color(color: str) -> str:
    if not is_valid_color(color):
        raise SpanError(f"{color!r} is not a colour: give it as #RRGGBB (for example #0072B2)")
    return color.upper()


def _free_color(labels: list[Label]) -> str:
    used = {label.color.upper() for label in labels}
    return next((c for c in EXTRA_COLORS if c.upper() not in used), EXTRA_COLORS[len(labels) % len(EXTRA_COLORS)])


def _with_key(label: Label, key: str | None, others: list[Label]) -> Label:
    """`label` with `key` (a digit 1-9 or a letter) as its digit or letter
    key; refused if another label has it."""
    if key is None:
        return label
    key = key.strip().lower()
    if len(key) != 1 or not (key in DIGITS or ("a" <= key <= "z")):
        raise SpanError(f"a label's key is one digit 1-9 or one letter a-z, not {key!r}")
    owner = key_owner(others, key)
    if owner is not None and owner.name != label.name:
        raise SpanError(f"the key {key.upper()} already applies the label {owner.name!r}; "
                        "choose another key, or take it from that label first")
    return replace(label, hotkey=key) if key in DIGITS else replace(label, mnemonic=key)
