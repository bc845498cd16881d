"""``inventory store``: stats, fsck, gc and copy for the blob store."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, inventory
from inventory_cli.errors import CheckFailedError

if TYPE_CHECKING:
    from inventory_cli.services.store import FsckReport, GcReport

app = typer.Typer(no_args_is_help=True)

GraceOption = Annotated[
    str,
    typer.Option(
        "--grace",
        help="Age below which an unreferenced blob or temp file counts as in use (e.g. 30m, 12h, 1d, 0).",
    ),
]


@app.command("stats")
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Count blobs and bytes: stored, referenced by attachments, saved by dedup, orphaned."""
    from inventory_cli.services import store

    result = store.stats(inventory(ctx))
    if as_json:
        output.emit_json(result.to_dict())
        return
    size = output.human_size
    output.fields(
        f"Blob store {result.store}",
        [
            ("Blobs", f"{result.blobs} ({size(result.bytes_stored)})"),
            ("Attachments", f"{result.attachments} naming {result.referenced_blobs} blobs"),
            ("Bytes referenced", size(result.bytes_referenced)),
            ("Saved by dedup", size(result.dedup_saved)),
            ("Orphans", f"{result.orphans} ({size(result.orphan_bytes)})"),
            ("Missing blobs", str(result.missing)),
            ("Temp files", str(result.temp_files)),
        ],
    )


def _print_fsck(report: FsckReport) -> None:
    rows: list[tuple[str, str, str]] = []
    rows += [("missing", m["digest"], f"named by {m['attachments']} attachment(s)") for m in report.missing]
    rows += [
        ("wrong size", w["digest"], f"{w['actual']} bytes, expected {w['expected']}")
        for w in report.wrong_size
    ]
    rows += [("corrupt", c["digest"], f"content hashes to {c['actual']}") for c in report.corrupt]
    rows += [
        ("orphan" if o["old"] else "orphan (young)", o["digest"], f"{o['size']} bytes, {o['modified']}")
        for o in report.orphans
    ]
    rows += [("stale temp", t["name"], f"{t['size']} bytes, {t['modified']}") for t in report.stale_temp]
    mode = "existence and size" if report.fast else "existence, size and sha256"
    if rows:
        title = f"{report.store}: {report.problems} problems ({mode})"
        output.table(title, ("Finding", "Blob", "Detail"), rows)
    else:
        typer.echo(f"ok: {report.referenced} referenced blobs checked ({mode}), {report.stored} stored")


@app.command("fsck")
def fsck(
    ctx: typer.Context,
    fast: Annotated[
        bool, typer.Option("--fast", help="Check existence and size only, not the sha256.")
    ] = False,
    grace: GraceOption = "1d",
    as_json: JsonOption = False,
) -> None:
    """Check store and database both ways; exit 7 on missing, corrupt, old orphan or stale temp."""
    from inventory_cli.domain.durations import parse_duration
    from inventory_cli.services import store

    report = store.fsck(inventory(ctx), fast=fast, grace=parse_duration(grace))
    if as_json:
        output.emit_json(report.to_dict())
    else:
        _print_fsck(report)
    if not report.ok:
        raise CheckFailedError(f"store fsck found {report.problems} problems in {report.store}")


def _print_gc(report: GcReport) -> None:
    verb = "would remove" if report.dry_run else "removed"
    for blob in report.blobs:
        output.notice(f"{verb} {blob['digest']} ({output.human_size(blob['size'])}, {blob['modified']})")
    for temp in report.temp_files:
        output.notice(f"{verb} temp file {temp['name']}")
    typer.echo(
        f"{verb} {len(report.blobs)} blobs ({output.human_size(report.bytes)}) and "
        f"{len(report.temp_files)} temp files; kept {report.kept_referenced} referenced and "
        f"{report.kept_young} younger than the grace period"
        + ("; pass --yes to delete" if report.dry_run and report.blobs + report.temp_files else "")
    )


@app.command("gc")
def gc(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking; without it, a script gets a dry run.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would go.")] = False,
    grace: GraceOption = "1d",
    as_json: JsonOption = False,
) -> None:
    """Delete blobs no attachment references that are older than the grace period (a dry run unless --yes)."""
    from inventory_cli.domain.durations import parse_duration
    from inventory_cli.services import store

    period = parse_duration(grace)
    app_inventory = inventory(ctx)
    real = yes and not dry_run
    if not yes and not dry_run and sys.stdin.isatty() and not as_json:
        preview = store.gc(app_inventory, dry_run=True, grace=period)
        _print_gc(preview)
        if not (preview.blobs or preview.temp_files):
            return
        prompt = f"Delete {len(preview.blobs)} blobs and {len(preview.temp_files)} temp files?"
        real = output.confirm(prompt, False)
        if not real:
            return
    report = store.gc(app_inventory, dry_run=not real, grace=period)
    if as_json:
        output.emit_json(report.to_dict())
    else:
        _print_gc(report)


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option("--to", help="The target store: a folder or s3://bucket/prefix.", show_default=False),
    ],
    as_json: JsonOption = False,
) -> None:
    """Copy every blob to another store; resumable (skips what is there) and verified (sha256)."""
    from inventory_cli.services import store

    report = store.copy(inventory(ctx), to)
    if as_json:
        output.emit_json(report.to_dict())
    else:
        typer.echo(
            f"copied {report.copied} blobs ({output.human_size(report.copied_bytes)}) to {report.target}; "
            f"{report.skipped} were already there"
        )
    if report.corrupt:
        raise CheckFailedError(
            f"{len(report.corrupt)} corrupt blobs were not copied (first: {report.corrupt[0]})",
            hint="run 'inventory store fsck' on the source store",
        )
