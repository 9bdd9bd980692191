"""Subcommands registered on the `pitboard` parser (filled in by their issue's work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``; heavy imports stay inside the commands."""
