"""Which documents the document list shows, and in which order.

A value, not a query string: the store turns it into SQL that an index
answers (see storage/sqlite/document_list.py), so the window asks for the
rows on screen of a million documents without reading the others.

`name_contains` matches anywhere in a document's name, ignoring the case of
ASCII letters (SQLite's LIKE). People filter by a word inside a name
("xinhua", "0777"), not only by its start, so that is what the filter does,
though no B-tree answers it: the name index is read whole (covering, never
a text): about 0.1-0.2 s a key typed at a million documents, instant at
ten thousand. Finding documents by their text is the full-text search's job.
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
