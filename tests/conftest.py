"""Shared fixtures: an isolated inventory home per test, a CLI runner, sample files, snapshots."""

from __future__ import annotations

import functools
import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, settings
from PIL import Image
from typer.testing import CliRunner, Result

from inventory_cli.bootstrap import Inventory
from inventory_cli.cli.main import app
from inventory_cli.config import load_settings
from inventory_cli.errors import ExitCode
from tests import pg

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "sample_data"

# Property tests in the suite see the same modest set of examples on every run (derandomized,
# no per-example deadline: timings on a shared machine are noise); soak runs use "soak".
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "soak",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every setting at a fresh folder so no test touches the real home directory."""
    home = tmp_path / "home"
    monkeypatch.setenv("INVENTORY_HOME", str(home))
    for name in ("INVENTORY_DB", "INVENTORY_STORE", "INVENTORY_MAX_IMAGE_BYTES", "INVENTORY_MAX_PDF_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INVENTORY_BUSY_TIMEOUT_MS", "2000")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # No AWS credentials, profiles or instance metadata: an S3 store can reach nothing real.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return home


@pytest.fixture
def db_path(isolated_home: Path) -> Path:
    """The SQLite file of the isolated inventory."""
    return isolated_home / "inventory.db"


@pytest.fixture
def store_root(isolated_home: Path) -> Path:
    """The blob store folder of the isolated inventory."""
    return isolated_home / "blobs"


@pytest.fixture
def inventory(isolated_home: Path) -> Inventory:
    """The composition root on the isolated settings, as a command would build it."""
    return Inventory(load_settings())


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[str, str]]:
    """A database migrated to head once per test process, copied by ``postgres_url``: (admin URL, name)."""
    from inventory_cli.storage import migrator
    from inventory_cli.storage.engine import create_engine_for

    admin = pg.admin_url_or_skip()
    name = pg.unique_name("inv_template")
    engine = create_engine_for(pg.create_database(admin, name), 5000)
    try:
        migrator.upgrade(engine, None)
    finally:
        engine.dispose()
    yield admin, name
    pg.drop_database(admin, name)


@pytest.fixture
def postgres_empty_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no schema), dropped after the test."""
    admin = pg.admin_url_or_skip()
    name = pg.unique_name()
    yield pg.create_database(admin, name)
    pg.drop_database(admin, name)


@pytest.fixture
def postgres_url(postgres_template: tuple[str, str]) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped after the test."""
    admin, template = postgres_template
    name = pg.unique_name()
    yield pg.create_database(admin, name, template=template)
    pg.drop_database(admin, name)


@dataclass
class DbBackend:
    """The database the isolated inventory uses in this test, with raw SQL around the services."""

    name: str
    url: str

    def engine(self) -> Any:
        """A new engine configured as the program configures it (close it with ``dispose()``)."""
        from inventory_cli.storage.engine import create_engine_for

        return create_engine_for(self.url, 2000)

    def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """All rows of one query, read in its own transaction."""
        from sqlalchemy import text

        engine = self.engine()
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), params)]
        finally:
            engine.dispose()

    def execute(self, sql: str, **params: Any) -> None:
        """Run one statement and commit it (deferred checks run at the commit)."""
        from sqlalchemy import text

        engine = self.engine()
        try:
            with engine.begin() as connection:
                connection.execute(text(sql), params)
        finally:
            engine.dispose()

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every inventory table, for before/after comparisons."""
        from inventory_cli.domain.models import metadata

        return {
            table.name: self.query(f"SELECT * FROM {table.name} ORDER BY 1")
            for table in metadata.sorted_tables
        }


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(
    request: pytest.FixtureRequest, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> DbBackend:
    """Runs the test once on SQLite (the default file) and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return DbBackend("sqlite", f"sqlite:///{isolated_home / 'inventory.db'}")
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("INVENTORY_DB", url)
    return DbBackend("postgresql", url)


CliRun = Callable[..., Result]


@functools.cache
def _command() -> Any:
    return typer.main.get_command(app)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run ``inventory ARGS`` in-process; stdin is not a terminal, like in a script."""
    # Typer rebuilds the command tree (~40 ms) on every invoke; the tree never changes.
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _command())
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return run


def json_out(result: Result) -> Any:
    """Parse a command's stdout as the one JSON document it must be."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return json.loads(result.stdout)


def overwrite(path: Path, data: bytes) -> None:
    """Replace a file's bytes even when it is read-only, as stored blobs are."""
    path.chmod(0o644)
    path.write_bytes(data)


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """Encoded bytes of a small solid image; distinct colours give distinct content."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(text: str = "datasheet") -> bytes:
    """A small but well-formed PDF."""
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 255, 255)).save(buffer, "PDF", title=text)
    return buffer.getvalue()


@dataclass
class Files:
    """Makes input files in a test folder."""

    folder: Path

    def write(self, name: str, data: bytes) -> Path:
        """Write ``data`` to ``name`` and return its path."""
        path = self.folder / name
        path.write_bytes(data)
        return path

    def png(self, name: str = "photo.png", color: tuple[int, int, int] = (200, 30, 30)) -> Path:
        """A PNG image."""
        return self.write(name, image_bytes("PNG", color=color))

    def jpeg(self, name: str = "photo.jpg", color: tuple[int, int, int] = (30, 200, 30)) -> Path:
        """A JPEG image."""
        return self.write(name, image_bytes("JPEG", color=color))

    def pdf(self, name: str = "datasheet.pdf", text: str = "datasheet") -> Path:
        """A PDF document."""
        return self.write(name, pdf_bytes(text))


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """A factory of input files in ``tmp_path/in``."""
    folder = tmp_path / "in"
    folder.mkdir()
    return Files(folder)


@dataclass(frozen=True)
class Snapshot:
    """Row counts of every table, every row of the set-related tables, and the blob files."""

    rows: dict[str, Any]
    blobs: frozenset[str]


def snapshot(db_path: Path, store_root: Path) -> Snapshot:
    """What the database and the blob store hold now, for before/after comparisons."""
    rows: dict[str, Any] = {}
    if db_path.exists():
        connection = sqlite3.connect(db_path)
        try:
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                rows[table] = connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        finally:
            connection.close()
    blobs = (
        frozenset(str(p.relative_to(store_root)) for p in store_root.rglob("*") if p.is_file())
        if store_root.exists()
        else frozenset()
    )
    return Snapshot(rows, blobs)


State = Callable[[], Snapshot]


@pytest.fixture
def state(db_path: Path, store_root: Path) -> State:
    """Take a snapshot of the isolated inventory."""
    return lambda: snapshot(db_path, store_root)


@pytest.fixture
def part_key(cli: CliRun) -> str:
    """A part created through the CLI, with its key returned."""
    result = cli(
        "part", "add", "8-bit shift register", "--key", "ABCD", "--type", "Logic IC", "--mpn", "SN74HC595N"
    )
    assert result.exit_code == 0, result.stderr
    return "ABCD"


@pytest.fixture
def kit_name(cli: CliRun) -> str:
    """A kit created through the CLI, with its name returned."""
    result = cli("kit", "add", "Synth Voice", "--description", "Analog voice board", "--build-target", "2")
    assert result.exit_code == 0, result.stderr
    return "Synth Voice"


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a raw SQL query, read around the services."""
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def count(db_path: Path, table: str) -> int:
    """Number of rows in ``table``."""
    return int(query(db_path, f"SELECT COUNT(*) FROM {table}")[0][0])


def assert_error(result: Result, code: ExitCode, *needles: str) -> None:
    """A failed command: its exit code, nothing on stdout, one error line and maybe a hint."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2, lines
    assert lines[0].startswith("error: "), lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    if len(lines) == 2:
        assert lines[1].startswith("hint: "), lines


def fails(cli: CliRun, state: State, code: ExitCode, args: list[str], *needles: str) -> Result:
    """Run a command that must fail and must leave the database and the blob store as they were."""
    before = state()
    result = cli(*args)
    assert_error(result, code, *needles)
    assert state() == before
    return result
