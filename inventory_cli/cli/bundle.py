"""``export --bundle`` and ``import --bundle``: every table and blob in one tar file, and back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import inventory

if TYPE_CHECKING:
    from inventory_cli.bootstrap import Inventory


def _quieted(ctx: typer.Context, quiet: bool) -> Inventory:
    inv = inventory(ctx)
    if quiet:
        inv.progress = None  # before the blob store is built: it shows uploads with this too
    return inv


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table.replace('_', ' ')} {count}" for table, count in counts.items() if count)


def export_bundle(ctx: typer.Context, bundle: Path, *, force: bool, as_json: bool, quiet: bool) -> None:
    """Write the whole inventory (every table and every referenced blob) to a bundle file."""
    from inventory_cli.services.bundle import write_bundle

    inv = _quieted(ctx, quiet)
    summary = write_bundle(inv, bundle, overwrite=force, progress=inv.progress)
    if as_json:
        output.emit_json(summary.to_dict())
    elif not quiet:
        typer.echo(
            f"wrote {summary.bundle}: {_counts(summary.tables) or 'no rows'}; "
            f"{output.counted(summary.blobs, 'blob')} ({output.human_size(summary.bytes)})"
        )


def import_bundle(ctx: typer.Context, bundle: Path, *, as_json: bool, quiet: bool) -> None:
    """Restore a bundle: new rows are added, identical ones skipped; any row that differs stops it."""
    from inventory_cli.services.bundle import restore_bundle

    inv = _quieted(ctx, quiet)
    summary = restore_bundle(inv, bundle, progress=inv.progress)
    if as_json:
        output.emit_json(summary.to_dict())
    elif not quiet:
        typer.echo(
            f"restored {summary.bundle}: created {_counts(summary.created) or 'nothing'}; "
            f"skipped {sum(summary.skipped.values())} rows already present; "
            f"{output.counted(summary.blobs_added, 'blob')} added"
        )
