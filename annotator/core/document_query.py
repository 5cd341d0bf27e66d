"""Which documents the document list shows, and in which order.

A value, not a query string: the store turns it into SQL that an index
answers (see storage/sqlite/document_list.py), so the window asks for the
rows on screen of a million documents without reading the others.

`name_contains` matches anywhere in a document's name, ignoring the case of
ASCII letters (SQLite's LIKE; nothing else folds: "été" does not find
"ÉTÉ"). People filter by a word inside a name ("xinhua", "0777"), not only
by its start, so that is what the filter does. No B-tree answers
"contains": a filter of 3+ characters is answered by a trigram index of the
names (migration 0013_document_names; 1M documents: 5-50 ms for its count
and first page), one of 1-2 characters by reading the name index whole
(names only, never a text: ~65 ms to count at a million, more to find a
page when its matches lie far into the order). Finding documents by their
text is the full-text search's job.
"""

from __future__ import annotations

from dataclasses import dataclass

SORTS = ("name", "spans", "status")  # spans and status: the annotator's own


@dataclass(frozen=True)
class DocumentQuery:
    sort: str = "name"
    descending: bool = False
    name_contains: str = ""

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"cannot sort documents by {self.sort!r}; choose from {', '.join(SORTS)}")
