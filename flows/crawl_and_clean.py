"""The ``crawl_and_clean`` Prefect flow: crawl sites, then clean and load what was fetched.

The flow brings the database's schema up to date, then takes each site's PostgreSQL lock for the
whole run (so two runs of one site never overlap; a site another run holds is refused) and records
the site's run in ``crawl_runs`` as it starts. The sites' spiders run side by side, each in a child
process (``crawl_site``); as each crawl ends, what it fetched is cleaned and loaded
(``clean_pages``), even after a failed crawl, and the run's row gets its status and counts. The
stages are tasks with their own retries and timeouts, and pass typed results (:class:`CrawlResult`,
``CleanRunStats``, :class:`~flows.report.SiteRun`). The flow ends with a Markdown summary artifact,
and raises :class:`CrawlFailed` if any site failed or was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from sqlalchemy.exc import OperationalError

from etl.clean_stored import CleanRunStats
from etl.store.database import describe, get_engine, resolve_database_url
from etl.store.locks import SiteBusy, site_lock
from etl.store.migrate import ensure_schema
from etl.store.raw_pages import count_fetched_since
from etl.store.runs import finish_run, start_run
from flows.cleaning import clean_stage
from flows.report import SiteRun, site_rows_markdown
from flows.spider_process import LogLine, SpiderFailed, run_spider

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import State, TaskRun

CRAWL_TIMEOUT_SECONDS = 6 * 3600
CLEAN_TIMEOUT_SECONDS = 2 * 3600
# Retry what a retry can fix: a site or a database that hiccups. Bugs fail at once.
TRANSIENT = (OperationalError, SpiderFailed, ConnectionError, TimeoutError)
# What a person reading the flow run's log wants of a spider's: its errors (as warnings: a page
# that fails does not fail the crawl), and the progress and Pitboard lines of these loggers; not
# Scrapy's start-up dumps of settings and components, nor a warning per ignored URL.
PROGRESS_LOGGERS = ("crawler.", "scrapy.core.engine", "scrapy.extensions.logstats")


def _retry_transient(task: Task[..., Any], task_run: TaskRun, state: State) -> bool:
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


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
def prepare_database(database_url: str | None) -> str:
    """Resolve the database (starting the embedded one if needed) and bring its schema up."""
    url = resolve_database_url(database_url)
    if ensure_schema(get_engine(url)):
        get_run_logger().info("database schema upgraded")
    return url


@task(
    retries=2,
    retry_delay_seconds=[30, 120],
    retry_condition_fn=_retry_transient,
    timeout_seconds=CRAWL_TIMEOUT_SECONDS,
)
def crawl_site(
    site: str, database_url: str, base_url: str | None = None, max_pages: int | None = None
) -> CrawlResult:
    """Run the site's spider; pages land in ``raw_pages`` as the spider fetches them."""
    logger = get_run_logger()
    started = datetime.now(UTC)

    def relay(line: LogLine) -> None:
        if line.level >= logging.ERROR:
            logger.warning("[%s] %s", site, line.text)
        elif line.level >= logging.INFO and line.logger.startswith(PROGRESS_LOGGERS):
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
def clean_pages(database_url: str, sites: list[str], everything: bool = False) -> CleanRunStats:
    """Clean the stored pages of ``sites`` (all sites if empty) and load the results.

    Safe to retry: each batch commits its articles together with its pages' cleaned mark.
    """
    logger = get_run_logger()
    stats = clean_stage(  # local worker processes, or Dask with PITBOARD_DASK_ADDRESS
        get_engine(database_url),
        sites or None,
        everything=everything,
        progress=lambda s: logger.info("cleaned %d pages, %d new articles", s.pages, s.load.new),
    )
    logger.info("cleaning of %s done: %s", ", ".join(sites) or "all sites", stats.as_dict())
    return stats


@flow(name="crawl_and_clean")
def crawl_and_clean(
    sites: Sequence[str],
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
    database_url: str | None = None,
    lock_wait_seconds: float = 0.0,
) -> list[SiteRun]:
    """Crawl the sites side by side, then clean and load what each fetched; one row per site.

    A site already being crawled by another run is refused after ``lock_wait_seconds``.
    """
    logger = get_run_logger()
    url = prepare_database(database_url)
    engine = get_engine(url)
    logger.info("database: %s", describe(url))
    rows: list[SiteRun] = []
    problems: list[str] = []
    with ExitStack() as locks:
        running: dict[str, int] = {}
        for site in sites:
            try:
                locks.enter_context(site_lock(engine, site, wait_seconds=lock_wait_seconds))
            except SiteBusy as exc:
                logger.error("%s", exc)
                problems.append(str(exc))
                rows.append(SiteRun(site, "refused"))
                continue
            with engine.begin() as conn:  # committed now: a crashed run stays visible
                running[site] = start_run(conn, site, str(flow_run.get_id() or ""))
        futures = {
            site: crawl_site.submit(
                site, url, base_url=(base_urls or {}).get(site), max_pages=max_pages
            )
            for site in running
        }
        for site, future in futures.items():
            crawl: CrawlResult | BaseException = future.result(raise_on_failure=False)
            error = None if isinstance(crawl, CrawlResult) else str(crawl)
            if error is not None:
                logger.error("crawl of %s failed: %s", site, error)
                problems.append(f"crawl of {site} failed: {error}")
            # What a failed crawl fetched before failing is cleaned and loaded all the same.
            cleaned = clean_pages(url, [site])
            row = SiteRun(
                site,
                "completed" if error is None else "failed",
                fetched=crawl.fetched if isinstance(crawl, CrawlResult) else 0,
                cleaned=cleaned.pages,
                new=cleaned.load.new,
                updated=cleaned.load.updated,
                duplicates=cleaned.load.duplicates,
                failed=cleaned.failed,
            )
            with engine.begin() as conn:
                finish_run(conn, running[site], row.status, row.counts(), error)
            rows.append(row)
    create_markdown_artifact(
        site_rows_markdown(rows), key="crawl-and-clean-summary", description="Pages and articles"
    )
    if problems:
        raise CrawlFailed("; ".join(problems))
    return rows


@flow(name="reclean")
def reclean(
    sites: Sequence[str] | None = None, everything: bool = True, database_url: str | None = None
) -> CleanRunStats:
    """Clean stored raw pages again (after a cleaning improvement) without re-crawling."""
    url = prepare_database(database_url)
    return clean_pages(url, list(sites or []), everything=everything)
