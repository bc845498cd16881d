"""``inventory db``: upgrade, downgrade, current, check and copy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, YesOption, inventory
from inventory_cli.errors import CheckFailedError

if TYPE_CHECKING:
    from inventory_cli.storage.migrator import MigrationResult

app = typer.Typer(no_args_is_help=True)


def _report(result: MigrationResult, as_json: bool) -> None:
    if as_json:
        output.emit_json(
            {
                "before": result.before,
                "after": result.after,
                "backup": str(result.backup) if result.backup else None,
                "notices": result.notices,
            }
        )
        return
    for line in result.notices:
        output.notice(f"notice: {line}")
    if result.backup:
        output.notice(f"backup written to {result.backup}")
    if result.before == result.after:
        typer.echo(f"database already at revision {result.after}")
    else:
        typer.echo(
            f"database moved from revision {result.before or '(empty)'} to {result.after or '(empty)'}"
        )


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    as_json: JsonOption = False,
) -> None:
    """Upgrade the database schema, writing a backup of an existing database first."""
    from inventory_cli.services import database

    _report(database.upgrade(inventory(ctx), revision), as_json)


@app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. 0001.", show_default=False)],
    save_dropped: Annotated[
        Path | None,
        typer.Option(
            "--save-dropped",
            "--drop-kit-attachments",
            help="Save the rows the older schema cannot hold (kit attachments, boxes, stock, kit "
            "contents) to this new JSON file, then drop them.",
            show_default=False,
        ),
    ] = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Downgrade the database schema (after a backup)."""
    from inventory_cli.services import database

    if not output.confirm(f"Downgrade the database to revision {revision}?", yes):
        return
    _report(database.downgrade(inventory(ctx), revision, save_dropped), as_json)


@app.command("current")
def current(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the database's schema revision and this program's."""
    from inventory_cli.services import database

    info = database.current(inventory(ctx))
    if as_json:
        output.emit_json(info)
    else:
        typer.echo(
            f"{info['database']}: revision {info['revision'] or '(none)'} "
            f"(program head {info['head']}): {info['state']}"
        )


@app.command("check")
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the attachment-set invariants, blob presence and SQLite integrity; exit 7 on problems."""
    from inventory_cli.services import database

    report = database.check(inventory(ctx))
    if as_json:
        output.emit_json(report.to_dict())
    elif report.ok:
        typer.echo(f"ok: {len(report.checks_run)} checks passed")
    else:
        output.table(
            output.counted(len(report.problems), "problem"),
            ("Check", "Problem"),
            [(p.check, p.detail) for p in report.problems],
        )
    if not report.ok:
        raise CheckFailedError(f"db check found {output.counted(len(report.problems), 'problem')}")


COPY_HELP = (
    "Copy the whole inventory to another, empty database in one verified transaction.\n\n"
    "The target is first migrated to this database's revision. Every table is copied with its "
    "ids; before the commit the row counts and the 'db check' invariants are verified, and any "
    "failure leaves the target as it was (migrated at most). Stored files (blobs) are not "
    "copied: point the copy at the same blob store, or copy them with 'inventory store copy'."
)


@app.command("copy", help=COPY_HELP)
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The target database: a SQLite file or a database URL such as "
            "postgresql+psycopg://user@host/inventory. It must hold no inventory rows.",
            show_default=False,
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Draw no progress bar.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Copy the whole inventory to another, empty database (blobs are not copied)."""
    from inventory_cli.cli.progress import row_progress
    from inventory_cli.services import dbcopy

    progress = None if quiet or not sys.stderr.isatty() else row_progress
    report = dbcopy.copy_database(inventory(ctx), to, progress)
    if as_json:
        output.emit_json(report.to_dict())
        return
    typer.echo(
        f"copied {output.counted(report.rows, 'row')} in {output.counted(len(report.tables), 'table')} "
        f"from {report.source} to {report.target}; blobs are not copied (share the store or run "
        "'inventory store copy')"
    )
