"""The ``crawl_and_clean`` Prefect flow: crawl sites, then clean and load what was fetched.

The flow brings the database's schema up to date, then takes each site's lease for the whole run
(``etl.store.locks``: a row that survives a database restart, renewed while the run lasts and
checked again before each stage; a site another run holds is refused), marks the site's runs left
'running' by a process that died as 'interrupted', and records the site's run in ``crawl_runs`` as
it starts. The sites' spiders run side by side, each in a child
process (``crawl_site``, at most one per core at a time); each site's cleaning
(``clean_arriving``) starts with its crawl and cleans and loads its pages in batches as they are
stored, on cleaning workers that the sites share (a local process pool, or the Dask cluster of
``PITBOARD_DASK_ADDRESS``), until the crawl has ended (even failed) and every page it stored is
loaded; then the run's row gets its status and counts. A run costs about its slowest stage
rather than the sum of the three. The
stages are tasks with their own retries and timeouts, and pass typed results (:class:`CrawlResult`,
``CleanRunStats``, :class:`~flows.report.SiteRun`). The flow ends with a Markdown summary artifact,
and raises :class:`CrawlFailed` if any site failed or was refused.

No flow or task takes the database URL as a parameter: Prefect stores parameters in clear in
its own database, and the URL holds the password. Each task reads it from the settings of the
process it runs in (``PITBOARD_DATABASE_URL``, else the embedded database).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Sequence
from contextlib import ExitStack, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from sqlalchemy.exc import OperationalError

from etl.clean_stored import CleanRunStats, Workers, clean_stored_pages
from etl.store.database import (
    describe,
    get_engine,
    is_configuration_error,
    resolve_database_url,
)
from etl.store.fetch_failures import count_failures_since
from etl.store.locks import LeaseLost, SiteBusy, SiteLease, site_lock
from etl.store.migrate import ensure_schema
from etl.store.patience import patiently
from etl.store.raw_pages import count_fetched_since
from etl.store.runs import DIED, finish_run, mark_interrupted, start_run
from flows.cleaning import clean_stage, cleaning_workers
from flows.report import SiteRun, duplicates_found, site_rows_markdown
from flows.spider_process import LogLine, SpiderFailed, is_progress_line, run_spider, stop_spiders

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import State, TaskRun
    from prefect.futures import PrefectFuture
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CRAWL_TIMEOUT_SECONDS = 6 * 3600
CLEAN_TIMEOUT_SECONDS = 2 * 3600
# Retry what a retry can fix: a site or a database that hiccups. Bugs fail at once.
TRANSIENT = (OperationalError, SpiderFailed, ConnectionError, TimeoutError)


def _retry_transient(task: Task[..., Any], task_run: TaskRun, state: State) -> bool:
    try:
        state.result()
    except TRANSIENT as exc:
        # An unknown database or role, a wrong password: retrying for minutes cannot fix it.
        return not is_configuration_error(exc)
    except Exception:
        return False
    return False


def _configuration_problem(site: str, base_urls: dict[str, str] | None) -> str | None:
    """Why ``site`` cannot be crawled as configured (unknown, no base URL), or None."""
    from crawler.registry import all_sites

    described = all_sites().get(site)
    if described is None:
        return f"unknown site: {site} (see `pitboard sites`)"
    if described.base_url is None and not (base_urls or {}).get(site):
        return f"{site} has no base URL: give base_urls={{{site!r}: 'http://host:port'}}"
    return None


class CrawlFailed(RuntimeError):
    """At least one site's run failed or was refused; the others were still loaded."""


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """What one site's crawl did."""

    site: str
    fetched: int  # raw pages stored or refreshed by this crawl
    responses: int
    not_modified: int
    seconds: float


@task(retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=_retry_transient)
def prepare_database() -> str:
    """Resolve the database (starting the embedded one if needed) and bring its schema up;
    return its description (no password), for the log."""
    url = resolve_database_url()
    if ensure_schema(get_engine(url)):
        get_run_logger().info("database schema upgraded")
    return describe(url)


# No Prefect timeout_seconds: the crawl runs in a worker thread (``submit``), where Prefect's
# timeout cannot interrupt it (and warns so on every run). run_spider enforces the limit itself,
# stopping the child process.
# The sites of a run crawl side by side, each spider a process of its own, at most one per core:
# a spider is CPU-bound (parsing, link handling), and more would only share the cores.
SPIDER_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


@task(retries=2, retry_delay_seconds=[30, 120], retry_condition_fn=_retry_transient)
def crawl_site(site: str, base_url: str | None = None, max_pages: int | None = None) -> CrawlResult:
    """Run the site's spider; pages land in ``raw_pages`` as the spider fetches them."""
    with SPIDER_SLOTS:
        return _crawl_site(site, base_url, max_pages)


def _crawl_site(site: str, base_url: str | None, max_pages: int | None) -> CrawlResult:
    logger = get_run_logger()
    database_url = resolve_database_url()
    started = datetime.now(UTC)

    def relay(line: LogLine) -> None:
        if line.level >= logging.ERROR:
            logger.warning("[%s] %s", site, line.text)
        elif is_progress_line(line):
            logger.log(line.level, "[%s] %s", site, line.text)

    run = run_spider(
        site,
        database_url=database_url,
        base_url=base_url,
        max_pages=max_pages,
        on_line=relay,
        timeout=CRAWL_TIMEOUT_SECONDS,
    )
    with get_engine(database_url).connect() as conn:
        fetched = count_fetched_since(conn, site, started)
    logger.info(
        "%s: %d responses (%d not modified), %d pages stored or refreshed in %.1fs",
        site,
        run.responses,
        run.not_modified,
        fetched or 0,
        run.seconds,
    )
    return CrawlResult(site, fetched or 0, run.responses, run.not_modified, round(run.seconds, 2))


@task(
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_condition_fn=_retry_transient,
    timeout_seconds=CLEAN_TIMEOUT_SECONDS,
)
def clean_pages(sites: list[str], everything: bool = False) -> CleanRunStats:
    """Clean the stored pages of ``sites`` (all sites if empty) and load the results.

    Safe to retry: each batch commits its articles together with its pages' cleaned mark.
    """
    logger = get_run_logger()
    stats = clean_stage(  # local worker processes, or Dask with PITBOARD_DASK_ADDRESS
        get_engine(resolve_database_url()),
        sites or None,
        everything=everything,
        progress=lambda s: logger.info("cleaned %d pages, %d new articles", s.pages, s.load.new),
    )
    logger.info("cleaning of %s done: %s", ", ".join(sites) or "all sites", stats.as_dict())
    return stats


# Submitted beside the crawl, it runs in a worker thread where Prefect's timeout cannot stop it
# (as crawl_site); its parameters are live objects of this process, never cached or stored.
@task(
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
def clean_arriving(site: str, crawled: threading.Event, workers: Workers) -> CleanRunStats:
    """Clean and load ``site``'s pages as its crawl stores them, until ``crawled`` is set
    and every page stored is taken, on the run's shared ``workers``.

    Safe to retry, as ``clean_pages``: each batch commits its articles together with its
    pages' cleaned mark, and a retry takes what is still unmarked.
    """
    logger = get_run_logger()
    stats = clean_stored_pages(
        get_engine(resolve_database_url()),
        [site],
        submit=workers.submit,
        submit_sample=workers.submit_sample,
        workers=workers.workers,
        split=workers.split,
        arriving=crawled,
        progress=lambda s: logger.info(
            "%s: cleaned %d pages, %d new articles", site, s.pages, s.load.new
        ),
    )
    logger.info("cleaning of %s done: %s", site, stats.as_dict())
    return stats


# How long the end of a run is retried for when the database does not answer (restarting): the
# row must say how the run ended, as the flow's state does.
RECORD_PATIENCE_SECONDS = 120.0


def _interruption(exc: BaseException) -> str:
    """Which signal ``exc`` stands for, for the run's ``error``."""
    number = getattr(exc, "signal", None)
    return signal.Signals(number).name if isinstance(number, int) else "SIGINT (Ctrl-C)"


def _record_end(
    engine: Engine,
    run_id: int,
    row: SiteRun,
    error: BaseException | str | None,
    patience: float = RECORD_PATIENCE_SECONDS,
) -> SiteRun:
    """Write how the run ended to ``crawl_runs``, retrying while the database is unreachable."""

    def record() -> None:
        with engine.begin() as conn:
            finish_run(conn, run_id, row.status, row.counts(), str(error) if error else None)

    patiently(f"recording the end of run {run_id}", record, patience=patience)
    return row


def _record_unfinished(
    engine: Engine, running: dict[str, int], started: dict[str, datetime], exc: BaseException
) -> None:
    """The flow stops on ``exc`` with these sites' runs unfinished: an interrupt stops the
    spiders and records the runs 'interrupted' (which signal, pages fetched so far); a bug
    records them 'failed'. Best effort, quickly: the process is on its way out."""
    interrupted = not isinstance(exc, Exception)
    if interrupted:
        stop_spiders()
    for site, run_id in running.items():
        fetched = 0
        with suppress(Exception), engine.connect() as conn:
            fetched = count_fetched_since(conn, site, started[site]) or 0
        row = SiteRun(site, "interrupted" if interrupted else "failed", fetched=fetched)
        reason = f"stopped by {_interruption(exc)}" if interrupted else repr(exc)
        with suppress(Exception):
            _record_end(engine, run_id, row, reason, patience=3.0)


def _finish_site(
    engine: Engine,
    site: str,
    crawl_future: PrefectFuture[CrawlResult],
    clean_future: PrefectFuture[CleanRunStats],
    lease: SiteLease,
    running: dict[str, int],
    started: dict[str, datetime],
    problems: list[str],
) -> SiteRun:
    """Wait for the site's crawl and its cleaning, and record how the site's run ended."""
    logger = get_run_logger()
    crawl: CrawlResult | BaseException = crawl_future.result(raise_on_failure=False)
    error = None if isinstance(crawl, CrawlResult) else str(crawl)
    if error is not None:
        logger.error("crawl of %s failed: %s", site, error)
        problems.append(f"crawl of {site} failed: {error}")
    # What a failed crawl fetched before failing is cleaned and loaded all the same.
    cleaned = clean_future.result()
    try:
        # The site is still ours (re-taken after a database restart) at the end.
        lease.ensure()
    except LeaseLost as exc:
        problems.append(str(exc))
        return _record_end(engine, running.pop(site), SiteRun(site, "failed"), exc)
    with engine.connect() as conn:  # pages the crawl could not fetch or store
        unfetched = count_failures_since(conn, site, started[site])
    row = SiteRun(
        site,
        "completed" if error is None else "failed",
        fetched=crawl.fetched if isinstance(crawl, CrawlResult) else 0,
        cleaned=cleaned.pages,
        new=cleaned.load.new,
        updated=cleaned.load.updated,
        duplicates=duplicates_found(cleaned),
        failed=cleaned.failed + unfetched,
    )
    return _record_end(engine, running.pop(site), row, error)


@flow(name="crawl_and_clean")
def crawl_and_clean(
    sites: Sequence[str],
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
    lock_wait_seconds: float = 0.0,
) -> list[SiteRun]:
    """Crawl the sites side by side, cleaning and loading what each fetches as it is stored;
    one row per site.

    A site already being crawled by another run is refused after ``lock_wait_seconds``.
    """
    logger = get_run_logger()
    logger.info("database: %s", prepare_database())
    engine = get_engine(resolve_database_url())
    rows: list[SiteRun] = []
    problems: list[str] = []
    with ExitStack() as locks:
        leases: dict[str, SiteLease] = {}
        running: dict[str, int] = {}
        started: dict[str, datetime] = {}
        for site in sites:
            if (problem := _configuration_problem(site, base_urls)) is not None:
                # No retry can fix a configuration error: the site fails at once.
                logger.error("%s", problem)
                problems.append(problem)
                rows.append(SiteRun(site, "failed"))
                continue
            try:
                leases[site] = locks.enter_context(
                    site_lock(engine, site, wait_seconds=lock_wait_seconds)
                )
            except SiteBusy as exc:
                logger.error("%s", exc)
                problems.append(str(exc))
                rows.append(SiteRun(site, "refused"))
                continue
            started[site] = datetime.now(UTC)
            with engine.begin() as conn:  # committed now: a crashed run stays visible
                stale = mark_interrupted(conn, site, DIED)
                running[site] = start_run(conn, site, str(flow_run.get_id() or ""))
            if stale:
                logger.warning("%s: run(s) %s had died; recorded as interrupted", site, stale)
        try:
            with cleaning_workers() if running else nullcontext() as workers:
                # Each site's cleaning starts with its crawl and takes its pages as they are
                # stored, on workers all sites share; it ends once its crawl has ended.
                crawled = {site: threading.Event() for site in running}
                crawls = {
                    site: crawl_site.submit(
                        site, base_url=(base_urls or {}).get(site), max_pages=max_pages
                    )
                    for site in running
                }
                for site, future in crawls.items():
                    future.add_done_callback(lambda _, done=crawled[site]: done.set())
                cleans = {
                    site: clean_arriving.submit(site, crawled[site], workers) for site in running
                }
                for site, future in crawls.items():
                    rows.append(
                        _finish_site(
                            engine,
                            site,
                            future,
                            cleans[site],
                            leases[site],
                            running,
                            started,
                            problems,
                        )
                    )
        except BaseException as exc:
            # Interrupted (SIGINT, SIGTERM) or a bug: said in each unfinished run's row before
            # the leases are released.
            _record_unfinished(engine, running, started, exc)
            raise
    create_markdown_artifact(
        site_rows_markdown(rows), key="crawl-and-clean-summary", description="Pages and articles"
    )
    if problems:
        raise CrawlFailed("; ".join(problems))
    return rows


@flow(name="reclean")
def reclean(sites: Sequence[str] | None = None, everything: bool = True) -> CleanRunStats:
    """Clean stored raw pages again (after a cleaning improvement) without re-crawling."""
    prepare_database()
    return clean_pages(list(sites or []), everything=everything)
