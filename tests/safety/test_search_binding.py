"""User text reaches SQL only as bound parameters, and a search matches it literally.

The test records every statement the program's SQLite connections run, whichever path opened
them (SQLAlchemy's driver or the plain sqlite3 one): ``sqlite3.connect`` hands out connections
whose ``execute`` calls are logged with their parameters. The user's text must appear among the
parameters and never inside a statement's text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun
from tests.e2e.seeded import restore, seeded_home

Logged = list[tuple[str, Any]]


class _Cursor(sqlite3.Cursor):
    log: Logged

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        self.log.append((sql, parameters))
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        parameters = list(parameters)
        self.log.append((sql, parameters))
        return super().executemany(sql, parameters)


class _Connection(sqlite3.Connection):
    log: Logged

    def cursor(self, factory: Any = None) -> Any:
        cursor = super().cursor(factory or _Cursor)
        cursor.log = self.log
        return cursor

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        self.log.append((sql, parameters))
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        parameters = list(parameters)
        self.log.append((sql, parameters))
        return super().executemany(sql, parameters)

    def executescript(self, script: str, /) -> Any:
        self.log.append((script, ()))
        return super().executescript(script)


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[Logged]:
    """Every statement run by SQLite connections opened inside the block, with its parameters."""
    log: Logged = []
    connect = sqlite3.connect

    def recording(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, factory=_Connection, **kwargs)
        connection.log = log
        return connection

    with monkeypatch.context() as patch:
        patch.setattr(sqlite3, "connect", recording)
        patch.setattr(sqlite3.dbapi2, "connect", recording)
        yield log


# Texts in every field a search looks in, with the characters LIKE and quoting care about.
PARTS = {
    "PCNT": ("50% duty", "Acme_Co", "X%1", "DIP-8", None),
    "UNDS": ("a_b jumper", "O'Brien", 'Q"2', None, "back\\slash"),
    "PLAN": ("axb jumper", "Ärger GmbH", "SN74", "SOIC", "[x]"),
    "QUOT": ("it's 'quoted'", None, None, "0805", "*glob?"),
}
FIELDS = ("key", "description", "manufacturer", "mpn", "package", "series")

template = seeded_home(
    *(
        (
            "part",
            "add",
            description,
            "--key",
            key,
            *(("--manufacturer", maker) if maker else ()),
            *(("--mpn", mpn) if mpn else ()),
            *(("--package", package) if package else ()),
            *(("--series", series) if series else ()),
        )
        for key, (description, maker, mpn, package, series) in PARTS.items()
    )
)


def expected_keys(text: str) -> list[str]:
    """The keys whose fields contain ``text`` literally, in any case (Python's casefold)."""
    wanted = text.casefold()
    return sorted(
        key
        for key, values in PARTS.items()
        if any(wanted in value.casefold() for value in (key, *values) if value is not None)
    )


def _sql_texts(log: Logged) -> list[str]:
    return [sql for sql, _ in log]


def _parameters(log: Logged) -> list[Any]:
    found: list[Any] = []
    for _, params in log:
        rows = params if isinstance(params, list) else [params]
        for row in rows:
            found += list(row.values()) if isinstance(row, dict) else list(row)
    return found


# Pieces of a search: LIKE wildcards, quotes, escapes, comment marks, case pairs, bidi control.
SEARCH_TEXT = st.lists(
    st.sampled_from([*"%_'\"\\[]*?;- abxÄä8", "ß", "\u202e", "--", "/*", "' OR '1'='1", "50%", "a_b"]),
    min_size=1,
    max_size=6,
).map("".join)


@pytest.fixture
def seeded(template: Any, isolated_home: Any) -> None:
    restore(template, isolated_home)


@given(text=SEARCH_TEXT)
def test_search_text_is_bound_and_matches_literally(
    cli: CliRun, seeded: None, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    with statements(monkeypatch) as log:
        result = cli("part", "list", "--search", text, "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert sorted(p["key"] for p in json.loads(result.stdout)) == expected_keys(text)
    assert log, "no statement was recorded: the recorder missed the connection"
    assert text in _parameters(log)
    # Inlined, the text would show up as an SQL string literal (quotes doubled).
    literal = "'" + text.replace("'", "''") + "'"
    assert not any(literal in sql for sql in _sql_texts(log)), text


@pytest.mark.parametrize(
    "text",
    ["'; DROP TABLE parts; --", "50%", "a_b", "x' OR 'x'='x", "Robert'); --"],
)
def test_hostile_search_and_show_reach_sql_only_as_parameters(
    cli: CliRun, seeded: None, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    with statements(monkeypatch) as log:
        listed = cli("part", "list", "--search", text, "--json")
        shown = cli("part", "show", text, "--json")
        tagged = cli("part", "list", "--tag", text, "--json")
    assert listed.exit_code == 0 and tagged.exit_code == 0, (listed.stderr, tagged.stderr)
    assert shown.exit_code in (ExitCode.USAGE, ExitCode.NOT_FOUND), shown.stderr
    assert not any(text in sql for sql in _sql_texts(log))
    assert text in _parameters(log)
    assert cli("part", "list", "--json").exit_code == 0  # the table is still there
