"""How review mode colours a candidate, by its class (Qt-free, like
layer_style.py; the view and the review panel both use it).

After INCEpTION's curation view: agreed by all green, agreed by some amber,
in conflict red, each a pale fill behind the text; a candidate review has
settled (gold holds something there, or every reading was rejected) loses
its class colour: accepted ones show gold's solid box (layer_style.BOX),
rejected ones are grey and struck through. Each annotator's span is a thin
line in its label colour under the text, one row per annotator (alice
lowest), so three lines of one colour and length are three who agree.
"""

from __future__ import annotations

from annotator.core.review_candidates import AGREED_ALL, AGREED_SOME, CONFLICT, Candidate

CLASS_COLORS = {
    AGREED_ALL: "#43A047",  # green
    AGREED_SOME: "#FFB300",  # amber
    CONFLICT: "#E53935",  # red
}
REJECTED_COLOR = "#9E9E9E"  # grey
FILL_ALPHA = 70  # of 255: pale enough to read black text on
SETTLED_ALPHA = 0  # an accepted candidate: no class fill, gold's box says it


def candidate_color(candidate: Candidate) -> tuple[str, int]:
    """(colour, alpha) of the fill behind a candidate."""
    if candidate.gold:
        return CLASS_COLORS[candidate.kind], SETTLED_ALPHA
    if all(r.rejected for r in candidate.readings):
        return REJECTED_COLOR, FILL_ALPHA
    return CLASS_COLORS[candidate.kind], FILL_ALPHA


def class_words(candidate: Candidate) -> str:
    """The candidate's class as the panel says it."""
    if candidate.gold:
        return f"{candidate.kind}; in gold"
    if all(r.rejected for r in candidate.readings):
        return f"{candidate.kind}; rejected"
    return candidate.kind
