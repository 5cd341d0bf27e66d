"""Searching the open document, and tagging what was found (the search bar,
Ctrl+F). Mixed into `Session`: the hits are part of what the view draws, so
they live with the rest of its state and changes to them go out as
`Changed(search=True)`."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from annotator.core import ops
from annotator.core.changes import Change
from annotator.core.errors import AnnotatorError
from annotator.core.search import matches, pattern_for


@dataclass
class Search:
    query: str
    regex: bool
    case_sensitive: bool
    whole_word: bool
    hits: list[tuple[int, int]]  # (start, end) in the open document, in text order
    current: int | None = None  # index into hits: the one shown
    problem: str = ""  # why the query finds nothing (a bad pattern), if it is why


class Searches:
    """The part of Session that finds and tags search hits."""

    search: Search | None = None

    def find(self, query: str, *, regex: bool = False, case_sensitive: bool = False,
             whole_word: bool = True, here: int = 0) -> Search | None:
        """Search the open document; the first hit at or after offset `here`
        becomes current. An empty query clears the search."""
        with self._batch() as c:
            c.set(search=True)
            if not query or self.doc is None:
                self.search = None
                return None
            try:
                pattern = pattern_for(query, regex=regex, case_sensitive=case_sensitive, whole_word=whole_word)
            except AnnotatorError as e:
                self.search = Search(query, regex, case_sensitive, whole_word, [], problem=str(e))
                return self.search
            hits = matches(self.text, pattern)
            current = min(bisect_left(hits, (here, -1)), len(hits) - 1) if hits else None
            self.search = Search(query, regex, case_sensitive, whole_word, hits, current)
            return self.search

    def step_hit(self, step: int) -> None:
        """Show the next (or previous) hit, round the end."""
        search = self.search
        if search is None or not search.hits:
            return
        with self._batch() as c:
            search.current = ((search.current or 0) + step) % len(search.hits) if search.current is not None else 0
            c.set(search=True)

    def clear_search(self) -> None:
        if self.search is not None:
            with self._batch() as c:
                self.search = None
                c.set(search=True)

    def refresh_search(self) -> None:
        """Search the open document again (another document was opened)."""
        search = self.search
        if search is not None:
            self.find(search.query, regex=search.regex, case_sensitive=search.case_sensitive,
                      whole_word=search.whole_word)

    def tag_hits(self, label: str, everywhere: bool = False) -> None:
        """Tag every hit as `label` in your layer: in this document, or (with
        `everywhere`) every match in every document, as one undo step."""
        search = self.search
        if search is None or self.doc is None or (not search.hits and not everywhere):
            self._tell("Nothing found to tag.")
            return
        count_words = lambda n: f"{n:,} match{'es' if n != 1 else ''}"  # noqa: E731

        def done(change: Change) -> None:
            added = len(change.added)
            where = "in every document" if everywhere else "in this document"
            if added:
                self._record(change, f"tag {count_words(added)} of “{search.query}” as {label}")
            self._tell(f"Tagged {count_words(added)} as {label} {where}"
                       + ("" if added else " (all were already tagged)") + ".", 5000)

        if everywhere:
            from annotator.core.tagging import tag_by_search

            pattern = pattern_for(search.query, regex=search.regex, case_sensitive=search.case_sensitive,
                                  whole_word=search.whole_word)
            user = self.user  # (read now: the write may run on the queue's thread)
            self._commit(lambda project: tag_by_search(project, user, label, pattern).change, then=done)
        else:
            self._commit(ops.tag_matches, self.user, label, {self.doc.id: list(search.hits)}, then=done)
