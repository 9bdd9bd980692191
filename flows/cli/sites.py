"""``pitboard sites``: the sites Pitboard knows."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    """Add this group's command to ``sub``."""
    p = sub.add_parser("sites", help="list the sites Pitboard knows")
    p.set_defaults(func=cmd_sites)


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler.sites import SITES

    for site in SITES.values():
        print(
            f"{site.name:<22} {site.language:<6} {site.base_url or '(base URL given at run time)'}"
        )
    return 0
