"""Loading cleaned articles: Pitboard's loader against a plain PostgreSQL ``COPY``.

``--rows`` distinct articles (default 100k) are built from the sample-site generator's texts:
each takes five paragraphs drawn from the whole pool of sample articles plus one sentence of its
own, so every content hash differs and no two articles are near-duplicates (the loader's
MinHash index links nothing, as with distinct stories). Their raw pages are stored first, and
each record gets the identity the cleaning workers give it (normalised URL, content hash,
MinHash signature: ``etl.store.articles.with_identity``), both timed apart and printed.
Then, in the same run and the same scratch database:

- ``COPY`` (``etl.store.pg_copy.copy_into``, the loader's own COPY writer; serialising the rows is
  counted) of the same rows into a table made ``LIKE articles INCLUDING ALL``: the articles
  table's own columns, generated
  ``search_vector`` and indexes, without the loader's work. This is the baseline of the
  target (loader >= 0.5x), because the articles table's write cost is paid by any way of
  loading it; most of it is the full-text vector, see the next line.
- ``COPY`` of the same rows into a bare table with the article columns and no index, printed
  for reference: the gap between the two COPYs is what the searchable schema costs.
- ``load_cleaned`` (``etl.store.articles``) in batches of ``--batch`` (default 1000, the batch the
  cleaner loads, ``etl.clean_stored.LOAD_BATCH``; and 200, to show what smaller transactions
  cost): exact-duplicate checks, near-duplicate probe and indexing, article rows, URL aliases,
  raw pages marked cleaned, one transaction per batch.

Printed: rows per second of each and the ratios. ``--profile`` runs cProfile over one loader
pass and prints where its time goes. The scratch database is created on ``--database-url``,
migrated with ``etl.store.migrate.upgrade`` and dropped at the end.
Run: ``.venv/bin/python bench/load.py [--rows 5000] [--batch 1000,200] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean.records import CleanedPage, PageMetadata, RacingEntities, RawPage  # noqa: E402
from etl.dedup.identity import StoryIdentity  # noqa: E402
from etl.store.articles import (  # noqa: E402
    ARTICLE_COLUMNS,
    CleanedRecord,
    article_values,
    load_cleaned,
    with_identity,
)
from etl.store.models import RawPageRow  # noqa: E402
from etl.store.pg_copy import copy_into  # noqa: E402
from etl.store.raw_pages import save_raw_pages  # noqa: E402
from etl.store.scratch import scratch_database  # noqa: E402
from samplesite import build_sample_sites  # noqa: E402

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PARAGRAPHS_PER_ARTICLE = 5
LOADER_TABLES = "articles, article_urls, article_versions, near_dup_signatures, near_dup_bands"


def sample_pages(rows: int, seed: int) -> list[CleanedPage]:
    """``rows`` distinct cleaned articles made of sample-site paragraphs and metadata."""
    sites = build_sample_sites(articles=max(100, min(2000, rows // 2)), seed=seed)
    truths = [
        t
        for site in sites.values()
        for t in site.truth()
        if t.kind == "article" and t.status == 200 and t.republished_from is None
    ]
    pool = [p for t in truths for p in t.paragraphs if len(p.split()) >= 12]
    rng = random.Random(seed)
    pages = []
    for i in range(rows):
        t = truths[i % len(truths)]
        paragraphs = rng.sample(pool, PARAGRAPHS_PER_ARTICLE)
        paragraphs.append(f"Article {i} de la série de mesure, numéro {rng.getrandbits(48):x}.")
        pages.append(
            CleanedPage(
                url=f"http://{t.site}.test/bench/{i}",
                kind="article",
                metadata=PageMetadata(
                    title=f"{t.title} ({i})",
                    author=t.author,
                    published_at=t.published,
                    language=t.language,
                    tags=list(t.tags),
                ),
                text="\n\n".join(paragraphs),
                entities=RacingEntities(t.series, t.classes, t.manufacturers, t.car_numbers),
            )
        )
    return pages


def store_raw_pages(engine: Engine, pages: Sequence[CleanedPage]) -> list[CleanedRecord]:
    """Store one small raw page per article and return the records the loader takes."""
    now = datetime.now(UTC)
    for start in range(0, len(pages), 5000):
        chunk = pages[start : start + 5000]
        with engine.begin() as conn:
            save_raw_pages(
                conn, [RawPage("bench", p.url, p.url, 200, {}, b"<html/>", now) for p in chunk]
            )
    with engine.connect() as conn:
        ids = dict(conn.execute(select(RawPageRow.url, RawPageRow.id)).tuples().all())
    return [CleanedRecord(ids[p.url], "bench", p.url, p) for p in pages]


def reset_loader_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {LOADER_TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE raw_pages SET cleaned_at = NULL, page_kind = NULL"))
        conn.execute(text("ANALYZE raw_pages"))


def run_loader(engine: Engine, records: Sequence[CleanedRecord], batch: int) -> float:
    """Seconds to load every record through ``load_cleaned`` in batches of ``batch``."""
    reset_loader_tables(engine)
    started = time.perf_counter()
    new = 0
    for start in range(0, len(records), batch):
        with engine.begin() as conn:  # as the cleaning stage loads: a transaction per batch
            new += load_cleaned(conn, records[start : start + batch]).new
    seconds = time.perf_counter() - started
    assert new == len(records), f"the loader stored {new} of {len(records)} distinct articles"
    return seconds


BARE_TABLE = (
    "CREATE TABLE copy_target (site varchar(64), url text, raw_page_id bigint, "
    "kind varchar(16), title text, author text, published_at timestamptz, "
    "modified_at timestamptz, language varchar(8), image text, tags text[], text text, "
    "content_hash varchar(64), place text, credit text, series text[], classes text[], "
    "manufacturers text[], car_numbers text[], duplicate_of bigint)"
)
# The articles table's own write cost (generated columns, indexes), without the loader's work.
ARTICLES_LIKE_TABLE = "CREATE TABLE copy_target (LIKE articles INCLUDING ALL)"


def _identity(record: CleanedRecord) -> StoryIdentity:
    assert record.identity is not None, "records get their identity before any timing"
    return record.identity


def copy_rows(engine: Engine, records: Sequence[CleanedRecord], table: str = BARE_TABLE) -> float:
    """Seconds to COPY the article rows into ``table`` (rows serialised in the timing, with
    the loader's own COPY writer, ``etl.store.pg_copy``)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS copy_target"))
        conn.execute(text(table))
    started = time.perf_counter()
    rows = (
        tuple(values.get(column) for column in ARTICLE_COLUMNS)
        for values in (article_values(r, _identity(r)) for r in records)
    )
    with engine.begin() as conn:
        copy_into(conn, "copy_target", ARTICLE_COLUMNS, rows)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM copy_target")) == len(records)
    return seconds


def profile_loader(engine: Engine, records: Sequence[CleanedRecord], batch: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run_loader(engine, records, batch)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", default="1000,200", help="loader batch sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--profile", action="store_true", help="cProfile one loader pass")
    args = parser.parse_args()
    batches = [int(b) for b in args.batch.split(",")]

    started = time.perf_counter()
    pages = sample_pages(args.rows, args.seed)
    print(f"{len(pages)} distinct articles generated in {time.perf_counter() - started:.1f}s")
    with scratch_database(args.database_url, "pitboard_bench_load") as url:
        engine = create_engine(url)
        started = time.perf_counter()
        stored = store_raw_pages(engine, pages)
        print(f"raw pages stored (not counted below): {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        records = [with_identity(r) for r in stored]
        seconds = time.perf_counter() - started
        print(
            f"identities (URL, hash, MinHash) computed in {seconds:.1f}s, "
            f"{len(records) / seconds:,.0f} rows/s in one process (not counted below: the "
            "cleaning workers compute them, in parallel)"
        )
        like_seconds = copy_rows(engine, records, ARTICLES_LIKE_TABLE)
        copy_rate = len(records) / like_seconds
        print(f"{'COPY (articles-like table)':<28} {like_seconds:8.1f}s {copy_rate:10,.0f} rows/s")
        bare_seconds = copy_rows(engine, records)
        print(
            f"{'COPY (bare table)':<28} {bare_seconds:8.1f}s "
            f"{len(records) / bare_seconds:10,.0f} rows/s   the articles table's own write cost "
            f"(generated search_vector, its GIN index, other indexes) is "
            f"{like_seconds / bare_seconds:.1f}x this"
        )
        for batch in batches:
            seconds = run_loader(engine, records, batch)
            rate = len(records) / seconds
            print(
                f"{f'load_cleaned, batch {batch}':<28} {seconds:8.1f}s {rate:10,.0f} rows/s"
                f"   {rate / copy_rate:.2f}x COPY into the articles-like table (target >= 0.5x),"
                f" {bare_seconds / seconds:.2f}x COPY into the bare table"
            )
        if args.profile:
            profile_loader(engine, records, batches[0])
        engine.dispose()


if __name__ == "__main__":
    main()
