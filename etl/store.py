"""Loaders: write fetched pages and cleaned articles to PostgreSQL, idempotently.

Every write is a batch inside one transaction: a batch is stored whole or not at all, and
writing the same batch twice changes nothing (raw pages are keyed by URL, articles by their
normalised URL and by the hash of their text).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from etl.fingerprint import content_hash
from etl.models import ArticleRow, RawPageRow
from etl.pages import CleanedPage, RawPage
from etl.urls import normalize_url, same_site

log = logging.getLogger(__name__)

STORED_KINDS = frozenset({"article", "gallery"})
# Article loads hold this advisory lock, so the duplicate checks below see every committed
# row: two cleaners running at once cannot both insert the same story.
_ARTICLE_LOAD_LOCK_ID = 0x61727469636C65


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


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A raw page read back for cleaning."""

    id: int
    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes


def iter_pages_to_clean(
    engine: Engine,
    sites: Sequence[str] | None = None,
    *,
    everything: bool = False,
    batch_size: int = 200,
) -> Iterator[list[StoredPage]]:
    """Yield batches of stored pages waiting for cleaning (or all of them, to re-clean).

    Batches are read by ascending id (keyset pagination), so pages stored while cleaning runs
    are picked up and memory stays bounded whatever the table size.
    """
    last_id = 0
    while True:
        query = (
            select(
                RawPageRow.id,
                RawPageRow.site,
                RawPageRow.url,
                RawPageRow.final_url,
                RawPageRow.status,
                RawPageRow.headers,
                RawPageRow.body,
            )
            .where(RawPageRow.id > last_id)
            .order_by(RawPageRow.id)
            .limit(batch_size)
        )
        if not everything:
            query = query.where(RawPageRow.cleaned_at.is_(None))
        if sites:
            query = query.where(RawPageRow.site.in_(list(sites)))
        with engine.connect() as conn:
            batch = [StoredPage(*row) for row in conn.execute(query)]
        if not batch:
            return
        last_id = batch[-1].id
        yield batch


@dataclass(frozen=True, slots=True)
class CleanedRecord:
    """One stored page after cleaning: what the article loader takes."""

    raw_page_id: int
    site: str
    final_url: str
    page: CleanedPage


@dataclass(slots=True)
class LoadStats:
    """What a load did, by outcome; a person reads these in the run's summary."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    not_articles: int = 0

    def add(self, other: LoadStats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


def article_url(record: CleanedRecord) -> str:
    """The URL a story is stored under: its canonical link when it stays on the site."""
    canonical = record.page.canonical_url
    if canonical and same_site(canonical, record.final_url):
        return normalize_url(canonical)
    return normalize_url(record.final_url)


def load_cleaned(engine: Engine, records: Iterable[CleanedRecord]) -> LoadStats:
    """Store a batch of cleaned pages in one transaction and mark their raw pages cleaned.

    Articles and galleries become rows; listings and other pages only get their kind noted
    on the raw page. A text already stored under another URL is an exact duplicate and is not
    stored again; a known URL whose text changed is updated.
    """
    records = list(records)
    stats = LoadStats()
    now = datetime.now(UTC)
    candidates: dict[str, tuple[CleanedRecord, str]] = {}
    seen_hashes: set[str] = set()
    for record in records:
        if record.page.kind not in STORED_KINDS or not record.page.text.strip():
            stats.not_articles += 1
            continue
        digest = content_hash(record.page.text)
        url = article_url(record)
        if digest in seen_hashes or url in candidates:
            stats.duplicates += 1
            continue
        seen_hashes.add(digest)
        candidates[url] = (record, digest)

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ARTICLE_LOAD_LOCK_ID})
        _load_articles(conn, candidates, stats, now)
        if records:
            conn.execute(
                update(RawPageRow)
                .where(RawPageRow.id == bindparam("rid"))
                .values(cleaned_at=now, page_kind=bindparam("kind"))
                .execution_options(synchronize_session=False),
                [{"rid": r.raw_page_id, "kind": r.page.kind} for r in records],
            )
    return stats


def _article_values(record: CleanedRecord, url: str, digest: str) -> dict[str, object]:
    page = record.page
    return {
        "site": record.site,
        "url": url,
        "raw_page_id": record.raw_page_id,
        "kind": page.kind,
        "title": page.title,
        "author": page.author,
        "published_at": page.published_at,
        "modified_at": page.updated_at,
        "language": page.language,
        "image": page.image,
        "tags": list(page.tags),
        "text": page.text,
        "content_hash": digest,
    }


def _load_articles(
    conn: Connection,
    candidates: dict[str, tuple[CleanedRecord, str]],
    stats: LoadStats,
    now: datetime,
) -> None:
    if not candidates:
        return
    hashes = [digest for _, digest in candidates.values()]
    existing = conn.execute(
        select(ArticleRow.id, ArticleRow.url, ArticleRow.content_hash).where(
            or_(ArticleRow.url.in_(list(candidates)), ArticleRow.content_hash.in_(hashes))
        )
    ).all()
    by_url = {row.url: row for row in existing}
    url_of_hash = {row.content_hash: row.url for row in existing}

    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for url, (record, digest) in candidates.items():
        known = by_url.get(url)
        owner = url_of_hash.get(digest)
        if known is not None and known.content_hash == digest:
            stats.unchanged += 1
        elif owner is not None and owner != url:
            stats.duplicates += 1
        elif known is not None:
            values = _article_values(record, url, digest)
            values["last_changed_at"] = now
            values["article_id"] = known.id
            updates.append(values)
            stats.updated += 1
        else:
            inserts.append(_article_values(record, url, digest))
            stats.new += 1
    if inserts:
        conn.execute(insert(ArticleRow), inserts)
    if updates:
        conn.execute(
            update(ArticleRow)
            .where(ArticleRow.id == bindparam("article_id"))
            .execution_options(synchronize_session=False),
            updates,
        )
    log.debug("loaded %d new, %d updated articles", len(inserts), len(updates))


def count_rows(engine: Engine, model: type[ArticleRow] | type[RawPageRow]) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model)) or 0
