"""Opening a server project as a person: the name a person writes under
(`--user`) must be the login the server knows them by, since the
server's policies compare a layer's owner with `session_user`. Asking
for another name is refused here, before anything is read or written,
rather than by the server at the first write.
"""

from __future__ import annotations

from annotator.core.errors import ProjectError
from annotator.core.model import normalize_name, shown
from annotator.core.storage.postgres.project import ServerProject

LOGIN = "SELECT session_user"


def _name(name: str) -> str:
    return name if name.isprintable() and len(name) <= 63 else shown(name)


def login_name(project: ServerProject) -> str:
    """Who the project's connection logged in as."""
    return project.conn.execute(LOGIN).fetchone()[0]


def open_server_project(url: str, user: str | None = None, *, asked_by: str = "--user",
                        password: str | None = None) -> ServerProject:
    """The project at `url`, for `user` (None: whoever the URL logs in as).
    `asked_by` names where `user` came from, for the message; `password`,
    one the person typed (else libpq's usual sources)."""
    project = ServerProject.open(url, password)
    try:
        login = login_name(project)
        if user is not None and normalize_name(user) != login:
            # (names are checked printable by the CLI; shown() only if not)
            raise ProjectError(f"you are connected to {project.path} as {_name(login)}; {asked_by} "
                               f"{_name(user)} would write as someone else. Leave {asked_by} out, or "
                               f"connect as {_name(user)} (postgresql://{_name(user)}@HOST/DATABASE).")
    except BaseException:
        project.close()
        raise
    project.login = login
    return project
