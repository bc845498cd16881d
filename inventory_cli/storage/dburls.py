"""How messages name a database: passwords hidden, SQLite files by their path."""

from __future__ import annotations


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not parseable: hide whatever sits between "://user:" and "@".
        head, sep, rest = url.partition("://")
        if sep and "@" in rest:
            credentials, _, host = rest.rpartition("@")
            user = credentials.split(":", 1)[0]
            return f"{head}://{user}{':***' if ':' in credentials else ''}@{host}"
        return url


def describe(url: str) -> str:
    """How messages name a database: a SQLite file by its path, anything else by its redacted URL."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else redact(url)
