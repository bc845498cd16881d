"""``inventory import`` and ``inventory export``: parts or kits as CSV, TSV, JSON or NDJSON, or a bundle."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, inventory, whole_number
from inventory_cli.errors import (
    ConflictError,
    ExitCode,
    InvalidInputError,
    NotFoundError,
    Terminated,
    UsageError,
)

if TYPE_CHECKING:
    from inventory_cli.services.import_core import ImportResult

FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="csv, tsv, json or ndjson (default: from the file's suffix).",
        show_default=False,
    ),
]
# import_core.BATCH_SIZE (and BATCH_FILES in the help), written out: this module loads for --help.
DEFAULT_BATCH = 2000
# The options of a record import (by their parameter names), which a bundle restore refuses.
RECORD_OPTIONS = {
    "--format": "fmt",
    "--dry-run": "dry_run",
    "--on-conflict": "on_conflict",
    "--keep-going": "keep_going",
    "--rejects": "rejects",
    "--batch-size": "batch_size",
    "--entity": "entity",
}
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
ENTITIES = ("parts", "kits")
EntityOption = Annotated[
    str,
    typer.Option(
        "--entity",
        "-e",
        help="Which records: parts (with stock) or kits (with contents); each has its own format.",
    ),
]
BundleOption = Annotated[
    Path | None,
    typer.Option(
        "--bundle",
        help="A backup bundle (.tar, .tar.gz, .tgz): every table and every stored file, restorable.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` as top-level commands."""
    app.command(
        "import", help="Import parts or kits from a CSV, TSV, JSON or NDJSON file ('-' reads stdin)."
    )(import_command)
    app.command("export", help="Export every part or kit as records that 'inventory import' reads back.")(
        export_command
    )


def _progress(quiet: bool, verbose: bool = False) -> Any:
    if verbose:
        from inventory_cli.cli.progress import committed_lines

        return committed_lines
    if quiet or not sys.stderr.isatty():
        return None
    from inventory_cli.cli.progress import row_progress

    # Imported rows carry checks and files: a bar is worth drawing sooner than for a plain row copy.
    return lambda label, total: row_progress(label, total, fewest=200)


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], str | None]]:
    """Turn the first SIGINT or SIGTERM into a request to stop after the current batch."""
    received: list[str] = []

    def handler(signum: int, _frame: Any) -> None:
        if received:  # a second signal: stop at once, rolling back the open batch
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        received.append(signal.Signals(signum).name)

    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: signals keep their usual meaning
        pass
    try:
        yield lambda: received[0] if received else None
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _read_input(source: str) -> tuple[bytes, str, Path]:
    """The bytes to import, the name errors use, and the folder attachment paths are relative to."""
    if source == "-":
        return sys.stdin.buffer.read(), "<stdin>", Path.cwd()
    # Not Path.expanduser: for '~name' of no known user it raises; this leaves it as written.
    path = Path(os.path.expanduser(source))
    if path.is_dir():
        raise InvalidInputError(f"{source} is a directory, not a file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"file not found: {source}") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read {source}: {exc.strerror}") from None
    return data, source, path.resolve().parent


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the command line names the option, even with its default value."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def _refuse_with_bundle(given: dict[str, bool]) -> None:
    """A bundle holds the whole inventory in its own format: record options do not apply to it."""
    named = [option for option, present in given.items() if present]
    if named:
        raise UsageError(f"{', '.join(named)} cannot be combined with --bundle")


def _check_entity(entity: str) -> None:
    if entity not in ENTITIES:
        raise UsageError(f"unknown --entity {entity!r}", hint="use " + " or ".join(ENTITIES))


def _plan_line(result: ImportResult) -> str:
    planned = result.planned
    return (
        f"plan for {result.file} ({result.rows} rows): create {planned['create']}, "
        f"update {planned['update']}, skip {planned['skip']}, rejected {result.rejected}"
    )


def import_command(
    ctx: typer.Context,
    source: Annotated[
        str | None, typer.Argument(help="The file to import, or '-' for stdin.", show_default=False)
    ] = None,
    fmt: FormatOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and print the plan; write nothing.")
    ] = False,
    on_conflict: Annotated[
        str,
        typer.Option(
            "--on-conflict",
            help="A part or kit that exists with other values: error (write nothing), skip it, or update it.",
        ),
    ] = "error",
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Import the valid rows even when others are bad.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="With --keep-going: write the refused rows here, with an error column.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            parser=whole_number,
            help="Rows per transaction at most; a batch also ends at 500 files to store.",
        ),
    ] = DEFAULT_BATCH,
    entity: EntityOption = "parts",
    bundle: BundleOption = None,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Print the rows committed so far on stderr after each batch."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import parts or kits; every row is checked before anything is written. --bundle restores a backup."""
    from inventory_cli.services.import_core import CONFLICT_MODES, ImportRequest
    from inventory_cli.services.record_files import format_for

    if bundle is not None:
        record_options = {"FILE": source is not None}
        for option, name in RECORD_OPTIONS.items():
            record_options[option] = _given(ctx, name)
        _refuse_with_bundle(record_options)
        from inventory_cli.cli.bundle import import_bundle

        import_bundle(ctx, bundle, as_json=as_json, quiet=quiet)
        return
    if source is None:
        raise UsageError("name the file to import ('-' for stdin), or a backup with --bundle FILE")

    _check_entity(entity)
    if on_conflict not in CONFLICT_MODES:
        raise UsageError(f"unknown --on-conflict {on_conflict!r}", hint="use error, skip or update")
    if rejects is not None and not keep_going:
        raise UsageError("--rejects only applies together with --keep-going")
    if not 1 <= batch_size <= 100_000:
        raise UsageError(f"--batch-size {batch_size} must be between 1 and 100000")
    data, name, base_dir = _read_input(source)
    chosen = format_for(source, fmt, data)
    if entity == "kits":
        from inventory_cli.services.kit_importing import import_kits as run_import
    else:
        from inventory_cli.services.importing import import_parts as run_import
    with _stop_on_signals() as should_stop:
        request = ImportRequest(
            data,
            name=name,
            fmt=chosen,
            base_dir=base_dir,
            on_conflict=on_conflict,
            dry_run=dry_run,
            keep_going=keep_going,
            rejects=rejects,
            batch_size=batch_size,
            progress=_progress(quiet, verbose),
            should_stop=should_stop,
        )
        result = run_import(inventory(ctx), request)
    for line in [*result.errors, *result.conflicts]:
        sys.stderr.write(line + "\n")
    failed = result.fatal or ((result.errors or result.conflicts) and not keep_going)
    # With --json the summary is printed however the import ends: a script reads the counts,
    # what was committed and every error from stdout, and the outcome from the exit code.
    if as_json and (dry_run or failed or result.interrupted):
        output.emit_json(result.to_dict())
    if result.interrupted:
        output.notice(
            f"interrupted by {result.interrupted}: {result.committed} of {sum(result.planned.values())} "
            "rows done (committed); run the same command again to finish"
        )
        raise typer.Exit(
            int(ExitCode.TERMINATED if result.interrupted == "SIGTERM" else ExitCode.INTERRUPTED)
        )
    if dry_run and not as_json:
        typer.echo(_plan_line(result))
    if failed:
        what = "nothing was written" if dry_run else "nothing was imported"
        if result.errors:
            raise InvalidInputError(
                f"{output.counted(len(result.errors), 'error')} in {name}; {what}",
                hint=None if result.fatal else "fix them, or pass --keep-going to import the valid rows",
            )
        raise ConflictError(
            f"{output.counted(len(result.conflicts), entity[:-1])} already "
            f"{'exists' if len(result.conflicts) == 1 else 'exist'} with other values; {what}",
            hint="--on-conflict skip keeps them, --on-conflict update changes them",
        )
    if dry_run:
        return
    if as_json:
        output.emit_json(result.to_dict())
        return
    message = f"imported {name}: {result.created} created, {result.updated} updated, {result.skipped} skipped"
    if result.rejected:
        message += f", {result.rejected} rejected" + (f" (written to {rejects})" if rejects else "")
    typer.echo(message)


def export_command(
    ctx: typer.Context,
    fmt: FormatOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here; attachment files go into FILE.files/ beside it.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
    entity: EntityOption = "parts",
    bundle: BundleOption = None,
    quiet: QuietOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With -o or --bundle: print a JSON summary to stdout.")
    ] = False,
) -> None:
    """Export every part (by key) or kit (by name) with attachments and cover. --bundle writes a backup."""
    from inventory_cli.services.exporting import export_parts
    from inventory_cli.services.record_files import FORMATS, SUFFIXES, format_for

    if bundle is not None:
        _refuse_with_bundle(
            {"--format": fmt is not None, "--output": out is not None, "--entity": entity != "parts"}
        )
        from inventory_cli.cli.bundle import export_bundle

        export_bundle(ctx, bundle, force=force, as_json=as_json, quiet=quiet)
        return

    if out is None:
        if as_json:
            raise UsageError(
                "--json only applies together with -o", hint="without -o the export itself goes to stdout"
            )
        chosen = format_for("-", fmt or "json")
    else:
        chosen = format_for(str(out), fmt) if fmt or out.suffix.lower() in SUFFIXES else "json"
    assert chosen in FORMATS
    _check_entity(entity)
    if entity == "kits":
        from inventory_cli.services.kit_exporting import export_kits as run_export
    else:
        run_export = export_parts
    result = run_export(inventory(ctx), chosen, out, overwrite=force, progress=_progress(quiet))
    if out is None:
        sys.stdout.write(result.text)
    elif as_json:
        output.emit_json(result.to_dict())
    else:
        typer.echo(
            f"exported {output.counted(result.parts, entity[:-1])} to {out}"
            + (
                f" ({output.counted(result.files_written, 'attachment file')} in {out}.files/)"
                if result.files_written
                else ""
            )
        )
