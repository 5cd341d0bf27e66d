"""Layers: whose spans these are, and who may change them.

Every span belongs to one layer. Today a layer is told by the span's
`annotator` column: an annotator's own name is their layer, and the reserved
name `gold` is the reviewed layer. A layer's kind, not its owner's name,
decides how it is drawn (gui/layer_style.py) and who may edit it (here), so a
later kind (a model's suggestions) is added in these two places.
"""

from __future__ import annotations

from typing import NamedTuple

from annotator.core.model import Span

ANNOTATOR = "annotator"
GOLD = "gold"
SUGGESTIONS = "suggestions"
KINDS = (ANNOTATOR, GOLD, SUGGESTIONS)

# The name under which the gold layer's spans are stored and exported.
GOLD_NAME = "gold"


class Layer(NamedTuple):
    kind: str
    owner: str

    @classmethod
    def of(cls, span: Span) -> "Layer":
        return cls.named(span.annotator)

    @classmethod
    def named(cls, annotator: str) -> "Layer":
        """The layer whose spans carry `annotator` as their owner."""
        return cls(GOLD, GOLD_NAME) if annotator == GOLD_NAME else cls(ANNOTATOR, annotator)

    def is_own(self, user: str) -> bool:
        """Whether this is `user`'s own annotator layer (drawn in full, edited freely)."""
        return self.kind == ANNOTATOR and self.owner == user


def may_edit(layer: Layer, user: str, *, reviewing: bool = False) -> bool:
    """Whether `user` may add, relabel or remove spans in `layer`.

    An annotator edits only their own layer. The gold layer is written only
    by review operations (`reviewing=True`), never by tagging. Suggestions
    are read-only: a person adopts one into their own layer instead."""
    if layer.kind == ANNOTATOR:
        return layer.owner == user
    if layer.kind == GOLD:
        return reviewing
    return False


def may_change(span: Span, user: str) -> bool:
    """Whether `user` may relabel or remove `span` while annotating."""
    return may_edit(Layer.of(span), user)
