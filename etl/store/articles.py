"""Loaders: write cleaned articles to PostgreSQL, idempotently (raw pages: ``etl.store.raw_pages``).

Every write is a batch inside one transaction: a batch is stored whole or not at all, and
writing the same batch twice changes nothing (articles are keyed by their normalised URL and
by the hash of their text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from etl.clean.records import CleanedPage
from etl.dedup.identity import StoryIdentity, identify, story_url
from etl.dedup.neardup import Signature
from etl.dedup.neardup_index import add_signatures, find_near_duplicates
from etl.dedup.urls import normalize_url
from etl.store.models import (
    ArticleRow,
    ArticleVersionRow,
    ListingTeaserRow,
    RawPageRow,
)
from etl.store.pg_arrays import int_array
from etl.store.pg_copy import copy_into

log = logging.getLogger(__name__)

STORED_KINDS = frozenset({"article", "gallery"})
# Article loads hold this advisory lock, so the duplicate checks below see every committed
# row: two cleaners running at once cannot both insert the same story.
_ARTICLE_LOAD_LOCK_ID = 0x61727469636C65


@dataclass(frozen=True, slots=True)
class CleanedRecord:
    """One stored page after cleaning: what the article loader takes.

    ``identity`` is set by the cleaning workers for stories (see :mod:`etl.dedup.identity`); the
    loader computes it when it is missing.
    """

    raw_page_id: int
    site: str
    final_url: str
    page: CleanedPage
    identity: StoryIdentity | None = None


@dataclass(slots=True)
class LoadStats:
    """What a load did, by outcome; a person reads these in the run's summary."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    near_duplicates: int = 0  # stored, with duplicate_of naming the original story
    not_articles: int = 0

    def add(self, other: LoadStats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


def article_url(record: CleanedRecord) -> str:
    """The URL a record's story is stored under (see :func:`etl.dedup.identity.story_url`)."""
    if record.identity is not None:
        return record.identity.url
    return story_url(record.page, record.final_url)


def with_identity(record: CleanedRecord) -> CleanedRecord:
    """``record`` with its story identity computed, if it is a story to store.

    Cleaning workers call this so that the loader does not have to (it is CPU work, and the
    loader is one process).
    """
    if record.identity is not None or not _is_story(record.page):
        return record
    return replace(record, identity=identify(record.page, record.final_url))


def _is_story(page: CleanedPage) -> bool:
    return page.kind in STORED_KINDS and bool(page.text.strip())


def load_cleaned(engine: Engine, records: Iterable[CleanedRecord]) -> LoadStats:
    """Store a batch of cleaned pages in one transaction and mark their raw pages cleaned.

    Articles and galleries become rows; listings and other pages only get their kind noted
    on the raw page. A text already stored under another URL is an exact duplicate and is not
    stored again; a known URL whose text changed is updated.
    """
    records = list(records)
    stats = LoadStats()
    now = datetime.now(UTC)
    candidates: dict[str, _Candidate] = {}
    seen_hashes: set[str] = set()
    for record in records:
        if not _is_story(record.page):
            stats.not_articles += 1
            continue
        identity = record.identity or identify(record.page, record.final_url)
        url, digest = identity.url, identity.content_hash
        if digest in seen_hashes or url in candidates:
            stats.duplicates += 1
            continue
        seen_hashes.add(digest)
        candidates[url] = _Candidate(record, identity)

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ARTICLE_LOAD_LOCK_ID})
        # The batch statements are cheap but their row estimates are large: with JIT on,
        # PostgreSQL compiled the near-duplicate probe for 170 ms to run it in 40.
        conn.execute(text("SET LOCAL jit = off"))
        _load_articles(conn, candidates, stats, now)
        _load_teasers(conn, records)
        _mark_cleaned(conn, records, now)
    return stats


_MARK_CLEANED = text(
    "UPDATE raw_pages SET cleaned_at = :now, page_kind = :kind "
    "WHERE id = ANY(CAST(:ids AS bigint[]))"
)


def _mark_cleaned(conn: Connection, records: list[CleanedRecord], now: datetime) -> None:
    """Note each raw page's kind and that it is cleaned: one statement per kind, where one
    UPDATE per page cost as much as storing the articles' URLs."""
    by_kind: dict[str, list[int]] = {}
    for record in records:
        by_kind.setdefault(record.page.kind, []).append(record.raw_page_id)
    for kind, ids in by_kind.items():
        conn.execute(_MARK_CLEANED, {"now": now, "kind": kind, "ids": int_array(ids)})


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A cleaned story about to be stored, with its identity."""

    record: CleanedRecord
    identity: StoryIdentity

    @property
    def digest(self) -> str:
        return self.identity.content_hash

    @property
    def seen_as(self) -> set[str]:
        """Its story URL and the normalised URL it was fetched under."""
        return {self.identity.url, self.identity.fetched_as}


def article_values(record: CleanedRecord, identity: StoryIdentity) -> dict[str, object]:
    """The ``articles`` row of a new story, by column (``duplicate_of`` is the loader's to set).
    Public so bench/load.py COPYs exactly the rows the loader writes."""
    page, info = record.page, record.page.metadata
    return {
        "site": record.site,
        "url": identity.url,
        "raw_page_id": record.raw_page_id,
        "kind": page.kind,
        "title": info.title,
        "author": info.author,
        "published_at": info.published_at,
        "modified_at": info.updated_at,
        "language": info.language,
        "image": info.image,
        "tags": list(info.tags),
        "text": page.text,
        "content_hash": identity.content_hash,
        "place": page.place,
        "series": list(page.entities.series),
        "classes": list(page.entities.classes),
        "manufacturers": list(page.entities.manufacturers),
        "car_numbers": list(page.entities.car_numbers),
    }


def _load_articles(
    conn: Connection,
    candidates: dict[str, _Candidate],
    stats: LoadStats,
    now: datetime,
) -> None:
    if not candidates:
        return
    hashes = [candidate.digest for candidate in candidates.values()]
    existing = conn.execute(
        select(
            ArticleRow.id,
            ArticleRow.url,
            ArticleRow.content_hash,
            ArticleRow.title,
            ArticleRow.text,
            ArticleRow.last_changed_at,
        ).where(or_(ArticleRow.url.in_(list(candidates)), ArticleRow.content_hash.in_(hashes)))
    ).all()
    by_url = {row.url: row for row in existing}
    id_of_hash = {row.content_hash: row.id for row in existing}

    new: list[_Candidate] = []
    inserts: list[dict[str, object]] = []  # new[i]'s row
    changed: list[tuple[int, _Candidate]] = []  # (article id, its new text)
    updates: list[dict[str, object]] = []
    old_versions: list[dict[str, object]] = []
    aliases: list[tuple[str, int]] = []  # (url, article id) for rows that already have an id
    for url, candidate in candidates.items():
        digest, seen_as = candidate.digest, candidate.seen_as
        known = by_url.get(url)
        owner = id_of_hash.get(digest)
        if known is not None and known.content_hash == digest:
            stats.unchanged += 1
            aliases += [(u, known.id) for u in seen_as]
        elif owner is not None and (known is None or owner != known.id):
            stats.duplicates += 1
            aliases += [(u, owner) for u in seen_as if u not in by_url]
        elif known is not None:
            values = article_values(candidate.record, candidate.identity)
            values.update(last_changed_at=now, article_id=known.id)
            updates.append(values)
            changed.append((known.id, candidate))
            old_versions.append(
                {
                    "article_id": known.id,
                    "title": known.title,
                    "text": known.text,
                    "content_hash": known.content_hash,
                    "valid_from": known.last_changed_at,
                    "valid_until": now,
                }
            )
            aliases += [(u, known.id) for u in seen_as]
            stats.updated += 1
        else:
            new.append(candidate)
            inserts.append(article_values(candidate.record, candidate.identity))
            stats.new += 1
    signatures: list[tuple[int, Signature]] = []
    if inserts:
        new_sigs = [candidate.identity.signature for candidate in new]
        matches = find_near_duplicates(conn, list(enumerate(new_sigs)))
        published = _published_dates(conn, [m.article_id for m in matches.values()])
        superseded: dict[int, int] = {}  # stored copy id -> position of its newly found original
        for position, match in matches.items():
            if match.article_id is None:
                continue
            if _is_older(inserts[position].get("published_at"), published.get(match.article_id)):
                # The copy was crawled first: the older text is the original story.
                superseded[match.article_id] = position
            else:
                inserts[position]["duplicate_of"] = match.article_id
        new_ids = _insert_articles(conn, inserts)
        for copy_id, position in superseded.items():
            conn.execute(
                update(ArticleRow)
                .where(or_(ArticleRow.id == copy_id, ArticleRow.duplicate_of == copy_id))
                .values(duplicate_of=new_ids[position])
            )
        # A copy of an article earlier in this batch points at the id that article just got.
        in_batch = []
        for position, match in matches.items():
            if match.article_id is not None or match.earlier is None:
                continue
            copy, original = position, match.earlier
            if _is_older(inserts[copy].get("published_at"), inserts[original].get("published_at")):
                copy, original = original, copy  # batch order is not publication order
            in_batch.append({"article_id": new_ids[copy], "original": new_ids[original]})
        if in_batch:
            conn.execute(
                update(ArticleRow)
                .where(ArticleRow.id == bindparam("article_id"))
                .values(duplicate_of=bindparam("original"))
                .execution_options(synchronize_session=False),
                in_batch,
            )
        stats.near_duplicates += len(matches)
        signatures += zip(new_ids, new_sigs, strict=True)
        for candidate, article_id in zip(new, new_ids, strict=True):
            aliases += [(u, article_id) for u in candidate.seen_as]
    signatures += [(article_id, candidate.identity.signature) for article_id, candidate in changed]
    if signatures:
        add_signatures(conn, signatures)
    if old_versions:
        _keep_versions(conn, old_versions)
    if updates:
        conn.execute(
            update(ArticleRow)
            .where(ArticleRow.id == bindparam("article_id"))
            .execution_options(synchronize_session=False),
            updates,
        )
    if aliases:
        urls, owners = zip(*sorted(dict(aliases).items()), strict=True)
        conn.execute(_ADD_ALIASES, {"urls": list(urls), "ids": int_array(owners)})


# Every URL a story was seen under, in one statement (a row per URL cost a round of
# parameter handling each).
_ADD_ALIASES = text(
    "INSERT INTO article_urls (url, article_id) "
    "SELECT * FROM unnest(CAST(:urls AS text[]), CAST(:ids AS bigint[])) "
    "ON CONFLICT (url) DO NOTHING"
)


ARTICLE_COLUMNS = (
    "site",
    "url",
    "raw_page_id",
    "kind",
    "title",
    "author",
    "published_at",
    "modified_at",
    "language",
    "image",
    "tags",
    "text",
    "content_hash",
    "place",
    "series",
    "classes",
    "manufacturers",
    "car_numbers",
    "duplicate_of",
)
_STAGE_TABLE = "pitboard_article_stage"
# The stage takes the articles table's own column types; it lives for one transaction.
_CREATE_STAGE = text(
    f"CREATE TEMP TABLE {_STAGE_TABLE} ON COMMIT DROP AS "
    f"SELECT 0 AS position, {', '.join(ARTICLE_COLUMNS)} FROM articles WITH NO DATA"
)
_MOVE_STAGE = text(
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) "
    f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM {_STAGE_TABLE} ORDER BY position "
    "RETURNING url, id"
)


def _insert_articles(conn: Connection, rows: list[dict[str, object]]) -> list[int]:
    """Insert new article rows and return their ids, in the order of ``rows``.

    The rows travel by COPY into a temporary table, then move with one INSERT ... SELECT:
    a multi-row INSERT made psycopg2 quote and the server parse every value (0.3 s per
    5,000 articles more than COPY, measured with bench/load.py).
    """
    conn.execute(_CREATE_STAGE)
    copy_into(
        conn,
        _STAGE_TABLE,
        ("position", *ARTICLE_COLUMNS),
        ((position, *(row.get(c) for c in ARTICLE_COLUMNS)) for position, row in enumerate(rows)),
    )
    id_of_url = dict(conn.execute(_MOVE_STAGE).tuples().all())
    conn.execute(text(f"DROP TABLE {_STAGE_TABLE}"))  # a second batch in this transaction
    return [id_of_url[str(row["url"])] for row in rows]


def _published_dates(conn: Connection, ids: list[int | None]) -> dict[int, datetime | None]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = conn.execute(
        select(ArticleRow.id, ArticleRow.published_at).where(ArticleRow.id.in_(wanted))
    )
    return dict(rows.tuples().all())


def _is_older(candidate: object, stored: datetime | None) -> bool:
    """True when ``candidate`` was published strictly before ``stored`` (both known)."""
    if not isinstance(candidate, datetime) or stored is None:
        return False
    try:
        return candidate < stored
    except TypeError:  # one naive, one aware: no safe order
        return False


def _keep_versions(conn: Connection, old_versions: list[dict[str, object]]) -> None:
    """Store the texts being replaced, numbered after the article's earlier versions."""
    ids = [v["article_id"] for v in old_versions]
    last = dict(
        conn.execute(
            select(ArticleVersionRow.article_id, func.max(ArticleVersionRow.version))
            .where(ArticleVersionRow.article_id.in_(ids))
            .group_by(ArticleVersionRow.article_id)
        ).all()
    )
    for values in old_versions:
        values["version"] = (last.get(values["article_id"]) or 0) + 1
    conn.execute(insert(ArticleVersionRow), old_versions)


def _load_teasers(conn: Connection, records: list[CleanedRecord]) -> None:
    """Keep what listings say about the pages they link to (titles and excerpts as hints)."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for record in records:
        if record.page.kind != "listing":
            continue
        listing_url = normalize_url(record.final_url)
        for teaser in record.page.teasers:
            target = normalize_url(teaser.url)
            rows[(listing_url, target)] = {
                "site": record.site,
                "listing_url": listing_url,
                "target_url": target,
                "title": teaser.title,
                "excerpt": teaser.excerpt,
            }
    if not rows:
        return
    stmt = insert(ListingTeaserRow)
    conn.execute(
        stmt.on_conflict_do_update(
            constraint="uq_listing_teasers_listing_url",
            set_={
                "title": stmt.excluded.title,
                "excerpt": stmt.excluded.excerpt,
                "seen_at": func.now(),
            },
        ),
        list(rows.values()),
    )


def count_rows(engine: Engine, model: type[ArticleRow] | type[RawPageRow]) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model)) or 0
