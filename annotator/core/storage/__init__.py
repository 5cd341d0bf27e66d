"""Storage: the one place that knows how a project is kept, and the only
one with SQL (import-linter forbids sqlite3 and sqlite-utils elsewhere).

The rest of the program sees `Project`: reads (labels, documents, spans,
statuses, the change log, export rows) and `write()`, a unit of work that
nests (see interface.py for the whole surface, which a PostgreSQL backend
will implement too). Today there is one backend, a SQLite file.
"""

from annotator.core.storage.sqlite.connect import BUSY_TIMEOUT_SECONDS
from annotator.core.storage.sqlite.project import Project
from annotator.core.storage.sqlite.read_only import open_read_only
from annotator.core.storage.sqlite.reads import SpanReader
from annotator.core.storage.sqlite.watch import FileIdentity, abandoned

__all__ = ["BUSY_TIMEOUT_SECONDS", "FileIdentity", "Project", "SpanReader", "abandoned", "open_read_only"]
