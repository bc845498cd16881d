"""Command line: one Typer module per noun, one error boundary, one output module."""
