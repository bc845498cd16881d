"""The ``inventory`` program: global options, the command groups and the one error boundary."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from inventory_cli import __version__
from inventory_cli.cli import output
from inventory_cli.errors import ExitCode, InventoryError, Terminated


class ErrorBoundary(TyperGroup):
    """Turns every InventoryError from any sub-command into its message and exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            # A mistake in the global options, before any sub-command runs: same one-line form.
            if exc.exit_code != ExitCode.USAGE:
                raise
            output.error(exc.format_message(), "see 'inventory --help'")
            raise typer.Exit(int(ExitCode.USAGE)) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, BrokenPipeError):
            raise
        except typer.TyperException as exc:
            if exc.exit_code != ExitCode.USAGE:
                raise
            # Usage mistakes get the same one-line form as every other error.
            command = getattr(getattr(exc, "ctx", None), "command_path", "inventory")
            output.error(exc.format_message(), f"see '{command} --help'")
            raise typer.Exit(int(ExitCode.USAGE)) from None
        except InventoryError as exc:
            output.error(exc.message, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            output.error(
                "terminated" if terminated else "interrupted",
                "whatever was not yet committed has been rolled back",
            )
            code = ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED
            raise typer.Exit(int(code)) from None
        except Exception as exc:
            output.error(f"unexpected error: {type(exc).__name__}: {exc}", "this is a bug; please report it")
            if os.environ.get("INVENTORY_DEBUG"):
                traceback.print_exc()
            raise typer.Exit(int(ExitCode.UNEXPECTED)) from None


app = typer.Typer(
    cls=ErrorBoundary,
    name="inventory",
    help="A command-line inventory for hobby electronics: parts, kits and their documentation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"inventory {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database file or URL (env INVENTORY_DB).", show_default=False),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Blob store: a folder or s3://bucket/prefix (env INVENTORY_STORE).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """A command-line inventory for hobby electronics: parts, kits and their documentation."""
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.config import load_settings

    ctx.obj = Inventory(load_settings(db=db, store=store))
    if sys.stderr.isatty():
        from inventory_cli.cli.progress import terminal_progress

        ctx.obj.progress = terminal_progress


def _register() -> None:
    from inventory_cli.cli import (
        box,
        db,
        kit,
        part,
        sample_data,
        sets,
        stock,
        store,
        transfer,
        types,
        url,
    )

    app.add_typer(part.app, name="part", help="Parts: add, list, show, edit, rm, attach.")
    app.add_typer(
        kit.app,
        name="kit",
        help="Kits: add, list, show, edit, rm, attach, archive, unarchive, content, check.",
    )
    app.add_typer(
        sets.app, name="set", help="Attachment sets: list, show, add, rm, rename, cover, export, open, thumb."
    )
    app.add_typer(stock.app, name="stock", help="Stock: add, remove, move, list, history, suggest.")
    app.add_typer(box.app, name="box", help="Boxes and their locations: add, list, show, edit, rm.")
    app.add_typer(types.app, name="type", help="Part types: list, add, rm.")
    app.add_typer(db.app, name="db", help="Database: upgrade, downgrade, current, check, copy.")
    app.add_typer(url.app, name="url", help="Links: preview what --fetch would store.")
    app.add_typer(store.app, name="store", help="Blob store: stats, fsck, gc, copy.")
    app.add_typer(sample_data.app, name="sample-data", help="A realistic demo inventory: load.")
    transfer.register(app)


_register()


def _on_sigterm(_signum: int, _frame: Any) -> None:
    # Unwinds like Ctrl-C, so that the open transaction is rolled back on the way out.
    raise Terminated


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except BrokenPipeError:
        # A reader such as `head` went away: not our failure. Point stdout at /dev/null so
        # that the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(int(ExitCode.OK))
