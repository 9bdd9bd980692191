"""``pitboard serve``: run the scheduled deployments (see ``flows.deployments``) until stopped."""

from __future__ import annotations

import argparse
import logging
import os

log = logging.getLogger("pitboard")

NO_SERVER_MESSAGE = (
    "pitboard serve needs a Prefect server: the temporary one a plain flow run starts cannot "
    "schedule anything. Start one (`prefect server start --host 127.0.0.1 --port 4200`) and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api; see 'Scheduling and production' in README.md."
)
# The worker of docker-compose.yml reads its sites from here (space separated).
SITES_ENV = "PITBOARD_SITES"


def parse_base_urls(pairs: list[str] | None) -> dict[str, str]:
    """``["sample-en=http://127.0.0.1:8001", ...]`` as a mapping; ValueError names a bad pair."""
    base_urls: dict[str, str] = {}
    for pair in pairs or []:
        site, sep, url = pair.partition("=")
        if not sep or not site or not url:
            raise ValueError(f"--base-url expects SITE=URL, got {pair!r}")
        base_urls[site] = url
    return base_urls


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve one deployment per site (default: every real site) plus the nightly re-clean."""
    if not os.environ.get("PREFECT_API_URL", "").strip():
        log.error("%s", NO_SERVER_MESSAGE)
        return 2
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    from crawler.sites import SITES
    from flows.deployments import serve_deployments

    sites = args.sites or os.environ.get(SITES_ENV, "").split()
    unknown = [s for s in sites if s not in SITES]
    try:
        base_urls = parse_base_urls(args.base_url)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    unknown += [s for s in base_urls if s not in SITES]
    if unknown:
        log.error("unknown site(s): %s (see `pitboard sites`)", ", ".join(unknown))
        return 2
    unbound = [s for s in sites if SITES[s].base_url is None and s not in base_urls]
    if unbound:
        log.error("give the address of %s with --base-url SITE=URL", ", ".join(unbound))
        return 2
    if args.database_url:
        # Through the environment, which the flow runs inherit, rather than the deployments'
        # parameters, which the Prefect UI shows with the password in them.
        os.environ["PITBOARD_DATABASE_URL"] = args.database_url
    log.info(
        "serving %s on %s", ", ".join(sites) or "every real site", os.environ["PREFECT_API_URL"]
    )
    serve_deployments(
        sites or None, interval=args.interval, base_urls=base_urls, max_pages=args.max_pages
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``; heavy imports stay inside the commands."""
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
    p.add_argument("--max-pages", type=int, default=None, help="stop each crawl after N pages")
    p.set_defaults(func=cmd_serve)
