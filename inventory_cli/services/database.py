"""Database maintenance: upgrade, downgrade, current revision and the consistency check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import InventoryError
from inventory_cli.services.dto import CheckReport, Problem
from inventory_cli.storage import migrator
from inventory_cli.storage.schema import HEAD_REVISION


def upgrade(inventory: Inventory, target: str = "head") -> migrator.MigrationResult:
    """Upgrade the schema (backing up an existing database first)."""
    return inventory.translate_errors(
        lambda: migrator.upgrade(inventory.engine, inventory.settings.db_path, target)
    )


def downgrade(
    inventory: Inventory, target: str, drop_kit_attachments_to: Path | None = None
) -> migrator.MigrationResult:
    """Downgrade the schema after a backup; kit attachments are only dropped when asked."""
    options: dict[str, Any] = {}
    if drop_kit_attachments_to is not None:
        options["drop_kit_attachments_to"] = str(drop_kit_attachments_to)
    return inventory.translate_errors(
        lambda: migrator.downgrade(inventory.engine, inventory.settings.db_path, target, options)
    )


def current(inventory: Inventory) -> dict[str, Any]:
    """The database's revision and how it compares with this program's."""
    state, revision = inventory.translate_errors(lambda: migrator.current_revision(inventory.engine))
    return {
        "database": inventory.settings.db_url,
        "revision": revision,
        "head": HEAD_REVISION,
        "state": state.value,
    }


CHECKS: list[tuple[str, str, str]] = [
    (
        "I1 part owns a set",
        "SELECT p.key FROM parts p LEFT JOIN attachment_sets s ON s.id = p.attachment_set_id "
        "WHERE s.id IS NULL",
        "part {0} has no attachment set",
    ),
    (
        "I1 kit owns a set",
        "SELECT k.name FROM kits k LEFT JOIN attachment_sets s ON s.id = k.attachment_set_id "
        "WHERE s.id IS NULL",
        "kit {0!r} has no attachment set",
    ),
    (
        "I3 set not shared",
        "SELECT s.id, p.key, k.name FROM attachment_sets s JOIN parts p ON p.attachment_set_id = s.id "
        "JOIN kits k ON k.attachment_set_id = s.id",
        "set {0} is shared by part {1} and kit {2!r}",
    ),
    (
        "I3 set has an owner",
        "SELECT s.id FROM attachment_sets s WHERE NOT EXISTS "
        "(SELECT 1 FROM parts p WHERE p.attachment_set_id = s.id) AND NOT EXISTS "
        "(SELECT 1 FROM kits k WHERE k.attachment_set_id = s.id)",
        "set {0} has no owner",
    ),
    (
        "I4 cover is an image of its set",
        "SELECT s.id, s.cover_attachment_id, a.attachment_set_id, a.kind FROM attachment_sets s "
        "LEFT JOIN attachments a ON a.id = s.cover_attachment_id "
        "WHERE s.cover_attachment_id IS NOT NULL "
        "AND (a.id IS NULL OR a.attachment_set_id != s.id OR a.kind != 'image')",
        "set {0}: cover {1} is not an image of this set (set {2}, kind {3})",
    ),
    (
        "foreign keys",
        "PRAGMA foreign_key_check",
        "table {0} row {1} points at a missing row of {2}",
    ),
]


def check(inventory: Inventory) -> CheckReport:
    """Verify invariants I1-I4 and I6 plus SQLite's own integrity checks."""
    report = CheckReport()
    with inventory.uow(read_only=True) as uow:
        connection = uow.session.connection()
        report.checks_run.append("integrity")
        for (message,) in connection.exec_driver_sql("PRAGMA integrity_check").fetchall():
            if message != "ok":
                report.problems.append(Problem("integrity", str(message)))
        for name, sql, template in CHECKS:
            report.checks_run.append(name)
            for row in connection.execute(text(sql)).fetchall():
                report.problems.append(Problem(name, template.format(*row)))
        report.checks_run.append("I6 blob exists")
        digests = connection.execute(
            text(
                "SELECT blob_digest, MIN(id), COUNT(*) FROM attachments "
                "WHERE blob_digest IS NOT NULL GROUP BY blob_digest ORDER BY blob_digest"
            )
        ).fetchall()
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
