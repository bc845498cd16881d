"""The part import on its light path: plain SQL on a current SQLite file, the same rows on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.services.import_core import ImportRequest
from inventory_cli.services.importing import import_parts
from tests.conftest import REPO_ROOT, DbBackend, Files

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "PIL")
CSV = (
    "key,description,type,tags,stock,attach,cover\n"
    "AAAA,Timer,logic ic,analog;timer,1-1=5,a.png;https://example.com/ds,a.png\n"
    "BBBB,Resistor,,,,,\n"
)


def _current_database(home: Path, files: Files) -> Path:
    """A migrated inventory with one box of two slots, and the CSV beside its attachment."""
    inventory = Inventory(load_settings())
    with inventory.plain_sql(write=True) as sql:  # the first use creates the schema (full path)
        box = sql.scalar("INSERT INTO boxes (description, capacity) VALUES ('Drawer', 2) RETURNING id")
        sql.execute_many(
            "INSERT INTO locations (box_id, slot) VALUES (:box, :slot)",
            [{"box": box, "slot": 1}, {"box": box, "slot": 2}],
        )
    inventory.close()
    files.png("a.png")
    return files.write("parts.csv", CSV.encode())


def _loaded_modules(program: str) -> tuple[str, list[str]]:
    """Run ``program`` in a fresh interpreter; its last stdout line lists the heavy modules it loaded."""
    program += f"\nimport sys\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    *output, modules = done.stdout.splitlines()
    return "\n".join(output), json.loads(modules.replace("'", '"'))


def test_an_import_into_a_current_sqlite_file_loads_no_orm_validation_or_image_library(
    files: Files, isolated_home: Path, db_path: Path
) -> None:
    path = _current_database(isolated_home, files)
    program = (
        "from pathlib import Path\n"
        "from inventory_cli.bootstrap import Inventory\n"
        "from inventory_cli.config import load_settings\n"
        "from inventory_cli.services.import_core import ImportRequest\n"
        "from inventory_cli.services.importing import import_parts\n"
        f"path = Path({str(path)!r})\n"
        "request = ImportRequest(path.read_bytes(), name=path.name, fmt='csv', base_dir=path.parent)\n"
        "result = import_parts(Inventory(load_settings()), request)\n"
        "print(result.created, result.errors)\n"
    )
    output, modules = _loaded_modules(program)
    assert output == "2 []"
    assert modules == []


def test_the_import_command_on_a_current_sqlite_file_loads_no_orm(files: Files, isolated_home: Path) -> None:
    """Through the command line; pydantic is left out here, as the CLI framework loads it itself."""
    path = _current_database(isolated_home, files)
    program = (
        "import sys\n"
        "from inventory_cli.cli.main import app\n"
        f"sys.argv = ['inventory', 'import', '-q', {str(path)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
    )
    output, modules = _loaded_modules(program)
    assert "2 created" in output
    assert [name for name in modules if name != "pydantic"] == []
    assert (REPO_ROOT / "inventory_cli").is_dir()  # the program under test is this checkout's


def test_an_import_writes_the_same_rows_on_either_database(db_backend: DbBackend, files: Files) -> None:
    inventory = Inventory(load_settings())
    with inventory.plain_sql(write=True) as sql:
        box = sql.scalar("INSERT INTO boxes (description, capacity) VALUES ('Drawer', 2) RETURNING id")
        sql.execute("INSERT INTO locations (box_id, slot) VALUES (:box, 1)", {"box": box})
    files.png("a.png")
    path = files.write("parts.csv", CSV.encode())
    request = ImportRequest(path.read_bytes(), name="parts.csv", fmt="csv", base_dir=path.parent)
    first = import_parts(inventory, request)
    again = import_parts(inventory, request)
    inventory.close()
    assert (first.created, first.errors) == (2, [])
    assert (again.created, again.skipped) == (0, 2)
    parts = db_backend.query("SELECT key, tags FROM parts ORDER BY key")
    assert [(key, json.loads(tags) if isinstance(tags, str) else tags) for key, tags in parts] == [
        ("AAAA", ["analog", "timer"]),
        ("BBBB", None),
    ]
    covers = db_backend.query(
        "SELECT a.kind FROM parts p JOIN attachment_sets s ON s.id = p.attachment_set_id "
        "JOIN attachments a ON a.id = s.cover_attachment_id"
    )
    assert covers == [("image",)]
    assert db_backend.query("SELECT count(*) FROM attachments") == [(2,)]
    assert db_backend.query("SELECT quantity FROM stock") == [(5,)]
    assert db_backend.query("SELECT location, delta, action FROM stock_history") == [("1-1", 5, "add")]
    # Ids come from the sequences: a part added the usual way afterwards gets a fresh one.
    later = Inventory(load_settings())
    from inventory_cli.services.parts import add_part  # the ORM path, after the import

    add_part(later, "Capacitor", key="CCCC")
    assert db_backend.query("SELECT count(DISTINCT attachment_set_id) FROM parts") == [(3,)]


def _statements_for(rows: int, files: Files, tmp: Path) -> int:
    """Statements one import of ``rows`` new parts (each with stock, a file and a link) runs."""
    from inventory_cli.storage import plainsql

    inventory = Inventory(load_settings(db=str(tmp / f"{rows}.db"), store=str(tmp / f"blobs-{rows}")))
    with inventory.plain_sql(write=True) as sql:
        box = sql.scalar("INSERT INTO boxes (description, capacity) VALUES ('Drawer', 1) RETURNING id")
        sql.execute("INSERT INTO locations (box_id, slot) VALUES (:box, 1)", {"box": box})
    lines = ["key,description,stock,attach"]
    for number in range(rows):
        key = "".join(chr(65 + (number // 26**i) % 26) for i in range(4))
        image = files.png(f"p{rows}-{number}.png", (number % 256, number // 256, rows % 256))
        lines.append(f"{key},Part {number},1-1={number + 1},{image.name};https://example.com/{number}")
    path = files.write(f"parts-{rows}.csv", ("\n".join(lines) + "\n").encode())
    request = ImportRequest(path.read_bytes(), name=path.name, fmt="csv", base_dir=path.parent)
    counted = [0]
    with pytest.MonkeyPatch.context() as patch:
        for method in ("rows", "first", "execute", "execute_many", "insert"):
            real = getattr(plainsql.SqliteSql, method)

            def counting(self: Any, *args: Any, _real: Any = real) -> Any:
                counted[0] += 1
                return _real(self, *args)

            patch.setattr(plainsql.SqliteSql, method, counting)
        result = import_parts(inventory, request)
    inventory.close()
    assert (result.created, result.errors) == (rows, [])
    return counted[0]


def test_a_batch_runs_the_same_few_statements_whatever_its_size(files: Files, tmp_path: Path) -> None:
    few = _statements_for(5, files, tmp_path)
    many = _statements_for(400, files, tmp_path)  # still one batch (under 500 files)
    assert few == many, (few, many)
    assert many < 20, many


def test_an_imported_part_without_tags_stores_them_as_part_add_does(
    db_backend: DbBackend, cli: Any, tmp_path: Path
) -> None:
    assert cli("part", "add", "Added by hand", "--key", "HAND").exit_code == 0
    source = tmp_path / "parts.csv"
    source.write_text("key,description\nIMPO,Imported\n")
    assert cli("import", str(source)).exit_code == 0
    stored = dict(db_backend.query("SELECT key, CAST(tags AS TEXT) FROM parts"))
    assert stored["IMPO"] == stored["HAND"] == "null"


@pytest.mark.parametrize("enabled_before", [True, False])
def test_an_import_runs_with_the_cycle_collector_paused_and_leaves_it_as_it_was(
    enabled_before: bool, files: Files, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from inventory_cli.services import importing

    path = _current_database(isolated_home, files)
    seen: list[bool] = []
    real_parse = importing.parse_record

    def watching(raw: dict[str, Any], line: int) -> Any:
        seen.append(gc.isenabled())
        return real_parse(raw, line)

    monkeypatch.setattr(importing, "parse_record", watching)
    request = ImportRequest(path.read_bytes(), name=path.name, fmt="csv", base_dir=path.parent)
    (gc.enable if enabled_before else gc.disable)()
    try:
        result = import_parts(Inventory(load_settings()), request)
        after = gc.isenabled()
    finally:
        gc.enable()
    assert (result.created, seen) == (2, [False, False])
    assert after is enabled_before


def _batch_sizes(inventory: Inventory, path: Path, **options: Any) -> list[int]:
    """The rows of each committed batch of an import of ``path``."""
    from contextlib import contextmanager

    sizes: list[int] = []

    @contextmanager
    def recording(_label: str, _total: int) -> Any:
        yield sizes.append

    request = ImportRequest(
        path.read_bytes(), name=path.name, fmt="csv", base_dir=path.parent, progress=recording, **options
    )
    result = import_parts(inventory, request)
    assert result.errors == []
    assert result.committed == sum(sizes)
    return sizes


def test_batches_end_at_the_row_limit_or_once_they_hold_enough_files_to_store(
    files: Files, isolated_home: Path
) -> None:
    from inventory_cli.cli.transfer import DEFAULT_BATCH
    from inventory_cli.services.import_core import BATCH_FILES, BATCH_SIZE

    keys = [
        "".join(chr(65 + (n // 26**i) % 26) for i in range(4))
        for n in range(BATCH_SIZE + 3 + 2 * (BATCH_FILES + 10))
    ]
    plain = files.write(
        "plain.csv", ("key,description\n" + "".join(f"{k},Part\n" for k in keys[: BATCH_SIZE + 3])).encode()
    )
    inventory = Inventory(load_settings())
    assert _batch_sizes(inventory, plain) == [BATCH_SIZE, 3]
    assert _batch_sizes(inventory, plain, on_conflict="skip", batch_size=1000) == [1000, 1000, 3]
    # Rows with a file each, and a link that is no file: a batch ends at BATCH_FILES files.
    rows = []
    for number, key in enumerate(keys[BATCH_SIZE + 3 : BATCH_SIZE + 3 + BATCH_FILES + 10]):
        image = files.png(f"b{number}.png", (number % 256, number // 256, 9))
        rows.append(f"{key},Part,{image.name};https://example.com/{number}\n")
    with_files = files.write("files.csv", ("key,description,attach\n" + "".join(rows)).encode())
    assert _batch_sizes(inventory, with_files) == [BATCH_FILES, 10]
    # Skipped rows store nothing, and one file named by many rows is stored once: no early end.
    assert _batch_sizes(inventory, with_files, on_conflict="skip") == [BATCH_FILES + 10]
    shared = "".join(f"{key},Part,b0.png\n" for key in keys[BATCH_SIZE + 3 + BATCH_FILES + 10 :])
    one_file = files.write("one-file.csv", ("key,description,attach\n" + shared).encode())
    assert _batch_sizes(inventory, one_file) == [BATCH_FILES + 10]
    inventory.close()
    assert DEFAULT_BATCH == BATCH_SIZE  # the command line's default is the service's


def test_a_failing_import_still_puts_the_cycle_collector_back(
    files: Files, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from inventory_cli.services import importing

    path = _current_database(isolated_home, files)

    def broken(raw: dict[str, Any], line: int) -> Any:
        raise RuntimeError("parser broke")

    monkeypatch.setattr(importing, "parse_record", broken)
    request = ImportRequest(path.read_bytes(), name=path.name, fmt="csv", base_dir=path.parent)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="parser broke"):
        import_parts(Inventory(load_settings()), request)
    assert gc.isenabled()
