"""inventory: a command-line inventory for hobby electronics."""

__version__ = "0.1.0"
