"""What one session operation changed: the value the session's `changed`
signal carries (Anki's OpChanges flags), and how nested operations gather
theirs into one."""

from __future__ import annotations

from dataclasses import dataclass, fields

from annotator.core.changes import Change
from annotator.core.model import Span


@dataclass(frozen=True)
class Changed:
    """What one operation changed; a widget redraws only what it shows of it."""

    project: bool = False  # another project (everything below changed too)
    user: bool = False  # another annotator
    labels: bool = False  # the label schema
    # Document list rows: these ids' counts or statuses; None: the whole list.
    documents: frozenset[int] | None = frozenset()
    document: bool = False  # another document (or none) is open: new text, all spans
    all_spans: bool = False  # the open document's spans were replaced wholesale
    spans: Change | None = None  # spans removed/added/relabelled (when not all_spans)
    loaded: tuple[Span, ...] = ()  # spans read after the first paint, in list order
    counts: bool = False  # the per-label counts of the annotator's own spans
    selection: bool = False  # the selected span
    reveal: bool = False  # ... and it should be scrolled into view
    layers: bool = False  # which layers are visible
    history: bool = False  # what undo and redo would do
    pending: bool = False  # how many writes wait for another program's lock
    search: bool = False  # the search's hits, or which one is current
    notes: bool = False  # the open document's span notes
    review: bool = False  # review mode: on or off, its candidates, or the selected candidate

    @classmethod
    def everything(cls) -> "Changed":
        """All of it: what a widget made after the session was filled needs."""
        return cls(project=True, user=True, labels=True, documents=None, document=True, counts=True,
                   selection=True, layers=True, history=True, pending=True, search=True, review=True)

    @property
    def reset_spans(self) -> bool:
        """Every span view must be rebuilt from the session."""
        return self.document or self.all_spans


class Gather:
    """The flags of one operation under way (see Session._batch)."""

    def __init__(self):
        self.flags: dict = {}
        self.loaded: list[Span] = []
        self.messages: list[tuple[str, int]] = []

    def set(self, **flags) -> None:
        for name, value in flags.items():
            if name == "documents":
                old = self.flags.get("documents", frozenset())
                value = None if value is None or old is None else old | frozenset(value)
            elif name == "spans" and self.flags.get("spans") is not None:
                # Two span changes in one operation: rebuild rather than merge.
                self.flags["all_spans"] = True
                continue
            self.flags[name] = value

    def changed(self) -> Changed | None:
        flags = dict(self.flags)
        if self.loaded:
            flags["loaded"] = tuple(self.loaded)
        if flags.get("document") or flags.get("all_spans"):
            flags.pop("spans", None)
            flags.pop("loaded", None)
        if not any(flags.get(f.name) for f in fields(Changed)) and flags.get("documents", 1) is not None:
            return None
        return Changed(**flags)
