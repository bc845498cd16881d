"""Database URLs: which dialect they name, how messages show them, and what SQLite never imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inventory_cli.errors import ExitCode, InventoryError
from inventory_cli.storage.engine import describe, dialect_of, redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://inv:pw@db.local:5432/inventory",
            "postgresql+psycopg://inv:***@db.local:5432/inventory",
        ),
        ("postgresql+psycopg://inv@db.local/inventory", "postgresql+psycopg://inv@db.local/inventory"),
        # Unparseable (a port that is not a number): the password is still cut out.
        (
            "postgresql+psycopg://inv:pw@db.local:port/inventory",
            "postgresql+psycopg://inv:***@db.local:port/inventory",
        ),
    ],
)
def test_redact_hides_the_password(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert describe(url) == shown


def test_a_sqlite_file_is_described_by_its_path() -> None:
    assert describe("sqlite:////data/inventory.db") == "/data/inventory.db"


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite:////data/inventory.db", "sqlite"),
        ("postgresql+psycopg://inv@db.local/inventory", "postgresql"),
        ("postgresql://inv@db.local:5433/inventory", "postgresql"),
    ],
)
def test_supported_urls(url: str, dialect: str) -> None:
    assert dialect_of(url) == dialect


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",  # in memory: every command would start empty
        "postgresql+psycopg://inv@db.local",  # no database
        "postgresql+psycopg2://inv@db.local/inventory",
        "mysql://inv@db.local/inventory",
        "postgresql+psycopg://inv:pw@db.local:port/inventory",
    ],
)
def test_unsupported_or_malformed_urls_are_invalid_input(url: str) -> None:
    with pytest.raises(InventoryError) as refused:
        dialect_of(url)
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert "pw" not in refused.value.message


CHECK_IMPORTS = """
import sys
from typer.testing import CliRunner
from inventory_cli.cli.main import app
result = CliRunner().invoke(app, ["part", "list", "--json"])
assert result.exit_code == 0, result.output
driver = [m for m in sys.modules if m.split(".")[0] == "psycopg"]
dialect = [m for m in sys.modules if m.startswith("sqlalchemy.dialects.postgresql")]
print(len(driver), len(dialect))
"""


def test_the_sqlite_path_imports_nothing_of_postgresql() -> None:
    def imported() -> tuple[int, int]:
        """How many modules of the driver and of SQLAlchemy's PostgreSQL dialect were imported."""
        run = subprocess.run(
            [sys.executable, "-c", CHECK_IMPORTS], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stderr
        driver, dialect = run.stdout.split()
        return int(driver), int(dialect)

    # Creating the database runs Alembic, which loads SQLAlchemy's dialect modules, never the driver.
    assert imported()[0] == 0
    # An existing database: not even SQLAlchemy's PostgreSQL dialect.
    assert imported() == (0, 0)
