"""Counts the SQL statements one ``inventory`` command sends to SQLite, in process.

    python bench/sql_counts.py --db DB --store STORE part list

Wraps ``sqlite3.connect`` (which both the plain SQL path and SQLAlchemy's SQLite driver call) so
that every connection reports each statement it runs, then runs the command as the console script
would, with its output thrown away, and prints the number of statements. Needs no program hooks.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from typing import Any

statements: list[str] = []


def _record(statement: str) -> None:
    # Statements run inside a trigger arrive as "-- TRIGGER ..." comments: not sent by the program.
    if not statement.lstrip().startswith("--"):
        statements.append(statement)


def _counting_connect(original: Any) -> Any:
    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = original(*args, **kwargs)
        connection.set_trace_callback(_record)
        return connection

    return connect


def main(arguments: list[str]) -> int:
    """Run ``inventory ARGUMENTS`` in this process; print how many statements it ran."""
    counting = _counting_connect(sqlite3.connect)
    sqlite3.connect = counting
    sqlite3.dbapi2.connect = counting
    from inventory_cli.cli.main import run

    sys.argv = ["inventory", *arguments]
    code: Any = 0
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        try:
            run()
        except SystemExit as exc:
            code = exc.code
    print(len(statements))
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
