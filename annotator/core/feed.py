"""What other programs changed: the change log as the window reads it.

Every commit records which spans, documents and labels it touched (see
storage/sqlite/changelog.py). A window that last looked at position `seq`
asks for what came after (`Project.changes_since(seq)`) and gets a `Feed`:
it re-reads just those spans and document rows. Ids are kept as ranges,
because tag-all and import hand out consecutive ids: 50,000 spans are one
range, not 50,000 numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, Iterator, Mapping, NamedTuple


class IdRanges:
    """A set of ids held as sorted, disjoint, inclusive (first, last) ranges.
    Answers `in`, `len` and iteration like a frozenset. `doc_id`: the
    document these span ids belong to, if they are span ids (a range from an
    import may also cover other documents' spans; readers filter by it)."""

    __slots__ = ("ranges", "doc_id", "_firsts")

    def __init__(self, ranges: Iterable[tuple[int, int]] = (), doc_id: int | None = None):
        merged: list[tuple[int, int]] = []
        for first, last in sorted(ranges):
            if merged and first <= merged[-1][1] + 1:
                if last > merged[-1][1]:
                    merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        self.ranges = tuple(merged)
        self.doc_id = doc_id
        self._firsts = [first for first, _ in merged]

    @classmethod
    def of(cls, ids: Iterable[int], doc_id: int | None = None) -> "IdRanges":
        return cls(((i, i) for i in ids), doc_id)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, int):
            return False
        i = bisect_right(self._firsts, item) - 1
        return i >= 0 and item <= self.ranges[i][1]

    def __len__(self) -> int:
        return sum(last - first + 1 for first, last in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __iter__(self) -> Iterator[int]:
        for first, last in self.ranges:
            yield from range(first, last + 1)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IdRanges):
            return self.ranges == other.ranges and self.doc_id == other.doc_id
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.ranges, self.doc_id))

    def __repr__(self) -> str:
        where = f", doc_id={self.doc_id}" if self.doc_id is not None else ""
        return f"IdRanges({list(self.ranges)}{where})"


class Feed(NamedTuple):
    """Everything committed after a position in the change log."""

    # the log's position after these changes: ask from here next time (a
    # file's log counts rows; a server's is a snapshot, storage/postgres/changelog.py)
    seq: int | str
    documents: IdRanges  # documents added, or whose statuses or span counts changed
    spans: Mapping[int, IdRanges]  # document id -> its spans added, relabelled or removed
    labels: bool  # the label schema changed

    def __bool__(self) -> bool:
        return bool(self.documents or self.spans or self.labels)

    @classmethod
    def from_rows(cls, seq: int | str, rows: Iterable[tuple[str, int | None, int | None, int | None]]) -> "Feed":
        """The feed of change log rows (kind, doc_id, first_id, last_id)."""
        spans: dict[int, list[tuple[int, int]]] = {}
        documents: list[tuple[int, int]] = []
        labels = False
        for kind, doc_id, first, last in rows:
            if kind == "spans":
                spans.setdefault(doc_id, []).append((first, last))
            elif kind == "documents":
                documents.append((first, last))
            else:
                labels = True
        return cls(seq, IdRanges(documents), {doc: IdRanges(r, doc) for doc, r in spans.items()}, labels)
