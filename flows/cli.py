"""The ``pitboard`` command line.

Every command that touches the database resolves it the same way (PITBOARD_DATABASE_URL, or
the embedded PostgreSQL) and upgrades an out-of-date schema before it starts. Heavy imports
(Prefect, Scrapy) happen inside the commands that need them, so ``pitboard --help`` is quick.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger("pitboard")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "pgserver", "httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _quiet_prefect() -> None:
    # No internet on many servers: Prefect's telemetry would log an error on every start.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server's first start migrates its database: on a busy two-core machine
    # that takes longer than Prefect's 20 s default, and the run would fail before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from etl.store.database import describe, get_engine
    from etl.store.migrate import ensure_schema

    engine = get_engine(args.database_url)
    log.info("database: %s", describe(engine.url))
    if ensure_schema(engine):
        log.info("database schema upgraded to the latest revision")
    return engine


def cmd_db(args: argparse.Namespace) -> int:
    from etl.store.database import describe, get_engine
    from etl.store.migrate import current_revision, head_revision, upgrade

    engine = get_engine(args.database_url)
    if args.action == "upgrade":
        upgrade(engine)
    current, head = current_revision(engine), head_revision()
    state = "up to date" if current == head else "behind: run `pitboard db upgrade`"
    print(f"{describe(engine.url)}\nrevision {current or '(empty)'} (head {head}): {state}")
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler.sites import SITES

    for site in SITES.values():
        print(
            f"{site.name:<22} {site.language:<6} {site.base_url or '(base URL given at run time)'}"
        )
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from etl.store.database import describe
    from flows.spider_process import SpiderFailed, run_spider

    engine = _engine(args)
    url = engine.url.render_as_string(hide_password=False)
    try:
        run = run_spider(
            args.site,
            database_url=url,
            base_url=args.base_url,
            max_pages=args.max_pages,
            on_line=lambda line: print(line, file=sys.stderr),
        )
    except SpiderFailed as exc:
        log.error("%s", exc)
        return 1
    log.info("crawl of %s finished in %.1fs into %s", args.site, run.seconds, describe(url))
    log.info("run `pitboard clean --site %s` to clean what was fetched", args.site)
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from etl.clean_stored import clean_stored_pages
    from flows.report import format_clean_summary

    engine = _engine(args)
    stats = clean_stored_pages(
        engine,
        args.site or None,
        everything=args.all,
        workers=args.workers,
        progress=lambda s: log.info("cleaned %d pages, %d new articles", s.pages, s.load.new),
    )
    print(format_clean_summary(stats.as_dict()))
    return 1 if stats.failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from crawler.sites import SITES, real_sites
    from flows.crawl_and_clean import CrawlFailed, crawl_and_clean
    from flows.report import format_site_rows

    sites = args.sites or [site.name for site in real_sites()]
    unknown = [s for s in sites if s not in SITES]
    if unknown:
        log.error("unknown site(s): %s (see `pitboard sites`)", ", ".join(unknown))
        return 2
    try:
        result = crawl_and_clean(
            sites=sites, max_pages=args.max_pages, database_url=args.database_url
        )
    except CrawlFailed as exc:
        log.error("%s", exc)
        return 1
    print(format_site_rows(result["sites"]))  # type: ignore[arg-type]
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from flows.demo import run_demo

    return run_demo(articles=args.articles, database_url=args.database_url)


def cmd_psql(args: argparse.Namespace) -> int:
    import shutil
    import subprocess
    from pathlib import Path

    engine = _engine(args)
    libpq_url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    psql = shutil.which("psql")
    if psql is None:  # the embedded server's wheel carries a psql of its own
        import pgserver

        psql = str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")
    return subprocess.call([psql, libpq_url, *args.psql_args])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pitboard",
        description="Crawl, clean and load endurance-racing news into PostgreSQL.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: $PITBOARD_DATABASE_URL, else the embedded PostgreSQL)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="crawl the built-in sample sites into the database")
    p.add_argument("--articles", type=int, default=40, help="articles per sample site (40)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run the crawl_and_clean flow for some or all real sites")
    p.add_argument("sites", nargs="*", metavar="SITE", help="site names (default: all real sites)")
    p.add_argument("--max-pages", type=int, default=None, help="stop each crawl after N pages")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("crawl", help="run one spider (no cleaning)")
    p.add_argument("site", metavar="SITE")
    p.add_argument("--max-pages", type=int, default=None, help="stop after N pages")
    p.add_argument("--base-url", default=None, help="where the site is served (sample sites)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="clean stored raw pages and load the articles")
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--all", action="store_true", help="re-clean every stored page")
    p.add_argument("--workers", type=int, default=None, help="cleaning processes")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("sites", help="list the sites Pitboard knows")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("psql", help="open psql on Pitboard's database (args go to psql)")
    p.add_argument("psql_args", nargs=argparse.REMAINDER, metavar="ARGS")
    p.set_defaults(func=cmd_psql)

    p = sub.add_parser("db", help="database schema: status or upgrade")
    p.add_argument("action", choices=["upgrade", "status"])
    p.set_defaults(func=cmd_db)

    from flows import cli_query, cli_serve

    cli_query.register(sub)  # search, show, stats
    cli_serve.register(sub)  # serve (scheduled deployments)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "psql" in argv:  # psql's own options (-c, -f ...) go to psql untouched, in order
        at = argv.index("psql")
        argv, passthrough = argv[: at + 1], argv[at + 1 :]
    args = build_parser().parse_args(argv)
    if args.command == "psql":
        args.psql_args = passthrough
    _setup_logging(args.verbose)
    from etl.store.database import DatabaseConfigError

    try:
        return int(args.func(args) or 0)
    except DatabaseConfigError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.warning("interrupted: work committed so far is kept; run the command again to resume")
        return 130


if __name__ == "__main__":
    sys.exit(main())
