"""Edge cases of the command line: odd numbers and URLs, usage errors, file modes, configuration."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.domain.rules import sniff
from inventory_cli.errors import ExitCode, InvalidInputError
from inventory_cli.services.intake import InputFile, verify_content
from inventory_cli.storage.blobs import StagedBlob
from inventory_cli.storage.schema import HEAD_REVISION
from tests.conftest import CliRun, Files, image_bytes, json_out, pdf_bytes


def one_line_error(result: object, code: int, needle: str) -> None:
    """The command failed with ``code``, one error line naming ``needle``, nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert 1 <= len(lines) <= 2 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert result.stdout == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["99999999999999999999", "0"])
def test_out_of_range_numbers_are_not_found(cli: CliRun, part_key: str, value: str) -> None:
    one_line_error(cli("set", "list", value), ExitCode.NOT_FOUND, f"no attachment set {value}")
    one_line_error(cli("set", "rm", f"part:{part_key}", value, "--yes"), ExitCode.NOT_FOUND, "no attachment")
    one_line_error(cli("set", "cover", f"part:{part_key}", value), ExitCode.NOT_FOUND, "no attachment")


def test_non_ascii_digits_are_not_a_set_number(cli: CliRun, part_key: str) -> None:
    one_line_error(cli("set", "list", "²"), ExitCode.USAGE, "not a set reference")


@pytest.mark.parametrize("url", ["http://[::1", "https://[x/datasheet"])
def test_malformed_urls_are_invalid_input(cli: CliRun, part_key: str, url: str) -> None:
    one_line_error(cli("part", "attach", part_key, url), ExitCode.INVALID_INPUT, "malformed")
    one_line_error(cli("part", "add", "timer", "--product-page", url), ExitCode.INVALID_INPUT, "malformed")


def test_the_same_link_twice_in_a_set_is_a_conflict(cli: CliRun, part_key: str, kit_name: str) -> None:
    first = json_out(cli("part", "attach", part_key, "https://www.ti.com/product/SN74HC595N", "--json"))
    one_line_error(
        cli("part", "attach", part_key, "https://www.ti.com/product/SN74HC595N"),
        ExitCode.CONFLICT,
        f"as attachment {first['id']}",
    )
    # The same link in another set is fine.
    assert cli("kit", "attach", kit_name, "https://www.ti.com/product/SN74HC595N").exit_code == 0


@pytest.mark.parametrize("revision", ["bogus", "0099"])
def test_unknown_revisions_are_usage_errors(cli: CliRun, part_key: str, revision: str) -> None:
    one_line_error(cli("db", "upgrade", revision), ExitCode.USAGE, repr(revision))
    one_line_error(cli("db", "downgrade", revision, "--yes"), ExitCode.USAGE, repr(revision))


def test_dropping_kit_attachments_into_a_missing_folder_is_refused(
    cli: CliRun, kit_name: str, files: Files, tmp_path: Path
) -> None:
    assert cli("kit", "attach", kit_name, str(files.png())).exit_code == 0
    target = tmp_path / "no" / "such" / "dump.json"
    one_line_error(
        cli("db", "downgrade", "0001", "--yes", "--drop-kit-attachments", str(target)),
        ExitCode.INVALID_INPUT,
        str(target),
    )
    assert json_out(cli("db", "current", "--json"))["revision"] == HEAD_REVISION


def test_usage_errors_are_one_line_with_a_hint(cli: CliRun) -> None:
    result = cli("part", "add")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.splitlines() == [
        "error: Missing argument 'description'.",
        "hint: see 'inventory part add --help'",
    ]
    result = cli("part", "nonsense")
    assert result.exit_code == ExitCode.USAGE and result.stderr.startswith("error: No such command")


def test_blobs_are_read_only_and_exports_follow_the_umask(
    cli: CliRun, part_key: str, files: Files, store_root: Path, tmp_path: Path
) -> None:
    attached = json_out(cli("part", "attach", part_key, str(files.pdf()), "--json"))
    digest = attached["blob_digest"]
    blob = store_root / "sha256" / digest[:2] / digest[2:4] / digest
    old = os.umask(0o022)
    try:
        assert stat.S_IMODE(blob.stat().st_mode) == 0o444
        target = tmp_path / "out.pdf"
        assert cli("set", "export", f"part:{part_key}", str(attached["id"]), "-o", str(target)).exit_code == 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_relative_paths_in_the_config_file_are_relative_to_it(
    cli: CliRun, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('db = "data/parts.db"\nstore = "data/files"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    assert cli("part", "add", "timer", "--key", "NEFF").exit_code == 0

    assert (isolated_home / "data" / "parts.db").is_file()
    assert not (elsewhere / "data").exists()
    info = json_out(cli("db", "current", "--json"))
    assert info["database"].endswith(str(Path("home") / "data" / "parts.db"))


def test_a_config_value_of_the_wrong_type_is_invalid(cli: CliRun, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("db = [1, 2]\n")
    one_line_error(cli("part", "list"), ExitCode.INVALID_INPUT, "db = [1, 2]")


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path: Path) -> None:
    png = image_bytes("PNG")
    claimed = sniff(png)
    assert claimed is not None
    copy = tmp_path / "staged"
    copy.write_bytes(pdf_bytes())
    staged = StagedBlob("0" * 64, copy.stat().st_size, copy, copy.read_bytes()[:4096])
    item = InputFile(handle=open(os.devnull, "rb"), name="photo.png", size=len(png), sniffed=claimed)  # noqa: SIM115
    try:
        with pytest.raises(InvalidInputError, match="changed while it was being read"):
            verify_content(staged, item)
    finally:
        item.handle.close()


def test_an_existing_file_with_a_colon_in_its_name_is_a_file(
    cli: CliRun, part_key: str, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.png("photo:1.png")
    monkeypatch.chdir(files.folder)

    attached = json_out(cli("part", "attach", part_key, "photo:1.png", "--json"))

    assert (attached["kind"], attached["filename"]) == ("image", "photo:1.png")
    one_line_error(cli("part", "attach", part_key, "photo:2.png"), ExitCode.INVALID_INPUT, "photo:")


def test_export_reports_the_cover_and_refuses_two_things_on_stdout(
    cli: CliRun, part_key: str, files: Files, tmp_path: Path
) -> None:
    photo = json_out(cli("part", "attach", part_key, str(files.png()), "--json"))
    ref = f"part:{part_key}"

    exported = json_out(cli("set", "export", ref, str(photo["id"]), "-o", str(tmp_path / "p.png"), "--json"))

    assert exported["is_cover"] is True
    one_line_error(cli("set", "export", ref, str(photo["id"]), "-o", "-", "--json"), ExitCode.USAGE, "--json")


def test_export_to_a_missing_folder_with_a_trailing_slash_writes_nothing(
    cli: CliRun, files: Files, tmp_path: Path, part_key: str
) -> None:
    assert cli("part", "attach", part_key, str(files.pdf("ds.pdf"))).exit_code == 0
    missing = tmp_path / "no-such-folder"

    result = cli("set", "export", f"part:{part_key}", "1", "-o", f"{missing}/")

    one_line_error(result, ExitCode.NOT_FOUND, str(missing))
    assert not missing.exists()


def test_db_current_text_names_the_database(cli: CliRun, db_path: Path, part_key: str) -> None:
    result = cli("db", "current")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"sqlite:///{db_path}: revision {HEAD_REVISION} ")


def test_an_unknown_global_option_gets_the_one_line_usage_error(cli: CliRun) -> None:
    one_line_error(cli("--bogus", "part", "list"), ExitCode.USAGE, "--bogus")


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (("stock", "add", "ABCD", "1-3", "abc"), "abc"),
        (("kit", "content", "add", "Clock", "ABCD", "--per-unit", "2x"), "2x"),
        (("part", "list", "--low-stock", "ten"), "ten"),
        (("set", "cover", "part:ABCD", "1.5"), "1.5"),
        (("box", "edit", "1", "--capacity", ""), ""),
    ],
)
def test_a_number_that_is_not_one_is_named(
    cli: CliRun, part_key: str, args: tuple[str, ...], value: str
) -> None:
    one_line_error(cli(*args), ExitCode.USAGE, f"{value!r} is not a whole number")


def test_an_s3_store_without_boto3_installed_is_a_storage_error_with_the_install_hint(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def without_boto3(name: str, *args: Any) -> Any:
        return None if name == "boto3" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_boto3)
    result = cli("--store", "s3://bucket/prefix", "store", "stats")
    assert result.exit_code == ExitCode.STORAGE
    assert result.stderr.splitlines() == [
        "error: cannot use blob store s3://bucket/prefix: the S3 library (boto3) is not installed",
        "hint: pip install 'inventory-cli[s3]'",
    ]


def test_a_refused_confirmation_reads_as_an_error_in_lower_case(cli: CliRun) -> None:
    assert cli("part", "add", "Op amp", "--key", "OPAM").exit_code == 0
    result = cli("part", "rm", "OPAM")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("error: delete part OPAM")
