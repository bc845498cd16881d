"""``inventory sample-data``: load a realistic demo inventory."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, YesOption, inventory
from inventory_cli.errors import UsageError

if TYPE_CHECKING:
    from inventory_cli.services.sample_data import LoadReport

app = typer.Typer(no_args_is_help=True)


def _summary(report: LoadReport) -> list[str]:
    counted = output.counted
    kinds = report.attachments
    lines = []
    if report.removed is not None:
        lines.append(f"removed {report.removed.describe()} first")
    lines += [
        f"loaded the sample data from {report.folder}:",
        f"  {counted(len(report.boxes), 'box', 'boxes')} (numbers {', '.join(map(str, report.boxes))}), "
        f"{counted(report.parts, 'part')} with {counted(report.units, 'unit')} in "
        f"{counted(report.stock_lines, 'stock line')}",
        f"  {counted(report.kits, 'kit')} ({report.archived_kits} archived) with "
        f"{counted(report.kit_lines, 'content line')}",
        f"  {counted(sum(kinds.values()), 'attachment')}: {counted(kinds['image'], 'image')}, "
        f"{counted(kinds['pdf'], 'PDF')}, {counted(kinds['url'], 'link')}; "
        f"{counted(report.covers, 'set')} with a cover",
        f"checked: db check ok ({report.db_checks} checks), store fsck ok "
        f"({counted(report.blobs_checked, 'blob')})",
    ]
    if report.old_orphans:
        lines.append(
            f"note: the blob store holds {counted(report.old_orphans, 'old orphan')} from before; "
            "'inventory store gc' removes them"
        )
    return lines


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _no_steps() -> Iterator[Callable[[str], None]]:
    yield lambda _item: None


@app.command("load")
def load(
    ctx: typer.Context,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Delete every kit, part (with its stock) and box first; asks on a terminal, "
            "needs --yes otherwise.",
        ),
    ] = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary (--json still prints).")
    ] = False,
) -> None:
    """Load a realistic demo inventory: boxes, parts with stock, kits, images, PDFs and links."""
    from inventory_cli.services import sample_data
    from inventory_cli.services.sample_description import read_description

    if yes and not replace:
        raise UsageError("--yes only applies together with --replace")
    inv = inventory(ctx)
    description = read_description()
    present = sample_data.existing_contents(inv)
    sample_data.refuse_unless_replacing(present, replace)
    if not present.empty and not output.confirm(
        f"Delete {present.describe()} and load the sample data?", yes
    ):
        return
    progress: AbstractContextManager[Callable[[str], None]] = _no_steps()
    if not quiet and _stderr_is_terminal():
        from inventory_cli.cli import progress as bars

        progress = bars.terminal_steps("Loading sample data", description.steps)
    with progress as advance:
        report = sample_data.load(inv, description, replace=replace, on_step=advance)
    if as_json:
        output.emit_json(report.to_dict())
    elif not quiet:
        for line in _summary(report):
            typer.echo(line)
