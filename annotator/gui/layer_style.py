"""How a span is drawn, from its layer's kind and its label (not from whose
name is on it): the one place a new layer kind gets its look.

- your own layer: "highlight" labels as a translucent fill with darker ends,
  "underline" labels (quote) as a thick underline with bracket ticks;
- other annotators' layers (when shown): a dashed outline, no fill;
- the gold (reviewed) layer: a solid box in the label colour;
- a model's suggestions: a dotted outline.

Qt-free on purpose (colours as "#rrggbb"): the view turns a Style into pens.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.layers import GOLD, SUGGESTIONS, Layer
from annotator.core.model import Label

HIGHLIGHT = "highlight"  # under the text: a fill with an edge at each end
UNDERLINE = "underline"  # over the text: an underline with ticks
DASHED = "dashed"  # over the text: a dashed outline
BOX = "box"  # over the text: a solid outline
DOTTED = "dotted"  # over the text: a dotted outline
UNKNOWN_COLOR = "#888888"  # a label the schema does not (yet) list


@dataclass(frozen=True)
class Style:
    mark: str
    color: str

    @property
    def under_text(self) -> bool:
        """Painted before the text (a fill), rather than over it."""
        return self.mark == HIGHLIGHT


def style_for(layer: Layer, label: Label | None, user: str) -> Style:
    color = label.color if label is not None else UNKNOWN_COLOR
    if layer.is_own(user):
        underline = label is not None and label.display == UNDERLINE
        return Style(UNDERLINE if underline else HIGHLIGHT, color)
    if layer.kind == GOLD:
        return Style(BOX, color)
    if layer.kind == SUGGESTIONS:
        return Style(DOTTED, color)
    return Style(DASHED, color)
