"""The database schema, as SQLAlchemy 2.0 typed models.

The schema is only ever changed through Alembic revisions (etl/store/migrations/versions); these
models describe the head revision and are what the loaders write with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic revisions can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Comments of the columns revision 0008 documented (the others are written beside each column).
COMMENTS = {
    "raw_pages.id": "Row id (articles.raw_page_id points here).",
    "articles.id": "Article id, as `pitboard show ID` takes it.",
    "articles.raw_page_id": "The raw page the current text was cleaned from (NULL once deleted).",
    "articles.image": "The article's main image URL (og:image, JSON-LD), if any.",
    "article_versions.id": "Row id.",
    "listing_teasers.id": "Row id.",
    "crawl_runs.id": "Run id.",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RawPageRow(Base):
    """A page exactly as fetched. One row per site and requested URL; a re-fetch updates it.

    The site is part of the key: a URL two site descriptions both crawl is stored under each,
    so that each site's cleaning finds its own pages."""

    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment=COMMENTS["raw_pages.id"])
    site: Mapped[str] = mapped_column(String(64), comment="The site name (see `pitboard sites`).")
    url: Mapped[str] = mapped_column(Text, comment="The URL requested.")
    final_url: Mapped[str] = mapped_column(Text, comment="The URL answered, after redirects.")
    status: Mapped[int] = mapped_column(SmallInteger, comment="The HTTP status code.")
    headers: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, comment="The response headers, as received."
    )
    body: Mapped[bytes] = mapped_column(LargeBinary, comment="The response body, as received.")
    body_sha256: Mapped[str] = mapped_column(
        String(64), comment="SHA-256 of the body: a re-fetch with the same one changes nothing."
    )
    first_fetched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When the URL was first fetched."
    )
    fetched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When the URL was last fetched (or answered 304)."
    )
    # NULL means "fetched content not cleaned yet": set by the cleaner, reset on a change.
    cleaned_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="When this body was cleaned; NULL: waiting for cleaning."
    )
    page_kind: Mapped[str | None] = mapped_column(
        String(16), comment="What cleaning found: article, listing, gallery or other."
    )

    __table_args__ = (
        UniqueConstraint("site", "url", name="uq_raw_pages_site_url"),
        Index("ix_raw_pages_site_uncleaned", "site", postgresql_where=cleaned_at.is_(None)),
        {
            "comment": (
                "Pages exactly as fetched, one row per site and requested URL "
                "(re-fetches update it)."
            )
        },
    )


class ArticleRow(Base):
    """A cleaned article or gallery: one row per story URL and per distinct text."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment=COMMENTS["articles.id"])
    site: Mapped[str] = mapped_column(
        String(64), index=True, comment="The site name (see `pitboard sites`)."
    )
    url: Mapped[str] = mapped_column(
        Text, unique=True, comment="The story's normalised URL, unique."
    )
    raw_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_pages.id", ondelete="SET NULL"), comment=COMMENTS["articles.raw_page_id"]
    )
    kind: Mapped[str] = mapped_column(
        String(16), comment="article or gallery (a gallery's text is its captions)."
    )
    title: Mapped[str | None] = mapped_column(Text, comment="The headline.")
    author: Mapped[str | None] = mapped_column(
        Text, comment="The byline, or the initials of a dateline."
    )
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        index=True,
        comment="Publication time (with time zone) read from the page.",
    )
    modified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Last update time announced by the page."
    )
    language: Mapped[str | None] = mapped_column(
        String(8), comment="ISO 639-1 language of the text: fr or en."
    )
    image: Mapped[str | None] = mapped_column(Text, comment=COMMENTS["articles.image"])
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, comment="Tags or keywords given by the site."
    )
    text: Mapped[str] = mapped_column(
        Text, comment="The cleaned body text, paragraphs separated by blank lines."
    )
    content_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Hash of the normalised text: exact duplicates share it."
    )
    place: Mapped[str | None] = mapped_column(
        Text, comment="Place read from a dateline such as 'G.N., Le Mans -'."
    )
    credit: Mapped[str | None] = mapped_column(
        Text,
        comment="The photo credit or copyright line read from the page, taken out of the text.",
    )
    series: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        default=list,
        server_default="{}",
        comment="Canonical series names found in the text (e.g. WEC, Le Mans 24 Hours).",
    )
    classes: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        default=list,
        server_default="{}",
        comment="Canonical class names found in the text (e.g. Hypercar, LMP2).",
    )
    manufacturers: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        default=list,
        server_default="{}",
        comment="Canonical manufacturer names found in the text.",
    )
    car_numbers: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        default=list,
        server_default="{}",
        comment="Car numbers found in the text, bare digits ('8', '17').",
    )
    # Set when this row is a near-duplicate (a republished copy) of an earlier story.
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"),
        index=True,
        comment="The original story when this row is a republished copy.",
    )
    first_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        comment="When Pitboard first stored this story.",
    )
    last_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        comment="When its text last changed (earlier texts: article_versions).",
    )
    # Full-text search document (revision 0004): accent-folded title (A) and text (B),
    # stemmed in French or English by the article's language; written by PostgreSQL.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector(CASE WHEN language = 'fr' THEN 'french'::regconfig"
            " ELSE 'english'::regconfig END, pitboard_fold(coalesce(title, ''))), 'A')"
            " || setweight(to_tsvector(CASE WHEN language = 'fr' THEN 'french'::regconfig"
            " ELSE 'english'::regconfig END, pitboard_fold(text)), 'B')",
            persisted=True,
        ),
        deferred=True,
        comment="Full-text search document: accent-folded title (weight A) and text (weight B), "
        "French or English stemming by language.",
    )

    __table_args__ = (
        CheckConstraint("kind IN ('article', 'gallery')", name="kind"),
        Index("ix_articles_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_articles_series", "series", postgresql_using="gin"),
        Index("ix_articles_classes", "classes", postgresql_using="gin"),
        Index("ix_articles_manufacturers", "manufacturers", postgresql_using="gin"),
        Index("ix_articles_car_numbers", "car_numbers", postgresql_using="gin"),
        {"comment": "Cleaned stories (articles and galleries): one row per story URL and text."},
    )


class ArticleUrlRow(Base):
    """Every URL under which a story was seen (tracking, AMP, print, republished copies)."""

    __tablename__ = "article_urls"
    __table_args__ = ({"comment": "Every normalised URL under which a story was seen."},)

    url: Mapped[str] = mapped_column(Text, primary_key=True, comment="A normalised URL.")
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"),
        index=True,
        comment="The story (articles.id) this URL shows.",
    )
    first_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When the URL was first seen."
    )


class ArticleVersionRow(Base):
    """An earlier text of an article, kept when the article changed."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment=COMMENTS["article_versions.id"]
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"),
        index=True,
        comment="The article (articles.id) whose earlier text this is.",
    )
    version: Mapped[int] = mapped_column(SmallInteger, comment="1 for the first text, then 2...")
    title: Mapped[str | None] = mapped_column(Text, comment="The headline the text had.")
    text: Mapped[str] = mapped_column(Text, comment="The earlier cleaned text.")
    content_hash: Mapped[str] = mapped_column(String(64), comment="Hash of the normalised text.")
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When Pitboard first stored this text."
    )
    valid_until: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When a changed text replaced it."
    )

    __table_args__ = (
        UniqueConstraint("article_id", "version"),
        {"comment": "Earlier texts of articles, kept when an article's text changed."},
    )


class ListingTeaserRow(Base):
    """A teaser seen on a listing page: a hint about another page's title and excerpt."""

    __tablename__ = "listing_teasers"

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment=COMMENTS["listing_teasers.id"]
    )
    site: Mapped[str] = mapped_column(String(64), comment="The site of the listing page.")
    listing_url: Mapped[str] = mapped_column(
        Text, comment="The normalised URL of the listing (index, tag, category) page."
    )
    target_url: Mapped[str] = mapped_column(
        Text, index=True, comment="The normalised URL the teaser links to (see article_urls)."
    )
    title: Mapped[str] = mapped_column(Text, comment="The teaser's title, possibly cut short.")
    excerpt: Mapped[str] = mapped_column(
        Text, default="", comment="The teaser's excerpt, possibly cut off with an ellipsis."
    )
    image: Mapped[str | None] = mapped_column(
        Text, comment="The absolute URL of the image the teaser shows, if any."
    )
    seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When last seen."
    )

    __table_args__ = (
        UniqueConstraint("listing_url", "target_url"),
        {"comment": "Teasers of listing pages: hints about the pages they link to."},
    )


class CrawlRunRow(Base):
    """One crawl-and-clean run of one site, with what it found (for ``pitboard stats``)."""

    __tablename__ = "crawl_runs"
    __table_args__ = ({"comment": "One crawl-and-clean run of one site and what it found."},)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment=COMMENTS["crawl_runs.id"])
    site: Mapped[str] = mapped_column(String(64), index=True, comment="The site crawled.")
    flow_run_id: Mapped[str | None] = mapped_column(
        String(64), comment="The Prefect flow run, when the run came from a flow."
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), comment="Start time.")
    finished_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="End time; NULL while running."
    )
    status: Mapped[str] = mapped_column(
        String(16),
        comment="running, completed, failed, or interrupted (stopped by a signal, or its "
        "process died: marked by the site's next run).",
    )
    fetched: Mapped[int] = mapped_column(BigInteger, default=0, comment="Pages fetched.")
    cleaned: Mapped[int] = mapped_column(BigInteger, default=0, comment="Pages cleaned.")
    new: Mapped[int] = mapped_column(BigInteger, default=0, comment="Stories stored.")
    updated: Mapped[int] = mapped_column(
        BigInteger, default=0, comment="Stories whose text changed (earlier text kept)."
    )
    duplicates: Mapped[int] = mapped_column(
        BigInteger, default=0, comment="Exact and near duplicates found."
    )
    failed: Mapped[int] = mapped_column(BigInteger, default=0, comment="Pages that failed.")
    error: Mapped[str | None] = mapped_column(Text, comment="Why a failed run failed.")


class SiteLeaseRow(Base):
    """Who holds a site's crawl lock, until when (etl.store.locks).

    A row in a table, not a lock on a connection: it survives a database restart, and a holder
    whose connection dropped takes it again. The holder renews it while it runs; a holder that
    died stops renewing, and the lease is free once it expires.
    """

    __tablename__ = "site_leases"
    __table_args__ = ({"comment": "The run holding each site's crawl lock, and until when."},)

    site: Mapped[str] = mapped_column(String(64), primary_key=True, comment="The site locked.")
    holder: Mapped[str] = mapped_column(
        Text, comment="The run holding it: host, process id and a random tag."
    )
    acquired_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When the holder took it."
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When it frees unless renewed (database clock)."
    )


class FetchFailureRow(Base):
    """A page the crawl could not fetch or store, with why (etl.store.fetch_failures).

    One per URL, updated at each failure and deleted once the page is stored.
    """

    __tablename__ = "fetch_failures"
    __table_args__ = ({"comment": "Pages the crawl could not fetch or store, and why."},)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment="Row id.")
    site: Mapped[str] = mapped_column(String(64), index=True, comment="The site crawled.")
    url: Mapped[str] = mapped_column(Text, unique=True, comment="The URL requested.")
    reason: Mapped[str] = mapped_column(
        String(32),
        comment="too_large, timed_out, redirect_loop, offsite_redirect, invalid_redirect, "
        "decompression_limit, dns, connection_refused, connection_lost, http_error, not_stored "
        "or download_error.",
    )
    detail: Mapped[str] = mapped_column(Text, comment="The error as the crawler saw it.")
    status: Mapped[int | None] = mapped_column(
        SmallInteger, comment="The HTTP status, for http_error."
    )
    first_failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="When this URL first failed."
    )
    last_failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, comment="When it last failed."
    )
    attempts: Mapped[int] = mapped_column(
        BigInteger, default=1, comment="How many times it failed."
    )


class NearDupSignatureRow(Base):
    """The MinHash signature of a stored article's text (etl.dedup.neardup), for near-duplicate
    checks.

    One per article; replaced when the article's text changes, gone with the article.
    """

    __tablename__ = "near_dup_signatures"
    __table_args__ = ({"comment": "MinHash signature of each stored text (near-duplicate index)."},)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, comment="The article."
    )
    # etl.dedup.neardup.NUM_PERM little-endian uint32 values.
    signature: Mapped[bytes] = mapped_column(
        LargeBinary, comment="128 little-endian uint32 MinHash values of the text's shingles."
    )


class NearDupBandRow(Base):
    """One LSH band key of an article's signature: articles sharing a key are candidates.

    The key mixes in the band number, so the primary key (key, article_id) serves every band
    and its lookups are index-only scans, oldest articles first. No foreign key: its check per
    row doubled the cost of indexing an article, and rows left by a deleted article are
    ignored (lookups join ``near_dup_signatures``, which does cascade).
    """

    __tablename__ = "near_dup_bands"
    __table_args__ = ({"comment": "LSH band keys of signatures: texts sharing one are compared."},)

    key: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Hash of one band of a signature."
    )
    article_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="The article whose signature has this band."
    )
