"""Review mode (View › Review): the open document's candidates, where its
annotators agree and where they do not, and the curation steps that build
the gold layer. Mixed into `Session`, like session_search.py: the candidates
are part of what the view draws, and changes to them go out as
`Changed(review=True)`.

Candidates come from `core.review_candidates.candidates` over the spans the
session already holds (every layer is read with the document). Computing
them for 3 x 50,000 spans takes ~0.4 s, so they are computed the way the
spans are read: up to what is read of the document before the first paint
(the first screen), then REVIEW_PAGE code points per event-loop turn.
`_review_done` is the cut up to which they are computed: no annotator span
starting before it ends after it, so the clusters on either side of it are
whole. A saved step (or another program's) recomputes only the candidates
around what it touched (`_review_touched`), never all of them.

Every step is a `core.review` operation through `Session._commit`, so it is
one undo step with words in the Edit menu; the reviewer is `self.user`.
Annotators' own layers are never written by review (the core refuses).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from functools import partial

from PySide6.QtCore import QTimer

from annotator.core import review
from annotator.core.changes import Change, Decision
from annotator.core.feed import Feed, IdRanges
from annotator.core.layers import GOLD_NAME
from annotator.core.model import Span, excerpt
from annotator.core.review_candidates import CONFLICT, Candidate, Reading, candidates
from annotator.gui.session_changes import Gather

REVIEW_PAGE = 100_000  # code points of candidates computed per event-loop turn (~3,000 spans of 3 layers)
# A step touching more places than this recomputes every candidate, once
# (accept all agreed, or its undo: thousands of gold spans).
BULK_REVIEW = 200
OPEN = "open"  # the counts' key for candidates review has not settled yet


class Reviews:
    """The part of Session that holds review mode's state and runs its steps."""

    def _init_review(self) -> None:
        self.reviewing = False
        self.review_annotators: list[str] = []  # whose layers the candidates compare
        self.review_candidates: list[Candidate] = []  # by position, up to _review_done
        self._cand_starts: list[int] = []
        self._cand_ends: list[int] = []
        self.review_counts: Counter = Counter()  # by class, and OPEN
        self._decisions: dict[int, Decision] = {}  # the open document's, by id
        self._review_done = 0
        self._read_to = 0  # the start of the last span read of the open document
        self._review_token = None  # the page timer that is current
        self.candidate_at: int | None = None  # an offset inside the selected candidate
        self.reading_key: tuple[int, int, str] | None = None  # the selected reading (start, end, label)
        self.review_statuses: dict[int, str] = {}  # {doc_id: not started / in review / reviewed}
        self._layers_before_review = False

    # ------------------------------------------------------------ reading

    @property
    def review_complete(self) -> bool:
        """Every candidate of the open document is computed."""
        return (not self.reviewing or self.doc is None
                or (self._reader is None and self._review_done >= len(self.text)))

    def selected_candidate(self) -> Candidate | None:
        i = self._candidate_index(self.candidate_at)
        return self.review_candidates[i] if i is not None else None

    def selected_reading(self) -> Reading | None:
        candidate = self.selected_candidate()
        if candidate is None:
            return None
        for reading in candidate.readings:
            if (reading.start, reading.end, reading.label) == self.reading_key:
                return reading
        return candidate.readings[0]

    def candidate_number(self) -> int | None:
        """The selected candidate's place in the document (0-based)."""
        return self._candidate_index(self.candidate_at)

    def candidates_between(self, start: int, end: int) -> list[Candidate]:
        """The computed candidates overlapping [start, end) (what is on screen)."""
        i = bisect_right(self._cand_ends, start)
        j = bisect_left(self._cand_starts, end)
        return self.review_candidates[i:j]

    def review_status(self, doc_id: int) -> str:
        return self.review_statuses.get(doc_id, review.NOT_STARTED)

    def is_reviewed(self) -> bool:
        return any(d.decision == review.REVIEWED for d in self._decisions.values())

    def _candidate_index(self, offset: int | None) -> int | None:
        if offset is None:
            return None
        i = bisect_right(self._cand_starts, offset) - 1
        return i if i >= 0 and offset < self._cand_ends[i] else None

    # --------------------------------------------------------------- mode

    def set_reviewing(self, on: bool) -> None:
        """Enter or leave review mode: every layer shown, the candidates of
        the open document, a review status per document."""
        if on == self.reviewing:
            return
        with self._batch() as c:
            if on:
                self._layers_before_review = self.show_other_layers
                self.reviewing = True
                self.set_show_other_layers(True)
                self._review_load_statuses(c)
                self._review_restart()
                if self.doc is not None:
                    self._review_extend(self._review_frontier())
            else:
                self.reviewing = False
                self._review_token = None
                self.review_candidates, self._cand_starts, self._cand_ends = [], [], []
                self.review_counts = Counter()
                self.candidate_at = self.reading_key = None
                self.set_show_other_layers(self._layers_before_review)
            self.selected_id = None
            c.set(review=True, documents=None, layers=True, selection=True)

    def _review_load_statuses(self, c: Gather) -> None:
        if self.reviewing:
            self.review_statuses = review.review_statuses(self.project)
            c.set(documents=None)

    def _review_refresh_statuses(self, doc_ids, c: Gather) -> None:
        doc_ids = set(doc_ids)
        if self.reviewing and doc_ids:
            self.review_statuses.update(review.review_statuses(self.project, IdRanges.of(doc_ids)))
            c.set(documents=frozenset(d for d in doc_ids if self.row_of(d) is not None))

    # -------------------------------------------------- computing (paged)

    def _review_restart(self) -> None:
        """The open document's spans were replaced: candidates from nothing
        (the first ones before the next paint, see _review_opened; the rest
        a page per event-loop turn)."""
        if not self.reviewing:
            return
        self.review_candidates, self._cand_starts, self._cand_ends = [], [], []
        self.review_counts = Counter()
        self._review_done = 0
        self._review_token = None
        if self.doc is None:
            self.review_annotators, self._decisions = [], {}
            return
        self.review_annotators = review.document_annotators(self.project, self.doc.id)
        self._decisions = {d.id: d for d in self.project.decisions(self.doc.id)}
        self._review_schedule()

    def _review_opened(self, spans: list[Span]) -> None:
        """A document was opened with `spans` read so far: its first
        screen's candidates now, before the first paint."""
        self._read_to = spans[-1].start if spans else 0
        if self.reviewing and self.doc is not None:
            self._review_extend(self._review_frontier())

    def _review_read(self, page: list[Span]) -> None:
        """Another page of the open document's spans was read."""
        if page:
            self._read_to = page[-1].start

    def _review_frontier(self) -> int:
        """How far candidates can be computed: spans are read in order of
        their start, so every span starting before the last one read is here."""
        return len(self.text) if self._reader is None else self._read_to

    def _review_schedule(self) -> None:
        token = self._review_token = object()
        QTimer.singleShot(0, partial(self._review_page, token))

    def _review_page(self, token) -> None:
        if token is not self._review_token or not self.reviewing or self.doc is None:
            return
        if self.review_complete:
            return
        self._review_extend(min(self._review_frontier(), self._review_done + REVIEW_PAGE))
        if self.review_complete:
            self._review_token = None
            self._emit_review()  # the counts, and any candidate on screen
        else:
            self._review_schedule()

    def _emit_review(self) -> None:
        with self._batch() as c:
            c.set(review=True)

    def finish_review(self) -> None:
        """Every candidate of the open document, now (commands that walk
        them or write need them all)."""
        if not self.reviewing or self.doc is None:
            return
        self.finish_loading()
        if not self.review_complete:
            self._review_extend(len(self.text))
            self._review_token = None

    def _review_extend(self, upto: int) -> None:
        """Compute the candidates from _review_done up to the cut `upto` (at
        most the frontier). A cluster reaching past `upto` waits for the
        next page (spans starting after `upto` may still join it); when it
        is the only one, the page grows."""
        frontier = self._review_frontier()
        end = len(self.text)
        upto = min(upto, frontier)
        while upto > self._review_done:
            done = self._review_done
            found = self._compute(done, upto, starting_from=done)
            cut = upto
            if upto < end and found and found[-1].end > upto:
                cut = found.pop().start  # the next page starts with that cluster
                if not found:
                    if upto >= frontier:
                        return  # wait for more of the document to be read
                    upto = min(frontier, done + 2 * (upto - done))
                    continue
            self._splice(len(self.review_candidates), len(self.review_candidates), found)
            self._review_done = cut
            return

    def _compute(self, start: int, end: int, starting_from: int | None = None) -> list[Candidate]:
        """The candidates of the annotator spans overlapping [start, end)
        (those starting at or after `starting_from`, if given), with the gold
        spans and decisions there."""
        who = set(self.review_annotators)
        spans = [s for s in self.index.overlapping(start, end)
                 if s.annotator == GOLD_NAME
                 or (s.annotator in who and (starting_from is None or s.start >= starting_from))]
        decisions = [d for d in self._decisions.values() if d.start < end and d.end > start]
        decisions.sort(key=lambda d: d.id)
        return candidates(spans, self.review_annotators, decisions)

    def _splice(self, i: int, j: int, new: list[Candidate]) -> None:
        """Replace candidates [i, j) by `new`, keeping the counts."""
        for candidate in self.review_candidates[i:j]:
            self.review_counts[candidate.kind] -= 1
            self.review_counts[OPEN] -= not candidate.decided
        for candidate in new:
            self.review_counts[candidate.kind] += 1
            self.review_counts[OPEN] += not candidate.decided
        self.review_candidates[i:j] = new
        self._cand_starts[i:j] = [c.start for c in new]
        self._cand_ends[i:j] = [c.end for c in new]

    # ------------------------------------------------ following changes

    def _review_spans_changed(self, before, after, c: Gather) -> None:
        """Spans of the open document changed (a step of ours, or another
        program's): recompute the candidates around them."""
        if not self.reviewing or self.doc is None:
            return
        who = set(self.review_annotators)
        if any(s.annotator not in who and s.annotator != GOLD_NAME for s in after):
            self._review_new_annotators(c)
            return
        self._review_touched([(s.start, s.end) for s in (*before, *after)], c)

    def _review_new_annotators(self, c: Gather) -> None:
        """Someone annotated the document for the first time (or stopped):
        every candidate's class may change."""
        self.finish_loading()
        self._review_restart()
        self._review_extend(len(self.text))
        self._review_token = None
        c.set(review=True)

    def _review_touched(self, places: list[tuple[int, int]], c: Gather) -> None:
        """Recompute the candidates overlapping `places` ((start, end)
        pairs), each widened to whole clusters."""
        if not places:
            return
        if len(places) > BULK_REVIEW:
            self._review_new_annotators(c)
            return
        self.finish_review()
        for lo, hi in sorted(places):
            self._recompute_around(lo, max(hi, lo + 1))
        c.set(review=True)

    def _recompute_around(self, lo: int, hi: int) -> None:
        who = set(self.review_annotators)
        while True:  # widen to the clusters it touches, old and new
            i = bisect_right(self._cand_ends, lo)
            j = bisect_left(self._cand_starts, hi)
            new_lo, new_hi = lo, hi
            if i < j:
                new_lo, new_hi = min(lo, self._cand_starts[i]), max(hi, self._cand_ends[j - 1])
            for span in self.index.overlapping(new_lo, new_hi):
                if span.annotator in who:
                    new_lo, new_hi = min(new_lo, span.start), max(new_hi, span.end)
            if (new_lo, new_hi) == (lo, hi):
                break
            lo, hi = new_lo, new_hi
        self._splice(i, j, self._compute(lo, hi, starting_from=lo))

    def _review_saved(self, change: Change, c: Gather) -> None:
        """A step of ours was saved (its spans are already shown): its
        decisions, the candidates they touch, the documents' statuses."""
        if not self.reviewing:
            return
        gold = [s for s in change.spans_before + change.spans_after if s.annotator == GOLD_NAME]
        decided = change.decisions_added + change.decisions_removed
        self._review_refresh_statuses({s.doc_id for s in gold} | {d.doc_id for d in decided}, c)
        if self.doc is None or not decided:
            return
        mine = self.doc.id
        for decision in change.decisions_removed:
            self._decisions.pop(decision.id, None)
        for decision in change.decisions_added:
            if decision.doc_id == mine:
                self._decisions[decision.id] = decision
        self._review_touched([(d.start, d.end) for d in decided if d.doc_id == mine and d.label is not None], c)
        c.set(review=True)

    def _review_feed(self, feed: Feed | None, c: Gather) -> None:
        """Another program's commits: statuses of the touched documents, and
        the open document's decisions read again (their spans came through
        _change_spans already)."""
        if not self.reviewing:
            return
        if feed is None:  # everything was read again
            self._review_load_statuses(c)
            self._review_restart()
            return
        touched = set(feed.documents) | set(feed.spans)
        self._review_refresh_statuses(touched, c)
        if self.doc is None or self.doc.id not in touched:
            return
        now = {d.id: d for d in self.project.decisions(self.doc.id)}
        if now == self._decisions:
            if not self.review_complete and self._review_token is None:
                self._review_schedule()
            return
        changed = [d for i, d in self._decisions.items() if now.get(i) != d]
        changed += [d for i, d in now.items() if self._decisions.get(i) != d]
        self._decisions = now
        self._review_touched([(d.start, d.end) for d in changed if d.label is not None], c)
        c.set(review=True)

    # ---------------------------------------------------------- selecting

    def select_candidate_at(self, offset: int, reveal: bool = False) -> None:
        """The candidate around `offset` (a click); none there: none."""
        self.finish_review()
        i = self._candidate_index(offset)
        if i is None and offset > 0:
            i = self._candidate_index(offset - 1)
        self._select_candidate(i, reveal=reveal)

    def _select_candidate(self, i: int | None, reveal: bool = True, reading: int = 0) -> None:
        with self._batch() as c:
            if i is None:
                self.candidate_at = self.reading_key = None
            else:
                candidate = self.review_candidates[i]
                self.candidate_at = candidate.start
                r = candidate.readings[min(reading, len(candidate.readings) - 1)]
                self.reading_key = (r.start, r.end, r.label)
            self.selected_id = None
            c.set(review=True, selection=True, reveal=reveal)

    def step_candidate(self, step: int, conflicts: bool = False, here: int = 0) -> None:
        """The next (or previous) candidate from the selected one (or from
        offset `here`); with `conflicts`, the next conflict still open (or,
        if every conflict is settled, the next conflict)."""
        if not self.reviewing:
            self._tell("Review mode is off: View › Review (Ctrl+Shift+R) turns it on.")
            return
        self.finish_review()
        found = self.review_candidates
        if not found:
            self._tell("No candidates here: nobody has annotated this document yet.")
            return
        current = self._candidate_index(self.candidate_at)
        if current is None:
            first = bisect_left(self._cand_starts, here)
            order = range(first, first + len(found)) if step > 0 else range(first - 1, first - 1 - len(found), -1)
        else:
            order = range(current + step, current + step * (len(found) + 1), step)
        order = [k % len(found) for k in order]
        if conflicts:
            kinds = [k for k in order if found[k].kind == CONFLICT]
            open_ones = [k for k in kinds if not found[k].decided]
            order = open_ones or kinds
            if not order:
                self._tell("No conflicts in this document.", 3000)
                return
        self._select_candidate(order[0])

    def step_reading(self, step: int) -> None:
        candidate = self.selected_candidate()
        reading = self.selected_reading()
        if candidate is None or reading is None:
            return
        i = (candidate.readings.index(reading) + step) % len(candidate.readings)
        self._select_candidate(self._candidate_index(self.candidate_at), reveal=False, reading=i)

    def select_reading(self, i: int) -> None:
        self._select_candidate(self._candidate_index(self.candidate_at), reveal=False, reading=i)

    # ------------------------------------------------------------ curating

    def _ready_to_review(self) -> bool:
        if not self.reviewing or self.doc is None:
            self._tell("Review mode is off: View › Review (Ctrl+Shift+R) turns it on.")
            return False
        self.finish_review()
        return True

    def _chosen_reading(self):
        """The selected reading, if review mode is on and one is selected;
        else None, having said what to do."""
        if not self._ready_to_review():
            return None
        reading = self.selected_reading()
        if reading is None:
            self._tell("Select a candidate first (Alt+Down, F8 for the next conflict, or click one).")
        return reading

    def accept_reading(self) -> None:
        """The selected reading into gold."""
        reading = self._chosen_reading()
        if reading is None:
            return
        if reading.in_gold:
            self._tell("That reading is already in gold.", 3000)
            return
        self._accept(reading.start, reading.end, reading.label)

    def _accept(self, start: int, end: int, label: str) -> None:
        description = f"accept {self._quoted_at(start, end)} as {label} into gold"
        self._commit(review.accept, self.doc.id, self.user, start, end, label,
                     then=partial(self._reviewed_step, description))

    def reject_reading(self) -> None:
        """Reject the selected reading (out of gold, if gold holds it)."""
        reading = self._chosen_reading()
        if reading is None:
            return
        if reading.rejected and not reading.in_gold:
            self._tell("That reading is already rejected.", 3000)
            return
        description = f"reject {self._quoted_at(reading.start, reading.end)} as {reading.label}"
        self._commit(review.reject, self.doc.id, self.user, reading.start, reading.end, reading.label,
                     then=partial(self._reviewed_step, description))

    def review_label(self, label: str, selection: tuple[int, int] | None) -> None:
        """A label key while reviewing: the selected text (if any), or else
        the selected reading, into gold with that label; if gold already
        holds a span with those boundaries, it is given the label instead.
        (Moving a gold span's boundaries comes with issue 13.)"""
        if not self._ready_to_review():
            return
        if selection is not None:
            start, end = selection
        else:
            reading = self.selected_reading()
            if reading is None:
                self._tell("Select a candidate (Alt+Down, or click one) or some text first.")
                return
            start, end = reading.start, reading.end
        there = [s for s in self.index.overlapping(start, end)
                 if s.annotator == GOLD_NAME and (s.start, s.end) == (start, end)]
        if any(s.label == label for s in there):
            self._tell(f"Gold already holds that as {label}.", 3000)
            return
        if there:
            span = there[0]
            description = f"relabel gold {self._quoted_at(start, end)} as {label}"
            self._commit(partial(review.edit_gold, label=label), span.id, self.user,
                         then=partial(self._reviewed_step, description))
        else:
            self._accept(start, end, label)

    def accept_all_agreed(self, min_agree: int | None = None) -> None:
        """Every reading at least `min_agree` annotators hold (default: all
        of them) into gold, in this document: one step."""
        if not self._ready_to_review():
            return

        def done(change: Change) -> None:
            n = len(change.added)
            if n:
                self._record(change, f"accept {n:,} agreed span{'s' if n != 1 else ''} into gold")
            self._tell(f"Accepted {n:,} agreed span{'s' if n != 1 else ''} into gold." if n else
                       "Nothing to accept: every agreed span is already in gold (or was rejected).", 5000)

        self._commit(review.accept_all_agreed, self.doc.id, self.user, min_agree, None, then=done)

    def toggle_reviewed(self) -> None:
        """Mark the open document reviewed; again: not reviewed."""
        if not self._ready_to_review():
            return
        mark = not self.is_reviewed()

        def done(change: Change) -> None:
            if change:
                words = "mark reviewed" if mark else "unmark reviewed"
                self._record(change, words)
                self._tell("Marked reviewed." if mark else "No longer marked reviewed.", 3000)

        self._commit(review.set_reviewed, self.doc.id, self.user, mark, then=done)

    def _reviewed_step(self, description: str, change: Change) -> None:
        if change:
            self._record(change, description)
            self._tell(description[0].upper() + description[1:] + ".", 3000)

    def _quoted_at(self, start: int, end: int) -> str:
        return f"“{excerpt(self.text[start:end], 30)}”"
