"""``pitboard sites``: the sites Pitboard knows, ``sites add URL`` and ``sites check NAME``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from flows.cli.arguments import check_bound, check_sites, positive_int
from flows.cli.common import CommandError, UsageError

if TYPE_CHECKING:
    from flows.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    p = sub.add_parser("sites", help="list the sites Pitboard knows (and add or check one)")
    p.set_defaults(func=cmd_sites)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser(
        "add", help="describe a site from its base URL and save it under $PITBOARD_HOME/sites.d/"
    )
    add.add_argument("url", metavar="URL", help="the site's address, e.g. https://example.com")
    add.add_argument("--name", help="the site's name (default: from its host)")
    add.set_defaults(func=cmd_sites_add)
    check = actions.add_parser(
        "check", help="fetch a few pages as a crawl would and show what cleaning makes of them"
    )
    check.add_argument("name", metavar="NAME", help="a site (see `pitboard sites`)")
    check.add_argument("--pages", type=positive_int, default=10, help="how many pages (10)")
    check.add_argument("--base-url", help="the address of a sample site (http://127.0.0.1:PORT)")
    check.set_defaults(func=cmd_sites_check)


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler.registry import all_sites

    for site in all_sites().values():
        address = site.base_url or "(base URL given at run time)"
        print(f"{site.name:<22} {site.language:<6} {address:<40} {site.source}")
    return 0


def cmd_sites_add(args: argparse.Namespace) -> int:
    from flows.site_add import SiteAddError, add_site

    try:
        _path, lines = add_site(args.url, args.name)
    except SiteAddError as exc:
        raise UsageError(str(exc)) from None
    print("\n".join(lines))
    return 0


def cmd_sites_check(args: argparse.Namespace) -> int:
    from flows.site_check import check_site, format_checked
    from flows.spider_process import SpiderFailed

    check_sites([args.name])
    check_bound([args.name], {args.name: args.base_url} if args.base_url else {})
    try:
        pages = check_site(args.name, args.pages, base_url=args.base_url)
    except SpiderFailed as exc:
        raise CommandError(str(exc)) from exc
    print(format_checked(pages))
    print(f"{len(pages)} pages checked, nothing stored")
    return 0
