"""Dragging a span's start or end edge with the mouse, in the document view.

Hit testing goes by character position, not by x alone: the point is turned
into the nearest text position (`cursorForPosition`, which knows wrapped
lines and right-to-left runs), the spans with an edge at that position are
the candidates, and each candidate edge is then placed on screen from its
own character: the start edge is the leading side of the span's first
character, the end edge the trailing side of its last, on the line holding
that character. So a span wrapped over two lines has its end on the second,
and in Arabic or Hebrew the start edge is on the right.

While dragging nothing is written: `EdgeDrag` keeps the extent the view
paints as a preview (snapped outward to whole words with View > Snap to
words, never empty or inverted). Releasing hands that extent to the session
(`Session.set_edges`): one change, one undo step, the span's id kept.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTextLine

from annotator.core.layers import may_change
from annotator.core.model import Span, trim_whitespace

START, END = "start", "end"
REACH_PX = 4  # how far either side of an edge the mouse grabs it
# Snapping looks this far into the span from the dragged edge: a drag costs
# the same on a 5,000-character quote as on a name.
_SNAP_REACH = 256


class EdgeHit(NamedTuple):
    span: Span
    edge: str  # START or END


def edge_at(view, point) -> EdgeHit | None:
    """The edge of a span the user may move under viewport `point`
    (within REACH_PX of it, on its line), the nearest if several: the
    selected span's first, then the innermost."""
    session = view.session
    if session.reviewing or not view.text or not len(view.index):
        return None
    p = QPointF(point)
    offset = view.offsets.to_text(view.cursorForPosition(point).position())
    best = None
    for span in view.index.overlapping(max(offset - 1, 0), offset + 1):
        if not view.visible(span) or not may_change(span, session.user):
            continue
        for edge, at in ((START, span.start), (END, span.end)):
            if abs(at - offset) > 1:
                continue
            place = edge_place(view, span, edge)
            if place is None:
                continue
            x, line = place
            distance = abs(p.x() - x)
            if distance > REACH_PX or not line.top() <= p.y() < line.bottom():
                continue
            key = (distance, span.id != session.selected_id, span.end - span.start)
            if best is None or key < best[0]:
                best = (key, EdgeHit(span, edge))
    return best[1] if best else None


def edge_place(view, span: Span, edge: str) -> tuple[float, QRectF] | None:
    """Viewport x of `span`'s `edge` and the rectangle of the line it is on."""
    qs, qe = view.offsets.to_qt_range(span.start, span.end)
    if qs >= qe:
        return None
    # The character the edge belongs to: the span's first, or its last
    # (the start of a surrogate pair, which Qt measures as one).
    q = qs if edge == START else qe - 1
    if edge == END and view.offsets.inside_pair(q):
        q -= 1
    block = view.document().findBlock(q)
    if not block.isValid() or not block.isVisible():
        return None
    layout = block.layout()
    line = layout.lineForTextPosition(q - block.position())
    if not line.isValid():
        return None
    side = QTextLine.Edge.Leading if edge == START else QTextLine.Edge.Trailing
    x = line.cursorToX(q - block.position(), side)[0]
    top_left = view.blockBoundingGeometry(block).translated(view.contentOffset()).topLeft()
    rect = QRectF(line.x(), line.y(), line.width(), line.height()).translated(top_left)
    return x + top_left.x(), rect


class EdgeDrag:
    """One drag of one edge: the span as it was, and the extent shown."""

    def __init__(self, hit: EdgeHit, press_pos):
        self.span = hit.span
        self.edge = hit.edge
        self.press_pos = press_pos
        self.extent = (hit.span.start, hit.span.end)
        self.moved = False  # the mouse went further than a click's wobble

    @property
    def preview(self) -> Span:
        """The span as the drag would leave it (same id), for painting."""
        start, end = self.extent
        return self.span._replace(start=start, end=end)

    @property
    def changed(self) -> bool:
        return self.extent != (self.span.start, self.span.end)

    def follow(self, text: str, offset: int, snap: bool) -> bool:
        """The dragged edge to text `offset`; whether the extent changed."""
        new = dragged_extent(text, self.span.start, self.span.end, self.edge, offset, snap)
        if new is None or new == self.extent:
            return False
        self.extent = new
        return True


def dragged_extent(text: str, start: int, end: int, edge: str, offset: int, snap: bool
                   ) -> tuple[int, int] | None:
    """[start, end) with `edge` dragged to `offset`: kept short of the other
    edge (a drag past it stops one character before), blanks at the new
    edge left out, and with `snap` widened to the whole word there (edge
    punctuation and possessives left out, as core/tokenize.snap does for a
    mouse selection). None if no non-empty extent results."""
    if edge == START:
        start = min(max(offset, 0), end - 1)
    else:
        end = max(min(offset, len(text)), start + 1)
    start, end = trim_whitespace(text, start, end)
    if start >= end:
        return None
    if snap:
        from annotator.core.tokenize import snap as snap_words  # (regex: not at start-up)

        if edge == START:
            start = snap_words(text, start, min(end, start + _SNAP_REACH))[0]
        else:
            end = snap_words(text, max(start, end - _SNAP_REACH), end)[1]
    return (start, end) if 0 <= start < end <= len(text) else None
