"""Raw pages: the crawler's writes, by URL, idempotently, and what a re-crawl reads back.

Kept apart from ``etl.store.articles`` (the article loader) because every spider process imports it,
and the loader pulls in near-duplicate detection (datasketch, then scipy) that a crawl never uses:
``python -c "import etl.store.articles"`` took 1.7 s here, ``import etl.store.raw_pages`` 0.8 s. A
batch is one transaction, stored whole or not at all, and writing the same batch twice changes
nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from etl.clean.records import RawPage
from etl.store.models import RawPageRow


def save_raw_pages(engine: Engine, pages: Sequence[RawPage]) -> int:
    """Upsert fetched pages by URL in one transaction; return how many were new or changed.

    An unchanged page only gets its ``fetched_at`` moved and keeps its ``cleaned_at``, so
    re-crawling an unchanged site costs no cleaning work; a changed page is queued again.
    """
    if not pages:
        return 0
    latest: dict[str, RawPage] = {}
    for page in pages:  # ON CONFLICT cannot touch one row twice in a statement
        latest[page.url] = page
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
        index_elements=[RawPageRow.url],
        set_={
            "site": stmt.excluded.site,
            "final_url": stmt.excluded.final_url,
            "status": stmt.excluded.status,
            "headers": stmt.excluded.headers,
            "body": stmt.excluded.body,
            "body_sha256": stmt.excluded.body_sha256,
            "fetched_at": stmt.excluded.fetched_at,
            "cleaned_at": None,
        },
        where=changed,
    ).returning(RawPageRow.url)
    touch = (
        update(RawPageRow)
        .where(RawPageRow.url == bindparam("u"))
        .values(fetched_at=bindparam("t"), headers=bindparam("h"))
    )
    with engine.begin() as conn:
        written = set(conn.scalars(upsert, rows).all())
        unchanged = [
            {"u": r["url"], "t": r["fetched_at"], "h": r["headers"]}
            for r in rows
            if r["url"] not in written
        ]
        if unchanged:
            conn.execute(touch.execution_options(synchronize_session=False), unchanged)
    return len(written)


def stored_validators(
    engine: Engine, site: str
) -> list[tuple[str, str | None, dict[str, str], datetime | None]]:
    """``(url, final_url, headers, fetched_at)`` of every page of ``site`` stored with status
    200: what a re-crawl can revalidate (its ETag and Last-Modified are among the headers)."""
    query = select(
        RawPageRow.url, RawPageRow.final_url, RawPageRow.headers, RawPageRow.fetched_at
    ).where(RawPageRow.site == site, RawPageRow.status == 200)
    with engine.connect() as conn:
        return [
            (url, final, dict(headers or {}), at) for url, final, headers, at in conn.execute(query)
        ]


def stored_page(engine: Engine, url: str) -> tuple[dict[str, str], bytes] | None:
    """The stored headers and body of the page stored under ``url``, or None."""
    query = select(RawPageRow.headers, RawPageRow.body).where(RawPageRow.url == url)
    with engine.connect() as conn:
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


def iter_pages_to_clean(
    engine: Engine,
    sites: Sequence[str] | None = None,
    *,
    everything: bool = False,
    batch_size: int = 200,
) -> Iterator[list[RawPage]]:
    """Yield batches of stored pages waiting for cleaning (or all of them, to re-clean).

    Batches are read by ascending id (keyset pagination), so pages stored while cleaning runs
    are picked up and memory stays bounded whatever the table size.
    """
    last_id = 0
    while True:
        query = (
            select(*_RAW_PAGE_COLUMNS)
            .where(RawPageRow.id > last_id)
            .order_by(RawPageRow.id)
            .limit(batch_size)
        )
        if not everything:
            query = query.where(RawPageRow.cleaned_at.is_(None))
        if sites:
            query = query.where(RawPageRow.site.in_(list(sites)))
        with engine.connect() as conn:
            batch = [_raw_page(row) for row in conn.execute(query)]
        if not batch:
            return
        last_id = batch[-1].id or 0
        yield batch


def sample_pages(engine: Engine, site: str, limit: int) -> list[RawPage]:
    """The ``limit`` most recently fetched successful pages of ``site``."""
    query = (
        select(*_RAW_PAGE_COLUMNS)
        .where(RawPageRow.site == site, RawPageRow.status == 200)
        .order_by(RawPageRow.fetched_at.desc(), RawPageRow.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [_raw_page(row) for row in conn.execute(query)]


def count_pages_to_clean(engine: Engine, sites: Sequence[str] | None = None) -> int:
    query = select(func.count()).select_from(RawPageRow).where(RawPageRow.cleaned_at.is_(None))
    if sites:
        query = query.where(RawPageRow.site.in_(list(sites)))
    with engine.connect() as conn:
        return conn.scalar(query) or 0
