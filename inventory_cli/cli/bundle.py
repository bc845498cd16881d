"""Backup bundle commands: write every table and blob to one tar file, and restore from it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, inventory

if TYPE_CHECKING:
    from inventory_cli.bootstrap import Inventory

BundleArgument = Annotated[
    Path,
    typer.Argument(help="The bundle file: .tar, or .tar.gz / .tgz for a compressed one.", show_default=False),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary line.")]


def _quieted(ctx: typer.Context, quiet: bool) -> Inventory:
    inv = inventory(ctx)
    if quiet:
        inv.progress = None  # before the blob store is built: it shows uploads with this too
    return inv


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table.replace('_', ' ')} {count}" for table, count in counts.items() if count)


def export_bundle(
    ctx: typer.Context,
    bundle: BundleArgument,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing file.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
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


def import_bundle(
    ctx: typer.Context,
    bundle: BundleArgument,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
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
