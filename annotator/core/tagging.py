"""Tagging by search: every match of a text or pattern, in chosen documents
or all of them, becomes a span in one person's layer (`annotator tag`, and
the search panel's "Tag all matches")."""

from __future__ import annotations

import re
from typing import NamedTuple

from annotator.core import ops
from annotator.core.changes import Change
from annotator.core.errors import AnnotatorError
from annotator.core.model import normalize_name
from annotator.core.search import matches
from annotator.core.storage import Project


class Tagged(NamedTuple):
    change: Change  # what was added (one undo step)
    found: int  # matches found
    documents: int  # documents with at least one new span

    @property
    def skipped(self) -> int:
        """Matches already tagged so, or inside a span of the label."""
        return self.found - len(self.change.added)


def tag_by_search(project: Project, annotator: str, label: str, pattern: re.Pattern,
                  names: list[str] | None = None) -> Tagged:
    """Tag every match of `pattern` as `label` for `annotator` in the
    documents named `names` (all when None), in one transaction."""
    if label not in project.label_names():
        raise AnnotatorError(f"unknown label {label!r}; known labels are {', '.join(project.label_names())}")
    wanted = {normalize_name(name) for name in names} if names else None
    found: dict[int, list[tuple[int, int]]] = {}
    seen = set()
    for doc_id, name, text in project.texts():
        if wanted is not None and name not in wanted:
            continue
        seen.add(name)
        places = matches(text, pattern)
        if places:
            found[doc_id] = places
    if wanted is not None and wanted - seen:
        missing = sorted(wanted - seen)
        raise AnnotatorError(f"no document named {', '.join(map(repr, missing))} in this project; "
                             "`annotator list` shows the names. Nothing was tagged.")
    change = ops.tag_matches(project, annotator, label, found)
    return Tagged(change, sum(map(len, found.values())), len({s.doc_id for s in change.added}))
