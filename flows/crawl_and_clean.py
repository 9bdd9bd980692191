"""The ``crawl_and_clean`` Prefect flow: crawl sites, then clean and load what was fetched.

The flow is thin, as Prefect flows should be: each stage is a task with its own retries and
timeout, and the data (database URL, counts) passes between them as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from sqlalchemy import func, select

from etl.clean_stored import clean_stored_pages
from etl.database import describe, get_engine, resolve_database_url
from etl.migrate import ensure_schema
from etl.models import RawPageRow
from flows.spider_process import run_spider

CRAWL_TIMEOUT_SECONDS = 6 * 3600


class CrawlFailed(RuntimeError):
    """At least one site's crawl failed after its retries."""


@task(retries=2, retry_delay_seconds=[10, 60])
def prepare_database(database_url: str | None) -> str:
    """Resolve the database (starting the embedded one if needed) and bring its schema up."""
    url = resolve_database_url(database_url)
    if ensure_schema(get_engine(url)):
        get_run_logger().info("database schema upgraded")
    return url


@task(retries=2, retry_delay_seconds=[30, 120], timeout_seconds=CRAWL_TIMEOUT_SECONDS)
def crawl_site(
    site: str, database_url: str, base_url: str | None = None, max_pages: int | None = None
) -> dict[str, object]:
    """Run the site's spider; pages land in ``raw_pages`` as the spider fetches them."""
    logger = get_run_logger()
    started = datetime.now(UTC)

    def relay(line: str) -> None:
        if " ERROR" in line or "Traceback" in line:
            logger.warning("[%s] %s", site, line)
        elif "INFO: Crawled" in line or "INFO: Dumping" in line or "pitboard" in line.lower():
            logger.info("[%s] %s", site, line)

    run = run_spider(
        site,
        database_url=database_url,
        base_url=base_url,
        max_pages=max_pages,
        on_line=relay,
        timeout=CRAWL_TIMEOUT_SECONDS,
    )
    with get_engine(database_url).connect() as conn:
        fetched = conn.scalar(
            select(func.count())
            .select_from(RawPageRow)
            .where(RawPageRow.site == site, RawPageRow.fetched_at >= started)
        )
    logger.info("%s: %d pages fetched in %.1fs", site, fetched or 0, run.seconds)
    return {"site": site, "fetched": fetched or 0, "seconds": round(run.seconds, 2)}


@task(retries=2, retry_delay_seconds=[10, 60])
def clean_pages(database_url: str, sites: list[str], everything: bool = False) -> dict[str, object]:
    """Clean the stored pages of ``sites`` that are waiting for it, and load the results."""
    logger = get_run_logger()

    def progress(stats) -> None:  # type: ignore[no-untyped-def]
        logger.info("cleaned %d pages (%d new articles so far)", stats.pages, stats.load.new)

    stats = clean_stored_pages(
        get_engine(database_url), sites or None, everything=everything, progress=progress
    )
    summary = stats.as_dict()
    logger.info("cleaning done: %s", summary)
    return summary


@flow(name="crawl_and_clean", log_prints=True)
def crawl_and_clean(
    sites: Sequence[str],
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
    database_url: str | None = None,
) -> dict[str, object]:
    """Crawl each site in turn, then clean and load everything they fetched."""
    logger = get_run_logger()
    url = prepare_database(database_url)
    logger.info("database: %s", describe(url))
    # Spiders are separate processes: crawl the sites side by side, then clean once.
    futures = [
        crawl_site.submit(site, url, base_url=(base_urls or {}).get(site), max_pages=max_pages)
        for site in sites
    ]
    crawls, failed = [], []
    for site, future in zip(sites, futures, strict=True):
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            logger.error("crawl of %s failed: %s", site, result)
            failed.append(site)
        else:
            crawls.append(result)
    # What the other sites (and a failed crawl, before it failed) fetched is still cleaned.
    cleaned = clean_pages(url, list(sites))
    if failed:
        raise CrawlFailed(f"crawl failed for {', '.join(failed)}; fetched pages were loaded")
    return {"crawls": crawls, "clean": cleaned}


@flow(name="reclean", log_prints=True)
def reclean(
    sites: Sequence[str] | None = None, everything: bool = True, database_url: str | None = None
) -> dict[str, object]:
    """Clean stored raw pages again (after a cleaning improvement) without re-crawling."""
    url = prepare_database(database_url)
    return clean_pages(url, list(sites or []), everything=everything)
