"""Undo and redo, without Qt: a list of steps done and a list undone.

A step is a `Change` as it was applied, with words for the Edit menu.
Undoing is two moves, so it can wait for the write lock elsewhere (the
window's write queue): `next_undo()` says which change to apply (the
inverse of the last step), and only once that is saved does `undone(...)`
move the step over to the redo list. An undo that fails is simply not
reported done: its step stays where it was, to be tried again.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.changes import Change


@dataclass(frozen=True)
class Step:
    change: Change  # as applied (with the ids the store gave)
    description: str  # "tag “Xi” as actor": what the Edit menu names


class History:
    def __init__(self):
        self._done: list[Step] = []
        self._undone: list[Step] = []

    def push(self, change: Change, description: str) -> None:
        """A new step was taken: it can be undone, and nothing can be redone."""
        if change:
            self._done.append(Step(change, description))
            self._undone.clear()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()

    @property
    def undo_description(self) -> str | None:
        return self._done[-1].description if self._done else None

    @property
    def redo_description(self) -> str | None:
        return self._undone[-1].description if self._undone else None

    def next_undo(self) -> Change | None:
        """The change that takes the last step back, to be applied."""
        return self._done[-1].change.inverse() if self._done else None

    def next_redo(self) -> Change | None:
        return self._undone[-1].change.inverse() if self._undone else None

    def undone(self, applied: Change) -> None:
        """`next_undo()` was applied (as `applied`, with the ids it got)."""
        step = self._done.pop()
        self._undone.append(Step(applied, step.description))

    def redone(self, applied: Change) -> None:
        step = self._undone.pop()
        self._done.append(Step(applied, step.description))
