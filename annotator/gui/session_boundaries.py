"""Moving the selected span's edges from the keyboard (a character or a
word at a time). Mixed into `Session`; where an edge goes is the core's
(core/boundaries.py), the move itself one undoable, id-keeping operation
(ops.move_span)."""

from __future__ import annotations

from annotator.core import ops
from annotator.core.changes import Change
from annotator.core.layers import may_change


class MovesEdges:
    """The part of Session that moves span boundaries."""

    # Whether mouse selections and edge moves go by whole words (View >
    # Snap to words, remembered by the window); off: by characters.
    snap_to_words = True

    def move_edge(self, edge: str, step: int, by_word: bool | None = None) -> None:
        """Move the selected span's `edge` ("start" or "end") left (-1) or
        right (+1) by one word, or one character (`by_word`; default: as
        snapping is set)."""
        if by_word is None:
            by_word = self.snap_to_words
        # (Imported here: the tokenizer's regex module is not on the
        # window's start-up path.)
        from annotator.core import boundaries

        span = self.selected_span()
        if span is None:
            self._tell("Select a span first (click it, or step to it with ] and [).")
            return
        if not may_change(span, self.user):
            self._tell(f"That span is {span.annotator}'s; only your own spans can be moved.")
            return
        new = boundaries.moved(self.text, span.start, span.end, edge, step, by_word)
        if new is None:
            self._tell(f"The span's {edge} cannot move further that way.", 3000)
            return

        def done(change: Change) -> None:
            if change:
                after = change.spans_after[0]
                self._record(change, f"move the {edge} of {self._quoted(span)} to {self._quoted(after)}")
                self.select(after.id)

        self._commit(ops.move_span, span.id, *new, self.user, then=done)
