"""The labels: colour swatch, name, keys and how often each is used in the
current document.  Clicking a label applies it, exactly like its hotkey.

No Qt style sheets here or anywhere in the window: one style sheet switches
every widget to Qt's style-sheet style, which costs about 8 ms of start-up
and slows every repaint; fonts, palette roles and a few lines of painting
give the same look."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from annotator.core.model import Label
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed


def plain_label(text: str = "", parent=None) -> QLabel:
    """A QLabel that never interprets its text as rich text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class ElidedLabel(QLabel):
    """A plain-text label that gives up width before anything else in the
    status bar: its text shortened in the middle ("/home/…/news.db"), the
    whole of it in its tooltip. A project's path or URL is long; the
    status bar's messages ("Not saved: …") must not be squeezed out."""

    WIDEST_PX = 160  # asked of the status bar at most; the rest is elided (the title names the project too)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(40)
        return hint

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), self.WIDEST_PX))
        return hint

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle,
                                              self.contentsRect().width())
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         shown)


class Notice(QLabel):
    """A status-bar notice in white on a strong colour, painted here rather
    than through the palette (which a platform theme may override); says
    when it is clicked, so it can open its explanation again."""

    clicked = Signal()

    def __init__(self, text: str, color: str, parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)
        self._background = QColor(color)
        self.setContentsMargins(8, 1, 8, 1)
        with_font(self, weight=QFont.Weight.DemiBold)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._background)
        painter.setPen(QColor("white"))
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         self.text())

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


# WCAG 2 AA: normal text needs 4.5:1 against its background. The palette's
# own grey (QPalette.Dark) gives about 2.3:1 on the usual light background.
MIN_CONTRAST = 4.5


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    def luminance(color: QColor) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def muted_color(palette: QPalette) -> QColor:
    """The greyest mix of the text and background colours that still reads
    at MIN_CONTRAST (light and dark themes alike)."""
    text, background = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    for step in range(60, -1, -5):  # % of the way from the text colour to the background
        t = step / 100
        mix = QColor.fromRgbF(text.redF() + (background.redF() - text.redF()) * t,
                              text.greenF() + (background.greenF() - text.greenF()) * t,
                              text.blueF() + (background.blueF() - text.blueF()) * t)
        if contrast(mix, background) >= MIN_CONTRAST + 0.2:
            return mix
    return text


def muted(label: QLabel) -> QLabel:
    """Secondary text: grey, but readable (see muted_color)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, muted_color(palette))
    label.setPalette(palette)
    return label


def with_font(widget: QWidget, *, weight: QFont.Weight | None = None, point_size: float | None = None,
              letter_spacing: float | None = None, fixed_pitch: bool = False) -> QWidget:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if fixed_pitch else widget.font()
    if weight is not None:
        font.setWeight(weight)
    if point_size is not None:
        font.setPointSizeF(point_size)
    if letter_spacing is not None:
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, letter_spacing)
    widget.setFont(font)
    return widget


def heading(text: str, parent=None) -> QLabel:
    """A small capitalised section title ("LABELS")."""
    return with_font(muted(plain_label(text.upper(), parent)),
                     weight=QFont.Weight.Bold, point_size=8.5, letter_spacing=1)


class Swatch(QWidget):
    """A rounded square of a label's colour."""

    def __init__(self, color: str, parent=None):
        super().__init__(parent)
        self.color = QColor(color)
        self.setFixedSize(14, 14)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(self.rect(), 3, 3)


class LabelRow(QFrame):
    clicked = Signal(str)

    def __init__(self, label: Label, parent=None):
        super().__init__(parent)
        self.label = label
        self.setObjectName("labelRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)  # repaint on entering and leaving
        tip = f"Apply “{label.name}” to the selection"
        if label.description:
            tip += "\n" + label.description
        self.setToolTip("<qt>" + html.escape(tip).replace("\n", "<br>") + "</qt>")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 5, 8, 5)
        row.setSpacing(8)
        swatch = Swatch(label.color, self)
        self.name = with_font(plain_label(label.name, self), weight=QFont.Weight.DemiBold)
        keys = " ".join(label.keys)
        self.keys = with_font(muted(plain_label(keys, self)), fixed_pitch=True)
        self.count = plain_label("0", self)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setMinimumWidth(28)
        row.addWidget(swatch)
        row.addWidget(self.name, 1)
        row.addWidget(self.keys)
        row.addWidget(self.count)

    def paintEvent(self, event):
        if self.underMouse():
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(self.rect(), 5, 5)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.label.name)


class LabelPanel(QWidget):
    """The session's labels, each with the count of your spans under it."""

    labelClicked = Signal(str)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.rows: dict[str, LabelRow] = {}
        session.changed.connect(self.follow)
        self.follow(Changed.everything())  # (made after the session was filled)

    def follow(self, changed: Changed) -> None:
        if changed.labels:
            self.set_labels(self.session.labels)
        if changed.labels or changed.counts:
            self.set_counts(self.session.counts)

    def set_labels(self, labels: list[Label]) -> None:
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for label in labels:
            row = LabelRow(label, self)
            row.clicked.connect(self.labelClicked)
            self._layout.addWidget(row)
            self.rows[label.name] = row

    def set_counts(self, counts: dict[str, int]) -> None:
        for name, row in self.rows.items():
            row.count.setText(str(counts.get(name, 0)))
