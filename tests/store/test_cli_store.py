"""`inventory store` end to end on both backends: stats, fsck, gc, copy, and gc against an attach."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.errors import ExitCode
from inventory_cli.storage.blobs import LocalBlobStore
from inventory_cli.storage.stores import BlobStore
from tests.conftest import CliRun, Files, assert_error, json_out
from tests.store.conftest import age, plant, plant_temp


def put(store: BlobStore, data: bytes) -> str:
    """Publish bytes straight into the store (an orphan: no row references it)."""
    import io

    with store.stage(io.BytesIO(data), 1 << 20) as staged:
        store.publish(staged)
        return staged.digest


@pytest.fixture
def attached(cli: CliRun, files: Files) -> dict[str, Any]:
    """Parts ABCD and EFGH; ABCD has a photo and a datasheet, EFGH shares the photo."""
    for key in ("ABCD", "EFGH"):
        assert cli("part", "add", f"part {key}", "--key", key).exit_code == 0
    photo = files.png()
    sheet = files.pdf()
    return {
        "photo": json_out(cli("part", "attach", "ABCD", str(photo), "--json")),
        "sheet": json_out(cli("part", "attach", "ABCD", str(sheet), "--json")),
        "shared": json_out(cli("part", "attach", "EFGH", str(photo), "--json")),
        "photo_bytes": photo.read_bytes(),
        "sheet_bytes": sheet.read_bytes(),
    }


def fsck(cli: CliRun, *args: str) -> tuple[int, dict[str, Any]]:
    import json

    result = cli("store", "fsck", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_store_group_commands_have_help(cli: CliRun) -> None:
    for command in ("stats", "fsck", "gc", "copy"):
        result = cli("store", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_fsck_of_a_sound_store_is_clean(cli: CliRun, backend: BlobStore, attached: dict[str, Any]) -> None:
    code, report = fsck(cli)

    assert code == 0
    assert report["ok"] is True and report["problems"] == 0
    assert (report["referenced"], report["stored"]) == (2, 2)
    result = cli("store", "fsck")
    assert result.exit_code == 0 and "ok: 2 referenced blobs checked" in result.stdout


def test_fsck_finds_exactly_the_planted_problems(
    cli: CliRun, backend: BlobStore, attached: dict[str, Any]
) -> None:
    photo, sheet = attached["photo"]["blob_digest"], attached["sheet"]["blob_digest"]
    flipped = bytearray(attached["photo_bytes"])
    flipped[40] ^= 0xFF
    plant(backend, photo, bytes(flipped))  # same size, wrong bytes
    backend.delete(sheet)
    young = put(backend, b"young orphan")
    old = put(backend, b"old orphan")
    age(backend, old, days=3)
    temp = plant_temp(backend)

    code, report = fsck(cli)

    assert code == ExitCode.CHECK_FAILED
    assert [m["digest"] for m in report["missing"]] == [sheet]
    assert [(c["digest"], c["referenced"]) for c in report["corrupt"]] == [(photo, True)]
    assert report["wrong_size"] == []
    assert {o["digest"]: o["old"] for o in report["orphans"]} == {young: False, old: True}
    assert [t["name"] for t in report["stale_temp"]] == [temp]
    assert report["problems"] == 4  # missing, corrupt, old orphan, stale temp; a young orphan is fine

    table = cli("store", "fsck")
    assert table.exit_code == ExitCode.CHECK_FAILED
    assert "store fsck found 4 problems" in table.stderr
    for needle in ("missing", "corrupt", "orphan (young)", "stale temp", sheet[:20]):
        assert needle in table.stdout


def test_fsck_fast_checks_sizes_but_not_hashes(
    cli: CliRun, backend: BlobStore, attached: dict[str, Any]
) -> None:
    photo, sheet = attached["photo"]["blob_digest"], attached["sheet"]["blob_digest"]
    flipped = bytearray(attached["photo_bytes"])
    flipped[40] ^= 0xFF
    plant(backend, photo, bytes(flipped))
    plant(backend, sheet, attached["sheet_bytes"][:-10])

    code, report = fsck(cli, "--fast")

    assert code == ExitCode.CHECK_FAILED
    assert report["corrupt"] == []
    assert [(w["digest"], w["expected"] - w["actual"]) for w in report["wrong_size"]] == [(sheet, 10)]
    _, full = fsck(cli)
    assert {c["digest"] for c in full["corrupt"]} == {photo, sheet}


def test_gc_without_yes_on_a_script_is_a_dry_run(
    cli: CliRun, backend: BlobStore, attached: dict[str, Any]
) -> None:
    old = put(backend, b"old orphan")
    age(backend, old, days=3)

    result = cli("store", "gc")

    assert result.exit_code == 0
    assert "would remove 1 blobs (10 B)" in result.stdout and "pass --yes" in result.stdout
    assert old in result.stderr
    assert backend.exists(old)


def test_gc_removes_only_old_orphans(cli: CliRun, backend: BlobStore, attached: dict[str, Any]) -> None:
    young = put(backend, b"young orphan")
    old = put(backend, b"old orphan!")
    age(backend, old, days=3)
    for digest in (attached["photo"]["blob_digest"], attached["sheet"]["blob_digest"]):
        age(backend, digest, days=30)  # referenced blobs stay however old they are
    temp = plant_temp(backend)
    assert cli("part", "rm", "ABCD", "--yes").exit_code == 0  # the photo is still EFGH's

    report = json_out(cli("store", "gc", "--yes", "--json"))

    sheet = attached["sheet"]["blob_digest"]
    assert sorted(b["digest"] for b in report["blobs"]) == sorted([old, sheet])
    assert report["removed_bytes"] == len(b"old orphan!") + len(attached["sheet_bytes"])
    assert [t["name"] for t in report["temp_files"]] == [temp]
    assert (report["kept_referenced"], report["kept_young"], report["dry_run"]) == (1, 1, False)
    assert {b.name for b in backend.list_blobs()} == {young, attached["photo"]["blob_digest"]}
    assert backend.list_temp() == []
    code, after = fsck(cli)
    assert code == 0 and [o["digest"] for o in after["orphans"]] == [young]


def test_gc_grace_zero_takes_every_orphan(cli: CliRun, backend: BlobStore, attached: dict[str, Any]) -> None:
    orphan = put(backend, b"orphan")

    result = cli("store", "gc", "--yes", "--grace", "0")

    assert result.exit_code == 0 and "removed 1 blobs" in result.stdout
    assert not backend.exists(orphan)


def test_gc_refuses_a_bad_grace_period(cli: CliRun) -> None:
    assert_error(cli("store", "gc", "--grace", "soon"), ExitCode.INVALID_INPUT, "'soon'")


def test_gc_waits_for_the_write_lock_of_an_uncommitted_attach(
    cli: CliRun,
    backend: BlobStore,
    attached: dict[str, Any],
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVENTORY_BUSY_TIMEOUT_MS", "100")
    # An attach that has published its blob but not yet committed holds the write lock; the blob
    # looks like an old orphan. gc must not decide while that lock is held.
    pending = put(backend, b"published, row not yet committed")
    age(backend, pending, days=3)
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = cli("store", "gc", "--yes")
        assert_error(result, ExitCode.RETRY, "database busy")
        assert backend.exists(pending)
        # A dry run only reads, so it may go ahead, and still deletes nothing.
        assert "would remove 1 blobs" in cli("store", "gc").stdout
    finally:
        connection.execute("ROLLBACK")
        connection.close()
    assert backend.exists(pending)


def test_stats_counts_dedup_and_orphans(cli: CliRun, backend: BlobStore, attached: dict[str, Any]) -> None:
    put(backend, b"orphan")
    photo, sheet = len(attached["photo_bytes"]), len(attached["sheet_bytes"])

    report = json_out(cli("store", "stats", "--json"))

    assert report["blobs"] == 3
    assert report["bytes_stored"] == photo + sheet + 6
    assert (report["attachments"], report["referenced_blobs"]) == (3, 2)
    assert report["bytes_referenced"] == 2 * photo + sheet
    assert report["bytes_saved_by_dedup"] == photo
    assert (report["orphans"], report["orphan_bytes"], report["missing"]) == (1, 6, 0)
    table = cli("store", "stats")
    assert table.exit_code == 0 and "Saved by dedup" in table.stdout


@pytest.fixture
def other_store(
    backend: BlobStore, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The other backend's location: S3 when the inventory is local, a folder when it is on S3."""
    if isinstance(backend, LocalBlobStore):
        bucket = request.getfixturevalue("bucket")
        monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", request.getfixturevalue("moto_endpoint"))
        return f"s3://{bucket}/copied"
    return str(tmp_path / "copied")


def test_copy_moves_a_store_across_backends_and_resumes(
    cli: CliRun, backend: BlobStore, attached: dict[str, Any], other_store: str, tmp_path: Path
) -> None:
    first = json_out(cli("store", "copy", "--to", other_store, "--json"))
    assert (first["copied"], first["skipped"], first["corrupt"]) == (2, 0, [])

    photo = attached["photo"]["blob_digest"]
    assert fsck(cli)[0] == 0  # the source is untouched
    # Interrupted copies resume: what is there is skipped, what is missing is copied again.
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.config import load_settings

    target = Inventory(load_settings()).store_at(other_store)
    target.delete(photo)
    second = json_out(cli("store", "copy", "--to", other_store, "--json"))
    assert (second["copied"], second["skipped"]) == (1, 1)

    switched = cli("--store", other_store, "store", "fsck", "--json")
    assert switched.exit_code == 0, switched.stderr
    out = tmp_path / "back.pdf"
    export = cli(
        "--store", other_store, "set", "export", "part:ABCD", str(attached["sheet"]["id"]), "-o", str(out)
    )
    assert export.exit_code == 0, export.stderr
    assert out.read_bytes() == attached["sheet_bytes"]


def test_copy_does_not_spread_a_corrupt_blob(
    cli: CliRun, backend: BlobStore, attached: dict[str, Any], other_store: str
) -> None:
    sheet = attached["sheet"]["blob_digest"]
    plant(backend, sheet, b"%PDF-garbage")

    result = cli("store", "copy", "--to", other_store)

    assert result.exit_code == ExitCode.CHECK_FAILED
    assert "1 corrupt blobs were not copied" in result.stderr and sheet in result.stderr
    assert "copied 1 blobs" in result.stdout
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.config import load_settings

    target = Inventory(load_settings()).store_at(other_store)
    assert [b.name for b in target.list_blobs()] == [attached["photo"]["blob_digest"]]
    assert hashlib.sha256(attached["photo_bytes"]).hexdigest() == attached["photo"]["blob_digest"]


def test_copy_onto_itself_is_refused(cli: CliRun, backend: BlobStore, attached: dict[str, Any]) -> None:
    assert_error(cli("store", "copy", "--to", backend.location), ExitCode.USAGE, "onto itself")


def test_gc_with_no_grace_still_spares_a_temp_file_in_use(cli: CliRun, store_root: Path) -> None:
    # Staging happens before the database lock, so a temp file is safe for an hour whatever --grace says.
    (store_root / "tmp").mkdir(parents=True)
    busy = store_root / "tmp" / "stage-being-written"
    busy.write_bytes(b"an attach is writing this")

    report = json_out(cli("store", "gc", "--yes", "--grace", "0", "--json"))

    assert report["temp_files"] == []
    assert busy.exists()
    assert json_out(cli("store", "fsck", "--grace", "0", "--json"))["stale_temp"] == []
