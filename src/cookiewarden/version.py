"""The version of cookiewarden (one place: the package root, the CLI and the docs read it)."""

__version__ = "0.1.0"
