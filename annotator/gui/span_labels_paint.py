"""Label names drawn beside spans (View > Label names on spans), as brat and
Label Studio show them, so labels are told apart without relying on colour.

Each visible span whose end is on screen gets a small tag (70% of the text
size) just after its end, hung from the top of the span's line: it straddles
the gap between two lines, where only ascenders of this line and descenders
of the one above are, so the words themselves stay readable. Nothing is
added to the text layout: turning the option on or off moves no character.
Tags on one line that would collide are pushed along (nested spans ending
together), and none runs past the view's right edge. In right-to-left text
the tag goes to the left of the span's end, which is on its left.

Drawn plainly with `drawText` (a label name is never markup), the name in
the label's colour darkened until it reads at 4.5:1 (WCAG AA) on the tag's
pale fill of the same colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap

from annotator.core.model import Span

SCALE = 0.7  # tag text size, of the document's
PAD_PX = 2.5  # inside the tag, either side of the name
GAP_PX = 2.0  # between a span's end (or the previous tag) and a tag


class LabelTags:
    """What the tags need, kept between paints: the small font and its
    metrics (per document font), and each (name, colour)'s tag drawn once
    into a pixmap. Painting a screen of tags is then a lookup and a blit
    each (drawing each tag's text and rounded box every paint doubled the
    cost of scrolling the 5 MB document)."""

    def __init__(self):
        self._font_key = None
        self.font = QFont()
        self.metrics = QFontMetricsF(self.font)
        self._widths: dict[str, float] = {}
        self._colors: dict[str, tuple[QColor, QColor, QColor]] = {}
        self._pixmaps: dict[tuple[str, str, float], QPixmap] = {}

    def use_font(self, font: QFont) -> None:
        key = (font.key(), font.pointSizeF())
        if key == self._font_key:
            return
        self._font_key = key
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * SCALE))
        self.font = small
        self.metrics = QFontMetricsF(small)
        self._widths.clear()
        self._pixmaps.clear()

    def width(self, name: str) -> float:
        found = self._widths.get(name)
        if found is None:
            found = self._widths[name] = self.metrics.horizontalAdvance(name) + 2 * PAD_PX
        return found

    def colors(self, color: QColor) -> tuple[QColor, QColor, QColor]:
        """(fill, ink, border) for a label colour."""
        key = color.name()
        found = self._colors.get(key)
        if found is None:
            fill = _mix(color, QColor("#ffffff"), 0.22)
            ink = QColor(color)
            while _contrast(ink, fill) < 4.5 and ink.lightness() > 0:
                ink = ink.darker(115)
            found = self._colors[key] = (fill, ink, QColor(color))
        return found

    def paint(self, painter: QPainter, view, spans: list[Span], geometry: dict, styles: dict) -> None:
        """Tags for `spans` whose end is in `geometry` (their on-screen
        rectangles, from DocumentView._rects), in their `styles`' colours."""
        self.use_font(view.font())
        height = self.metrics.height()
        limit = view.viewport().width() - 1.0
        placed = []
        for span in spans:
            ends = [rect for rect, (_, holds_end) in geometry.get(span.id, ()) if holds_end]
            if not ends:
                continue
            rect = ends[-1]
            width = self.width(span.label)
            if view.ends_right_to_left(span):
                left = rect.left() - GAP_PX - width
            else:
                left = rect.right() + GAP_PX
            placed.append((rect.top(), left, width, span))
        if not placed:
            return
        placed.sort(key=lambda p: (p[0], p[1]))
        ratio = view.viewport().devicePixelRatioF()
        line_top, reached = None, float("-inf")
        for top, left, width, span in placed:
            if top != line_top:
                line_top, reached = top, float("-inf")
            left = round(min(max(left, reached + GAP_PX), limit - width))
            reached = left + width
            painter.drawPixmap(QPointF(left, round(top - height * 0.5)),
                               self._pixmap(span.label, styles[span.id][1], width, height, ratio))

    def _pixmap(self, name: str, color: QColor, width: float, height: float, ratio: float) -> QPixmap:
        """The tag for `name` in `color`, drawn once."""
        key = (name, color.name(), ratio)
        found = self._pixmaps.get(key)
        if found is not None:
            return found
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        fill, ink, border = self.colors(color)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(border, 1.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), 2.5, 2.5)
        painter.setFont(self.font)
        painter.setPen(ink)
        painter.drawText(QPointF(PAD_PX, self.metrics.ascent()), name)
        painter.end()
        self._pixmaps[key] = pixmap
        return pixmap


def _mix(color: QColor, base: QColor, amount: float) -> QColor:
    """`amount` of `color` over `base`, opaque."""
    return QColor.fromRgbF(*(c * amount + b * (1 - amount) for c, b in
                             zip(color.getRgbF()[:3], base.getRgbF()[:3])))


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color.getRgbF()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
