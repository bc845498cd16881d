"""inventory export: the records import reads back, files beside them, identical round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, json_out, query


@pytest.fixture
def stocked(cli: CliRun, files: Files) -> None:
    """Parts with stock, files, a link, a chosen cover and a cleared cover."""
    assert cli("box", "add", "Drawer", "-c", "10").exit_code == 0
    commands = [
        ["part", "add", "8-bit shift register", "--key", "SHFT", "--type", "Logic IC", "--tag", "74hc"],
        ["part", "add", "Op amp; dual", "--key", "OPAM", "--mpn", "TL072", "--pins", "8"],
        ["part", "add", "Bare part", "--key", "BARE"],
        ["stock", "add", "SHFT", "1-2", "7"],
        ["stock", "add", "SHFT", "1-1", "3"],
        ["part", "attach", "SHFT", str(files.png("front.png"))],
        ["part", "attach", "SHFT", str(files.jpeg("back.jpg"))],
        ["part", "attach", "SHFT", str(files.pdf("sn74hc595.pdf"))],
        ["part", "attach", "SHFT", "https://example.com/sn74hc595"],
        ["set", "cover", "part:SHFT", "2"],
        ["part", "attach", "OPAM", str(files.png("front.png"))],
        ["set", "cover", "part:OPAM", "--clear"],
    ]
    for args in commands:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)


def other_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cli: CliRun, name: str) -> None:
    """Switch the following commands to a new, empty inventory with the same box."""
    monkeypatch.setenv("INVENTORY_HOME", str(tmp_path / name))
    assert cli("box", "add", "Drawer", "-c", "10").exit_code == 0


def test_stdout_export_names_stored_files_by_digest(cli: CliRun, stocked: None, db_path: Path) -> None:
    rows = json_out(cli("export"))
    assert [row["key"] for row in rows] == ["BARE", "OPAM", "SHFT"]
    shft = rows[2]
    digests = [
        d
        for (d,) in query(
            db_path, "SELECT blob_digest FROM attachments WHERE attachment_set_id = 1 ORDER BY id"
        )
    ]
    assert shft["attach"] == [
        f"digest:{digests[0]}",
        f"digest:{digests[1]}",
        f"digest:{digests[2]}",
        "https://example.com/sn74hc595",
    ]
    assert shft["cover"] == f"digest:{digests[1]}"
    assert shft["stock"] == {"1-1": 3, "1-2": 7}
    assert shft["tags"] == ["74hc"] and shft["type"] == "Logic IC"
    assert rows[1]["cover"] == "-"  # a cleared cover stays cleared
    assert rows[0]["attach"] == [] and rows[0]["cover"] is None
    ndjson = cli("export", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in ndjson] == rows


def test_stdout_export_imports_back_into_the_same_inventory_as_no_change(cli: CliRun, stocked: None) -> None:
    result = cli("import", "-", "--format", "json", "--json", input=cli("export").stdout)
    summary = json_out(result)
    assert (summary["created"], summary["updated"], summary["skipped"]) == (0, 0, 3)


@pytest.mark.parametrize("suffix", ["csv", "json", "ndjson", "tsv"])
def test_round_trip_through_an_empty_inventory_is_identical(
    cli: CliRun, stocked: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    first = tmp_path / "first" / f"parts.{suffix}"
    first.parent.mkdir()
    result = cli("export", "-o", str(first))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"exported 3 parts to {first} (3 attachment files in {first}.files/)\n"
    stored = sorted(p.relative_to(first.parent).as_posix() for p in first.parent.rglob("*") if p.is_file())
    # front.png is in two parts with the same content and name: one file.
    assert len(stored) == 4 and all(name.startswith(f"parts.{suffix}") for name in stored)
    assert any(name.endswith("/sn74hc595.pdf") for name in stored)

    other_home(monkeypatch, tmp_path, cli, "empty")
    assert cli("import", str(first)).exit_code == 0
    second = tmp_path / "second" / f"parts.{suffix}"
    second.parent.mkdir()
    assert cli("export", "-o", str(second)).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    again = sorted(p.relative_to(second.parent).as_posix() for p in second.parent.rglob("*") if p.is_file())
    assert again == stored
    shown = json_out(cli("part", "show", "SHFT", "--json"))
    assert [a["filename"] for a in shown["attachments"] if a["is_cover"]] == ["back.jpg"]
    assert cli("db", "check").exit_code == 0 and cli("store", "fsck").exit_code == 0


def test_export_refuses_to_overwrite_without_force(cli: CliRun, stocked: None, tmp_path: Path) -> None:
    target = tmp_path / "parts.json"
    target.write_text("keep me")
    result = cli("export", "-o", str(target))
    assert result.exit_code == ExitCode.CONFLICT
    assert target.read_text() == "keep me"
    summary = json_out(cli("export", "-o", str(target), "--force", "--json"))
    assert summary == {"format": "json", "parts": 3, "files": 3, "output": str(target)}
    assert json.loads(target.read_text())[0]["key"] == "BARE"


def test_export_of_an_empty_inventory_and_usage_errors(cli: CliRun, tmp_path: Path) -> None:
    assert json_out(cli("export")) == []
    assert cli("export", "--format", "csv").stdout.startswith("key,description,")
    assert cli("export", "--format", "xlsx").exit_code == ExitCode.USAGE
    assert cli("export", "--json").exit_code == ExitCode.USAGE
