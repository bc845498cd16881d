"""What `inventory import` loads before it works: a plain CSV pays for no attachment, TOML or export code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from tests.conftest import Files

# Only file attachments (hashing, checks, the blob store), --rejects, kit import, export and a
# config file need these; a CSV of plain parts must not load them (each cost a millisecond or more).
NOT_FOR_A_PLAIN_IMPORT = (
    "hashlib",
    "tomllib",
    "inventory_cli.services.intake",
    "inventory_cli.services.outfiles",
    "inventory_cli.storage.blobs",
    "inventory_cli.storage.stores",
    "inventory_cli.services.kit_importing",
    "inventory_cli.services.exporting",
    # Only a drawn part key needs it (with INVENTORY_HOME set, as here, platformdirs does not load it).
    "random",
)
MARKER = "-- modules --"


@pytest.fixture(autouse=True)
def current_database(isolated_home: Path) -> None:
    """A migrated inventory: creating one is the full path's job (Alembic), not the import's."""
    inventory = Inventory(load_settings())
    with inventory.plain_sql(write=True):
        pass
    inventory.close()


def _import_loading(source: Path, *options: str) -> tuple[str, set[str]]:
    """Run ``inventory import -q SOURCE`` in a fresh interpreter: its output and every module it loaded."""
    program = (
        "import sys\n"
        "from inventory_cli.cli.main import app\n"
        f"sys.argv = ['inventory', 'import', '-q', *{list(options)!r}, {str(source)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print({MARKER!r})\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.partition(MARKER + "\n")
    return output, set(modules.split())


def _keys(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as connection:
        return [key for (key,) in connection.execute("SELECT key FROM parts ORDER BY key")]


def test_a_plain_csv_import_loads_no_hashing_blob_store_or_toml_parser(files: Files) -> None:
    source = files.write("parts.csv", b"key,description,tags\nAAAA,Timer,analog\nBBBB,Resistor,\n")
    output, loaded = _import_loading(source)
    assert "2 created" in output
    assert "inventory_cli.services.importing" in loaded  # the probe sees the program's modules
    assert sorted(loaded & set(NOT_FOR_A_PLAIN_IMPORT)) == []


def test_rows_with_attachment_files_load_what_they_need(files: Files, store_root: Path) -> None:
    files.png("a.png")
    source = files.write("parts.csv", b"key,description,attach\nAAAA,Timer,a.png\n")
    output, loaded = _import_loading(source)
    assert "1 created" in output
    wanted = {"hashlib", "inventory_cli.services.intake", "inventory_cli.storage.blobs"}
    assert wanted <= loaded, sorted(wanted - loaded)
    assert len([p for p in (store_root / "sha256").rglob("*") if p.is_file()]) == 1


def test_a_config_file_is_still_read(files: Files, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('db = "elsewhere.db"\n')
    source = files.write("parts.csv", b"key,description\nAAAA,Timer\n")
    output, loaded = _import_loading(source)
    assert "1 created" in output
    assert "tomllib" in loaded
    assert _keys(isolated_home / "elsewhere.db") == ["AAAA"]  # the file's setting was honoured
    assert _keys(isolated_home / "inventory.db") == []
