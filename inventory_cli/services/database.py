"""Database maintenance: upgrade, downgrade, current revision and the consistency check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import ConflictError, InvalidInputError, InventoryError
from inventory_cli.services.dto import CheckReport, Problem
from inventory_cli.storage import migrator
from inventory_cli.storage.engine import redact
from inventory_cli.storage.schema import HEAD_REVISION


def upgrade(inventory: Inventory, target: str = "head") -> migrator.MigrationResult:
    """Upgrade the schema (backing up an existing database first)."""
    return inventory.translate_errors(
        lambda: migrator.upgrade(inventory.engine, inventory.settings.db_path, target)
    )


def downgrade(
    inventory: Inventory, target: str, save_dropped_to: Path | None = None
) -> migrator.MigrationResult:
    """Downgrade the schema after a backup; rows the older schema cannot hold go only when saved."""
    options: dict[str, Any] = {}
    if save_dropped_to is not None:
        path = save_dropped_to.expanduser().absolute()
        if not path.parent.is_dir():
            raise InvalidInputError(f"cannot write {save_dropped_to}: folder {path.parent} does not exist")
        if path.exists():
            raise ConflictError(f"{save_dropped_to} already exists", hint="name a new file")
        options["save_dropped_to"] = str(path)
    return inventory.translate_errors(
        lambda: migrator.downgrade(inventory.engine, inventory.settings.db_path, target, options)
    )


def current(inventory: Inventory) -> dict[str, Any]:
    """The database's revision and how it compares with this program's."""
    state, revision = inventory.translate_errors(lambda: migrator.current_revision(inventory.engine))
    return {
        "database": redact(inventory.settings.db_url),
        "revision": revision,
        "head": HEAD_REVISION,
        "state": state.value,
    }


def check(inventory: Inventory) -> CheckReport:
    """Verify invariants I1-I4 and I6 plus SQLite's own integrity checks."""
    report = CheckReport()
    with inventory.uow(read_only=True) as uow:
        for name, findings in uow.checks.run():
            report.checks_run.append(name)
            report.problems.extend(Problem(name, detail) for detail in findings)
        report.checks_run.append("I6 blob exists")
        digests = uow.checks.referenced_digests()
    for digest, first_id, count in digests:
        try:
            present = inventory.blobs.exists(digest)
        except InventoryError:
            present = False
        if not present:
            report.problems.append(
                Problem(
                    "I6 blob exists",
                    f"blob {digest} is missing (attachment {first_id}"
                    + (f" and {count - 1} more)" if count > 1 else ")"),
                )
            )
    return report
