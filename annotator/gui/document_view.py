"""The document text, read-only, with spans painted over it.

Spans are not stored in the QTextDocument at all (no char formats, no
ExtraSelections, no syntax highlighter): each of those costs time per span
(50,000 ExtraSelections made every repaint 12x slower when measured).  Instead `paintEvent` asks a `SpanIndex` for the
spans under the visible blocks only and paints them itself, so opening a
document costs a bare `setPlainText`, adding a span is an index insert plus
one repaint, and scrolling cost depends on what is on screen, not on the
number of spans.

How spans look comes from their layer's kind and their label
(layer_style.py):
- your own "highlight" labels: a translucent background in the label colour
  with a thin darker edge at each end; overlapping spans blend darker, so
  nesting and overlap stay visible;
- your own "underline" labels (quote): a thick underline with bracket ticks
  at both ends, so the actors inside a quote keep their backgrounds; a quote
  nested in another is drawn a little higher;
- other annotators' layers (when shown): dashed outlines, no fill;
- the gold layer (when shown): a solid box in the label colour;
- the selected span: a dark frame;
- with View > Label names on spans, each span's label name in a small tag
  after its end (span_labels_paint.py).

A span's start or end edge can be dragged with the mouse (edge_drag.py): the
cursor turns into a resize arrow over an edge the user may move, the new
extent is painted while dragging, and releasing writes it as one change.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QPainter, QPen, QTextCursor, QTextLine
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from annotator.core.layers import GOLD_NAME, Layer
from annotator.core.model import Span, excerpt, trim_whitespace
from annotator.gui.layer_style import BOX, DASHED, DOTTED, HIGHLIGHT, UNDERLINE, Style, style_for
from annotator.gui import review_paint
from annotator.gui.edge_drag import EdgeDrag, edge_at
from annotator.gui.offsets import OffsetMap, display_text
from annotator.gui.session import Session
from annotator.gui.session_changes import Changed
from annotator.gui.span_index import SpanIndex
from annotator.gui.span_labels_paint import LabelTags

# Hebrew, Arabic, Syriac, Thaana, NKo, ... and their presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC\U00010800-\U00010FFF\U0001E800-\U0001EFFF]")
READING_WIDTH = 760  # px: a comfortable line length for prose
FILL_ALPHA = 80


def _adopt_viewport(area) -> None:
    """Give Python its wrapper of the scroll area's viewport the cheap way.

    The first `viewport()` call from Python makes PySide work out the type of
    a QWidget it did not create, which loads every QtWidgets class and about
    80 enums: 11 ms of the window's start-up. `findChild` with a type names
    the type, so nothing is loaded, and `viewport()` returns that wrapper from
    then on. (Replacing the viewport with our own widget instead would leave
    QPlainTextEdit's document layout painting on the deleted one: a crash.)
    If Qt ever renames its viewport, this finds nothing and costs nothing."""
    area.findChild(QWidget, "qt_scrollarea_viewport")


class DocumentView(QPlainTextEdit):
    """Reads everything it draws from a `Session` (the one copy of the
    spans, the selection, the visible layers, the labels) and follows its
    `changed` signal."""

    # id of the span chosen by a click, or 0 when a click chose none
    spanClicked = Signal(int)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        _adopt_viewport(self)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)  # never edited; no undo history of 5 MB texts
        self.setPlaceholderText("No document open. Import .txt or .jsonl files with "
                                "File › Import files… (Ctrl+I), or pick one on the left.")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self.document().setDocumentMargin(18)
        self.setMouseTracking(True)
        self.session = session
        self.text = ""
        self.offsets = OffsetMap("")
        # (annotator, label) -> (Style, QColor): looked up per visible span per paint.
        self._styles: dict[tuple[str, str], tuple[Style, QColor]] = {}
        self._press_pos = None
        self._drag: EdgeDrag | None = None  # an edge being dragged (edge_drag.py)
        self._text_cursor_shape = self.viewport().cursor().shape()  # (restored off an edge)
        self.label_names = False  # View > Label names on spans
        self._label_tags = LabelTags()
        self.set_font_size(13)
        session.changed.connect(self.follow)
        self.follow(Changed.everything())  # (made after the session was filled)

    # ------------------------------------------------------------ content

    @property
    def index(self) -> SpanIndex:
        """The session's spans of the open document (not a copy)."""
        return self.session.index

    @property
    def selected_span_id(self) -> int | None:
        return self.session.selected_id

    def follow(self, changed: Changed) -> None:
        session = self.session
        if changed.document:
            self.show_text(session.text)
        if changed.labels or changed.user or changed.project:
            self._styles.clear()
        if changed.selection:
            span = session.selected_span()
            if span is not None and self.visible(span):
                cursor = QTextCursor(self.document())
                cursor.setPosition(self.offsets.to_qt(span.start))
                self.setTextCursor(cursor)  # drops any text selection
                if changed.reveal:
                    self.centerCursor()
        if changed.search:
            self._show_current_hit()
        if changed.review and changed.reveal:
            self._show_selected_candidate()
        if (changed.loaded and not changed.spans and not changed.selection and not changed.layers
                and not changed.labels and not changed.search):
            self._repaint_if_shown(changed.loaded)
        elif (changed.reset_spans or changed.spans or changed.selection or changed.layers or changed.labels
              or changed.user or changed.project or changed.search or changed.review):
            self.viewport().update()

    def _show_selected_candidate(self) -> None:
        """Review mode: bring the selected candidate into view."""
        candidate = self.session.selected_candidate()
        if candidate is not None:
            cursor = QTextCursor(self.document())
            cursor.setPosition(self.offsets.to_qt(candidate.start))
            self.setTextCursor(cursor)
            self.centerCursor()

    def _show_current_hit(self) -> None:
        """Select the current search hit's text (so a label key tags it) and
        bring it into view."""
        search = self.session.search
        if search is None or search.current is None or not search.hits:
            return
        start, end = search.hits[search.current]
        self.select_text(start, end)
        self.centerCursor()

    def show_text(self, text: str) -> None:
        """The open document's text (the session's), as the view shows it."""
        self.text = text
        self.offsets = OffsetMap(text)
        self.setPlainText(display_text(text))

    def _repaint_if_shown(self, spans: tuple[Span, ...]) -> None:
        """More of the document's spans, read after its first paint; repainted
        only if one is on screen (usually none is: they come in text order,
        after the first screen's)."""
        first, last = self._visible_range()
        start, end = self.offsets.to_text(first), self.offsets.to_text(last, round_up=True)
        if any(s.start < end and s.end > start for s in spans):
            self.viewport().update()

    def style(self, span: Span) -> tuple[Style, QColor]:
        key = (span.annotator, span.label)
        found = self._styles.get(key)
        if found is None:
            style = style_for(Layer.of(span), self.session.label(span.label), self.session.user)
            found = self._styles[key] = (style, QColor(style.color))
        return found

    def set_font_size(self, points: int) -> None:
        font = QFont()
        font.setFamilies(["Charter", "Georgia", "Source Serif Pro", "Noto Serif", "DejaVu Serif", "serif"])
        font.setPointSize(points)
        self.setFont(font)

    def font_size(self) -> int:
        return self.font().pointSize()

    # ---------------------------------------------------------- selection

    def selection_offsets(self) -> tuple[int, int] | None:
        """The selected text as stored offsets, blanks trimmed; None if no
        (non-blank) selection."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start, end = self.offsets.to_text_range(cursor.selectionStart(), cursor.selectionEnd())
        start, end = trim_whitespace(self.text, start, end)
        return (start, end) if start < end else None

    def select_text(self, start: int, end: int) -> None:
        """Select stored offsets [start, end), as a person would (tests, scripts)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def select_span(self, span_id: int | None, scroll: bool = True) -> None:
        """Select a span as a click would (tests, scripts): through the session."""
        self.session.select(span_id, reveal=scroll)

    def visible(self, span: Span) -> bool:
        return self.session.visible(span)

    def spans_at_point(self, point) -> list[Span]:
        """Visible spans drawn under viewport `point`, innermost first; own first."""
        cursor = self.cursorForPosition(point)
        q = cursor.position()
        found = {}
        for qq in (q - 1, q):
            if 0 <= qq < self.offsets.qt_length:
                for span in self.index.at(self.offsets.to_text(qq)):
                    if self.visible(span) and any(r.contains(QPointF(point)) for r, _ in self._rects(span)):
                        found[span.id] = span
        is_own = self.session.is_own
        return sorted(found.values(), key=lambda s: (not is_own(s), s.end - s.start, s.start))

    def set_label_names(self, on: bool) -> None:
        """Draw each span's label name beside it, or not (no layout change)."""
        if on != self.label_names:
            self.label_names = on
            self.viewport().update()

    def ends_right_to_left(self, span: Span) -> bool:
        """Whether `span`'s last character is right-to-left script."""
        return span.end > 0 and _RIGHT_TO_LEFT.match(self.text, span.end - 1) is not None

    # ------------------------------------------------------------- events

    def mousePressEvent(self, event):
        self._press_pos = event.position().toPoint()
        if (event.button() == Qt.MouseButton.LeftButton and self._drag is None
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            hit = edge_at(self, self._press_pos)
            if hit is not None:  # an edge: drag it (no text selection)
                self._drag = EdgeDrag(hit, self._press_pos)
                self.setFocus(Qt.FocusReason.MouseFocusReason)  # (for Esc)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        point = event.position().toPoint()
        drag = self._drag
        if drag is not None:
            if (point - drag.press_pos).manhattanLength() > 4:
                drag.moved = True
            if drag.moved and drag.follow(self.text, self._offset_at(point), self.session.snap_to_words):
                self.viewport().update()
            event.accept()
            return
        super().mouseMoveEvent(event)
        if event.buttons() == Qt.MouseButton.NoButton:
            self._show_edge_cursor(point)

    def _offset_at(self, point) -> int:
        return self.offsets.to_text(self.cursorForPosition(point).position())

    def _show_edge_cursor(self, point) -> None:
        """A resize arrow over an edge the user may drag, else the usual."""
        shape = Qt.CursorShape.SizeHorCursor if edge_at(self, point) is not None else self._text_cursor_shape
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(QCursor(shape))

    def cancel_edge_drag(self) -> bool:
        """Esc while dragging an edge: the span stays as it was."""
        if self._drag is None:
            return False
        self._drag = None
        self._press_pos = None  # (the release that follows is no click)
        self.viewport().update()
        return True

    def event(self, event):
        # Esc is the window's "Clear selection" shortcut; while an edge is
        # dragged it cancels the drag instead, so claim it from the shortcut.
        if (event.type() == QEvent.Type.ShortcutOverride and self._drag is not None
                and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape and self.cancel_edge_drag():
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event):
        # Qt selects the word; the span the first click chose is let go, so
        # the next key means one thing (tag the word), not two (Delete would
        # remove the span).
        self._press_pos = event.position().toPoint()  # (its release is Qt's, even on an edge)
        super().mouseDoubleClickEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self.textCursor().hasSelection():
            self.session.select(None)
            self._snap_selection()

    def _snap_selection(self) -> None:
        """Widen a mouse selection to whole words, edge punctuation and
        possessives left out (core/tokenize.py), when snapping is on: Qt's
        own idea of a word splits "Jong-un" and keeps "Kim's" whole."""
        if not self.session.snap_to_words:
            return
        # (Imported here: the tokenizer's regex module is not on the
        # window's start-up path.)
        from annotator.core.tokenize import snap

        selection = self.selection_offsets()
        if selection is None:
            return
        start, end = snap(self.text, *selection)
        if end > start and (start, end) != selection:
            self.select_text(start, end)

    def mouseReleaseEvent(self, event):
        if self._drag is not None or self._press_pos is None:  # (None: Esc ended a drag)
            self._end_edge_drag(event)
            return
        super().mouseReleaseEvent(event)
        dragged = (self._press_pos is not None
                   and (event.position().toPoint() - self._press_pos).manhattanLength() > 4)
        if event.button() == Qt.MouseButton.LeftButton and dragged and self.textCursor().hasSelection():
            self._snap_selection()
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        if self._press_pos is None or (event.position().toPoint() - self._press_pos).manhattanLength() > 4:
            return
        if self.session.reviewing:  # a click chooses a candidate (session_review.py)
            q = self.cursorForPosition(event.position().toPoint()).position()
            self.session.select_candidate_at(self.offsets.to_text(min(q, self.offsets.qt_length)))
            return
        candidates = self.spans_at_point(event.position().toPoint())
        ids = [s.id for s in candidates]
        if not ids:
            chosen = None
        elif self.selected_span_id in ids:  # click again: the next span out
            chosen = ids[(ids.index(self.selected_span_id) + 1) % len(ids)]
        else:
            chosen = ids[0]
        self.spanClicked.emit(chosen or 0)

    def _end_edge_drag(self, event) -> None:
        """Release after pressing on an edge: the new extent as one change
        (the session refuses what may not be, with a message); a press and
        release without moving is a click choosing that span."""
        drag, self._drag = self._drag, None
        self._press_pos = None
        if drag is None:  # (Esc cancelled it before the release)
            return
        self.viewport().update()
        if drag.changed:
            self.session.set_edges(drag.span.id, *drag.extent)
        elif not drag.moved:
            self.spanClicked.emit(drag.span.id)
        self._show_edge_cursor(event.position().toPoint())

    def viewportEvent(self, event):
        if event.type() == QEvent.Type.ToolTip:
            spans = self.spans_at_point(event.pos())
            if spans:
                QToolTip.showText(event.globalPos(), tooltip_html(spans, self.text, self.session.notes),
                                  self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def resizeEvent(self, event):
        # Margins first: QPlainTextEdit re-wraps the text in its resizeEvent,
        # at the viewport width the margins leave.  (The viewport's own
        # resize also arrives here, hence self.width(), not event.size().)
        self._update_margins()
        super().resizeEvent(event)

    def _update_margins(self) -> None:
        """Keep lines at a readable length, centred, on wide windows."""
        width = self.width()
        spare = max(0, width - READING_WIDTH - self.verticalScrollBar().sizeHint().width())
        side = spare // 2
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    # ------------------------------------------------------------ painting

    def _visible_range(self) -> tuple[int, int]:
        """Qt positions of the first and last character on screen.  Found by
        binary search over line positions, because Qt's own hit testing
        walks every line of a block: slow for one huge paragraph."""
        block = self.firstVisibleBlock()
        if not block.isValid():
            return 0, 0
        offset = self.contentOffset()
        height = self.viewport().height()
        top = self.blockBoundingGeometry(block).translated(offset).top()
        layout = block.layout()
        line = layout.lineAt(_line_at_y(layout, -top)) if layout.lineCount() else None
        first = block.position() + (line.textStart() if line is not None else 0)
        last = block.position() + block.length() - 1
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            layout = block.layout()
            last = block.position() + block.length() - 1
            if geometry.bottom() > height and layout.lineCount():
                line = layout.lineAt(_line_at_y(layout, height - geometry.top()))
                last = block.position() + line.textStart() + line.textLength()
                break
            block = block.next()
        return first, min(last + 1, self.offsets.qt_length)

    def _visible_spans(self, visible: tuple[int, int]) -> list[Span]:
        if not len(self.index):
            return []
        first, last = visible
        start = self.offsets.to_text(first)
        end = self.offsets.to_text(last, round_up=True)
        return [s for s in self.index.overlapping(start, max(end, start + 1)) if self.visible(s)]

    def _rects(self, span: Span, visible: tuple[int, int] | None = None
               ) -> list[tuple[QRectF, tuple[bool, bool]]]:
        """Viewport rectangles covering the on-screen part of `span`, one per
        visual line, each with (holds the span's start, holds its end)."""
        qs, qe = self.offsets.to_qt_range(span.start, span.end)
        first, last = visible or self._visible_range()
        a0, b0 = max(qs, first), min(qe, last)
        if a0 >= b0:
            return []
        block = self.document().findBlock(a0)
        offset = self.contentOffset()
        height = self.viewport().height()
        rects = []
        while block.isValid() and block.position() < b0:
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            if geometry.bottom() >= 0 and block.isVisible():
                layout = block.layout()
                position = block.position()
                bs, be = qs - position, qe - position
                i = _line_at_position(layout, max(a0 - position, 0))
                while i < layout.lineCount():
                    line = layout.lineAt(i)
                    ls = line.textStart()
                    if ls >= be or ls >= b0 - position:
                        break
                    a, b = max(bs, ls), min(be, ls + line.textLength())
                    if a < b < be and self._is_blank_at(position + b - 1):
                        b -= 1  # the blank where a span wraps: no mark past the line end
                    if a < b:
                        pieces = self._x_ranges(line, position, a, b)
                        for k, (x1, x2) in enumerate(pieces):
                            rect = QRectF(x1, line.y(), x2 - x1, line.height())
                            flags = (a == bs and k == 0, b == be and k == len(pieces) - 1)
                            rects.append((rect.translated(geometry.topLeft()), flags))
                    i += 1
            block = block.next()
        return rects

    def _x_ranges(self, line, block_position: int, a: int, b: int) -> list[tuple[float, float]]:
        """Horizontal extent(s) of block positions [a, b) on `line`.  In
        left-to-right text that is one range between two cursor positions;
        where right-to-left script is mixed in, a logical range can be
        several pieces on screen, so each character's edges are measured."""
        x1 = line.cursorToX(a)[0]
        x2 = line.cursorToX(b)[0]
        if not self._has_rtl(block_position + line.textStart(), line.textLength()):
            return [(min(x1, x2), max(x1, x2))]
        edges = []
        for i in range(a, b):
            if self.offsets.inside_pair(block_position + i):
                continue
            lead = line.cursorToX(i, QTextLine.Edge.Leading)[0]
            trail = line.cursorToX(i, QTextLine.Edge.Trailing)[0]
            edges.append((min(lead, trail), max(lead, trail)))
        edges.sort()
        merged: list[list[float]] = []
        for left, right in edges:
            if merged and left <= merged[-1][1] + 0.5:
                merged[-1][1] = max(merged[-1][1], right)
            else:
                merged.append([left, right])
        return [(left, right) for left, right in merged if right > left] or [(min(x1, x2), max(x1, x2))]

    def _has_rtl(self, qt_position: int, length: int) -> bool:
        # Per line, from the stored text: a regex over all of a 5 MB text
        # would cost ~25 ms at every open.
        start = self.offsets.to_text(qt_position)
        end = self.offsets.to_text(min(qt_position + length, self.offsets.qt_length), round_up=True)
        return _RIGHT_TO_LEFT.search(self.text, start, end) is not None

    def _is_blank_at(self, qt_position: int) -> bool:
        # From the stored text: block.text() copies the whole paragraph.
        offset = self.offsets.to_text(qt_position)
        return offset < len(self.text) and self.text[offset].isspace()

    def paintEvent(self, event):
        visible = self._visible_range()
        spans = self._visible_spans(visible)
        reviewing = self.session.reviewing
        if reviewing:  # annotators' spans are drawn by review_paint; gold as always
            review_spans, spans = spans, [s for s in spans if s.annotator == GOLD_NAME]
        drag = self._drag
        if drag is not None and drag.changed:  # the dragged span as it would be
            spans = [s for s in spans if s.id != drag.span.id] + [drag.preview]
        # Outer spans first, so inner ones paint over them and stay visible.
        spans.sort(key=lambda s: -(s.end - s.start))
        geometry = {s.id: self._rects(s, visible) for s in spans}
        styles = {s.id: self.style(s) for s in spans}
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._paint_hits(painter, visible)
        if reviewing:
            review_paint.paint_under(self, painter, visible)
        for span in spans:
            style, color = styles[span.id]
            if style.mark != HIGHLIGHT:
                continue
            fill = QColor(color)
            fill.setAlpha(FILL_ALPHA)
            edge = color.darker(130)
            for rect, (starts, ends) in geometry[span.id]:
                painter.fillRect(rect, fill)
                if starts:
                    painter.fillRect(QRectF(rect.left(), rect.top(), 1.5, rect.height()), edge)
                if ends:
                    painter.fillRect(QRectF(rect.right() - 1.5, rect.top(), 1.5, rect.height()), edge)
        painter.end()

        super().paintEvent(event)

        painter = QPainter(self.viewport())
        underlines = [s for s in spans if styles[s.id][0].mark == UNDERLINE]
        for span in underlines:
            depth = sum(1 for o in underlines if o.id != span.id and o.start <= span.start
                        and o.end >= span.end and (o.end - o.start) > (span.end - span.start))
            painter.setPen(QPen(styles[span.id][1], 2.0))
            for rect, (starts, ends) in geometry[span.id]:
                y = rect.bottom() - 1.5 - 3.5 * depth
                painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
                tick = rect.height() * 0.35
                if starts:
                    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.left(), y - tick))
                if ends:
                    painter.drawLine(QPointF(rect.right(), y), QPointF(rect.right(), y - tick))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for span in spans:
            style, color = styles[span.id]
            if style.mark in OUTLINE_PENS:
                painter.setPen(OUTLINE_PENS[style.mark](color))
                for rect, _ in geometry[span.id]:
                    painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        if reviewing:
            review_paint.paint_over(self, painter, visible, review_spans)
        if self.label_names:
            self._label_tags.paint(painter, self, spans, geometry, styles)
        # The frame: round the span being dragged (as it would be), else the selected one.
        selected = drag.preview if drag is not None else self.session.selected_span()
        if selected is not None and self.visible(selected):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(QColor("#1a1a1a"), 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for rect, _ in geometry.get(selected.id) or self._rects(selected, visible):
                painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 3, 3)
        painter.end()


    def _paint_hits(self, painter: QPainter, visible: tuple[int, int]) -> None:
        """Search hits on screen, under the spans: pale yellow, the current
        one orange (found by bisection: a search may hit 100,000 times)."""
        search = self.session.search
        if search is None or not search.hits:
            return
        start = self.offsets.to_text(visible[0])
        end = self.offsets.to_text(visible[1], round_up=True)
        first = max(bisect_left(search.hits, (start, -1)) - 1, 0)
        for i in range(first, len(search.hits)):
            hit_start, hit_end = search.hits[i]
            if hit_start >= end:
                break
            color = HIT_CURRENT if i == search.current else HIT
            for rect, _ in self._rects(Span(hit_start, hit_end, "", "", 0), visible):
                painter.fillRect(rect, color)


HIT = QColor("#FFF3A0")
HIT_CURRENT = QColor("#FFB74D")

# Outlines over the text, by Style.mark: other annotators' layers dashed (as
# before layers had kinds), the gold layer a solid box, suggestions dotted.
OUTLINE_PENS = {
    DASHED: lambda color: QPen(color.darker(120), 1.2, Qt.PenStyle.DashLine),
    BOX: lambda color: QPen(color, 1.6, Qt.PenStyle.SolidLine),
    DOTTED: lambda color: QPen(color.darker(120), 1.2, Qt.PenStyle.DotLine),
}


def _line_at_y(layout, y: float) -> int:
    """Index of the line of `layout` at height `y` (layout coordinates)."""
    return _last_line(layout, lambda line: line.y() <= y)


def _line_at_position(layout, position: int) -> int:
    """Index of the line of `layout` holding block position `position`."""
    return _last_line(layout, lambda line: line.textStart() <= position)


def _last_line(layout, reached) -> int:
    """Index of the last line for which `reached(line)` holds (it holds for
    a prefix of the lines, which are in order: a binary search), or 0."""
    lo, hi = 0, layout.lineCount() - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if reached(layout.lineAt(mid)):
            lo = mid
        else:
            hi = mid - 1
    return max(lo, 0)


def tooltip_html(spans: list[Span], text: str, notes: dict[int, str] | None = None) -> str:
    """Tooltip for spans under the mouse, with their notes.  Tooltips guess
    whether text is rich text, so we always send HTML and escape every user
    string."""
    lines = []
    for span in spans:
        note = (notes or {}).get(span.id)
        lines.append(f"<b>{html.escape(span.label)}</b> · {html.escape(span.annotator)}"
                     f"<br><i>{html.escape(excerpt(text[span.start:span.end], 60))}</i>"
                     + (f"<br>✎ {html.escape(note).replace(chr(10), '<br>')}" if note else ""))
    return "<qt>" + "<hr>".join(lines) + "</qt>"
