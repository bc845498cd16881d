"""Export kits as records that ``import --entity kits`` reads back: fields, contents, attachments, cover."""

from __future__ import annotations

from pathlib import Path

from inventory_cli.bootstrap import Inventory
from inventory_cli.services.exporting import (
    ExportResult,
    Progress,
    attach_entries,
    files_folder,
    finish_export,
)
from inventory_cli.services.kit_records import KIT_COLUMNS, kit_record_row
from inventory_cli.services.outfiles import refuse_existing
from inventory_cli.storage.kit_rows import stored_kits
from inventory_cli.storage.plainsql import AlchemySql


def export_kits(
    inventory: Inventory,
    fmt: str,
    target: Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Every kit as a record, by name; with ``target``, attachment files go into ``TARGET.files/``."""
    if target is not None:
        refuse_existing(target, overwrite)
    with inventory.uow(read_only=True) as uow:
        kits = stored_kits(AlchemySql(uow.session.connection()))
    folder = files_folder(target)
    files: dict[Path, str] = {}
    rows = []
    for kit in sorted(kits.values(), key=lambda k: k.name):
        entries, cover = attach_entries(kit.attachments, kit.cover_id, folder, files)
        rows.append(
            kit_record_row(
                kit.name,
                kit.description,
                kit.build_target,
                kit.status,
                sorted(kit.contents.items()),
                entries,
                cover,
            )
        )
    text = finish_export(inventory, rows, fmt, list(KIT_COLUMNS), target, files, progress)
    return ExportResult(fmt, len(rows), len(files), str(target) if target else None, text, "kits")
