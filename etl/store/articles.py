"""The ``articles`` table and its companions ``article_urls`` and ``article_versions``: the
article loader, and the few reads of articles that are not searches (``etl.store.search``).

A load is a batch of cleaned pages written inside the caller's transaction, so a batch is
stored whole or not at all, and writing the same batch twice changes nothing (articles are keyed
by their normalised URL and by the hash of their text). What becomes of each story - new, a new
version, unchanged, a copy - is decided by the pure functions of :mod:`etl.dedup.decide`; this
module reads what they need and writes what they decided, a few statements per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from etl.clean.records import CleanedPage
from etl.dedup.decide import StoredStory, plan_copies, plan_stories, seen_as, unique_in_batch
from etl.dedup.identity import StoryIdentity, identify
from etl.dedup.neardup import Signature
from etl.dedup.neardup_index import add_signatures, find_near_duplicates
from etl.store.models import ArticleRow, ArticleVersionRow
from etl.store.pg_arrays import int_array
from etl.store.pg_copy import copy_into
from etl.store.raw_pages import mark_cleaned
from etl.store.teasers import save_teasers

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
    invalid_urls: int = 0  # teaser links that cannot be parsed: dropped (etl.dedup.urls)

    def add(self, other: LoadStats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


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


def load_cleaned(conn: Connection, records: Iterable[CleanedRecord]) -> LoadStats:
    """Store a batch of cleaned pages and mark their raw pages cleaned, in the caller's
    transaction (which should hold nothing else: the load takes the article lock until it
    ends).

    Articles and galleries become rows; listings and other pages only get their kind noted
    on the raw page. A text already stored under another URL is an exact duplicate and is not
    stored again; a known URL whose text changed is updated.
    """
    records = list(records)
    stats = LoadStats()
    now = datetime.now(UTC)
    stories = [
        (record, record.identity or identify(record.page, record.final_url))
        for record in records
        if _is_story(record.page)
    ]
    stats.not_articles = len(records) - len(stories)
    conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ARTICLE_LOAD_LOCK_ID})
    # The batch statements are cheap but their row estimates are large: with JIT on,
    # PostgreSQL compiled the near-duplicate probe for 170 ms to run it in 40.
    conn.execute(text("SET LOCAL jit = off"))
    _load_articles(conn, stories, stats, now)
    stats.invalid_urls += save_teasers(
        conn,
        [(r.site, r.final_url, r.page.teasers) for r in records if r.page.kind == "listing"],
    )
    mark_cleaned(conn, [(record.raw_page_id, record.page.kind) for record in records], now)
    return stats


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
        "credit": info.credit,
        "series": list(page.entities.series),
        "classes": list(page.entities.classes),
        "manufacturers": list(page.entities.manufacturers),
        "car_numbers": list(page.entities.car_numbers),
    }


def _stored_stories(conn: Connection, identities: list[StoryIdentity]) -> list[StoredStory]:
    """The stored articles under the stories' URLs or with their texts."""
    urls = [identity.url for identity in identities]
    hashes = [identity.content_hash for identity in identities]
    rows = conn.execute(
        select(
            ArticleRow.id,
            ArticleRow.url,
            ArticleRow.content_hash,
            ArticleRow.title,
            ArticleRow.text,
            ArticleRow.last_changed_at,
        ).where(or_(ArticleRow.url.in_(urls), ArticleRow.content_hash.in_(hashes)))
    )
    return [StoredStory(*row) for row in rows]


def _load_articles(
    conn: Connection,
    stories: list[tuple[CleanedRecord, StoryIdentity]],
    stats: LoadStats,
    now: datetime,
) -> None:
    """Write what :func:`etl.dedup.decide.plan_stories` decides for ``stories``."""
    if not stories:
        return
    identities = [identity for _, identity in stories]
    kept, _ = unique_in_batch(identities)
    plan = plan_stories(identities, _stored_stories(conn, [identities[i] for i in kept]))
    stats.duplicates += plan.repeated_in_batch + len(plan.of("duplicate"))
    stats.unchanged += len(plan.of("unchanged"))
    aliases = list(plan.aliases)  # (url, article id)
    updates: list[dict[str, object]] = []
    old_versions: list[dict[str, object]] = []
    signatures: list[tuple[int, Signature]] = []
    for decision in plan.of("update"):
        record, identity = stories[decision.position]
        known = decision.previous
        assert known is not None
        values = article_values(record, identity)
        values.update(last_changed_at=now, article_id=known.id)
        updates.append(values)
        signatures.append((known.id, identity.signature))
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
    stats.updated += len(updates)
    new = [stories[decision.position] for decision in plan.of("new")]
    stats.new += len(new)
    if new:
        new_ids = _insert_new(conn, new, stats)
        # Copies get signatures too: a later copy may match them.
        signatures = [
            *((i, identity.signature) for i, (_, identity) in zip(new_ids, new, strict=True)),
            *signatures,
        ]
        for (_, identity), article_id in zip(new, new_ids, strict=True):
            aliases += [(u, article_id) for u in seen_as(identity)]
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


def _insert_new(
    conn: Connection, new: list[tuple[CleanedRecord, StoryIdentity]], stats: LoadStats
) -> list[int]:
    """Insert new stories, each near-duplicate linked to its original (the earlier
    publication, per :func:`etl.dedup.decide.plan_copies`); return their ids in order."""
    inserts = [article_values(record, identity) for record, identity in new]
    matches = find_near_duplicates(
        conn, [(i, identity.signature) for i, (_, identity) in enumerate(new)]
    )
    copies = plan_copies(
        {position: (m.article_id, m.earlier) for position, m in matches.items()},
        {position: row.get("published_at") for position, row in enumerate(inserts)},
        _published_dates(conn, [m.article_id for m in matches.values()]),
    )
    for position, original in copies.duplicate_of.items():
        inserts[position]["duplicate_of"] = original
    new_ids = _insert_articles(conn, inserts)
    for copy_id, position in copies.superseded.items():
        # The copy was crawled first: the newly stored older text is the original story.
        conn.execute(
            update(ArticleRow)
            .where(or_(ArticleRow.id == copy_id, ArticleRow.duplicate_of == copy_id))
            .values(duplicate_of=new_ids[position])
        )
    # A copy of an article earlier in this batch points at the id that article just got.
    in_batch = [
        {"article_id": new_ids[copy], "original": new_ids[original]}
        for copy, original in copies.in_batch
    ]
    if in_batch:
        conn.execute(
            update(ArticleRow)
            .where(ArticleRow.id == bindparam("article_id"))
            .values(duplicate_of=bindparam("original"))
            .execution_options(synchronize_session=False),
            in_batch,
        )
    stats.near_duplicates += len(matches)
    return new_ids


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
    "credit",
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


def count_by_site_and_kind(conn: Connection) -> list[tuple[str, str, int]]:
    """``(site, kind, articles)`` for every site and kind stored, in that order."""
    rows = conn.execute(
        select(ArticleRow.site, ArticleRow.kind, func.count())
        .group_by(ArticleRow.site, ArticleRow.kind)
        .order_by(ArticleRow.site, ArticleRow.kind)
    )
    return [(site, kind, int(count)) for site, kind, count in rows]


def latest_titles(conn: Connection, limit: int) -> list[tuple[str, str | None]]:
    """``(site, title)`` of the ``limit`` most recently published articles (galleries left
    out)."""
    rows = conn.execute(
        select(ArticleRow.site, ArticleRow.title)
        .where(ArticleRow.kind == "article")
        .order_by(ArticleRow.published_at.desc().nulls_last())
        .limit(limit)
    )
    return [(site, title) for site, title in rows]
