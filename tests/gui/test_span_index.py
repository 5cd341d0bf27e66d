from hypothesis import given, strategies as st

from annotator.core.model import Span
from annotator.gui.span_index import LONG, SpanIndex

ranges = st.tuples(st.integers(0, 5000), st.integers(1, LONG * 3))


@given(st.lists(ranges, max_size=60), st.lists(st.integers(0, 60), max_size=20),
       st.integers(0, 8000), st.integers(1, 3000))
def test_overlapping_matches_brute_force_after_adds_and_removes(spans, removals, qstart, qlen):
    all_spans = [Span(s, s + n, "actor", "a", 1, i + 1) for i, (s, n) in enumerate(spans)]
    index = SpanIndex(all_spans[: len(all_spans) // 2])
    for span in all_spans[len(all_spans) // 2:]:
        index.add(span)
    live = {s.id: s for s in all_spans}
    for r in removals:
        if r < len(all_spans):
            index.remove(all_spans[r])
            live.pop(all_spans[r].id, None)
    qend = qstart + qlen
    expected = sorted(s for s in live.values() if s.start < qend and s.end > qstart)
    assert index.overlapping(qstart, qend) == expected
    assert len(index) == len(live)


def test_at_gives_innermost_first():
    outer = Span(0, 100, "quote", "a", 1, 1)
    inner = Span(10, 20, "actor", "a", 1, 2)
    assert SpanIndex([outer, inner]).at(15) == [inner, outer]
    assert SpanIndex([outer, inner]).at(50) == [outer]
