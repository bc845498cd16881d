"""Property tests: hostile file names and malformed import files meet only documented exit codes.

File names carry ``/``, ``..``, NUL, lone surrogates and bidi controls; import files are CSV
with broken quoting, bad bytes and odd headers, or JSON of any shape, whole or cut short. For
every example: the exit code is a documented one (never 1, "a bug"), nothing is written outside
the inventory's home and the export folder, a failed command changes nothing, and importing
the same file twice leaves the inventory as importing it once did.

Each example gets a fresh copy of a small inventory; examples run deep inside the test's folder,
below more empty levels than a name can climb with ``../``, so that a name climbing out would
still land somewhere this test watches.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from inventory_cli.domain.records import COLUMNS
from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, assert_error, image_bytes, snapshot
from tests.e2e.seeded import restore, seeded_home

# Every code a command may end with on bad names or bad files: ok, usage, not found, conflict,
# invalid input. Storage (5) would mean the store or database broke; 1 would be a bug.
EXPECTED = {ExitCode.OK, ExitCode.USAGE, ExitCode.NOT_FOUND, ExitCode.CONFLICT, ExitCode.INVALID_INPUT}

template = seeded_home(
    ("box", "add", "Drawer", "-c", "5"),
    ("part", "add", "Shift register", "--key", "ABCD", "--mpn", "SN74HC595N"),
)

# Pieces of a name: separators, parent steps, NUL, bidi controls, lone surrogates, list and CSV marks.
NASTY = ["/", ".", "../", "..", "\x00", "\u202e", "\u2066", "\u200f", "\ud800", "\udcff", ";", ",", '"', "\n"]
PLAIN = ["a", "b", "é", "😀", "-", "~", "\\", " ", ".png"]
MOST_PIECES = 8
names = st.lists(st.sampled_from(NASTY + PLAIN), min_size=1, max_size=MOST_PIECES).map("".join)


def _tree(root: Path, skip: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` but inside ``skip``: relative path -> (size, mtime in ns)."""
    found = {}
    for path in root.rglob("*"):
        if any(path == s or s in path.parents for s in skip) or not path.is_file():
            continue
        info = path.stat()
        found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


class Examples:
    """A fresh inventory home, a work folder and an export folder for each example."""

    def __init__(self, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.watched = tmp_path
        # Deeper than a name can climb with ../ (one step per piece).
        self.base = tmp_path.joinpath(*(str(n) for n in range(MOST_PIECES + 1)))
        self.template = template
        self.monkeypatch = monkeypatch
        self.count = 0

    @contextmanager
    def fresh(self) -> Iterator[tuple[Path, Path, Path]]:
        """(home, work folder, export folder); checks on the way out that nothing else was written."""
        self.count += 1
        root = self.base / f"example-{self.count}"
        home, work, out = root / "home", root / "work", root / "out"
        restore(self.template, home)
        work.mkdir()
        out.mkdir()
        self.monkeypatch.setenv("INVENTORY_HOME", str(home))
        self._skip = (home, out)
        self.inputs_made()
        yield home, work, out
        assert _tree(self.watched, self._skip) == self._before
        shutil.rmtree(root)

    def inputs_made(self) -> None:
        """Take the files outside home and export folder as they are now (the test's own inputs)."""
        self._before = _tree(self.watched, self._skip)


@pytest.fixture
def examples(tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> Examples:
    return Examples(tmp_path, template, monkeypatch)


def _make_file(work: Path, name: str, data: bytes) -> Path | None:
    """``work/name`` with ``data`` when the name can be one file name here, else None."""
    try:
        path = work / name
        if path.parent != work or name in (".", ".."):
            return None
        path.write_bytes(data)
    except (ValueError, UnicodeEncodeError, OSError):
        return None
    return path


def _code(result: Any) -> int:
    assert result.exit_code in EXPECTED, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return int(result.exit_code)


def check_attach_and_export(cli: CliRun, examples: Examples, name: str) -> None:
    """Attach a file by a hostile name, then export parts and that attachment."""
    with examples.fresh() as (home, work, out):
        photo = image_bytes("PNG", size=(4, 4))
        _make_file(work, name, photo)
        examples.inputs_made()
        before = snapshot(home / "inventory.db", home / "blobs")
        attached = cli("part", "attach", "ABCD", str(work / name), "--json")
        if _code(attached) != 0:
            # Not a file, or a name that makes no title (blank): refused in one line, nothing kept.
            assert_error(attached, ExitCode(attached.exit_code))
            assert snapshot(home / "inventory.db", home / "blobs") == before
            return
        attachment = json.loads(attached.stdout)
        exported = cli("export", "-o", str(out / "parts.csv"))
        assert exported.exit_code == 0, exported.stderr
        files = [p for p in (out / "parts.csv.files").rglob("*") if p.is_file()]
        assert len(files) == 1 and files[0].read_bytes() == photo
        (out / "one").mkdir()
        one = cli("set", "export", "part:ABCD", str(attachment["id"]), "-o", f"{out / 'one'}/", "--json")
        assert one.exit_code == 0, one.stderr
        written = Path(json.loads(one.stdout)["written_to"])
        assert written.parent == out / "one" and written.read_bytes() == photo


def _import_twice(cli: CliRun, home: Path, source: Path, *options: str) -> None:
    """The first import's outcome; a second import of the same file changes nothing more."""
    state = lambda: snapshot(home / "inventory.db", home / "blobs")  # noqa: E731
    before = state()
    first = _code(cli("import", str(source), *options))
    once = state()
    event(f"first import: exit {first}" + (", wrote rows" if once != before else ""))
    if first != 0:
        assert once == before
    second = cli("import", str(source), *options)
    assert _code(second) == first, (second.stdout, second.stderr)
    assert state() == once


def check_import_by_name(cli: CliRun, examples: Examples, name: str) -> None:
    """An import whose attach column names the hostile file (relative to the import file)."""
    with examples.fresh() as (home, work, _):
        _make_file(work, name, image_bytes("PNG", size=(3, 3)))
        lines = [["key", "description", "attach"], ["WXYZ", "A part with a file", name]]
        text = "\n".join(",".join('"' + f.replace('"', '""') + '"' for f in line) for line in lines) + "\n"
        source = work / "parts-import.csv"
        source.write_bytes(text.encode("utf-8", "surrogatepass"))
        examples.inputs_made()
        _import_twice(cli, home, source)


KEYS = st.sampled_from(["ABCD", "WXYZ", "wxyz", "QRST", "AB", "ABCDE", "1234", ""])
FIELD = st.one_of(
    KEYS,
    st.text(max_size=12),
    st.sampled_from(["1-1=3", "1-9=1", "9-1=1", "1-1=-2", "Resistor", "Nope", "a;b", "-", "0", "digest:00"]),
)
COLUMN = st.sampled_from([*COLUMNS, "error", "bogus", "", "key ", "KEY"])
PRINTABLE = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])
# Values a record may well accept, so that some files import and the second import is a real test.
GOOD = {
    "key": st.sampled_from(["ABCD", "WXYZ", "wxyz", "QRST"]),
    "description": st.text(
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=8
    )
    .map(lambda text: text.replace(",", " "))
    .filter(str.strip),
    "stock": st.sampled_from(["1-1=3", "1-2=1", ""]),
    "tags": st.sampled_from(["a;b", "x", ""]),
    "type": st.sampled_from(["Resistor", ""]),
}
GOOD_RECORDS = st.fixed_dictionaries(
    {"key": GOOD["key"], "description": GOOD["description"]},
    optional={name: GOOD[name] for name in ("stock", "tags", "type")},
)
GOOD_FILES = st.lists(GOOD_RECORDS, min_size=1, max_size=4, unique_by=lambda record: record["key"].upper())
ANY_RECORDS = st.fixed_dictionaries(
    {"key": KEYS, "description": FIELD},
    optional={c: FIELD for c in COLUMNS if c not in ("key", "description")},
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Well-formed records, or CSV put together by hand: quotes not escaped, odd headers, bad bytes."""
    if draw(st.booleans()):
        records = draw(GOOD_FILES)
        header = ["key", "description", "stock", "tags", "type"]
        rows = [[record.get(name, "") for name in header] for record in records]
    else:
        header = draw(st.lists(COLUMN, min_size=1, max_size=6))
        if draw(st.booleans()):
            header = ["key", "description", *header]
        rows = draw(st.lists(st.lists(FIELD, max_size=len(header) + 1), max_size=4))
    text = "\n".join(",".join(line) for line in [header, *rows]) + draw(st.sampled_from(["\n", "", "\r\n"]))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 3)) == 0:
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\x80", b"\x00"])) + data
    return data


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | FIELD,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(COLUMN | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=12,
)


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    """Well-formed records, records of any values, or any JSON at all; now and then cut short."""
    shape = draw(st.sampled_from(["good", "records", "any"]))
    if shape == "good":
        document: Any = draw(GOOD_FILES)
    elif shape == "records":
        document = draw(st.lists(ANY_RECORDS | JSON_VALUES, max_size=4))
    else:
        document = draw(JSON_VALUES)
    data = json.dumps(document).encode()
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


def check_import_file(cli: CliRun, examples: Examples, data: bytes, fmt: str) -> None:
    """Import malformed (or, by luck, valid) records twice."""
    with examples.fresh() as (home, work, _):
        source = work / f"records.{fmt}"
        source.write_bytes(data)
        examples.inputs_made()
        _import_twice(cli, home, source, "--format", fmt, "--on-conflict", "skip")


@given(name=names)
def test_hostile_names_for_attach_and_export(cli: CliRun, examples: Examples, name: str) -> None:
    check_attach_and_export(cli, examples, name)


@given(name=names)
def test_hostile_names_in_an_import(cli: CliRun, examples: Examples, name: str) -> None:
    check_import_by_name(cli, examples, name)


@given(data=csv_files())
def test_malformed_csv_imports(cli: CliRun, examples: Examples, data: bytes) -> None:
    check_import_file(cli, examples, data, "csv")


@given(data=json_files())
def test_malformed_json_imports(cli: CliRun, examples: Examples, data: bytes) -> None:
    check_import_file(cli, examples, data, "json")


SOAK = settings(settings.get_profile("soak"))


@pytest.mark.soak
@SOAK
@given(name=names)
def test_hostile_names_soak(cli: CliRun, examples: Examples, name: str) -> None:
    check_attach_and_export(cli, examples, name)
    check_import_by_name(cli, examples, name)


@pytest.mark.soak
@SOAK
@given(data=csv_files())
def test_malformed_csv_imports_soak(cli: CliRun, examples: Examples, data: bytes) -> None:
    check_import_file(cli, examples, data, "csv")


@pytest.mark.soak
@SOAK
@given(data=json_files())
def test_malformed_json_imports_soak(cli: CliRun, examples: Examples, data: bytes) -> None:
    check_import_file(cli, examples, data, "json")
