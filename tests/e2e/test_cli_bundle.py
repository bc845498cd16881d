"""The backup bundle end to end: export, restore into empty and existing inventories, damaged bundles."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import (
    CliRun,
    Files,
    Snapshot,
    assert_error,
    count,
    fails,
    json_out,
    query,
    snapshot,
)
from tests.e2e.seeded import build_home, restore

LINK = "https://www.ti.com/product/SN74HC595"
ABCD_FIELDS = ("--mpn", "SN74HC595N", "--tag", "logic", "--tag", "dip", "--pins", "16")
Entries = list[tuple[tarfile.TarInfo, bytes | None]]
ABCD_FIELDS = ("--mpn", "SN74HC595N", "--tag", "logic", "--tag", "dip", "--pins", "16")


def bundle_args(verb: str, path: Path, *extra: str) -> list[str]:
    """The command line of ``export --bundle`` or ``import --bundle``."""
    return [verb, "--bundle", str(path), *extra]


def seed_commands(files: Files) -> list[tuple[str, ...]]:
    """Every kind of row: boxes, types, parts, stock and history, kits and lines, attachments, covers."""
    top, sheet, side = files.png("top.png"), files.pdf("sheet.pdf"), files.jpeg("side.jpg")
    front = files.png("front.png", color=(1, 2, 3))
    return [
        ("box", "add", "ICs", "--capacity", "5"),
        ("box", "add", "Passives", "--capacity", "3"),
        ("type", "add", "Sensors"),
        ("part", "add", "Scratch", "--key", "TEMP"),
        ("part", "add", "8-bit shift register", "--key", "ABCD", "--type", "Logic IC", *ABCD_FIELDS),
        ("part", "add", "Carbon resistor 10k", "--key", "RESA", "--type", "Resistor"),
        ("part", "add", "Crystal 16 MHz", "--key", "XTAL", "--type", "Sensors"),
        ("part", "rm", "TEMP", "--yes"),  # ids with a gap
        ("stock", "add", "ABCD", "1-1", "20"),
        ("stock", "add", "ABCD", "1-2", "5"),
        ("stock", "move", "ABCD", "1-1", "2-1", "3"),
        ("stock", "remove", "ABCD", "1-2", "1"),
        ("stock", "add", "RESA", "2-2", "100"),
        ("part", "attach", "ABCD", str(top)),
        ("part", "attach", "ABCD", str(sheet)),
        ("part", "attach", "ABCD", str(side), "--title", "Side view"),
        ("set", "add", "part:ABCD", LINK),
        ("part", "attach", "RESA", str(top)),  # the same blob in another set
        ("set", "cover", "part:ABCD", "3"),
        ("kit", "add", "Synth Voice", "--description", "Analog voice board", "--build-target", "2"),
        ("kit", "content", "add", "Synth Voice", "ABCD", "--per-unit", "2", "--note", "IC1"),
        ("kit", "content", "add", "Synth Voice", "RESA", "--per-unit", "8"),
        ("kit", "attach", "Synth Voice", str(front)),
        ("kit", "add", "Old"),
        ("kit", "archive", "Old"),
    ]


@pytest.fixture(scope="module")
def source_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding one of everything, built once for the module."""
    folder = tmp_path_factory.mktemp("source")
    inputs = folder / "in"
    inputs.mkdir()
    return build_home(folder, seed_commands(Files(inputs)))


@pytest.fixture
def source(source_template: Path, isolated_home: Path) -> Path:
    """The test's home, filled with the seeded inventory."""
    restore(source_template, isolated_home)
    return isolated_home


Switch = Callable[[Path], Path]


@pytest.fixture
def switch_home(monkeypatch: pytest.MonkeyPatch) -> Switch:
    """Point the inventory at another home (an empty one unless it has been filled)."""

    def switch(home: Path) -> Path:
        monkeypatch.setenv("INVENTORY_HOME", str(home))
        return home

    return switch


def state_of(home: Path) -> Snapshot:
    """Every row of every table and every blob file of a home."""
    return snapshot(home / "inventory.db", home / "blobs")


def blob_digests(home: Path) -> set[str]:
    """The digests of the blobs stored in a home, from their content."""
    root = home / "blobs" / "sha256"
    return {hashlib.sha256(path.read_bytes()).hexdigest() for path in root.rglob("*") if path.is_file()}


def cover_title(cli: CliRun, ref: str) -> str:
    """The title of a set's cover."""
    shown = json_out(cli("set", "show", ref, "--json"))
    return next(a["title"] for a in shown["attachments"] if a["id"] == shown["cover_id"])


def export(cli: CliRun, target: Path, *extra: str) -> dict[str, Any]:
    """Write a bundle and return the --json summary."""
    return json_out(cli(*bundle_args("export", target, "--json", *extra)))


def members(bundle: Path) -> dict[str, bytes]:
    """Every member of a bundle with its bytes."""
    with tarfile.open(bundle) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def write_tar(target: Path, entries: Entries) -> Path:
    """A hand-made tar file."""
    with tarfile.open(target, "w") as tar:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return target


def rebuild(bundle: Path, target: Path, change: Callable[[Entries], None]) -> Path:
    """A copy of ``bundle`` with its member list changed by ``change``."""
    entries: Entries = []
    with tarfile.open(bundle) as tar:
        for member in tar.getmembers():
            entries.append((member, tar.extractfile(member).read()))  # type: ignore[union-attr]
    change(entries)
    return write_tar(target, entries)


# --- round trips -------------------------------------------------------------------------------------


def test_round_trip_into_an_empty_inventory_reproduces_every_row_and_blob(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    bundle = tmp_path / "backup.tar"
    summary = export(cli, bundle)
    assert summary["bundle"] == str(bundle)
    assert (summary["parts"], summary["kits"], summary["attachments"], summary["blobs"]) == (3, 2, 6, 4)
    assert summary["bytes"] == sum(
        len(data) for name, data in members(bundle).items() if name.startswith("blobs/")
    )
    assert summary["stock_history"] == 6

    target = switch_home(tmp_path / "restored")
    restored = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert restored["created"]["parts"] == 3 and restored["created"]["kit_contents"] == 2
    assert restored["created"]["types"] == 1  # 'Sensors'; the seeded types were already there
    assert restored["blobs_added"] == 4

    before, after = state_of(source), state_of(target)
    assert after.rows == before.rows  # every table, every column, ids included
    assert after.blobs == before.blobs
    assert blob_digests(target) == blob_digests(source)
    assert cli("db", "check").exit_code == 0
    assert cli("store", "fsck").exit_code == 0
    assert cover_title(cli, "part:ABCD") == "Side view"


def test_gzip_bundle_round_trip(cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path) -> None:
    bundle = tmp_path / "backup.tar.gz"
    export(cli, bundle)
    assert bundle.read_bytes()[:2] == b"\x1f\x8b"
    target = switch_home(tmp_path / "restored")
    assert cli(*bundle_args("import", bundle, "-q")).exit_code == 0
    assert state_of(target) == state_of(source)


def test_two_bundles_of_one_inventory_hold_the_same_data(cli: CliRun, source: Path, tmp_path: Path) -> None:
    export(cli, tmp_path / "a.tar")
    export(cli, tmp_path / "b.tar")
    first, second = members(tmp_path / "a.tar"), members(tmp_path / "b.tar")
    assert first.keys() == second.keys()
    for name in first:
        if name != "manifest.json":
            assert first[name] == second[name], name
    one, two = json.loads(first["manifest.json"]), json.loads(second["manifest.json"])
    one.pop("created_at"), two.pop("created_at")
    assert one == two
    assert one["format"] == "inventory-bundle" and one["version"] == 1
    assert next(iter(first)) == "manifest.json"
    data = json.loads(first["data/parts.json"])
    assert [row["key"] for row in data["rows"]] == ["ABCD", "RESA", "XTAL"]  # by primary key
    assert data["rows"][0]["tags"] == ["logic", "dip"]
    for blob in one["blobs"]:
        assert hashlib.sha256(first[f"blobs/{blob['digest']}"]).hexdigest() == blob["digest"]


def test_restoring_twice_equals_restoring_once(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    target = switch_home(tmp_path / "restored")
    assert cli(*bundle_args("import", bundle)).exit_code == 0
    once = state_of(target)
    again = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert sum(again["created"].values()) == 0 and again["blobs_added"] == 0
    assert again["skipped"]["parts"] == 3 and again["skipped"]["stock_history"] == 6
    assert state_of(target) == once


def test_restore_into_an_inventory_with_overlapping_rows_adds_only_the_new_ones(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    # Restoring into the inventory it came from, after adding rows of its own: all skipped, nothing lost.
    assert cli("part", "add", "Op amp", "--key", "OPAM").exit_code == 0
    assert cli("box", "add", "Spare", "--capacity", "2").exit_code == 0
    before = state_of(source)
    result = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert sum(result["created"].values()) == 0
    assert result["skipped"]["parts"] == 3 and result["skipped"]["attachments"] == 6
    assert state_of(source) == before

    # Into an inventory that shares a box (an identical row) and uses the bundle's part and set ids.
    target = switch_home(tmp_path / "other")
    assert cli("box", "add", "ICs", "--capacity", "5").exit_code == 0
    for key in ("OPAM", "OPAB", "OPAC"):
        assert cli("part", "add", "Op amp", "--key", key).exit_code == 0  # part and set ids 1-3
    # Box 1 made identical to the bundle's, timestamps included.
    times = query(source / "inventory.db", "SELECT created_at, updated_at FROM boxes WHERE id = 1")[0]
    connection = sqlite3.connect(target / "inventory.db")
    connection.execute("UPDATE boxes SET created_at = ?, updated_at = ? WHERE id = 1", times)
    connection.commit()
    connection.close()
    result = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert result["skipped"]["boxes"] == 1 and result["created"]["boxes"] == 1
    assert result["created"]["parts"] == 3
    keys = [row["key"] for row in json_out(cli("part", "list", "--json"))]
    assert keys == ["ABCD", "OPAB", "OPAC", "OPAM", "RESA", "XTAL"]
    # ABCD (id 2 in the bundle) got a new id; XTAL (id 4) kept its own.
    ids = dict(query(target / "inventory.db", "SELECT key, id FROM parts"))
    assert ids["ABCD"] not in (1, 2, 3) and ids["XTAL"] == 4
    assert cli("db", "check").exit_code == 0
    assert cli("store", "fsck").exit_code == 0
    assert cover_title(cli, "part:ABCD") == "Side view"
    stock = json_out(cli("stock", "list", "ABCD", "--json"))
    assert stock  # the part's stock came along, on the new id
    history = "SELECT COUNT(*) FROM stock_history WHERE part_id = ?"
    assert query(target / "inventory.db", history, ids["ABCD"]) == [(5,)]  # add, add, move out/in, remove


def test_rows_that_differ_are_a_conflict_and_nothing_is_written(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    target = switch_home(tmp_path / "other")
    assert cli("part", "add", "Something else", "--key", "ABCD").exit_code == 0
    assert cli("kit", "add", "Synth Voice").exit_code == 0
    before = state_of(target)
    result = cli(*bundle_args("import", bundle))
    assert_error(result, ExitCode.CONFLICT, "part ABCD", "kit 'Synth Voice'", "attachment set of part ABCD")
    assert state_of(target) == before
    assert not (target / "blobs" / "sha256").exists() or not any((target / "blobs" / "sha256").rglob("*"))


# --- damaged and unsafe bundles ----------------------------------------------------------------------


@pytest.fixture
def bundle(cli: CliRun, source: Path, tmp_path: Path) -> Path:
    """A good bundle of the seeded inventory."""
    path = tmp_path / "good.tar"
    export(cli, path)
    return path


@pytest.fixture
def empty_target(cli: CliRun, switch_home: Switch, tmp_path: Path) -> Path:
    """Switch to an empty inventory (its database created) to restore into."""
    home = switch_home(tmp_path / "target")
    assert cli("box", "list").exit_code == 0
    return home


def refused(cli: CliRun, home: Path, bundle: Path, code: ExitCode, *needles: str) -> None:
    """A restore that must fail and leave the target's database and blob store as they were."""
    before = state_of(home)
    assert_error(cli(*bundle_args("import", bundle)), code, *needles)
    assert state_of(home) == before
    assert count(home / "inventory.db", "parts") == 0


def test_a_corrupt_blob_member_is_a_failed_check_and_adds_no_blob(
    cli: CliRun, bundle: Path, empty_target: Path, tmp_path: Path
) -> None:
    def corrupt(entries: Entries) -> None:
        # The last blob: the others were already staged when it fails.
        info, data = entries[-1]
        assert data is not None
        entries[-1] = (info, bytes([data[0] ^ 1]) + data[1:])

    damaged = rebuild(bundle, tmp_path / "damaged.tar", corrupt)
    refused(cli, empty_target, damaged, ExitCode.CHECK_FAILED, "blobs/", "sha256")
    assert (
        not list((empty_target / "blobs" / "tmp").glob("*"))
        if (empty_target / "blobs" / "tmp").exists()
        else True
    )


def test_a_changed_data_member_is_a_failed_check(
    cli: CliRun, bundle: Path, empty_target: Path, tmp_path: Path
) -> None:
    def change(entries: Entries) -> None:
        for number, (info, data) in enumerate(entries):
            if info.name == "data/parts.json":
                assert data is not None
                entries[number] = (info, data.replace(b"Crystal", b"Krystal"))

    refused(
        cli,
        empty_target,
        rebuild(bundle, tmp_path / "d.tar", change),
        ExitCode.CHECK_FAILED,
        "data/parts.json",
    )


def resealed(bundle: Path, target: Path, table: str, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    """A copy of ``bundle`` with rows of ``table`` changed and the manifest sha256 to match."""
    member = f"data/{table}.json"

    def edit(entries: Entries) -> None:
        for number, (info, data) in enumerate(entries):
            if info.name == member:
                document = json.loads(data or b"")
                change(document["rows"])
                entries[number] = (info, json.dumps(document).encode())
                digest = hashlib.sha256(entries[number][1] or b"").hexdigest()
        manifest = json.loads(entries[0][1] or b"")
        for entry in manifest["data"]:
            if entry["member"] == member:
                entry["sha256"] = digest
        entries[0] = (entries[0][0], json.dumps(manifest).encode())

    return rebuild(bundle, target, edit)


def test_rows_that_do_not_fit_the_schema_are_invalid_input(
    cli: CliRun, bundle: Path, empty_target: Path, tmp_path: Path
) -> None:
    def drop_column(rows: list[dict[str, Any]]) -> None:
        del rows[0]["description"]

    def dangling(rows: list[dict[str, Any]]) -> None:
        rows[0]["part_id"] = 999

    def duplicate_key(rows: list[dict[str, Any]]) -> None:
        rows[1]["key"] = rows[0]["key"]

    cases = [
        ("parts", drop_column, "data/parts.json row 1: columns differ from the schema"),
        ("stock", dangling, "parts id 999"),
        ("parts", duplicate_key, "refused by the database"),
    ]
    for number, (table, change, needle) in enumerate(cases):
        bad = resealed(bundle, tmp_path / f"bad{number}.tar", table, change)
        refused(cli, empty_target, bad, ExitCode.INVALID_INPUT, needle)


def test_an_empty_inventory_round_trips(cli: CliRun, switch_home: Switch, tmp_path: Path) -> None:
    bundle = tmp_path / "empty.tar"
    summary = export(cli, bundle)
    assert summary["parts"] == 0 and summary["blobs"] == 0 and summary["types"] > 0
    switch_home(tmp_path / "other")
    restored = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert sum(restored["created"].values()) == 0 and restored["skipped"]["types"] == summary["types"]


@pytest.mark.parametrize(
    ("name", "kind", "needle"),
    [
        ("../x", tarfile.REGTYPE, "'../x'"),
        ("/etc/x", tarfile.REGTYPE, "'/etc/x'"),
        ("blobs/link", tarfile.SYMTYPE, "symbolic link"),
        ("blobs/hard", tarfile.LNKTYPE, "hard link"),
        ("blobs/dev", tarfile.CHRTYPE, "device"),
        ("extra.txt", tarfile.REGTYPE, "unexpected member 'extra.txt'"),
    ],
)
def test_unsafe_or_unexpected_members_are_refused(
    cli: CliRun, bundle: Path, empty_target: Path, tmp_path: Path, name: str, kind: bytes, needle: str
) -> None:
    def add(entries: Entries) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
            info.linkname = "/etc/passwd"
        entries.insert(1, (info, b"x" if kind == tarfile.REGTYPE else None))

    refused(cli, empty_target, rebuild(bundle, tmp_path / "u.tar", add), ExitCode.INVALID_INPUT, needle)
    assert not (tmp_path / "x").exists()


def test_missing_manifest_unknown_version_and_truncation_are_invalid_input(
    cli: CliRun, bundle: Path, empty_target: Path, tmp_path: Path
) -> None:
    no_manifest = rebuild(bundle, tmp_path / "m.tar", lambda entries: entries.pop(0))
    refused(cli, empty_target, no_manifest, ExitCode.INVALID_INPUT, "manifest.json is missing")

    def future(entries: Entries) -> None:
        info, data = entries[0]
        document = json.loads(data or b"")
        document["version"] = 99
        entries[0] = (info, json.dumps(document).encode())

    refused(
        cli, empty_target, rebuild(bundle, tmp_path / "v.tar", future), ExitCode.INVALID_INPUT, "version 99"
    )

    raw = bundle.read_bytes()
    blob_start = raw.index(b"blobs/")  # the header of the first blob
    for cut, needle in ((blob_start + 1000, "truncated"), (blob_start - 10, "truncated")):
        truncated = tmp_path / f"t{cut}.tar"
        truncated.write_bytes(raw[:cut])
        refused(cli, empty_target, truncated, ExitCode.INVALID_INPUT, needle)

    not_tar = tmp_path / "not.tar"
    not_tar.write_bytes(b"hello, not a tar file" * 40)
    refused(cli, empty_target, not_tar, ExitCode.INVALID_INPUT, "not.tar")


def test_a_truncated_gzip_bundle_is_invalid_input(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    full = tmp_path / "full.tar.gz"
    export(cli, full)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    home = switch_home(tmp_path / "target")
    assert cli("box", "list").exit_code == 0
    refused(cli, home, cut, ExitCode.INVALID_INPUT, "truncated")


def test_missing_bundle_file_and_existing_target(
    cli: CliRun, source: Path, state: Any, tmp_path: Path
) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, bundle_args("import", tmp_path / "nope.tar"), "nope.tar")
    fails(cli, state, ExitCode.INVALID_INPUT, bundle_args("import", tmp_path), "is a directory")
    existing = tmp_path / "there.tar"
    existing.write_bytes(b"keep me")
    fails(cli, state, ExitCode.CONFLICT, bundle_args("export", existing), "already exists")
    assert existing.read_bytes() == b"keep me"
    assert export(cli, existing, "--force")["parts"] == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".there.tar.")]


def test_record_options_do_not_mix_with_a_bundle(
    cli: CliRun, source: Path, state: Any, tmp_path: Path
) -> None:
    bundle = tmp_path / "b.tar"
    records = tmp_path / "parts.csv"
    fails(cli, state, ExitCode.USAGE, ["export", "--bundle", str(bundle), "-o", str(records)], "--output")
    fails(cli, state, ExitCode.USAGE, ["export", "--bundle", str(bundle), "--format", "csv"], "--format")
    assert not bundle.exists() and not records.exists()
    export(cli, bundle)
    fails(cli, state, ExitCode.USAGE, bundle_args("import", bundle, str(records)), "FILE")
    fails(cli, state, ExitCode.USAGE, bundle_args("import", bundle, "--dry-run"), "--dry-run")
    # Named on the command line, even with its default value: it does not apply to a bundle.
    fails(cli, state, ExitCode.USAGE, bundle_args("import", bundle, "--batch-size", "2000"), "--batch-size")
    fails(cli, state, ExitCode.USAGE, bundle_args("import", bundle, "-e", "parts"), "--entity")
    fails(cli, state, ExitCode.USAGE, ["import"], "--bundle")


def test_a_corrupt_stored_blob_writes_no_bundle(cli: CliRun, source: Path, tmp_path: Path) -> None:
    blob = next(path for path in (source / "blobs" / "sha256").rglob("*") if path.is_file())
    blob.chmod(0o644)
    data = blob.read_bytes()
    blob.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    target = tmp_path / "backup.tar"
    assert_error(cli(*bundle_args("export", target)), ExitCode.STORAGE, blob.name, "corrupt")
    assert not target.exists()
    assert list(tmp_path.glob(".backup.tar.*")) == []


# --- a large blob -------------------------------------------------------------------------


def test_a_large_blob_is_streamed_in_chunks(
    cli: CliRun, switch_home: Switch, files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory_cli.services import bundle_format

    big = files.write("big.pdf", b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024) + b"\n%%EOF\n")
    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(6 * 1024 * 1024))
    assert cli("part", "add", "Big datasheet", "--key", "BIGD").exit_code == 0
    assert cli("part", "attach", "BIGD", str(big)).exit_code == 0

    reads: list[int] = []
    original = bundle_format.CountingReader.read

    def spy(self: Any, size: int = -1) -> bytes:
        reads.append(size)
        return original(self, size)

    monkeypatch.setattr(bundle_format.CountingReader, "read", spy)
    bundle = tmp_path / "big.tar"
    export(cli, bundle)
    assert reads and max(reads) <= 1024 * 1024 and -1 not in reads  # never one read of the whole blob
    writes = len(reads)
    switch_home(tmp_path / "restored")
    restored = json_out(cli(*bundle_args("import", bundle, "--json")))
    assert restored["bytes"] == big.stat().st_size
    assert max(reads[writes:]) <= 1024 * 1024 and -1 not in reads[writes:]
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    assert blob_digests(tmp_path / "restored") == {digest}


def test_progress_is_reported_over_every_blob_byte(source: Path, switch_home: Switch, tmp_path: Path) -> None:
    from contextlib import contextmanager

    from inventory_cli.bootstrap import Inventory
    from inventory_cli.config import load_settings
    from inventory_cli.services.bundle import restore_bundle, write_bundle

    bars: list[tuple[str, int, list[int]]] = []

    @contextmanager
    def recorder(label: str, total: int) -> Iterator[Callable[[int], None]]:
        done: list[int] = []
        bars.append((label, total, done))
        yield done.append

    written = write_bundle(Inventory(load_settings()), tmp_path / "p.tar", progress=recorder)
    switch_home(tmp_path / "restored")
    restored = restore_bundle(Inventory(load_settings()), tmp_path / "p.tar", progress=recorder)
    assert [label for label, _, _ in bars] == ["writing bundle", "reading bundle"]
    for _, total, done in bars:
        assert total == written.bytes == restored.bytes == sum(done) > 0


def test_restore_publishes_blobs_without_holding_the_write_lock(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory_cli.storage.blobs import LocalBlobStore

    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    target = switch_home(tmp_path / "other")
    publish = LocalBlobStore.publish
    other_writer_got_in: list[bool] = []

    def publish_while_another_command_writes(store: LocalBlobStore, staged: Any) -> bool:
        # Another command's write transaction, not waiting at all: it gets in only if the
        # restore holds no write lock while its blobs are stored (slow on S3).
        other = sqlite3.connect(target / "inventory.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other_writer_got_in.append(True)
        except sqlite3.OperationalError:
            other_writer_got_in.append(False)
        finally:
            other.close()
        return publish(store, staged)

    monkeypatch.setattr(LocalBlobStore, "publish", publish_while_another_command_writes)
    assert cli(*bundle_args("import", bundle)).exit_code == 0
    assert other_writer_got_in and all(other_writer_got_in)
    assert blob_digests(target) == blob_digests(source)


def test_a_conflicting_restore_stores_no_blob(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path
) -> None:
    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    target = switch_home(tmp_path / "other")
    assert cli("part", "add", "Something else entirely", "--key", "ABCD").exit_code == 0
    before = state_of(target)
    assert_error(cli(*bundle_args("import", bundle)), ExitCode.CONFLICT, "differ from this inventory")
    assert state_of(target) == before


def test_a_blob_over_this_inventorys_size_limits_is_refused_before_anything_is_stored(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    largest = max(
        len(path.read_bytes()) for path in (source / "blobs" / "sha256").rglob("*") if path.is_file()
    )
    target = switch_home(tmp_path / "other")
    assert cli("part", "add", "Op amp", "--key", "OPAM").exit_code == 0
    before = state_of(target)
    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(largest - 1))
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", str(largest - 1))
    result = cli(*bundle_args("import", bundle))
    assert_error(result, ExitCode.INVALID_INPUT, f"holds {largest} bytes", f"limit of {largest - 1}")
    assert state_of(target) == before
    assert not any((target / "blobs" / "tmp").glob("*"))
    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(largest))
    assert cli(*bundle_args("import", bundle)).exit_code == 0


def test_a_blob_collected_between_publish_and_commit_stops_the_restore(
    cli: CliRun, source: Path, switch_home: Switch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory_cli.storage.blobs import LocalBlobStore

    bundle = tmp_path / "backup.tar"
    export(cli, bundle)
    target = switch_home(tmp_path / "other")
    assert cli("box", "list").exit_code == 0
    publish = LocalBlobStore.publish

    def publish_then_collect(store: LocalBlobStore, staged: Any) -> bool:
        # As 'store gc --grace 0' would, between the publish and the restore's write transaction.
        added = publish(store, staged)
        store.delete(staged.digest)
        return added

    monkeypatch.setattr(LocalBlobStore, "publish", publish_then_collect)
    assert_error(cli(*bundle_args("import", bundle)), ExitCode.STORAGE, "left the store during the restore")
    assert count(target / "inventory.db", "attachments") == 0
    monkeypatch.setattr(LocalBlobStore, "publish", publish)
    assert cli(*bundle_args("import", bundle)).exit_code == 0
    assert blob_digests(target) == blob_digests(source)
