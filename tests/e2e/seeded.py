"""Inventories built once per test module through the CLI, then copied into each test's home."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from inventory_cli.cli.main import app

Commands = Sequence[Sequence[str]]


def build_home(folder: Path, commands: Commands) -> Path:
    """Run ``commands`` (each must succeed) against a fresh inventory home in ``folder``."""
    home = folder / "home"
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INVENTORY_HOME", str(home))
        for name in (
            "INVENTORY_DB",
            "INVENTORY_STORE",
            "INVENTORY_MAX_IMAGE_BYTES",
            "INVENTORY_MAX_PDF_BYTES",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("NO_COLOR", "1")
        patch.setenv("COLUMNS", "200")
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(folder / name.lower()))
        # Typer rebuilds the command tree on every invoke; the tree never changes.
        patch.setattr(typer.testing, "_get_command", lambda _app: command)
        runner = CliRunner()
        for args in commands:
            result = runner.invoke(app, list(args))
            assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
    return home


def seeded_home(*commands: Sequence[str]) -> Any:
    """A module-scoped fixture: the path of a home made by ``commands`` (migrations run once)."""

    @pytest.fixture(scope="module")
    def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
        return build_home(tmp_path_factory.mktemp("template"), commands)

    return template


def restore(template: Path, home: Path) -> None:
    """Make ``home`` a copy of the template (the database file and anything else it holds)."""
    shutil.copytree(template, home, dirs_exist_ok=True)


def rows_of_table(stdout: str) -> list[list[str]]:
    """The body rows of the one box-drawn table in ``stdout``, each as its stripped cells."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in stdout.splitlines() if "│" in line]
