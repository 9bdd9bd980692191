"""``pitboard demo``, ``run``, ``crawl`` and ``clean``: the whole pipeline, or one stage."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from flows.cli.common import (
    CommandError,
    UsageError,
    guard_children,
    log,
    open_engine,
    parse_base_urls,
    prefect_defaults,
    require_known_sites,
    use_database_url,
)

if TYPE_CHECKING:
    from flows.cli.common import Subparsers


MAX_PAGES_HELP = (
    "stop each crawl after N pages (default: the site's own cap, else $PITBOARD_MAX_PAGES, "
    "1000; 0: no cap)"
)


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    p = sub.add_parser("demo", help="crawl the built-in sample sites into the database")
    p.add_argument("--articles", type=int, default=40, help="articles per sample site (40)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run the crawl_and_clean flow for some or all real sites")
    p.add_argument("sites", nargs="*", metavar="SITE", help="site names (default: all real sites)")
    p.add_argument("--max-pages", type=int, default=None, help=MAX_PAGES_HELP)
    p.add_argument(
        "--base-url",
        action="append",
        metavar="SITE=URL",
        help="where a site is served (needed for the sample sites; repeatable)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("crawl", help="run one spider (no cleaning)")
    p.add_argument("site", metavar="SITE")
    p.add_argument("--max-pages", type=int, default=None, help=MAX_PAGES_HELP)
    p.add_argument("--base-url", default=None, help="where the site is served (sample sites)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="clean stored raw pages and load the articles")
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--all", action="store_true", help="re-clean every stored page")
    p.add_argument("--workers", type=int, default=None, help="cleaning processes")
    p.set_defaults(func=cmd_clean)


def cmd_demo(args: argparse.Namespace) -> int:
    prefect_defaults()
    from flows.demo import run_demo

    guard_children()
    return run_demo(articles=args.articles, database_url=args.database_url)


def cmd_run(args: argparse.Namespace) -> int:
    prefect_defaults()
    from crawler.sites import SITES, real_sites

    sites = args.sites or [site.name for site in real_sites()]
    base_urls = parse_base_urls(args.base_url)
    require_known_sites([*sites, *base_urls])
    unbound = [name for name in sites if SITES[name].base_url is None and name not in base_urls]
    if unbound:  # a configuration error: fail now, not after Prefect's retries
        raise UsageError(f"{', '.join(unbound)} has no base URL: give it with --base-url SITE=URL")
    from flows.crawl_and_clean import CrawlFailed, crawl_and_clean
    from flows.report import format_site_rows

    guard_children()
    try:
        use_database_url(args)
        rows = crawl_and_clean(sites=sites, base_urls=base_urls or None, max_pages=args.max_pages)
    except CrawlFailed as exc:
        raise CommandError(str(exc)) from exc
    print(format_site_rows(rows))
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from etl.store.database import describe
    from flows.spider_process import SpiderFailed, run_spider

    engine = open_engine(args)
    url = engine.url.render_as_string(hide_password=False)
    try:
        run = run_spider(
            args.site,
            database_url=url,
            base_url=args.base_url,
            max_pages=args.max_pages,
            on_line=lambda line: print(line.text, file=sys.stderr),
        )
    except SpiderFailed as exc:
        raise CommandError(str(exc)) from exc
    log.info("crawl of %s finished in %.1fs into %s", args.site, run.seconds, describe(url))
    log.info("run `pitboard clean --site %s` to clean what was fetched", args.site)
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from etl.clean_stored import clean_stored_pages
    from flows.report import format_clean_summary

    engine = open_engine(args)
    stats = clean_stored_pages(
        engine,
        args.site or None,
        everything=args.all,
        workers=args.workers,
        progress=lambda s: log.info("cleaned %d pages, %d new articles", s.pages, s.load.new),
    )
    print(format_clean_summary(stats))
    return 1 if stats.failed else 0
