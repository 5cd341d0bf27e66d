"""Moving a span's edges: the selected span's from the keyboard (a
character or a word at a time), any own span's by dragging an edge with the
mouse (document_view.py, edge_drag.py). Mixed into `Session`; where an edge
goes is the core's (core/boundaries.py, core/tokenize.py), the move itself
one undoable, id-keeping operation (ops.move_span), whichever way it came."""

from __future__ import annotations

from annotator.core import ops
from annotator.core.changes import Change
from annotator.core.layers import may_change
from annotator.core.model import Span


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
        if not self._may_move(span):
            return
        new = boundaries.moved(self.text, span.start, span.end, edge, step, by_word)
        if new is None:
            self._tell(f"The span's {edge} cannot move further that way.", 3000)
            return
        self._move(span, *new)

    def set_edges(self, span_id: int, start: int, end: int) -> None:
        """Give span `span_id` of the open document the extent [start, end)
        (a dragged edge, already snapped as the view showed it): one undo
        step, the span's id, label and note kept. Refused with a message, as
        the keyboard's moves are: another layer's span, an empty or
        inverted extent, one crossing a span of the same label."""
        span = self.index.get(span_id)
        if span is None:
            self._tell("That span is gone (another window may have removed it).")
            return
        if not self._may_move(span):
            return
        if not 0 <= start < end <= len(self.text):
            self._tell("A span cannot be empty: its start stays before its end.", 3000)
            return
        self._move(span, start, end)

    def _may_move(self, span: Span) -> bool:
        if may_change(span, self.user):
            return True
        self._tell(f"That span is {span.annotator}'s; only your own spans can be moved.")
        return False

    def _crossed(self, span: Span, start: int, end: int) -> Span | None:
        """Another span of the same layer and label that [start, end) would
        coincide with or cross (overlap without one holding the other).
        Nesting is allowed: a quote inside a quote is real."""
        for other in self.index.overlapping(start, end):
            if other.id == span.id or (other.annotator, other.label) != (span.annotator, span.label):
                continue
            inside = start <= other.start and other.end <= end
            around = other.start <= start and end <= other.end
            if (other.start, other.end) == (start, end) or not (inside or around):
                return other
        return None

    def _move(self, span: Span, start: int, end: int) -> None:
        if (start, end) == (span.start, span.end):
            return
        other = self._crossed(span, start, end)
        if other is not None:
            self._tell(f"That would overlap the {other.label} span {self._quoted(other)}; "
                       "spans of one label may nest but not cross.", 5000)
            return
        if start != span.start and end != span.end:
            what = "edges"
        else:
            what = "start" if start != span.start else "end"

        def done(change: Change) -> None:
            if change:
                after = change.spans_after[0]
                self._record(change, f"move the {what} of {self._quoted(span)} to {self._quoted(after)}")
                self.select(after.id)

        self._commit(ops.move_span, span.id, start, end, self.user, then=done)
