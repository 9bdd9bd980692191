"""The ``raw_pages`` table: the crawler's writes, by site and URL, idempotently, and the reads
of the pages a re-crawl revalidates and a cleaning run cleans.

Kept apart from ``etl.store.articles`` (the article loader) because every spider process imports
it, and the loader pulls in near-duplicate detection (datasketch, then scipy) that a crawl never
uses: ``python -c "import etl.store.articles"`` took 1.7 s here, ``import etl.store.raw_pages``
0.8 s. Every function takes a connection: the caller decides the transaction (the pipeline
writes one batch per transaction, stored whole or not at all; writing a batch twice changes
nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from etl.clean.records import RawPage
from etl.store.models import RawPageRow
from etl.store.pg_arrays import int_array


def save_raw_pages(conn: Connection, pages: Sequence[RawPage]) -> int:
    """Upsert fetched pages by site and URL; return how many were new or changed.

    A page is stored under the site that fetched it, even when another site stored the same URL
    (each site's cleaning must find its own pages). An unchanged page only gets its
    ``fetched_at`` moved and keeps its ``cleaned_at``, so re-crawling an unchanged site costs no
    cleaning work; a changed page is queued again.
    """
    if not pages:
        return 0
    latest: dict[tuple[str, str], RawPage] = {}
    for page in pages:  # ON CONFLICT cannot touch one row twice in a statement
        latest[(page.site, page.url)] = page
    rows = [
        {
            "site": p.site,
            "url": p.url,
            "final_url": p.final_url,
            "status": p.status,
            "headers": p.headers,
            "body": p.body,
            "body_sha256": hashlib.sha256(p.body).hexdigest(),
            "first_fetched_at": p.fetched_at,
            "fetched_at": p.fetched_at,
        }
        for p in latest.values()
    ]
    stmt = insert(RawPageRow)
    changed = or_(
        RawPageRow.body_sha256 != stmt.excluded.body_sha256,
        RawPageRow.status != stmt.excluded.status,
        RawPageRow.final_url != stmt.excluded.final_url,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[RawPageRow.site, RawPageRow.url],
        set_={
            "final_url": stmt.excluded.final_url,
            "status": stmt.excluded.status,
            "headers": stmt.excluded.headers,
            "body": stmt.excluded.body,
            "body_sha256": stmt.excluded.body_sha256,
            "fetched_at": stmt.excluded.fetched_at,
            "cleaned_at": None,
        },
        where=changed,
    ).returning(RawPageRow.site, RawPageRow.url)
    touch = (
        update(RawPageRow)
        .where(RawPageRow.site == bindparam("s"), RawPageRow.url == bindparam("u"))
        .values(fetched_at=bindparam("t"), headers=bindparam("h"))
    )
    written = {(site, url) for site, url in conn.execute(upsert, rows)}
    unchanged = [
        {"s": r["site"], "u": r["url"], "t": r["fetched_at"], "h": r["headers"]}
        for r in rows
        if (r["site"], r["url"]) not in written
    ]
    if unchanged:
        conn.execute(touch.execution_options(synchronize_session=False), unchanged)
    return len(written)


def stored_validators(
    conn: Connection, site: str
) -> list[tuple[str, str | None, dict[str, str], datetime | None]]:
    """``(url, final_url, headers, fetched_at)`` of every page of ``site`` stored with status
    200: what a re-crawl can revalidate (its ETag and Last-Modified are among the headers)."""
    query = select(
        RawPageRow.url, RawPageRow.final_url, RawPageRow.headers, RawPageRow.fetched_at
    ).where(RawPageRow.site == site, RawPageRow.status == 200)
    return [
        (url, final, dict(headers or {}), at) for url, final, headers, at in conn.execute(query)
    ]


def stored_page(conn: Connection, site: str, url: str) -> tuple[dict[str, str], bytes] | None:
    """The stored headers and body of the page ``site`` stored under ``url``, or None."""
    query = select(RawPageRow.headers, RawPageRow.body).where(
        RawPageRow.site == site, RawPageRow.url == url
    )
    row = conn.execute(query).first()
    return (dict(row[0] or {}), bytes(row[1])) if row is not None else None


# In the order of RawPage's fields: a row read back is the record the spider yielded.
_RAW_PAGE_COLUMNS = (
    RawPageRow.site,
    RawPageRow.url,
    RawPageRow.final_url,
    RawPageRow.status,
    RawPageRow.headers,
    RawPageRow.body,
    RawPageRow.fetched_at,
    RawPageRow.id,
)


def _raw_page(row: Row) -> RawPage:
    site, url, final_url, status, headers, body, fetched_at, page_id = row
    return RawPage(
        site, url, final_url, status, dict(headers or {}), bytes(body), fetched_at, page_id
    )


def pages_to_clean(
    conn: Connection,
    sites: Sequence[str] | None = None,
    *,
    after_id: int = 0,
    everything: bool = False,
    limit: int = 200,
) -> list[RawPage]:
    """The next ``limit`` stored pages after ``after_id`` waiting for cleaning (or all pages, to
    re-clean), by ascending id.

    Keyset pagination: a caller that passes the last id it got walks the table once, sees the
    pages stored while it cleans, and holds one batch in memory whatever the table size.
    """
    query = (
        select(*_RAW_PAGE_COLUMNS)
        .where(RawPageRow.id > after_id)
        .order_by(RawPageRow.id)
        .limit(limit)
    )
    if not everything:
        query = query.where(RawPageRow.cleaned_at.is_(None))
    if sites:
        query = query.where(RawPageRow.site.in_(list(sites)))
    return [_raw_page(row) for row in conn.execute(query)]


def sample_pages(conn: Connection, site: str, limit: int) -> list[RawPage]:
    """The ``limit`` most recently fetched successful pages of ``site``."""
    query = (
        select(*_RAW_PAGE_COLUMNS)
        .where(RawPageRow.site == site, RawPageRow.status == 200)
        .order_by(RawPageRow.fetched_at.desc(), RawPageRow.id.desc())
        .limit(limit)
    )
    return [_raw_page(row) for row in conn.execute(query)]


def count_successful_pages(conn: Connection, site: str) -> int:
    """How many pages of ``site`` are stored with status 200 (what a profile sample is drawn
    from)."""
    query = (
        select(func.count())
        .select_from(RawPageRow)
        .where(RawPageRow.site == site, RawPageRow.status == 200)
    )
    return conn.scalar(query) or 0


def count_pages_to_clean(conn: Connection, sites: Sequence[str] | None = None) -> int:
    """How many stored pages (of ``sites``, or of every site) wait for cleaning."""
    query = select(func.count()).select_from(RawPageRow).where(RawPageRow.cleaned_at.is_(None))
    if sites:
        query = query.where(RawPageRow.site.in_(list(sites)))
    return conn.scalar(query) or 0


def sites_to_clean(
    conn: Connection, sites: Sequence[str] | None = None, *, everything: bool = False
) -> list[str]:
    """The sites (of ``sites``, or all) with stored pages waiting for cleaning (with
    ``everything``: with stored pages at all), by name: each gets its own run record."""
    query = select(RawPageRow.site).distinct().order_by(RawPageRow.site)
    if not everything:
        query = query.where(RawPageRow.cleaned_at.is_(None))
    if sites:
        query = query.where(RawPageRow.site.in_(list(sites)))
    return list(conn.scalars(query))


def count_fetched_since(conn: Connection, site: str, since: datetime) -> int:
    """How many pages of ``site`` were stored or refreshed at or after ``since``: what one crawl
    fetched (a 304 revalidation stores nothing and is not counted)."""
    query = (
        select(func.count())
        .select_from(RawPageRow)
        .where(RawPageRow.site == site, RawPageRow.fetched_at >= since)
    )
    return conn.scalar(query) or 0


_MARK_CLEANED = text(
    "UPDATE raw_pages SET cleaned_at = :now, page_kind = :kind "
    "WHERE id = ANY(CAST(:ids AS bigint[]))"
)


def mark_cleaned(conn: Connection, kinds: Sequence[tuple[int, str]], now: datetime) -> None:
    """Note each raw page's kind (``(raw page id, kind)`` pairs) and that it is cleaned: one
    statement per kind, where one UPDATE per page cost as much as storing the articles' URLs."""
    by_kind: dict[str, list[int]] = {}
    for page_id, kind in kinds:
        by_kind.setdefault(kind, []).append(page_id)
    for kind, ids in by_kind.items():
        conn.execute(_MARK_CLEANED, {"now": now, "kind": kind, "ids": int_array(ids)})
