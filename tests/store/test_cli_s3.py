"""The attachment commands end to end with the S3 store, and what both stores do the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from inventory_cli.storage.stores import BlobStore
from tests.conftest import CliRun, Files, assert_error, json_out, query
from tests.store.conftest import plant, s3_client


@pytest.fixture
def two_parts(cli: CliRun) -> None:
    for key in ("ABCD", "EFGH"):
        assert cli("part", "add", f"part {key}", "--key", key).exit_code == 0


def test_attach_export_cover_rm_on_s3(
    cli: CliRun,
    files: Files,
    s3_store_env: str,
    bucket: str,
    moto_endpoint: str,
    tmp_path: Path,
    two_parts: None,
) -> None:
    photo = files.png("top.png")
    sheet = files.pdf("sheet.pdf")
    side = files.jpeg("side.jpg")

    first = json_out(cli("part", "attach", "ABCD", str(photo), "--json"))
    second = json_out(cli("part", "attach", "ABCD", str(sheet), "--json"))
    third = json_out(cli("part", "attach", "ABCD", str(side), "--json"))

    keys = sorted(item["Key"] for item in s3_client(moto_endpoint).list_objects_v2(Bucket=bucket)["Contents"])
    expected = sorted(
        f"inventory/sha256/{d[:2]}/{d[2:4]}/{d}"
        for d in (hashlib.sha256(p.read_bytes()).hexdigest() for p in (photo, sheet, side))
    )
    assert keys == expected
    assert first["is_cover"] is True

    out = tmp_path / "back.pdf"
    assert cli("set", "export", "part:ABCD", str(second["id"]), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == sheet.read_bytes()
    streamed = cli("set", "export", "part:ABCD", str(third["id"]), "-o", "-")
    assert streamed.exit_code == 0 and streamed.stdout_bytes == side.read_bytes()

    assert cli("set", "cover", "part:ABCD", str(third["id"])).exit_code == 0
    assert json_out(cli("set", "cover", "part:ABCD", "--json"))["id"] == third["id"]
    assert cli("set", "rm", "part:ABCD", str(third["id"]), "--yes").exit_code == 0
    assert json_out(cli("set", "cover", "part:ABCD", "--json"))["id"] == first["id"]
    assert cli("db", "check").exit_code == 0
    assert json_out(cli("store", "fsck", "--json"))["ok"] is True


def test_a_corrupt_blob_is_refused_by_set_export(
    cli: CliRun, files: Files, backend: BlobStore, tmp_path: Path, two_parts: None
) -> None:
    sheet = files.pdf()
    attached = json_out(cli("part", "attach", "ABCD", str(sheet), "--json"))
    data = bytearray(sheet.read_bytes())
    data[len(data) // 2] ^= 0x01
    plant(backend, attached["blob_digest"], bytes(data))
    out = tmp_path / "out.pdf"

    assert_error(
        cli("set", "export", "part:ABCD", str(attached["id"]), "-o", str(out)),
        ExitCode.STORAGE,
        "is corrupt",
    )
    assert not out.exists()
    streamed = cli("set", "export", "part:ABCD", str(attached["id"]), "-o", "-")
    assert streamed.exit_code == ExitCode.STORAGE and streamed.stdout_bytes == b""


def test_deleting_one_of_two_parts_sharing_a_blob_keeps_the_blob(
    cli: CliRun, files: Files, backend: BlobStore, tmp_path: Path, two_parts: None
) -> None:
    photo = files.png()
    one = json_out(cli("part", "attach", "ABCD", str(photo), "--json"))
    other = json_out(cli("part", "attach", "EFGH", str(photo), "--json"))
    assert one["blob_digest"] == other["blob_digest"]

    assert cli("part", "rm", "ABCD", "--yes").exit_code == 0
    assert cli("store", "gc", "--yes", "--grace", "0").exit_code == 0

    assert backend.exists(one["blob_digest"])
    out = tmp_path / "kept.png"
    assert cli("set", "export", "part:EFGH", str(other["id"]), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == photo.read_bytes()


def test_an_unknown_store_scheme_is_a_storage_error(cli: CliRun, files: Files, two_parts: None) -> None:
    result = cli("--store", "gs://bucket/x", "part", "attach", "ABCD", str(files.png()))
    assert_error(result, ExitCode.STORAGE, "gs://bucket/x")
    assert query_count(cli) == 0


def test_a_bad_bucket_name_is_invalid_input(cli: CliRun, files: Files, two_parts: None) -> None:
    result = cli("--store", "s3://No_Such/x", "part", "attach", "ABCD", str(files.png()))
    assert_error(result, ExitCode.INVALID_INPUT, "'No_Such' is not a valid S3 bucket name")
    assert query_count(cli) == 0


def query_count(cli: CliRun) -> int:
    return len(json_out(cli("set", "list", "part:ABCD", "--json"))["attachments"])


def test_a_bad_checksum_mode_is_invalid_input(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch, s3_store_env: str
) -> None:
    monkeypatch.setenv("INVENTORY_S3_CHECKSUM", "always")
    assert_error(cli("part", "list"), ExitCode.INVALID_INPUT, "s3_checksum='always'")


def test_s3_settings_come_from_the_config_file(
    cli: CliRun, files: Files, isolated_home: Path, moto_endpoint: str, bucket: str, db_path: Path
) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        f'store = "s3://{bucket}/from-config"\n'
        f's3_endpoint_url = "{moto_endpoint}"\n'
        's3_region = "eu-west-1"\ns3_checksum = "when_required"\n'
    )
    assert cli("part", "add", "x", "--key", "ABCD").exit_code == 0

    assert cli("part", "attach", "ABCD", str(files.png())).exit_code == 0

    listing = s3_client(moto_endpoint).list_objects_v2(Bucket=bucket)
    assert [item["Key"].split("/")[0] for item in listing["Contents"]] == ["from-config"]
    assert query(db_path, "SELECT COUNT(*) FROM attachments")[0][0] == 1


def test_thumbnails_and_page_counts_come_from_s3_blobs(
    cli: CliRun, files: Files, s3_store_env: str, tmp_path: Path, two_parts: None
) -> None:
    photo = json_out(cli("part", "attach", "ABCD", str(files.png("top.png")), "--json"))
    sheet = json_out(cli("part", "attach", "ABCD", str(files.pdf("sheet.pdf")), "--json"))
    target = tmp_path / "thumb.png"

    made = json_out(
        cli("set", "thumb", "part:ABCD", str(photo["id"]), "--size", "16", "-o", str(target), "--json")
    )

    assert made["written_to"] == str(target)
    assert target.read_bytes().startswith(b"\x89PNG")
    listed = json_out(cli("set", "show", "part:ABCD", "--json"))
    assert {a["id"]: a["pages"] for a in listed["attachments"]} == {photo["id"]: None, sheet["id"]: 1}
