"""The ``fetch_failures`` table: every page the crawl could not fetch or store, and why.

A page that could not be fetched (too large, timed out, a redirect loop or off-site redirect, a
decompression bomb, a host that does not resolve or refuses connections, an HTTP error that
retries did not cure) or that the database refused is otherwise absent from the database; this
table keeps it visible with its reason. One row per URL, updated at each failure (``attempts``
counts them) and deleted when the page is stored at last, so the table is what is failing
now. Written in the caller's transaction, like every storage function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from etl.store.models import FetchFailureRow

# Why a page could not be fetched or stored; ``fetch_failures.reason`` holds one of these.
REASONS = (
    "too_large",  # over DOWNLOAD_MAXSIZE (declared or streamed): the download was cancelled
    "timed_out",  # no complete answer within DOWNLOAD_TIMEOUT
    "redirect_loop",  # redirects back to a URL already visited, or more than REDIRECT_MAX_TIMES
    "offsite_redirect",  # a redirect that leaves the site
    "invalid_redirect",  # a redirect to a URL that cannot be parsed
    "decompression_limit",  # the body decompresses past DOWNLOAD_MAXSIZE (a gzip bomb)
    "dns",  # the host name does not resolve
    "connection_refused",
    "connection_lost",  # the connection dropped before the body was complete
    "http_error",  # a status retries did not cure (429, 5xx)
    "not_stored",  # fetched, but the database refused the page
    "download_error",  # any other download failure
)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """One page the crawl could not fetch or store (a Scrapy item, like ``RawPage``)."""

    site: str
    url: str
    reason: str  # one of REASONS
    detail: str
    failed_at: datetime
    status: int | None = None  # the HTTP status, for ``http_error``


def save_fetch_failures(conn: Connection, failures: Iterable[FetchFailure]) -> int:
    """Record failures, one row per URL (a repeat updates it and counts the attempt)."""
    rows: dict[str, dict[str, object]] = {}
    for failure in failures:
        previous = rows.get(failure.url)
        rows[failure.url] = {
            "site": failure.site,
            "url": failure.url,
            "reason": failure.reason,
            "detail": failure.detail[:2000],
            "status": failure.status,
            "first_failed_at": previous["first_failed_at"] if previous else failure.failed_at,
            "last_failed_at": failure.failed_at,
            "attempts": int(previous["attempts"]) + 1 if previous else 1,  # type: ignore[call-overload]
        }
    if not rows:
        return 0
    stmt = insert(FetchFailureRow)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[FetchFailureRow.url],
            set_={
                "site": stmt.excluded.site,
                "reason": stmt.excluded.reason,
                "detail": stmt.excluded.detail,
                "status": stmt.excluded.status,
                "last_failed_at": stmt.excluded.last_failed_at,
                "attempts": FetchFailureRow.attempts + stmt.excluded.attempts,
            },
        ),
        list(rows.values()),
    )
    return len(rows)


def forget_fetch_failures(conn: Connection, urls: Iterable[str]) -> None:
    """Pages stored at last are no longer failing."""
    urls = list(set(urls))
    if urls:
        conn.execute(delete(FetchFailureRow).where(FetchFailureRow.url.in_(urls)))


def count_failures_since(conn: Connection, site: str, since: datetime) -> int:
    """How many pages of ``site`` failed at or after ``since`` (a run's failures)."""
    return int(
        conn.scalar(
            select(func.count())
            .select_from(FetchFailureRow)
            .where(FetchFailureRow.site == site, FetchFailureRow.last_failed_at >= since)
        )
        or 0
    )


def failure_reasons(conn: Connection) -> list[tuple[str, str, int]]:
    """(site, reason, pages) for every page failing now, for ``pitboard stats``."""
    rows = conn.execute(
        select(FetchFailureRow.site, FetchFailureRow.reason, func.count())
        .group_by(FetchFailureRow.site, FetchFailureRow.reason)
        .order_by(FetchFailureRow.site, func.count().desc(), FetchFailureRow.reason)
    )
    return [(site, reason, int(n)) for site, reason, n in rows]
