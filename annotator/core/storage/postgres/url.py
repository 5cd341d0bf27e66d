"""Server URLs: telling one from a project file's path, and showing one
without its password.

A project on a server is named by a libpq URL,
`postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?sslmode=...]` (or
`postgres://`). A password may be in it, so a URL is only ever shown
through `redact_url`, and messages that may quote it (libpq's own errors)
through `hide_password`. No psycopg here: telling a URL from a path must
work where the driver is not installed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
HIDDEN = "***"


def is_server_url(text: str) -> bool:
    """Whether `text` names a project on a PostgreSQL server rather than a file."""
    scheme, sep, _ = str(text).partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def _password_keys(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def redact_url(url: str) -> str:
    """`url` with any password (user:PASSWORD@, or ?password=) replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":" + HIDDEN
            netloc = f"{userinfo}@{hostport}"
        query = parts.query
        pairs = _password_keys(query)
        if any(key == "password" for key, _ in pairs):
            query = urlencode([(key, HIDDEN if key == "password" else value) for key, value in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        # Not even a URL's shape: show nothing of it rather than a secret.
        return f"{url.partition('://')[0]}://{HIDDEN}"


def passwords_in(url: str) -> list[str]:
    """The password(s) a URL carries, raw and %-decoded, to scrub from text."""
    found = []
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        found += [value for key, value in _password_keys(parts.query) if key == "password"]
    except ValueError:
        pass
    found += [unquote(p) for p in found]
    return sorted({p for p in found if p}, key=len, reverse=True)


def hide_password(message: str, url: str) -> str:
    """`message` with every password of `url` (and the URL itself) made ***."""
    message = message.replace(url, redact_url(url))
    for secret in passwords_in(url):
        message = message.replace(secret, HIDDEN)
    return message


def database_name(url: str) -> str | None:
    """The database a URL names (its path), or None when it names none
    (libpq then uses the user's name)."""
    try:
        path = unquote(urlsplit(url).path.lstrip("/"))
    except ValueError:
        return None
    return path or None


def server_host(url: str) -> str:
    """The host a URL names, for a window's title ("this computer" when it
    names none: libpq then uses the local socket)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "this computer"
