"""The document list's rows, read a page at a time as the view asks.

`DocumentRows` stands where a list of every `DocumentSummary` stood: it
answers `len()`, `rows[i]` and `row_of(doc_id)` from a few cached pages of
PAGE rows and the store's indexed queries (`document_total`,
`document_page`, `document_row`), so a million documents cost what the
screen shows. Qt-free; `DocumentTableModel` turns its changes into signals.

Two kinds of change keep the cache true:
- `refresh(ids)`: these documents' counts or statuses changed. Their cached
  rows are read again in place (a row of a page not cached is read when
  shown). Sorted by name that is all; sorted by span count or status a
  changed row may move, and a document the cache does not hold may have
  moved onto the screen, so the order is dropped (`reorder`).
- `reorder()`: where rows are changed (documents added, rows moved): the
  pages and the count are dropped and `version` moves; the ids the old
  pages showed stay readable (`previous_id`), so the model can move the
  selection to the same document's new row.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Iterator

from annotator.core.document_query import DocumentQuery
from annotator.core.model import DocumentSummary

PAGE = 200  # rows read at once: ~6 screens of the list, one query (<1 ms by name)
PAGES_KEPT = 32  # cached pages (6,400 rows); the least recently shown go first


class DocumentRows:
    def __init__(self, project, annotator: str, query: DocumentQuery = DocumentQuery()):
        self.project = project
        self.annotator = annotator
        self.query = query
        self.version = 0
        self._pages: OrderedDict[int, list[DocumentSummary]] = OrderedDict()
        self._row_of: dict[int, int] = {}  # doc id -> row, of the cached pages
        self._ranks: dict[int, int | None] = {}  # doc id -> row, asked of the store since
        self._total: int | None = None
        self._previous: dict[int, int] = {}  # row -> doc id, as shown before the last reorder
        self._last_id: int | None = None  # the highest document id when read: higher ones are new

    # ------------------------------------------------------------ reading

    def __len__(self) -> int:
        if self._total is None:
            self._total = self.project.document_total(self.query)
            self._last_id = self.project.highest_document_id()
        return self._total

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, row: int) -> DocumentSummary:
        n = len(self)
        if row < 0:
            row += n
        if not 0 <= row < n:
            raise IndexError(row)
        page = self._page(row // PAGE)
        if row % PAGE >= len(page):  # (the project changed under a stale count)
            raise IndexError(row)
        return page[row % PAGE]

    def __iter__(self) -> Iterator[DocumentSummary]:
        for row in range(len(self)):
            yield self[row]

    def row_of(self, doc_id: int) -> int | None:
        """The row of `doc_id` under the current sort and filter, or None."""
        row = self._row_of.get(doc_id)
        if row is not None:
            return row
        if doc_id not in self._ranks:
            self._ranks[doc_id] = self.project.document_row(self.annotator, self.query, doc_id, len(self))
        return self._ranks[doc_id]

    def cached_row(self, doc_id: int) -> int | None:
        """The row of `doc_id` if a cached page holds it (what can be on screen)."""
        return self._row_of.get(doc_id)

    def previous_id(self, row: int) -> int | None:
        """Which document row `row` showed before the last `reorder`."""
        return self._previous.get(row)

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def _page(self, number: int) -> list[DocumentSummary]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        # With the next page too, unless it is cached: a screen usually
        # straddles two pages, and each read is an index walk to its offset
        # (at a million documents, tens of ms), so one walk serves both.
        pages = 1 if number + 1 in self._pages else 2
        rows = self.project.document_page(self.annotator, self.query, number * PAGE, pages * PAGE, len(self))
        for k in range(pages):
            chunk = rows[k * PAGE:(k + 1) * PAGE]
            if k and not chunk:
                break
            self._pages[number + k] = chunk
            first = (number + k) * PAGE
            self._row_of.update((summary.id, first + i) for i, summary in enumerate(chunk))
        self._pages.move_to_end(number)  # (the page asked for is the most recently used)
        while len(self._pages) > PAGES_KEPT:
            old_number, old = self._pages.popitem(last=False)
            for summary in old:
                self._row_of.pop(summary.id, None)
        return self._pages[number]

    # ------------------------------------------------------------ changing

    def refresh(self, doc_ids: Iterable[int]) -> bool:
        """Read these documents' rows again; True if the order was dropped
        (rows moved or were added: see the module docstring)."""
        doc_ids = set(doc_ids)
        if not doc_ids:
            return False
        if self._last_id is not None and max(doc_ids) > self._last_id:
            self.reorder()  # another program added documents
            return True
        cached = [doc_id for doc_id in doc_ids if doc_id in self._row_of]
        fresh = {row.id: row for row in self.project.document_rows(self.annotator, cached)}
        moved = self.query.sort != "name" and len(cached) < len(doc_ids)
        for doc_id in cached:
            row = self._row_of[doc_id]
            page = self._pages[row // PAGE]
            old, new = page[row % PAGE], fresh.get(doc_id)
            if new is None:
                moved = True
                continue
            if (self.query.sort == "spans" and new.span_count != old.span_count
                    or self.query.sort == "status" and new.status != old.status):
                moved = True
            page[row % PAGE] = new
        if moved:
            self.reorder()
        return moved

    def reorder(self) -> None:
        """Forget the pages and the count: rows were added or moved."""
        self._previous = {row: doc_id for doc_id, row in self._row_of.items()}
        self._pages.clear()
        self._row_of.clear()
        self._ranks.clear()
        self._total = None
        self._last_id = None
        self.version += 1
