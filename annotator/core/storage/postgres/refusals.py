"""What a person is told when the server refuses or fails a write.

The policies and grants (migrations.py, security.py) are the rules; the
server reports a broken one as "permission denied for table documents" or
"new row violates row-level security policy for table "spans"". Those
become sentences about people and layers, naming the project and who is
connected; anything else the server says is passed on, on one line.
"""

from __future__ import annotations

import re

from annotator.core.errors import AnnotatorError, ProjectBusy, ProjectError, SpanError
from annotator.core.layers import GOLD_NAME
from annotator.core.storage.postgres.connect import driver, server_message

__all__ = ["busy", "driver", "layer_refused", "message_for"]

_TABLE = re.compile(r'table "?([A-Za-z_]+)"?')
_OWN_LAYER = "you may change only your own layer (reviewers also the gold layer)"
# What each table's rule is, as a person would put it.
WHY = {
    "documents": "only the project's admins may add, change or remove documents",
    "labels": "only the project's admins may change the labels",
    "review_decisions": "only reviewers may record review decisions, each under their own name",
    "change_log": "the change log is written by the program, as you",
    "spans": _OWN_LAYER, "span_notes": _OWN_LAYER, "document_status": _OWN_LAYER,
    "layer_counts": _OWN_LAYER, "merged_layers": _OWN_LAYER,
}
# Tables whose refusals are about spans and layers (the rest: the project).
_SPAN_TABLES = {"spans", "span_notes", "document_status", "layer_counts", "merged_layers", "review_decisions"}


def layer_refused(shown_as: str, user: str, owner: str, doing: str) -> SpanError:
    """A span of `owner`'s layer that `user` tried to change."""
    whose = "the gold layer" if owner == GOLD_NAME else f"{owner}'s layer"
    return SpanError(f"{shown_as}: the server refused: that span is in {whose}, and {_OWN_LAYER} "
                     f"(connected as {user}); nothing was changed")


def busy(shown_as: str) -> ProjectBusy:
    """A write that met another's lock (its `lock_timeout` ran out)."""
    return ProjectBusy(f"{shown_as}: another change on the server holds what this one needs (an admin's "
                       "import or label change); nothing was changed yet")


def message_for(error: Exception, shown_as: str, url: str, user: str) -> AnnotatorError:
    """The AnnotatorError to raise for a server error during a write on
    the project at `url` (shown as `shown_as`)."""
    errors = driver().errors
    said = server_message(error, url)
    if isinstance(error, errors.LockNotAvailable):
        return busy(shown_as)
    if isinstance(error, errors.InsufficientPrivilege):
        found = _TABLE.search(said)
        table = found.group(1) if found else ""
        why = WHY.get(table, "you may not make this change")
        kind = SpanError if table in _SPAN_TABLES else ProjectError
        return kind(f"{shown_as}: the server refused: {why} (connected as {user}); nothing was changed")
    if isinstance(error, errors.UniqueViolation):
        return SpanError(f"{shown_as}: the server refused: it holds that already ({said}); nothing was changed")
    if isinstance(error, errors.IntegrityError | errors.DataError):
        return SpanError(f"{shown_as}: the server refused: {said}; nothing was changed")
    if isinstance(error, errors.OperationalError) or getattr(error, "sqlstate", None) is None:
        return ProjectError(f"{shown_as}: the connection to the server failed ({said}); nothing was changed")
    return ProjectError(f"{shown_as}: the server could not make the change: {said}; nothing was changed")
