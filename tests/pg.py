"""PostgreSQL for tests: the server named by INVENTORY_TEST_POSTGRES_URL, throwaway databases on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# An admin URL (postgresql+psycopg://USER@HOST:PORT/DB) of a server on which tests may CREATE DATABASE;
# `scripts/postgres-server start` prints one. CI must set it: there a missing server fails.
ENV = "INVENTORY_TEST_POSTGRES_URL"


def admin_url_or_skip() -> str:
    """The admin URL; skips the test with a visible reason when unset, fails instead under CI."""
    url = os.environ.get(ENV, "").strip()
    if url:
        return url
    reason = f"PostgreSQL tests need {ENV} (run scripts/postgres-server start and export the URL it prints)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must not skip them", pytrace=False)
    pytest.skip(reason)


def unique_name(prefix: str = "inv") -> str:
    """A database name no other test or pytest-xdist worker uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:12]}"


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` pointing at database ``name``."""
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def admin_connection(admin_url: str) -> Iterator[Any]:
    """An autocommit connection to the admin database (CREATE/DROP DATABASE need one)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (a copy of ``template`` when given); its URL."""
    with admin_connection(admin_url) as connection:
        copy = f" TEMPLATE {template}" if template else ""
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name``, closing any connection a test left open."""
    with admin_connection(admin_url) as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
