"""The database schema, as SQLAlchemy 2.0 typed models.

The schema is only ever changed through Alembic revisions (etl/migrations/versions); these
models describe the head revision and are what the loaders write with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic revisions can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RawPageRow(Base):
    """A page exactly as fetched. One row per requested URL; a re-fetch updates it."""

    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text, unique=True)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    first_fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # NULL means "fetched content not cleaned yet": set by the cleaner, reset on a change.
    cleaned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    page_kind: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_raw_pages_site_uncleaned", "site", postgresql_where=cleaned_at.is_(None)),
    )


class ArticleRow(Base):
    """A cleaned article or gallery: one row per story URL and per distinct text."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_pages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    modified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(8))
    image: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    place: Mapped[str | None] = mapped_column(Text)
    series: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    classes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    manufacturers: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    car_numbers: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    # Set when this row is a near-duplicate (a republished copy) of an earlier story.
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("kind IN ('article', 'gallery')", name="kind"),
        Index("ix_articles_series", "series", postgresql_using="gin"),
        Index("ix_articles_classes", "classes", postgresql_using="gin"),
        Index("ix_articles_manufacturers", "manufacturers", postgresql_using="gin"),
        Index("ix_articles_car_numbers", "car_numbers", postgresql_using="gin"),
    )


class ArticleUrlRow(Base):
    """Every URL under which a story was seen (tracking, AMP, print, republished copies)."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ArticleVersionRow(Base):
    """An earlier text of an article, kept when the article changed."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("article_id", "version"),)


class ListingTeaserRow(Base):
    """A teaser seen on a listing page: a hint about another page's title and excerpt."""

    __tablename__ = "listing_teasers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    listing_url: Mapped[str] = mapped_column(Text)
    target_url: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("listing_url", "target_url"),)


class CrawlRunRow(Base):
    """One crawl-and-clean run of one site, with what it found (for ``pitboard stats``)."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    fetched: Mapped[int] = mapped_column(BigInteger, default=0)
    cleaned: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class NearDupSignatureRow(Base):
    """The MinHash signature of a stored article's text (etl.neardup), for near-duplicate checks.

    One per article; replaced when the article's text changes, gone with the article.
    """

    __tablename__ = "near_dup_signatures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    # etl.neardup.NUM_PERM little-endian uint32 values.
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class NearDupBandRow(Base):
    """One LSH band key of an article's signature: articles sharing a key are candidates.

    The key mixes in the band number, so the primary key (key, article_id) serves every band
    and its lookups are index-only scans, oldest articles first. No foreign key: its check per
    row doubled the cost of indexing an article, and rows left by a deleted article are
    ignored (lookups join ``near_dup_signatures``, which does cascade).
    """

    __tablename__ = "near_dup_bands"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
