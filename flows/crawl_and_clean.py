"""The ``crawl_and_clean`` Prefect flow: crawl sites, then clean and load what was fetched.

The flow is thin, as Prefect flows should be: each stage is a task with its own retries and
timeout, and plain values (database URL, counts) pass between them. Each site is locked in
PostgreSQL for the whole run, so two runs of one site never overlap, and every site's run is
recorded in ``crawl_runs`` with its counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from etl.clean_stored import clean_stored_pages
from etl.store.database import describe, get_engine, resolve_database_url
from etl.store.locks import SiteBusy, site_lock
from etl.store.migrate import ensure_schema
from etl.store.models import RawPageRow
from etl.store.runs import finish_run, start_run
from flows.spider_process import SpiderFailed, run_spider

CRAWL_TIMEOUT_SECONDS = 6 * 3600
CLEAN_TIMEOUT_SECONDS = 2 * 3600
# Retry what a retry can fix: a site or a database that hiccups. Bugs fail at once.
TRANSIENT = (OperationalError, SpiderFailed, ConnectionError, TimeoutError)


def _retry_transient(task, task_run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


class CrawlFailed(RuntimeError):
    """At least one site's run failed or was refused; the others were still loaded."""


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
) -> dict[str, object]:
    """Run the site's spider; pages land in ``raw_pages`` as the spider fetches them."""
    logger = get_run_logger()
    started = datetime.now(UTC)

    def relay(line: str) -> None:
        if " ERROR" in line or " CRITICAL" in line:
            logger.warning("[%s] %s", site, line)
        elif "INFO: Crawled" in line or "INFO: Spider closed" in line or "pitboard" in line:
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
    logger.info(
        "%s: %d responses (%d not modified), %d pages stored or refreshed in %.1fs",
        site,
        run.responses,
        run.not_modified,
        fetched or 0,
        run.seconds,
    )
    return {
        "site": site,
        "fetched": fetched or 0,
        "responses": run.responses,
        "not_modified": run.not_modified,
        "seconds": round(run.seconds, 2),
    }


@task(
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_condition_fn=_retry_transient,
    timeout_seconds=CLEAN_TIMEOUT_SECONDS,
)
def clean_pages(database_url: str, sites: list[str], everything: bool = False) -> dict[str, object]:
    """Clean the stored pages of ``sites`` (all sites if empty) and load the results.

    Safe to retry: each batch commits its articles together with its pages' cleaned mark.
    """
    logger = get_run_logger()
    stats = clean_stored_pages(
        get_engine(database_url),
        sites or None,
        everything=everything,
        progress=lambda s: logger.info("cleaned %d pages, %d new articles", s.pages, s.load.new),
    )
    summary = stats.as_dict()
    logger.info("cleaning of %s done: %s", ", ".join(sites) or "all sites", summary)
    return summary


def _summary_table(rows: list[dict[str, object]]) -> str:
    columns = ("site", "status", "fetched", "pages", "new", "updated", "duplicates", "failed")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


@flow(name="crawl_and_clean")
def crawl_and_clean(
    sites: Sequence[str],
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
    database_url: str | None = None,
    lock_wait_seconds: float = 0.0,
) -> dict[str, object]:
    """Crawl the sites side by side, then clean and load what each fetched.

    A site already being crawled by another run is refused after ``lock_wait_seconds``.
    """
    logger = get_run_logger()
    url = prepare_database(database_url)
    engine = get_engine(url)
    logger.info("database: %s", describe(url))
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    with ExitStack() as locks:
        running: dict[str, int] = {}
        for site in sites:
            try:
                locks.enter_context(site_lock(engine, site, wait_seconds=lock_wait_seconds))
            except SiteBusy as exc:
                logger.error("%s", exc)
                problems.append(str(exc))
                rows.append({"site": site, "status": "refused"})
                continue
            running[site] = start_run(engine, site, str(flow_run.get_id() or ""))
        futures = {
            site: crawl_site.submit(
                site, url, base_url=(base_urls or {}).get(site), max_pages=max_pages
            )
            for site in running
        }
        for site, future in futures.items():
            crawl = future.result(raise_on_failure=False)
            failed_crawl = isinstance(crawl, BaseException)
            if failed_crawl:
                logger.error("crawl of %s failed: %s", site, crawl)
                problems.append(f"crawl of {site} failed: {crawl}")
            # What a failed crawl fetched before failing is cleaned and loaded all the same.
            cleaned = clean_pages(url, [site])
            fetched = 0 if failed_crawl else int(crawl["fetched"])  # type: ignore[index]
            status = "failed" if failed_crawl else "completed"
            counts = {
                "fetched": fetched,
                "cleaned": int(cleaned["pages"]),  # type: ignore[call-overload]
                **{k: int(cleaned[k]) for k in ("new", "updated", "duplicates", "failed")},  # type: ignore[call-overload]
            }
            finish_run(
                engine, running[site], status, counts, None if not failed_crawl else str(crawl)
            )
            rows.append({"site": site, "status": status, **counts, "pages": counts["cleaned"]})
    create_markdown_artifact(
        _summary_table(rows), key="crawl-and-clean-summary", description="Pages and articles"
    )
    if problems:
        raise CrawlFailed("; ".join(problems))
    return {"sites": rows}


@flow(name="reclean")
def reclean(
    sites: Sequence[str] | None = None, everything: bool = True, database_url: str | None = None
) -> dict[str, object]:
    """Clean stored raw pages again (after a cleaning improvement) without re-crawling."""
    url = prepare_database(database_url)
    return clean_pages(url, list(sites or []), everything=everything)
