"""inventory import: formats, every malformed-input case, conflicts, dry run, --keep-going, stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, count, image_bytes, json_out, query

HEADER = "key,description,type,tags,pin_count,stock,attach,cover"
FIRST = '[\n{"key": "AAAA", "description": "one"},\n'


@pytest.fixture(autouse=True)
def drawer(cli: CliRun) -> None:
    """A box with ten locations, so that stock columns have somewhere to go."""
    assert cli("box", "add", "Drawer", "-c", "10").exit_code == 0


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def csv_file(files: Files, *rows: str, header: str = HEADER, name: str = "parts.csv") -> Path:
    return write(files.folder, name, "\n".join([header, *rows]) + "\n")


def stderr_lines(result: object) -> list[str]:
    return str(result.stderr).splitlines()  # type: ignore[attr-defined]


def refused(
    cli: CliRun, state: State, path: Path, code: ExitCode, *expected: str, args: tuple[str, ...] = ()
) -> list[str]:
    """An import that must fail, write nothing, and report each expected line on stderr."""
    before = state()
    result = cli("import", str(path), *args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = stderr_lines(result)
    for needle in expected:
        assert needle in lines, (needle, lines)
    assert any(line.startswith("error: ") for line in lines)
    assert state() == before
    return lines


def test_csv_creates_parts_with_type_tags_stock_attachments_and_cover(
    cli: CliRun, files: Files, db_path: Path
) -> None:
    files.png("a.png")
    files.pdf("ds.pdf")
    path = csv_file(
        files,
        "abcd,Shift register,Logic IC,logic;74hc,16,1-1=5;1-2=7,ds.pdf;a.png;https://example.com/x,a.png",
        "EFGH,Op amp,,,,,,",
    )
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "imported " + str(path) + ": 2 created, 0 updated, 0 skipped\n"
    shown = json_out(cli("part", "show", "ABCD", "--json"))
    assert shown["type"] == "Logic IC" and shown["tags"] == ["logic", "74hc"]
    assert shown["pin_count"] == 16
    assert [(s["location"], s["quantity"]) for s in shown["stock"]] == [("1-1", 5), ("1-2", 7)]
    kinds = [(a["kind"], a["is_cover"], a["filename"] or a["url"]) for a in shown["attachments"]]
    assert kinds == [
        ("pdf", False, "ds.pdf"),
        ("image", True, "a.png"),
        ("url", False, "https://example.com/x"),
    ]
    assert query(db_path, "SELECT location, delta, action FROM stock_history ORDER BY id") == [
        ("1-1", 5, "add"),
        ("1-2", 7, "add"),
    ]
    assert cli("db", "check").exit_code == 0
    assert cli("store", "fsck").exit_code == 0


def test_every_format_reads_the_same_records(cli: CliRun, files: Files, db_path: Path) -> None:
    rows = [
        {"key": "AAAA", "description": "one", "tags": ["x", "y"], "stock": {"1-1": 2}},
        {"key": "BBBB", "description": "two", "pin_count": 8},
    ]
    write(files.folder, "p.json", json.dumps(rows))
    write(files.folder, "p.ndjson", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    write(
        files.folder,
        "p.tsv",
        "key\tdescription\ttags\tstock\tpin_count\nAAAA\tone\tx;y\t1-1=2\t\nBBBB\ttwo\t\t\t8\n",
    )
    results = []
    for name in ("p.json", "p.ndjson", "p.tsv"):
        out = json_out(cli("import", str(files.folder / name), "--json"))
        results.append(out)
        assert cli("part", "rm", "AAAA", "--force", "--yes").exit_code == 0
        assert cli("part", "rm", "BBBB", "--yes").exit_code == 0
    assert [r["created"] for r in results] == [2, 2, 2]
    assert [r["format"] for r in results] == ["json", "ndjson", "tsv"]


def test_stdin_with_format_and_sniffed(cli: CliRun, files: Files) -> None:
    data = json.dumps([{"key": "AAAA", "description": "from stdin"}])
    out = json_out(cli("import", "-", "--json", input=data))
    assert out["created"] == 1 and out["format"] == "json" and out["file"] == "<stdin>"
    csv_text = "key,description\nBBBB,csv from stdin\n"
    assert json_out(cli("import", "-", "--format", "csv", "--json", input=csv_text))["created"] == 1
    assert json_out(cli("part", "show", "BBBB", "--json"))["description"] == "csv from stdin"


def test_running_twice_is_the_same_as_once(cli: CliRun, files: Files, state: State) -> None:
    files.png("a.png")
    path = csv_file(files, "ABCD,Shift register,Logic IC,logic,16,1-1=5,a.png;https://example.com/x,")
    assert cli("import", str(path)).exit_code == 0
    once = state()
    again = json_out(cli("import", str(path), "--json"))
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 1)
    assert state() == once


def test_dry_run_prints_the_plan_and_writes_nothing(cli: CliRun, files: Files, state: State) -> None:
    assert cli("import", str(csv_file(files, "AAAA,one,,,,,,", name="first.csv"))).exit_code == 0
    path = csv_file(files, "AAAA,one,,,,,,", "BBBB,two,,,,,,", "CCCC,three,,,,,,")
    before = state()
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"plan for {path} (3 rows): create 2, update 0, skip 1, rejected 0\n"
    plan = json_out(cli("import", str(path), "--dry-run", "--json"))
    assert plan["planned"] == {"create": 2, "update": 0, "skip": 1} and plan["dry_run"] is True
    assert state() == before


def test_dry_run_lists_every_error(cli: CliRun, files: Files, state: State) -> None:
    path = csv_file(files, "AAAA,one,,,x,,,", "BBBB,two,,,,9-9=1,,")
    before = state()
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stdout.startswith(f"plan for {path} (2 rows): create 0")
    assert f"{path}:2: pin_count: pin count 'x' is not a whole number" in stderr_lines(result)
    assert f"{path}:3: stock: no location 9-9" in stderr_lines(result)
    assert state() == before


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["AAAA,one,,,abc,,,"], ["3: pin_count: pin count 'abc' is not a whole number"]),
        (["AAAA,one,,,0,,,"], ["3: pin_count: pin count 0 must be greater than 0"]),
        (["AAAA,one,,,,1-1=many,,"], ["3: stock: quantity at 1-1 'many' is not a whole number"]),
        (["AAAA,one,,,,1-1=0,,"], ["3: stock: quantity at 1-1 0 must be at least 1"]),
        (["AAAA,one,,,,7-3=1,,"], ["3: stock: no location 7-3"]),
        (["AAAA,one,,,,1-1,,"], ["3: stock: '1-1' is not LOCATION=QUANTITY (e.g. 1-2=5)"]),
        (["AAAA,one,Flux capacitor,,,,,"], ["3: type: unknown part type 'Flux capacitor'"]),
        (["AAAA,one,,,,,missing.png,"], ["3: attach: file not found: missing.png"]),
        (["AAAA,one,,,,,ftp://x.org/a,"], ["3: attach: URL scheme ftp: is not allowed in 'ftp://x.org/a'"]),
        (
            ["AAAA,one,,,,,https://x.org/a,https://x.org/a"],
            ["3: cover: 'https://x.org/a' is a url, not an image"],
        ),
        (["AAAA,one,,,,,,b.png"], ["3: cover: 'b.png' is not one of this row's attach entries"]),
        (["AAAAA,one,,,,,,"], ["3: key: part key 'AAAAA' is not four letters A-Z"]),
        ([",one,,,,,,"], ["3: key: key is required"]),
        (["AAAA,,,,,,,"], ["3: description: description is required"]),
        (
            ["AAAA,one,,,,,,", "BBBB,two,,,,,,", "aaaa,three,,,,,,"],
            ["3: key: duplicate key AAAA (also on line 5)", "5: key: duplicate key AAAA (also on line 3)"],
        ),
        (
            ["AAAA,one,,,", "BBBB,two,,,,,,,"],
            ["3: row is short: 5 fields, the header has 8", "4: row is long: 9 fields, the header has 8"],
        ),
    ],
)
def test_bad_rows_are_all_reported_and_nothing_is_written(
    cli: CliRun, files: Files, state: State, rows: list[str], expected: list[str]
) -> None:
    path = csv_file(files, "GOOD,fine,,,,,,", *[row for row in rows])
    lines = refused(
        cli,
        state,
        path,
        ExitCode.INVALID_INPUT,
        *[f"{path}:{e}" for e in expected],
    )
    assert lines[-2].startswith(f"error: {len(expected)} error")
    assert lines[-1] == "hint: fix them, or pass --keep-going to import the valid rows"


def test_errors_in_several_rows_and_columns_are_all_listed(cli: CliRun, files: Files, state: State) -> None:
    path = csv_file(files, "AAAA,one,,,x,,,", "BBBB,two,Nope,,,,gone.pdf,")
    refused(
        cli,
        state,
        path,
        ExitCode.INVALID_INPUT,
        f"{path}:2: pin_count: pin count 'x' is not a whole number",
        f"{path}:3: type: unknown part type 'Nope'",
        f"{path}:3: attach: file not found: gone.pdf",
        "error: 3 errors in " + str(path) + "; nothing was imported",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("key,description,colour", ["1: colour: unknown column"]),
        (
            "key,descripton",
            [
                "1: descripton: unknown column (did you mean 'description'?)",
                "1: description: required column is missing",
            ],
        ),
        ("key,description,key", ["1: key: column is named twice"]),
        ("description,type", ["1: key: required column is missing"]),
    ],
)
def test_bad_headers(cli: CliRun, files: Files, state: State, header: str, expected: list[str]) -> None:
    path = csv_file(files, "AAAA,one,x", header=header)
    lines = refused(cli, state, path, ExitCode.INVALID_INPUT, *[f"{path}:{e}" for e in expected])
    # A bad header is fatal: --keep-going cannot pick rows out of it.
    assert "hint: fix them" not in "\n".join(lines)
    refused(cli, state, path, ExitCode.INVALID_INPUT, args=("--keep-going",))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"key,description\nAAAA,o\x00ne\n", "2: NUL byte in the line"),
        (b"key,description\nAAAA,\xff\xfeone\n", "2: invalid UTF-8 at byte 6 of the line"),
        ("key,description\nAAAA,one\n".encode("utf-16"), "1: the file is UTF-16; save it as UTF-8"),
        (b"", "1: the file has no rows"),
        (b'key,description\nAAAA,"one\n', "2: malformed row: unexpected end of data"),
    ],
)
def test_undecodable_files(cli: CliRun, files: Files, state: State, data: bytes, expected: str) -> None:
    path = write(files.folder, "parts.csv", data)
    refused(cli, state, path, ExitCode.INVALID_INPUT, f"{path}:{expected}")


def test_a_utf8_bom_is_accepted(cli: CliRun, files: Files) -> None:
    path = write(files.folder, "parts.csv", "\ufeffkey,description\nAAAA,ünïcode\n".encode())
    assert cli("import", str(path)).exit_code == 0
    assert json_out(cli("part", "show", "AAAA", "--json"))["description"] == "ünïcode"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            FIRST + '{"key": "BBBB", "key": "CCCC", "description": "x"}\n]',
            "3: key: key appears twice in the object",
        ),
        (
            FIRST + '{"key": "BBBB", "description": 5, "stock": {"1-1": "x"}}\n]',
            "3: stock: quantity at 1-1 'x' is not a whole number",
        ),
        (
            '[\n{"key": "AAAA", "description": "one"},\n{"key": "BBBB" "description": "x"}\n]',
            "3: invalid JSON: Expecting ',' delimiter",
        ),
        (
            '[\n{"key": "AAAA", "description": "one"},\n["BBBB"]\n]',
            "3: a row must be a JSON object, not list",
        ),
        ('{"key": "AAAA"}', "1: a JSON file must hold one array of objects"),
        ('[\n{"key": "AAAA", "description": "one", "colour": "red"}\n]', "2: colour: unknown column"),
    ],
)
def test_bad_json(cli: CliRun, files: Files, state: State, text: str, expected: str) -> None:
    path = write(files.folder, "parts.json", text)
    refused(cli, state, path, ExitCode.INVALID_INPUT, f"{path}:{expected}")


def test_bad_ndjson_line_is_named(cli: CliRun, files: Files, state: State) -> None:
    path = write(files.folder, "parts.ndjson", '{"key": "AAAA", "description": "one"}\n{"key": \n')
    refused(cli, state, path, ExitCode.INVALID_INPUT, f"{path}:2: invalid JSON: Expecting value")


def test_conflicts_refuse_by_default_then_skip_or_update(
    cli: CliRun, files: Files, state: State, db_path: Path
) -> None:
    files.png("a.png")
    assert (
        cli("import", str(csv_file(files, "AAAA,one,,,,1-1=5,,", "BBBB,two,,,,,,", name="v1.csv"))).exit_code
        == 0
    )
    changed = csv_file(files, "AAAA,one (rev B),,x,,1-2=3,a.png,", "BBBB,two,,,,,,", "CCCC,new,,,,,,")
    refused(
        cli,
        state,
        changed,
        ExitCode.CONFLICT,
        f"{changed}:2: key: part AAAA exists with different description, tags, stock, attach",
        "error: 1 part already exists with other values; nothing was imported",
    )
    # With --json the refusal still prints its summary: nothing committed, the conflict named.
    refusal = cli("import", str(changed), "--json")
    assert refusal.exit_code == ExitCode.CONFLICT
    summary = json.loads(refusal.stdout)
    assert summary["committed"] == 0 and summary["created"] == 0
    assert any("part AAAA exists with different" in line for line in summary["errors"])
    skipped = json_out(cli("import", str(changed), "--on-conflict", "skip", "--json"))
    assert (skipped["created"], skipped["updated"], skipped["skipped"]) == (1, 0, 2)
    assert json_out(cli("part", "show", "AAAA", "--json"))["description"] == "one"
    updated = json_out(cli("import", str(changed), "--on-conflict", "update", "--json"))
    assert (updated["created"], updated["updated"], updated["skipped"]) == (0, 1, 2)
    shown = json_out(cli("part", "show", "AAAA", "--json"))
    assert shown["description"] == "one (rev B)" and shown["tags"] == ["x"]
    assert [(s["location"], s["quantity"]) for s in shown["stock"]] == [("1-2", 3)]
    assert [(a["filename"], a["is_cover"]) for a in shown["attachments"]] == [("a.png", True)]
    assert query(db_path, "SELECT location, delta, action FROM stock_history ORDER BY id") == [
        ("1-1", 5, "add"),
        ("1-1", -5, "remove"),
        ("1-2", 3, "add"),
    ]
    # Now the file matches the inventory: the default mode skips every row.
    again = json_out(cli("import", str(changed), "--json"))
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 3)


def test_keep_going_commits_the_valid_rows_and_writes_rejects(
    cli: CliRun, files: Files, tmp_path: Path
) -> None:
    path = csv_file(files, "AAAA,one,,,,,,", "BBBB,two,,,x,,,", "CCCC,three,,,,5-5=1,,", "DDDD,four,,,,,,")
    rejects = tmp_path / "rejects.csv"
    result = cli("import", str(path), "--keep-going", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == f"imported {path}: 2 created, 0 updated, 0 skipped, 2 rejected (written to {rejects})\n"
    )
    assert f"{path}:3: pin_count: pin count 'x' is not a whole number" in stderr_lines(result)
    keys = [p["key"] for p in json_out(cli("part", "list", "--json"))]
    assert keys == ["AAAA", "DDDD"]
    assert rejects.read_text() == (
        HEADER + ",error\n"
        "BBBB,two,,,x,,,,pin_count: pin count 'x' is not a whole number\n"
        "CCCC,three,,,,5-5=1,,,stock: no location 5-5\n"
    )
    # The rejects file reads back in (its error column is ignored) once the rows are fixed.
    fixed = rejects.read_text().replace(",x,", ",8,").replace("5-5=1", "1-1=1")
    rejects.write_text(fixed)
    assert json_out(cli("import", str(rejects), "--json"))["created"] == 2


def test_keep_going_with_json_input_writes_json_rejects(cli: CliRun, files: Files, tmp_path: Path) -> None:
    path = write(
        files.folder,
        "p.json",
        json.dumps([{"key": "AAAA", "description": "ok"}, {"key": "B", "description": "x"}], indent=1),
    )
    rejects = tmp_path / "rejects.json"
    assert cli("import", str(path), "--keep-going", "--rejects", str(rejects)).exit_code == 0
    assert json.loads(rejects.read_text()) == [
        {"key": "B", "description": "x", "error": "key: part key 'B' is not four letters A-Z"}
    ]


def test_same_content_shared_across_parts_is_one_blob(cli: CliRun, files: Files, store_root: Path) -> None:
    files.png("a.png")
    files.write("copy.png", image_bytes("PNG"))
    path = csv_file(files, "AAAA,one,,,,,a.png,", "BBBB,two,,,,,copy.png,")
    assert cli("import", str(path)).exit_code == 0
    assert len(list((store_root / "sha256").rglob("*/*/*"))) == 1


def test_usage_errors(cli: CliRun, files: Files) -> None:
    path = csv_file(files, "AAAA,one,,,,,,")
    assert cli("import", str(path), "--on-conflict", "merge").exit_code == ExitCode.USAGE
    assert cli("import", str(path), "--rejects", "r.csv").exit_code == ExitCode.USAGE
    assert cli("import", str(files.folder / "p.xlsx")).exit_code == ExitCode.NOT_FOUND
    files.write("p.xlsx", b"x")
    assert cli("import", str(files.folder / "p.xlsx")).exit_code == ExitCode.USAGE
    assert cli("import", str(files.folder)).exit_code == ExitCode.INVALID_INPUT


def test_a_digest_entry_reuses_a_blob_in_the_store(cli: CliRun, files: Files, db_path: Path) -> None:
    files.png("a.png")
    assert cli("import", str(csv_file(files, "AAAA,one,,,,,a.png,", name="one.csv"))).exit_code == 0
    digest = query(db_path, "SELECT blob_digest FROM attachments")[0][0]
    path = csv_file(files, f"BBBB,two,,,,,digest:{digest},")
    assert cli("import", str(path)).exit_code == 0
    assert count(db_path, "attachments") == 2
    missing = csv_file(files, "CCCC,three,,,,,digest:" + "0" * 64 + ",", name="missing.csv")
    result = cli("import", str(missing))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{missing}:2: attach: no blob {'0' * 64} in the store" in stderr_lines(result)
