"""Forgetting what cleaning wrote, so the same stored pages can be cleaned again from empty.

Benchmarks and tests that compare cleaning runs over the same raw pages start each run here;
the raw pages stay, their "cleaned" marks are reset. Not for production data: a re-clean of a
live database is ``pitboard reclean``, which updates articles in place.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from etl.store.models import (
    ArticleRow,
    ArticleUrlRow,
    ArticleVersionRow,
    ListingTeaserRow,
    NearDupBandRow,
    NearDupSignatureRow,
    RawPageRow,
)

#: Every table the cleaning stage writes (raw_pages only gets its marks).
CLEANING_TABLES: tuple[str, ...] = tuple(
    model.__tablename__
    for model in (
        ArticleRow,
        ArticleUrlRow,
        ArticleVersionRow,
        ListingTeaserRow,
        NearDupSignatureRow,
        NearDupBandRow,
    )
)


def forget_cleaning(conn: Connection) -> None:
    """Empty the cleaning stage's tables and mark every raw page as not yet cleaned."""
    conn.exec_driver_sql(f"TRUNCATE {', '.join(CLEANING_TABLES)} RESTART IDENTITY CASCADE")
    conn.execute(update(RawPageRow).values(cleaned_at=None, page_kind=None))
