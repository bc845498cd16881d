"""inventory import/export --entity kits: round trips, malformed rows, conflicts, rejects, attachments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, json_out, query

HEADER = "name,description,build_target,status,contents,attach,cover"


def run_ok(cli: CliRun, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


def add_parts(cli: CliRun) -> None:
    for key, description in (("AAAA", "NE555 timer"), ("BBBB", "10k resistor"), ("CCCC", "Red LED")):
        run_ok(cli, "part", "add", description, "--key", key)


@pytest.fixture(autouse=True)
def parts(cli: CliRun) -> None:
    """The parts every kit in these tests uses."""
    add_parts(cli)


@pytest.fixture
def kits(cli: CliRun, files: Files) -> None:
    """Kits made through the kit commands: contents, files, a link, a chosen cover, one archived."""
    for args in (
        ["kit", "add", "Blinky", "-d", "LED blinker", "--build-target", "3"],
        ["kit", "content", "add", "Blinky", "AAAA", "-q", "1"],
        ["kit", "content", "add", "Blinky", "CCCC", "-q", "2"],
        ["kit", "attach", "Blinky", str(files.png("front.png"))],
        ["kit", "attach", "Blinky", str(files.jpeg("back.jpg"))],
        ["kit", "attach", "Blinky", str(files.pdf("bom.pdf"))],
        ["kit", "attach", "Blinky", "https://example.com/blinky"],
        ["set", "cover", "kit:Blinky", "2"],
        ["kit", "add", "Old synth", "--build-target", "0"],
        ["kit", "content", "add", "Old synth", "BBBB", "-q", "12"],
        ["kit", "archive", "Old synth"],
        ["kit", "add", "Empty"],
    ):
        run_ok(cli, *args)


def write(files: Files, name: str, *rows: str, header: str = HEADER) -> Path:
    return files.write(name, ("\n".join([header, *rows]) + "\n").encode())


def refused(cli: CliRun, state: State, path: Path, code: ExitCode, *expected: str) -> list[str]:
    """A kit import that must fail, write nothing, and report each expected line on stderr."""
    before = state()
    result = cli("import", "--entity", "kits", str(path))
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = str(result.stderr).splitlines()
    for needle in expected:
        assert needle in lines, (needle, lines)
    assert state() == before
    return lines


@pytest.mark.parametrize("suffix", ["csv", "tsv", "json", "ndjson"])
def test_round_trip_through_an_inventory_with_the_same_parts_is_identical(
    cli: CliRun, kits: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    first = tmp_path / "first" / f"kits.{suffix}"
    first.parent.mkdir()
    assert run_ok(cli, "export", "--entity", "kits", "-o", str(first)) == (
        f"exported 3 kits to {first} (3 attachment files in {first}.files/)\n"
    )
    monkeypatch.setenv("INVENTORY_HOME", str(tmp_path / "other"))
    add_parts(cli)
    assert (
        run_ok(cli, "import", "-e", "kits", str(first))
        == f"imported {first}: 3 created, 0 updated, 0 skipped\n"
    )
    second = tmp_path / "second" / f"kits.{suffix}"
    second.parent.mkdir()
    run_ok(cli, "export", "--entity", "kits", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()
    shown = json_out(cli("kit", "show", "Blinky", "--json"))
    assert [a["filename"] for a in shown["attachments"] if a["is_cover"]] == ["back.jpg"]
    assert [(line["key"], line["per_unit"]) for line in shown["contents"]] == [("AAAA", 1), ("CCCC", 2)]
    assert shown["build_target"] == 3 and shown["description"] == "LED blinker"
    old = json_out(cli("kit", "show", "Old synth", "--json"))
    assert old["status"] == "archived" and old["build_target"] == 0 and old["archived_at"]
    assert cli("db", "check").exit_code == 0 and cli("store", "fsck").exit_code == 0


def test_stdout_export_uses_digests_and_reimports_as_no_change(
    cli: CliRun, kits: None, db_path: Path
) -> None:
    rows = json_out(cli("export", "--entity", "kits"))
    assert [row["name"] for row in rows] == ["Blinky", "Empty", "Old synth"]
    digests = [d for (d,) in query(db_path, "SELECT blob_digest FROM attachments ORDER BY id")]
    blinky = rows[0]
    assert blinky["attach"] == [*(f"digest:{d}" for d in digests[:3]), "https://example.com/blinky"]
    assert blinky["cover"] == f"digest:{digests[1]}" and blinky["contents"] == {"AAAA": 1, "CCCC": 2}
    assert rows[2] == {
        "name": "Old synth",
        "description": None,
        "build_target": 0,
        "status": "archived",
        "contents": {"BBBB": 12},
        "attach": [],
        "cover": None,
    }
    csv_text = cli("export", "-e", "kits", "-f", "csv").stdout
    assert csv_text.splitlines()[0] == HEADER
    assert "Old synth,,0,archived,BBBB=12,," in csv_text.splitlines()
    summary = json_out(cli("import", "-", "-e", "kits", "--format", "json", "--json", input=json.dumps(rows)))
    assert (summary["created"], summary["updated"], summary["skipped"]) == (0, 0, 3)


def test_kit_attachments_cover_and_idempotent_rerun(cli: CliRun, files: Files, state: State) -> None:
    files.png("a.png")
    files.pdf("ds.pdf")
    path = write(
        files,
        "kits.csv",
        "Blinky,LED blinker,2,,aaaa=1;BBBB=4,ds.pdf;a.png;https://example.com/b,a.png",
        "Bare,,,,,,",
        "No cover,,,,CCCC=1,a.png,-",
    )
    assert (
        run_ok(cli, "import", "-e", "kits", str(path))
        == f"imported {path}: 3 created, 0 updated, 0 skipped\n"
    )
    shown = json_out(cli("kit", "show", "Blinky", "--json"))
    kinds = [(a["kind"], a["is_cover"], a["filename"] or a["url"]) for a in shown["attachments"]]
    assert kinds == [
        ("pdf", False, "ds.pdf"),
        ("image", True, "a.png"),
        ("url", False, "https://example.com/b"),
    ]
    assert json_out(cli("kit", "show", "No cover", "--json"))["cover"] is None
    bare = json_out(cli("kit", "show", "Bare", "--json"))
    assert bare["build_target"] == 1 and bare["status"] == "active" and bare["contents"] == []
    before = state()
    assert (
        run_ok(cli, "import", "-e", "kits", str(path))
        == f"imported {path}: 0 created, 0 updated, 3 skipped\n"
    )
    assert state() == before
    assert cli("db", "check").exit_code == 0 and cli("store", "fsck").exit_code == 0


def test_every_bad_row_is_reported_and_nothing_is_written(cli: CliRun, files: Files, state: State) -> None:
    name = str(files.folder / "kits.csv")
    path = write(
        files,
        "kits.csv",
        "Blinky,,x,,AAAA=1,,",  # line 2
        ",,,,,,",  # 3
        "Radio,,,paused,ZZZZ=1;AAAA=0,missing.png,",  # 4
        "blinky,,,,AAAA,,",  # 5
        "Clock,,,,AAAA=1;aaaa=2,,nope.png",  # 6
    )
    lines = refused(
        cli,
        state,
        path,
        ExitCode.INVALID_INPUT,
        f"{name}:2: build_target: build target 'x' is not a whole number",
        f"{name}:3: name: name is required",
        f"{name}:4: status: status 'paused' is not one of active, archived",
        f"{name}:4: contents: AAAA: per-unit quantity 0 must be between 1 and 1000000",
        f"{name}:5: contents: 'AAAA' is not KEY=QUANTITY (e.g. ABCD=2)",
        f"{name}:6: contents: part AAAA is given twice",
        f"{name}:6: cover: 'nope.png' is not one of this row's attach entries",
        f"error: 7 errors in {name}; nothing was imported",
    )
    assert not any(":4: attach" in line for line in lines)  # row 4 stopped at its own columns


def test_inventory_checks_duplicates_and_headers(cli: CliRun, files: Files, state: State) -> None:
    name = str(files.folder / "kits.csv")
    path = write(files, "kits.csv", "Radio,,,,ZZZZ=1,missing.png,", "Clock,,,,,,", "CLOCK,,,,,,")
    refused(
        cli,
        state,
        path,
        ExitCode.INVALID_INPUT,
        f"{name}:2: contents: unknown part ZZZZ",
        f"{name}:2: attach: file not found: missing.png",
        f"{name}:3: name: duplicate kit name 'Clock' (also on line 4)",
        f"{name}:4: name: duplicate kit name 'CLOCK' (also on line 3)",
    )
    bad = write(files, "head.csv", "x,1", header="name,name,contens,build_target")
    refused(
        cli,
        state,
        bad,
        ExitCode.INVALID_INPUT,
        f"{bad}:1: name: column is named twice",
        f"{bad}:1: contens: unknown column (did you mean 'contents'?)",
    )
    missing = write(files, "missing.csv", "x", header="description")
    refused(cli, state, missing, ExitCode.INVALID_INPUT, f"{missing}:1: name: required column is missing")
    # A part column is unknown in a kit record, and the other way round.
    parts_file = files.write("p.json", b'[{"key": "DDDD", "description": "x"}]')
    refused(cli, state, parts_file, ExitCode.INVALID_INPUT, f"{parts_file}:1: key: unknown column")


def test_conflict_modes_and_dry_run(cli: CliRun, kits: None, files: Files, state: State) -> None:
    path = write(files, "kits.csv", "Blinky,Brighter,3,active,AAAA=1;BBBB=5,,", "New,,,,,,")
    name = str(path)
    refused(
        cli,
        state,
        path,
        ExitCode.CONFLICT,
        f"{name}:2: name: kit 'Blinky' exists with different description, contents",
    )
    before = state()
    plan = json_out(cli("import", "-e", "kits", name, "--on-conflict", "update", "--dry-run", "--json"))
    assert plan["planned"] == {"create": 1, "update": 1, "skip": 0} and state() == before
    assert run_ok(cli, "import", "-e", "kits", name, "--on-conflict", "skip") == (
        f"imported {name}: 1 created, 0 updated, 1 skipped\n"
    )
    assert json_out(cli("kit", "show", "Blinky", "--json"))["description"] == "LED blinker"
    assert run_ok(cli, "import", "-e", "kits", name, "--on-conflict", "update") == (
        f"imported {name}: 0 created, 1 updated, 1 skipped\n"
    )
    shown = json_out(cli("kit", "show", "Blinky", "--json"))
    assert shown["description"] == "Brighter"
    assert [(line["key"], line["per_unit"]) for line in shown["contents"]] == [("AAAA", 1), ("BBBB", 5)]
    assert len(shown["attachments"]) == 4  # attachments are added, never removed
    assert cli("db", "check").exit_code == 0


def test_archived_kit_contents_follow_the_kit_rules(
    cli: CliRun, kits: None, files: Files, state: State
) -> None:
    archived = write(files, "kits.csv", "Old synth,,0,archived,BBBB=3,,")
    before = state()
    result = cli("import", "-e", "kits", str(archived), "--on-conflict", "update")
    assert result.exit_code == ExitCode.CONFLICT
    assert f"{archived}:2: name: kit 'Old synth' is archived; its contents cannot change" in result.stderr
    assert state() == before
    unarchive = write(files, "again.csv", "Old synth,,0,active,BBBB=3,,")
    run_ok(cli, "import", "-e", "kits", str(unarchive), "--on-conflict", "update")
    shown = json_out(cli("kit", "show", "Old synth", "--json"))
    assert shown["status"] == "active" and shown["archived_at"] is None
    assert [(line["key"], line["per_unit"]) for line in shown["contents"]] == [("BBBB", 3)]


def test_keep_going_imports_the_valid_rows_and_writes_rejects(
    cli: CliRun, files: Files, tmp_path: Path
) -> None:
    path = files.write(
        "kits.ndjson",
        b'{"name": "Good", "contents": {"AAAA": 2}}\n{"name": "Bad", "contents": {"ZZZZ": 1}}\n',
    )
    rejects = tmp_path / "rejects.ndjson"
    result = cli("import", "-e", "kits", str(path), "--keep-going", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == f"imported {path}: 1 created, 0 updated, 0 skipped, 1 rejected (written to {rejects})\n"
    )
    assert f"{path}:2: contents: unknown part ZZZZ" in result.stderr
    assert [json.loads(line) for line in rejects.read_text().splitlines()] == [
        {"name": "Bad", "contents": {"ZZZZ": 1}, "error": "contents: unknown part ZZZZ"}
    ]
    assert [k["name"] for k in json_out(cli("kit", "list", "--json"))] == ["Good"]


def test_entity_option_is_checked(cli: CliRun, files: Files) -> None:
    path = write(files, "kits.csv", "A,,,,,,")
    assert cli("import", "-e", "boxes", str(path)).exit_code == ExitCode.USAGE
    assert cli("export", "-e", "boxes").exit_code == ExitCode.USAGE
    assert cli("export", "-e", "kits", "--bundle", str(files.folder / "b.tar")).exit_code == ExitCode.USAGE


def test_json_rows_are_checked_by_type(cli: CliRun, files: Files, state: State) -> None:
    path = files.write(
        "kits.ndjson",
        b'{"name": "A", "name": "B"}\n'
        b'{"name": "C", "contents": 5, "build_target": true}\n'
        b'{"name": "D", "contents": {"AAAA": "two"}, "attach": [1]}\n',
    )
    refused(
        cli,
        state,
        path,
        ExitCode.INVALID_INPUT,
        f"{path}:1: name: key appears twice in the object",
        f"{path}:2: build_target: build target True is not a whole number",
        f"{path}:2: contents: contents must be a text or a list of texts, not int",
        f"{path}:3: contents: quantity of AAAA 'two' is not a whole number",
        f"{path}:3: attach: attach must be a list of texts",
    )


def test_batches_commit_every_kit(cli: CliRun, files: Files) -> None:
    path = write(
        files,
        "kits.tsv",
        *(f"Kit {n}\t\t\t\tAAAA={n}\t\t" for n in range(1, 4)),
        header=HEADER.replace(",", "\t"),
    )
    summary = json_out(cli("import", "-e", "kits", str(path), "--batch-size", "1", "--json"))
    assert (summary["created"], summary["committed"], summary["errors"]) == (3, 3, [])
    rows = json_out(cli("export", "-e", "kits"))
    assert [(row["name"], row["contents"]) for row in rows] == [
        (f"Kit {n}", {"AAAA": n}) for n in range(1, 4)
    ]
