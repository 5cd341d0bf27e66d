"""Projects on a PostgreSQL server (issue 16): one project is one database.

`url.py` tells a server URL from a file path and shows one without its
password (no driver needed); `connect.py` opens connections through
psycopg 3, the optional extra `annotator[postgres]`; `migrations.py` the
schema and its row-level security; `security.py` the project's roles and
grants; `admin.py` `init_server`, `add_user` and `users`; `project.py`
`ServerProject` (the Store: reads, and `write()`); `unit.py` its unit of
work (every write); `changelog.py` the change log rows a unit writes;
`refusals.py` what a person is told when the server refuses a write.
`bulk_reads.py` the whole-project reads the command line needs (listing,
export rows, texts; streamed through held server-side cursors);
`opening.py` `open_server_project(url, user)` (a --user other than the
login refused); `first_labels.py` the default labels a new project gets.

Only this package imports psycopg (import-linter).
"""

from annotator.core.storage.postgres.url import is_server_url, redact_url

__all__ = ["is_server_url", "redact_url"]
