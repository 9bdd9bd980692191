"""``pitboard serve``: run the scheduled deployments (see ``flows.deployments``) until stopped."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from etl.store.settings import DATABASE_URL_ENV, SITES_ENV, load_settings
from flows.cli.arguments import check_bound, check_sites, parse_base_urls, positive_int
from flows.cli.common import UsageError, guard_children, log, prefect_defaults

if TYPE_CHECKING:
    from flows.cli.common import Subparsers

NO_SERVER_MESSAGE = (
    "pitboard serve needs a Prefect server: the temporary one a plain flow run starts cannot "
    "schedule anything. Start one (`prefect server start --host 127.0.0.1 --port 4200`) and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api; see 'Scheduling and production' in README.md."
)


def register(sub: Subparsers) -> None:
    """Add this group's command to ``sub``."""
    p = sub.add_parser(
        "serve", help="run the scheduled crawls (one per site) and the nightly re-clean"
    )
    p.add_argument(
        "sites",
        nargs="*",
        metavar="SITE",
        help=f"site names (default: ${SITES_ENV}, else every real site)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="run every SECONDS instead of each site's cron cadence (demos, tests)",
    )
    p.add_argument(
        "--base-url",
        action="append",
        metavar="SITE=URL",
        help="where a site is served (needed for the sample sites; repeatable)",
    )
    p.add_argument(
        "--max-pages", type=positive_int, default=None, help="store at most N pages per crawl"
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve one deployment per site (default: every real site) plus the nightly re-clean."""
    settings = load_settings()
    if settings.prefect_api_url is None:
        raise UsageError(NO_SERVER_MESSAGE)
    prefect_defaults()
    from flows.deployments import serve_deployments

    sites = args.sites or list(settings.sites)
    check_sites(sites)
    base_urls = parse_base_urls(args.base_url, sites)
    check_sites(list(base_urls))
    check_bound(sites, base_urls)
    if args.database_url:
        # Through the environment, which the flow runs inherit, rather than the deployments'
        # parameters, which the Prefect UI shows with the password in them.
        os.environ[DATABASE_URL_ENV] = args.database_url
    guard_children()
    log.info("serving %s on %s", ", ".join(sites) or "every real site", settings.prefect_api_url)
    serve_deployments(
        sites or None, interval=args.interval, base_urls=base_urls, max_pages=args.max_pages
    )
    return 0
