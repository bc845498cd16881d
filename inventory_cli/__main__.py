"""Entry point for ``python -m inventory_cli``."""

from inventory_cli.cli.main import run

run()
