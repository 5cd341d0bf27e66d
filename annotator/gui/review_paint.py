"""Painting review mode over the document view (colours: review_style.py).

Called from DocumentView.paintEvent when the session is reviewing: under
the text, each candidate on screen as a pale fill in its class colour; over
it, each annotator's span as a thin line in its label colour (one row per
annotator), rejected readings struck through, and the selected candidate
framed with its selected reading boxed. Gold spans keep the view's own
drawing (layer_style.BOX). Only what is on screen is drawn.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from annotator.core.layers import GOLD_NAME
from annotator.core.model import Span
from annotator.gui.layer_style import UNKNOWN_COLOR
from annotator.gui.review_style import REJECTED_COLOR, candidate_color

FRAME = QColor("#1a1a1a")
ROW_GAP = 2.5  # px between two annotators' lines (the lowest at the line box bottom)
LINE_WIDTH = 1.5


def _extent(start: int, end: int) -> Span:
    return Span(start, end, "", "", 0)


def _on_screen(view, visible: tuple[int, int]) -> tuple[int, int]:
    start = view.offsets.to_text(visible[0])
    end = view.offsets.to_text(visible[1], round_up=True)
    return start, max(end, start + 1)


def paint_under(view, painter: QPainter, visible: tuple[int, int]) -> None:
    """Each candidate on screen: a pale fill in its class colour."""
    for candidate in view.session.candidates_between(*_on_screen(view, visible)):
        color, alpha = candidate_color(candidate)
        if not alpha:
            continue
        fill = QColor(color)
        fill.setAlpha(alpha)
        for rect, _ in view._rects(_extent(candidate.start, candidate.end), visible):
            painter.fillRect(rect, fill)


def paint_over(view, painter: QPainter, visible: tuple[int, int], spans: list[Span]) -> None:
    """Annotators' spans as lines, rejected readings struck, the selection framed."""
    session = view.session
    rows = {name: i for i, name in enumerate(session.review_annotators)}
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for span in spans:
        row = rows.get(span.annotator)
        if row is None or span.annotator == GOLD_NAME:
            continue
        label = session.label(span.label)
        painter.setPen(QPen(QColor(label.color if label is not None else UNKNOWN_COLOR), LINE_WIDTH))
        for rect, _ in view._rects(span, visible):
            y = rect.bottom() - 1 - ROW_GAP * row
            painter.drawLine(QPointF(rect.left() + 1, y), QPointF(rect.right() - 1, y))
    struck = QPen(QColor(REJECTED_COLOR).darker(130), 1.5)
    for candidate in session.candidates_between(*_on_screen(view, visible)):
        for reading in candidate.readings:
            if reading.rejected:
                painter.setPen(struck)
                for rect, _ in view._rects(_extent(reading.start, reading.end), visible):
                    y = rect.center().y()
                    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
    candidate, reading = session.selected_candidate(), session.selected_reading()
    if candidate is None:
        return
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(FRAME, 1.0, Qt.PenStyle.DotLine))
    for rect, _ in view._rects(_extent(candidate.start, candidate.end), visible):
        painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 3), 3, 3)
    painter.setPen(QPen(FRAME, 2.0))
    for rect, _ in view._rects(_extent(reading.start, reading.end), visible):
        painter.drawRoundedRect(QRectF(rect).adjusted(-1, -1, 1, 1), 3, 3)
