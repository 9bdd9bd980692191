"""``pitboard demo``, ``run``, ``crawl`` and ``clean``: the whole pipeline, or one stage.

Each ends with one line saying what it did (pages, articles new / updated / duplicates,
failures, time) and one naming the next command to try; ``crawl`` and ``clean`` record their
runs in ``crawl_runs`` as the flow does, so ``pitboard stats`` sees every run.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from flows.cli.arguments import (
    check_bound,
    check_sites,
    parse_base_urls,
    port_number,
    positive_int,
)
from flows.cli.common import (
    CommandError,
    UsageError,
    guard_children,
    interrupt_exit_code,
    log,
    open_engine,
    prefect_defaults,
    use_database_url,
)
from flows.cli.progress import on_terminal, progress_display

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from etl.clean_stored import CleanRunStats, Workers
    from flows.cli.common import Subparsers
    from flows.spider_process import LogLine

T = TypeVar("T")

BASE_URL_HELP = (
    "where the site is served: URL, or SITE=URL when naming several sites (repeatable); "
    "needed for the sample sites (`pitboard samples serve`)"
)
# The raw-page pipeline's line after each batch it stored (crawler/pipelines.py).
SAVED = re.compile(r"pitboard: saved (\d+) raw pages")
MAX_PAGES_HELP = (
    "store at most N pages per site (N >= 1; default: stop after the site's own cap of "
    "responses, else $PITBOARD_MAX_PAGES, 1000)"
)


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    p = sub.add_parser("demo", help="crawl the built-in sample sites into the database")
    p.add_argument(
        "--articles", type=positive_int, default=40, help="articles per sample site (40)"
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=None,
        help="serve the sample sites from this port on (default: 8000, as `pitboard samples "
        "serve`; a re-run finds the same URLs)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run the crawl_and_clean flow for some or all real sites")
    p.add_argument("sites", nargs="*", metavar="SITE", help="site names (default: all real sites)")
    p.add_argument("--max-pages", type=positive_int, default=None, help=MAX_PAGES_HELP)
    p.add_argument("--base-url", action="append", metavar="URL", help=BASE_URL_HELP)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("crawl", help="run one spider into raw_pages (no cleaning)")
    p.add_argument("site", metavar="SITE", help="the site to crawl (see `pitboard sites`)")
    p.add_argument("--max-pages", type=positive_int, default=None, help=MAX_PAGES_HELP)
    p.add_argument(
        "--base-url",
        metavar="URL",
        default=None,
        help="where the site is served, e.g. http://127.0.0.1:8001 (needed for the sample "
        "sites: `pitboard samples serve`)",
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="clean stored raw pages and load the articles")
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--all", action="store_true", help="re-clean every stored page")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="local cleaning processes (default: one per core; on the Dask cluster of "
        "PITBOARD_DASK_ADDRESS when that is set and --workers is not given)",
    )
    p.set_defaults(func=cmd_clean)


def cmd_demo(args: argparse.Namespace) -> int:
    prefect_defaults()
    from flows.demo import run_demo
    from flows.samples import SamplesUnavailable

    guard_children()
    try:
        return run_demo(articles=args.articles, database_url=args.database_url, port=args.port)
    except SamplesUnavailable as exc:
        raise UsageError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from crawler.registry import real_sites

    sites = args.sites or [site.name for site in real_sites()]
    check_sites(sites)
    base_urls = parse_base_urls(args.base_url, sites)
    check_sites(list(base_urls))
    check_bound(sites, base_urls)
    prefect_defaults()
    from flows.crawl_and_clean import CrawlFailed, crawl_and_clean
    from flows.report import format_run_summary, format_site_rows

    started = time.monotonic()
    guard_children()
    try:
        use_database_url(args)
        rows = crawl_and_clean(sites=sites, base_urls=base_urls or None, max_pages=args.max_pages)
    except CrawlFailed as exc:
        raise CommandError(str(exc)) from exc
    print(format_site_rows(rows))
    print(format_run_summary(rows, time.monotonic() - started))
    print(f"next: pitboard search --site {sites[0]}   (or `pitboard stats`)")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    check_sites([args.site])
    base_urls = parse_base_urls([args.base_url] if args.base_url else [], [args.site])
    check_bound([args.site], base_urls)
    from etl.store.settings import load_settings
    from flows.report import format_crawl_summary
    from flows.spider_process import SpiderFailed, is_progress_line, run_spider

    engine = open_engine(args)
    url = engine.url.render_as_string(hide_password=False)
    shown: set[str] = set()
    saved = 0
    bar = on_terminal()

    def show(line: LogLine, update: Callable[[int], None]) -> None:
        nonlocal saved
        if line.logger == "crawler.pipelines" and (found := SAVED.search(line.text)):
            saved += int(found.group(1))
            update(saved)
        # On a terminal the progress display replaces the spider's progress lines.
        if args.verbose or line.level >= logging.ERROR or (is_progress_line(line) and not bar):
            shown.add(line.text)
            print(line.text, file=sys.stderr)

    shared = load_settings().redis_url is not None
    with _site_lease(engine, args.site, shared_frontier=shared) as leased:
        run_id, started = _start_run(engine, args.site, leased=leased), datetime.now(UTC)
        try:
            with progress_display(f"crawling {args.site}", args.max_pages) as update:
                run = run_spider(
                    args.site,
                    database_url=url,
                    base_url=base_urls.get(args.site),
                    max_pages=args.max_pages,
                    on_line=lambda line: show(line, update),
                )
        except SpiderFailed as exc:
            headline, *tail = str(exc).splitlines()
            fetched = {"fetched": _fetched(engine, args.site, started)}
            _finish_run(engine, run_id, "failed", fetched, headline)
            unseen = [line for line in tail if line not in shown and line != "last lines:"]
            raise CommandError("\n".join([headline, *unseen[-15:]])) from exc
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM as Terminated
            _record_interrupted(
                engine, run_id, exc, lambda: {"fetched": _fetched(engine, args.site, started)}
            )
            raise
        stored = _fetched(engine, args.site, started)
        _finish_run(engine, run_id, "completed", {"fetched": stored})
    print(format_crawl_summary(args.site, stored, run.responses, run.download_errors, run.seconds))
    print(f"next: pitboard clean --site {args.site}")
    return 0


def _fetched(engine: Engine, site: str, since: datetime) -> int:
    from etl.store.raw_pages import count_fetched_since

    with engine.connect() as conn:
        return count_fetched_since(conn, site, since)


def _start_run(engine: Engine, site: str, *, leased: bool = True) -> int:
    """Record the run as running (committed now: a crashed run stays visible). A run holding
    the site's lease is its only run: rows still 'running' belong to processes that died
    (SIGKILL, a crash), and are recorded as interrupted, as the flows do."""
    from etl.store.patience import patiently
    from etl.store.runs import DIED, mark_interrupted, start_run

    def start() -> tuple[list[int], int]:
        with engine.begin() as conn:
            stale = mark_interrupted(conn, site, DIED) if leased else []
            return stale, start_run(conn, site)

    stale, run_id = patiently(f"recording the start of a run of {site}", start)
    if stale:
        log.warning("%s: run(s) %s had died; recorded as interrupted", site, stale)
    return run_id


@contextmanager
def _site_lease(engine: Engine, site: str, *, shared_frontier: bool = False) -> Iterator[bool]:
    """Hold ``site``'s lease while the command works on it, as a flow run does, so that a
    scheduled run and a command never crawl or clean one site at once (a flow would take the
    command's live run for a dead one). Yields whether the lease is held: crawler processes on
    a shared frontier (``PITBOARD_REDIS_URL``) crawl one site together by design and take none.
    """
    from etl.store.locks import SiteBusy, site_lock
    from etl.store.patience import patiently

    if shared_frontier:
        yield False
        return
    with ExitStack() as stack:
        try:
            patiently(
                f"taking the lock of {site}",
                lambda: stack.enter_context(site_lock(engine, site)),
            )
        except SiteBusy as exc:
            raise CommandError(
                f"{exc}: wait for it to end (`pitboard stats` shows the site's runs)"
            ) from None
        yield True


def _finish_run(
    engine: Engine, run_id: int, status: str, counts: dict[str, int], error: str | None = None
) -> None:
    from etl.store.patience import patiently
    from etl.store.runs import finish_run

    def finish() -> None:
        with engine.begin() as conn:
            finish_run(conn, run_id, status, counts, error)

    patiently(f"recording the end of run {run_id}", finish)


#: Seconds an interrupted command waits for the database to record its run: the process is on
#: its way out (10 s at most in all); a run it cannot record, the next run of the site marks.
INTERRUPTED_RECORD_PATIENCE = 3.0


def _record_interrupted(
    engine: Engine, run_id: int, exc: BaseException, counts: Callable[[], dict[str, int]]
) -> None:
    """Record the run 'interrupted' with the signal that stopped it: best effort, quickly."""
    from etl.store.patience import patiently
    from etl.store.runs import finish_run

    code = interrupt_exit_code(exc) or 128 + signal.SIGINT
    reason = f"stopped by {signal.Signals(code - 128).name}"

    def finish() -> None:
        with engine.begin() as conn:
            finish_run(conn, run_id, "interrupted", counts(), reason)

    try:
        patiently(
            f"recording run {run_id} interrupted", finish, patience=INTERRUPTED_RECORD_PATIENCE
        )
    except Exception as error:  # the database is away: the next run marks it
        log.warning("could not record run %d as interrupted: %s", run_id, error)


def _cleaned(site: str, stats: CleanRunStats, update: Callable[[int], None]) -> None:
    """One loaded batch: the progress display on a terminal, else a log line."""
    update(stats.pages)
    if not on_terminal():
        log.info("%s: cleaned %d pages, %d new articles", site, stats.pages, stats.load.new)


@contextmanager
def _dask_workers(args: argparse.Namespace) -> Iterator[Workers | None]:
    """The flows' cleaning workers on the Dask cluster of ``PITBOARD_DASK_ADDRESS`` when one is
    set and ``--workers`` does not ask for local processes, opened once for every site of the
    command (a ``local:N`` cluster starts once); else None: each site's run cleans locally."""
    from etl.store.settings import load_settings

    address = load_settings().dask_address
    if not address or args.workers is not None:
        yield None
        return
    from flows.cleaning import DaskNeedsPrefectServer, cleaning_workers

    with ExitStack() as stack:
        try:
            workers = stack.enter_context(cleaning_workers(address))
        except DaskNeedsPrefectServer as exc:
            raise UsageError(f"{exc}; or clean locally with --workers N") from None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot use the Dask cluster PITBOARD_DASK_ADDRESS={address!r}: {exc} "
                "(check the address, or clean locally with --workers N)"
            ) from None
        yield workers


def _clean_site(
    engine: Engine,
    site: str,
    args: argparse.Namespace,
    on: Workers | None,
    read: Callable[[Callable[[Connection], Any]], Any],
) -> CleanRunStats:
    """Clean one site's waiting pages (all of them with ``--all``) as a run of its own."""
    from etl.clean_stored import clean_stored_pages
    from etl.store.raw_pages import count_pages_to_clean
    from flows.report import duplicates_found

    with _site_lease(engine, site) as leased:
        run_id = _start_run(engine, site, leased=leased)
        waiting = None if args.all else read(lambda c: count_pages_to_clean(c, [site]))
        try:
            with progress_display(f"cleaning {site}", waiting) as update:
                stats = clean_stored_pages(
                    engine,
                    [site],
                    everything=args.all,
                    progress=lambda s: _cleaned(site, s, update),
                    **(on._asdict() if on is not None else {"workers": args.workers}),
                )
        except Exception as exc:  # recorded, then reported by main as any other failure
            _finish_run(engine, run_id, "failed", {}, f"{type(exc).__name__}: {exc}")
            raise
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM as Terminated
            _record_interrupted(engine, run_id, exc, dict)
            raise
        counts = {
            "cleaned": stats.pages,
            "new": stats.load.new,
            "updated": stats.load.updated,
            "duplicates": duplicates_found(stats),
            "failed": stats.failed,
        }
        _finish_run(engine, run_id, "completed", counts)
    return stats


def cmd_clean(args: argparse.Namespace) -> int:
    if args.site:
        check_sites(args.site)
    from etl.clean_stored import CleanRunStats
    from etl.store.patience import patiently
    from etl.store.raw_pages import sites_to_clean
    from flows.report import format_clean_summary

    engine = open_engine(args)  # a database that does not answer now fails at once (exit 1)

    # From here on a refused or dropped connection (a restart) is waited for, one WARNING line
    # per retry (etl.store.patience); the stage itself does the same for its reads and loads.
    def read(query: Callable[[Connection], T]) -> T:
        def run() -> T:
            with engine.connect() as conn:
                return query(conn)

        return patiently("reading what waits to be cleaned", run)

    sites = read(lambda conn: sites_to_clean(conn, args.site, everything=args.all))
    total = CleanRunStats()
    if sites:  # a Dask cluster is not opened (nor a local one started) for nothing
        with _dask_workers(args) as on:
            for site in sites:
                total.add(_clean_site(engine, site, args, on, read))
    print(format_clean_summary(total))
    if total.pages:
        print(f"next: pitboard search --site {sites[0]}   (or `pitboard stats`)")
    else:
        print("next: nothing was waiting; crawl first: pitboard crawl SITE")
    return 1 if total.failed else 0
