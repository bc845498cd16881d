"""The installed program, run from outside the source tree: console script, -m entry, migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("inventory")


def run(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run a command with a clean import path, so the installed package is the one used."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["INVENTORY_HOME"] = str(home)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside this Python")
def test_console_script_creates_an_inventory_from_any_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = run([str(SCRIPT), "part", "add", "555 timer", "--key", "NEFF", "--json"], tmp_path, home)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["key"] == "NEFF"
    listed = run([sys.executable, "-m", "inventory_cli", "part", "list", "--json"], tmp_path, home)
    assert [p["key"] for p in json.loads(listed.stdout)] == ["NEFF"]


def test_installed_package_carries_its_migrations(tmp_path: Path) -> None:
    probe = (
        "import json, inventory_cli; from inventory_cli.storage.migrator import migrations_dir; "
        "print(json.dumps([inventory_cli.__file__, str(migrations_dir())]))"
    )
    result = run([sys.executable, "-c", probe], tmp_path, tmp_path / "home")
    assert result.returncode == 0, result.stderr
    package_file, migrations = (Path(p) for p in json.loads(result.stdout))
    versions = sorted(p.name for p in (migrations / "versions").glob("0*.py"))
    assert versions == ["0001_legacy_schema.py", "0002_attachment_sets.py", "0003_stock_and_kit_contents.py"]
    if "site-packages" in package_file.parts:
        # A wheel install: the migrations must come from inside the package, not a source tree.
        assert migrations == package_file.parent / "_migrations"


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside this Python")
def test_installed_package_loads_its_sample_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    loaded = run([str(SCRIPT), "sample-data", "load", "--json"], tmp_path, home)
    assert loaded.returncode == 0, loaded.stderr
    report = json.loads(loaded.stdout)
    folder = Path(report["folder"])
    assert (report["parts"], report["kits"]) == (40, 4)
    assert report["attachments"] == {"image": 12, "pdf": 5, "url": 11}
    probe = "import inventory_cli; print(inventory_cli.__file__)"
    package_file = Path(run([sys.executable, "-c", probe], tmp_path, home).stdout.strip())
    if "site-packages" in package_file.parts:
        # A wheel install: the files come from inside the package, not from a source tree.
        assert folder == package_file.parent / "_sample_data"
    checked = run([str(SCRIPT), "store", "fsck"], tmp_path, home)
    assert checked.returncode == 0, checked.stdout
