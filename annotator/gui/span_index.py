"""Which spans touch a stretch of text, fast enough to ask on every paint.

Short spans (the vast majority) sit in one list sorted by start: every short
span that overlaps [a, b) starts in (a - LONG, b), a bisect away.  The few
long spans (a quoted paragraph, a whole section) are kept in a separate
list that every query scans.  Building the index for 50,000 spans is a
couple of list comprehensions; adding or removing a span is a bisect and a
list insert, and a query costs O(log n + spans nearby).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterable

from annotator.core.model import Span

LONG = 1024  # code points


class SpanIndex:
    def __init__(self, spans: Iterable[Span] = ()):
        spans = list(spans)
        self._by_id: dict[int, Span] = {s.id: s for s in spans}
        self._long: list[Span] = [s for s in spans if s.end - s.start > LONG]
        short = [s for s in spans if s.end - s.start <= LONG] if self._long else spans
        starts = [s.start for s in short]
        if starts != sorted(starts):
            order = sorted(range(len(short)), key=starts.__getitem__)
            short = [short[i] for i in order]
            starts = [starts[i] for i in order]
        # Parallel lists, ordered by start (ties in any order).
        self._short: list[Span] = short
        self._starts: list[int] = starts

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def get(self, span_id: int | None) -> Span | None:
        return self._by_id.get(span_id)

    def add(self, span: Span) -> None:
        if span.id in self._by_id:
            self.remove(self._by_id[span.id])
        self._by_id[span.id] = span
        if span.end - span.start > LONG:
            self._long.append(span)
            return
        i = bisect_right(self._starts, span.start)
        self._starts.insert(i, span.start)
        self._short.insert(i, span)

    def extend(self, spans: list[Span]) -> None:
        """Add many spans at once; spans sorted by start that all start at
        or after every span already here (the next page of a document read
        in order) are appended without any inserts. Spans already here
        (by id) are skipped."""
        spans = [s for s in spans if s.id not in self._by_id]
        self._by_id.update((s.id, s) for s in spans)
        short = [s for s in spans if s.end - s.start <= LONG]
        self._long.extend(s for s in spans if s.end - s.start > LONG)
        starts = [s.start for s in short]
        in_order = all(a <= b for a, b in zip(starts, starts[1:]))
        if in_order and (not starts or not self._starts or starts[0] >= self._starts[-1]):
            self._starts.extend(starts)
            self._short.extend(short)
            return
        for span in short:
            i = bisect_right(self._starts, span.start)
            self._starts.insert(i, span.start)
            self._short.insert(i, span)

    def remove(self, span: Span) -> None:
        span = self._by_id.pop(span.id, None)
        if span is None:
            return
        if span.end - span.start > LONG:
            self._long = [s for s in self._long if s.id != span.id]
            return
        i = bisect_left(self._starts, span.start)
        while i < len(self._starts) and self._starts[i] == span.start:
            if self._short[i].id == span.id:
                del self._starts[i]
                del self._short[i]
                return
            i += 1

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans with at least one character in [start, end), sorted by position."""
        lo = bisect_right(self._starts, start - LONG)
        hi = bisect_left(self._starts, end)
        found = [s for s in self._short[lo:hi] if s.end > start]
        found.extend(s for s in self._long if s.start < end and s.end > start)
        found.sort()
        return found

    def at(self, offset: int) -> list[Span]:
        """Spans containing the character at `offset`, innermost (shortest) first."""
        return sorted(self.overlapping(offset, offset + 1), key=lambda s: (s.end - s.start, s.start))
