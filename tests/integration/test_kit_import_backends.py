"""Kit import writes in plain SQL: the same kits, contents, attachments and covers on either database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import DbBackend, Files, json_out

HEADER = "name,description,build_target,status,contents,attach,cover"


def _import(cli: Any, path: Path, *rows: str) -> str:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    result = cli("import", "-e", "kits", "--on-conflict", "update", str(path))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return str(result.stdout)


def test_kits_are_created_then_updated_on_either_database(
    db_backend: DbBackend, cli: Any, files: Files
) -> None:
    for key in ("AAAA", "BBBB", "CCCC"):
        assert cli("part", "add", f"Part {key}", "--key", key).exit_code == 0
    files.png("a.png")
    files.pdf("ds.pdf")
    path = files.folder / "kits.csv"
    created = _import(
        cli,
        path,
        "Blinky,LED blinker,2,,AAAA=1;BBBB=4,ds.pdf;https://example.com/b,",
        "Synth,,,archived,CCCC=3,a.png,",
    )
    assert created == f"imported {path}: 2 created, 0 updated, 0 skipped\n"
    synth = json_out(cli("kit", "show", "Synth", "--json"))
    assert synth["status"] == "archived" and synth["cover"] is not None  # the first image
    assert db_backend.query("SELECT count(*) FROM kits WHERE archived_at IS NOT NULL") == [(1,)]

    # Blinky: one line dropped, one changed, one added; an image added to a set without a cover.
    updated = _import(cli, path, "Blinky,Blinker,5,archived,BBBB=2;CCCC=1,ds.pdf;a.png,")
    assert updated == f"imported {path}: 0 created, 1 updated, 0 skipped\n"
    blinky = json_out(cli("kit", "show", "Blinky", "--json"))
    assert (blinky["description"], blinky["build_target"], blinky["status"]) == ("Blinker", 5, "archived")
    assert [(line["key"], line["per_unit"]) for line in blinky["contents"]] == [("BBBB", 2), ("CCCC", 1)]
    kinds = [(a["kind"], a["is_cover"]) for a in blinky["attachments"]]
    assert kinds == [("pdf", False), ("url", False), ("image", True)]

    # A cover must be an image; unarchived with no cover in one record; a rerun changes nothing.
    path.write_text(f"{HEADER}\nBlinky,,,active,,ds.pdf;a.png,ds.pdf\n")
    assert "is a pdf, not an image" in cli("import", "-e", "kits", str(path)).stderr
    again = _import(cli, path, "Blinky,,,active,,a.png,-")
    assert again == f"imported {path}: 0 created, 1 updated, 0 skipped\n"
    blinky = json_out(cli("kit", "show", "Blinky", "--json"))
    assert blinky["status"] == "active" and blinky["cover"] is None
    assert db_backend.query("SELECT archived_at FROM kits WHERE name = 'Blinky'") == [(None,)]
    assert (
        _import(cli, path, "Blinky,,,active,,a.png,-")
        == f"imported {path}: 0 created, 0 updated, 1 skipped\n"
    )
    assert cli("db", "check").exit_code == 0
