"""Command line (placeholder until the pipeline lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    return 0
