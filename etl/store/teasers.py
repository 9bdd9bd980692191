"""The ``listing_teasers`` table: what listings say about the pages they link to.

A listing's teaser (its title and excerpt of a story) is a hint about that story before it is
fetched, or a second witness of its title afterwards. Written inside the caller's transaction,
idempotently: a listing cleaned again updates its teasers.

The rows travel by COPY into a temporary table and move with one ``INSERT ... SELECT ... ON
CONFLICT``, as the loader's articles do: a multi-row INSERT made psycopg2 quote and the server
parse every value, and teasers are the most numerous rows a load writes (about 20 per listing:
19,824 for the two 2,000-article sample sites, where their INSERTs took 1.06 s of the loads'
4.0 s of statements, against 0.32 s by COPY).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.clean.records import Teaser
from etl.dedup.urls import normalize_url
from etl.store.pg_copy import copy_into

TEASER_COLUMNS = ("site", "listing_url", "target_url", "title", "excerpt", "image")
_STAGE_TABLE = "pitboard_teaser_stage"
_COLUMNS = ", ".join(TEASER_COLUMNS)
# The stage takes the table's own column types; it lives for one transaction.
_CREATE_STAGE = text(
    f"CREATE TEMP TABLE {_STAGE_TABLE} ON COMMIT DROP AS "
    f"SELECT 0 AS position, {_COLUMNS} FROM listing_teasers WITH NO DATA"
)
# In the order of the rows, so ids are given as the multi-row INSERT gave them.
_MOVE_STAGE = text(
    f"INSERT INTO listing_teasers ({_COLUMNS}) "
    f"SELECT {_COLUMNS} FROM {_STAGE_TABLE} ORDER BY position "
    "ON CONFLICT ON CONSTRAINT uq_listing_teasers_listing_url DO UPDATE SET "
    "title = EXCLUDED.title, excerpt = EXCLUDED.excerpt, image = EXCLUDED.image, seen_at = now()"
)


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
    conn.execute(_CREATE_STAGE)
    copy_into(
        conn,
        _STAGE_TABLE,
        ("position", *TEASER_COLUMNS),
        (
            (position, *(row[c] for c in TEASER_COLUMNS))
            for position, row in enumerate(rows.values())
        ),
    )
    conn.execute(_MOVE_STAGE)
    conn.execute(text(f"DROP TABLE {_STAGE_TABLE}"))  # a second load in this transaction
    return dropped
