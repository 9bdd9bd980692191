"""The ``listing_teasers`` table: what listings say about the pages they link to.

A listing's teaser (its title and excerpt of a story) is a hint about that story before it is
fetched, or a second witness of its title afterwards. Written inside the caller's transaction,
idempotently: a listing cleaned again updates its teasers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from etl.clean.records import Teaser
from etl.dedup.urls import normalize_url
from etl.store.models import ListingTeaserRow


def save_teasers(conn: Connection, listings: Iterable[tuple[str, str, Sequence[Teaser]]]) -> int:
    """Keep what listings say about the pages they link to (titles and excerpts as hints).

    ``listings``: ``(site, listing URL as fetched, its teasers)`` for each listing page.
    Returns how many teasers were dropped because their link (or the listing's URL) cannot be
    parsed: one hostile link loses its teaser, never the batch.
    """
    rows: dict[tuple[str, str], dict[str, object]] = {}
    dropped = 0
    for site, url, teasers in listings:
        listing_url = normalize_url(url)
        for teaser in teasers:
            target = normalize_url(teaser.url)
            if listing_url is None or target is None:
                dropped += 1
                continue
            rows[(listing_url, target)] = {
                "site": site,
                "listing_url": listing_url,
                "target_url": target,
                "title": teaser.title,
                "excerpt": teaser.excerpt,
                "image": teaser.image,
            }
    if not rows:
        return dropped
    stmt = insert(ListingTeaserRow)
    conn.execute(
        stmt.on_conflict_do_update(
            constraint="uq_listing_teasers_listing_url",
            set_={
                "title": stmt.excluded.title,
                "excerpt": stmt.excluded.excerpt,
                "image": stmt.excluded.image,
                "seen_at": func.now(),
            },
        ),
        list(rows.values()),
    )
    return dropped
