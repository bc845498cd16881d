"""Benchmark fixtures: N parts with covers made by the program's own importer, and input files.

Everything lives in one work folder under the system temp dir for the run (``Work``); a fixture is
built on first use and reused by every row of the run that needs it.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from import_parts import key_for as key_for  # the keys the import benchmark gives its parts

TYPES = ("Resistor", "Capacitor", "Logic IC", "Op-Amp", "Microcontroller", "Diode", "LED", "Sensor")
PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PDF_TAIL = b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def inventory_command() -> list[str]:
    """How to start the program: the installed ``inventory`` script beside this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("inventory")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "inventory_cli"]


def png_bytes(number: int) -> bytes:
    """A tiny PNG whose pixels differ for every ``number`` below 16.7 million (so no two are one blob)."""
    from PIL import Image

    buffer = io.BytesIO()
    colour = (number % 256, (number // 256) % 256, (number // 65536) % 256)
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return buffer.getvalue()


def write_parts_csv(folder: Path, rows: int) -> Path:
    """A CSV of ``rows`` parts with type, tags and MPN, each with its own small PNG (its cover)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["key,description,manufacturer,manufacturer_code,type,tags,package,pin_count,attach"]
    for number in range(rows):
        name = f"cover{number}.png"
        (folder / name).write_bytes(png_bytes(number))
        kind = TYPES[number % len(TYPES)]
        tags = f"bench;batch-{number % 10}"
        lines.append(
            f"{key_for(number)},Part number {number},Maker {number % 50},MPN-{number:05d},{kind},"
            f"{tags},DIP-8,8,{name}"
        )
    path = folder / "parts.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_kits_csv(folder: Path, rows: int) -> Path:
    """A kits CSV of ``rows`` kits, each with its own small PNG (its cover)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["name,description,attach"]
    for number in range(rows):
        name = f"kit{number}.png"
        # Offset so that no kit cover is the same blob as a part cover.
        (folder / name).write_bytes(png_bytes(number + 8_000_000))
        lines.append(f"Kit {number:05d},Kit number {number},{name}")
    path = folder / "kits.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_pdf(path: Path, size: int) -> Path:
    """A file of exactly ``size`` bytes that the program accepts as a PDF (magic bytes, end marker)."""
    filler = size - len(PDF_HEAD) - len(PDF_TAIL)
    if filler < 0:
        raise ValueError(f"a PDF cannot be as small as {size} bytes")
    block = os.urandom(1024 * 1024)  # incompressible, but one block repeated keeps building cheap
    with path.open("wb") as handle:
        handle.write(PDF_HEAD)
        while filler > 0:
            handle.write(block[: min(filler, len(block))])
            filler -= min(filler, len(block))
        handle.write(PDF_TAIL)
    return path


def run_program(db: Path, store: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    """Run one ``inventory`` command on ``db`` and ``store``; its stdout, or an error with its stderr."""
    command = [*inventory_command(), "--db", str(db), "--store", str(store), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def count_rows(db: Path, table: str, where: str = "1") -> int:
    """How many rows of ``table`` match ``where`` (a fixed text, never user input)."""
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])
    finally:
        connection.close()


@dataclass(frozen=True)
class Home:
    """A database file and its blob store."""

    db: Path
    store: Path


@dataclass
class Work:
    """The run's work folder and the fixtures built in it so far."""

    root: Path
    _built: dict[str, object] = field(default_factory=dict)

    @classmethod
    def create(cls) -> Work:
        """A new work folder under the system temp dir."""
        return cls(Path(tempfile.mkdtemp(prefix="inventory-bench-")))

    def remove(self) -> None:
        """Delete the work folder and everything in it."""
        shutil.rmtree(self.root, ignore_errors=True)

    def folder(self, name: str) -> Path:
        """A new, empty folder ``name`` in the work folder (an old one is removed first)."""
        path = self.root / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def template(self) -> Path:
        """An empty database migrated to the current schema (copy it before writing)."""
        if "template" not in self._built:
            from inventory_cli.bootstrap import Inventory
            from inventory_cli.config import load_settings

            home = self.folder("template")
            settings = load_settings(db=str(home / "inventory.db"), store=str(home / "blobs"))
            Inventory(settings).ensure_schema()
            self._built["template"] = home / "inventory.db"
        path = self._built["template"]
        assert isinstance(path, Path)
        return path

    def fresh(self, name: str) -> Home:
        """A new folder holding a copy of the empty database and an empty store."""
        home = self.folder(name)
        shutil.copy(self.template(), home / "inventory.db")
        return Home(home / "inventory.db", home / "blobs")

    def parts_db(self, parts: int, kits: int = 0) -> Home:
        """An inventory of ``parts`` parts (and ``kits`` kits), each with a cover, imported by the program."""
        name = f"parts-{parts}-kits-{kits}"
        if name not in self._built:
            built = self.fresh(name)
            inputs = self.folder(f"{name}-input")
            run_program(built.db, built.store, "import", "-q", str(write_parts_csv(inputs / "parts", parts)))
            if kits:
                kits_csv = write_kits_csv(inputs / "kits", kits)
                run_program(built.db, built.store, "import", "-q", "--entity", "kits", str(kits_csv))
            shutil.rmtree(inputs)
            self._built[name] = built
        inventory = self._built[name]
        assert isinstance(inventory, Home)
        return inventory

    def pdf(self, size: int) -> Path:
        """A PDF-typed file of ``size`` bytes."""
        name = f"pdf-{size}"
        if name not in self._built:
            self._built[name] = write_pdf(self.folder(name) / "large.pdf", size)
        path = self._built[name]
        assert isinstance(path, Path)
        return path


def parts_with_covers(db: Path) -> int:
    """How many parts have a cover image."""
    return count_rows(
        db,
        "parts JOIN attachment_sets ON attachment_sets.id = parts.attachment_set_id",
        "attachment_sets.cover_attachment_id IS NOT NULL",
    )
