"""The ``inventory`` program: global options, the command groups and the one error boundary."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from inventory_cli import __version__
from inventory_cli.cli import output
from inventory_cli.errors import ExitCode, InventoryError, Terminated


class ErrorBoundary(TyperGroup):
    """Turns every InventoryError from any sub-command into its message and exit code.

    It also loads each command group when it is first asked for: a command imports and builds only
    its own group (building all of them costs about 20 ms, plus their imports, on every start).
    ``inventory --help`` lists every group, so it loads them all; that is its whole job.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in GROUPS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            # An unknown name loads every group, so that "did you mean" can suggest any of them.
            for name in [cmd_name] if cmd_name in GROUPS else [n for n in GROUPS if n not in self.commands]:
                self._load(name)
        return super().get_command(ctx, cmd_name)

    def _load(self, name: str) -> None:
        module_name, help_text = GROUPS[name]
        group = typer.main.get_group(importlib.import_module(f"inventory_cli.cli.{module_name}").app)
        group.name, group.help = name, help_text
        self.add_command(group, name)

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
    # The plain SQLite connection lives for the whole command and is closed when it ends, however.
    ctx.call_on_close(ctx.obj.close)
    if sys.stderr.isatty():
        from inventory_cli.cli.progress import terminal_progress

        ctx.obj.progress = terminal_progress


# The command groups, in the order ``inventory --help`` lists them: name -> (module in cli/, help).
GROUPS = {
    "part": ("part", "Parts: add, list, show, edit, rm, attach."),
    "kit": ("kit", "Kits: add, list, show, edit, rm, attach, archive, unarchive, content, check."),
    "set": ("sets", "Attachment sets: list, show, add, rm, rename, cover, export, open, thumb."),
    "stock": ("stock", "Stock: add, remove, move, list, history, suggest."),
    "box": ("box", "Boxes and their locations: add, list, show, edit, rm."),
    "type": ("types", "Part types: list, add, rm."),
    "db": ("db", "Database: upgrade, downgrade, current, check, copy."),
    "url": ("url", "Links: preview what --fetch would store."),
    "store": ("store", "Blob store: stats, fsck, gc, copy."),
    "sample-data": ("sample_data", "A realistic demo inventory: load."),
}


def _register() -> None:
    from inventory_cli.cli import transfer

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
