"""Full-text search speed on a large table, beside the ILIKE scans it replaces.

A scratch database is created on ``--database-url`` (default: the local PostgreSQL), migrated
with :func:`etl.store.migrate.upgrade`, and filled with ``--articles`` generated articles (100k by
default) through one COPY: titles and paragraphs come from the sample-site generator's article
truths (French and English), recombined per row so texts differ, with the truths' racing
entities and dates spread over ten years and six sites. Loading is not what is measured.

After ANALYZE, 20 representative searches (French and English words, stems, accent-free
spellings, phrases, filters on language, site, dates, series and class) each run
``--repeat`` times through :func:`etl.store.search.search` (ranking and snippets included), then the
same searches as ILIKE scans (every word a case-insensitive substring of title or text, same
filters, same limit). Printed: per search the median latency and the number of results of
both, then median and p95 over all runs of each, and the EXPLAIN of one search showing the
GIN index on ``search_vector``. The database is dropped at the end.

Run: ``.venv/bin/python bench/query.py [--articles 20000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.store.pg_copy import copy_into  # noqa: E402
from etl.store.scratch import scratch_database  # noqa: E402
from etl.store.search import SearchFilters, build_ilike_sql, search, search_statement  # noqa: E402
from samplesite import build_sample_sites  # noqa: E402

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
SITES = ("sample-fr", "sample-en", "endurance-info", "sportscar365", "dailysportscar", "autohebdo")

# (query, filters): what people type, in both languages, with the filters the CLI offers.
SEARCHES: list[tuple[str, SearchFilters]] = [
    ("victoire", SearchFilters()),
    ("victoires Toyota", SearchFilters(language="fr")),
    ("essais libres", SearchFilters()),
    ('"pole position"', SearchFilters(language="fr")),
    ("resiste jusqu'au bout", SearchFilters()),
    ("Portimao", SearchFilters()),
    ("reve de gosse", SearchFilters(language="fr")),
    ("Eurointernational", SearchFilters(series=("ELMS",))),
    ("Saintéloc", SearchFilters()),
    ("pilote", SearchFilters(since=date(2022, 1, 1))),
    ("practice", SearchFilters(language="en")),
    ("winning", SearchFilters()),
    ("dramatic race", SearchFilters(language="en")),
    ("childhood dream", SearchFilters()),
    ('"Laguna Seca"', SearchFilters()),
    ("Porsche 963", SearchFilters(site="sample-en")),
    ("Jota", SearchFilters(series=("WEC",), classes=("LMP2",))),
    ("Ferrari Hypercar", SearchFilters(since=date(2020, 1, 1), until=date(2023, 12, 31))),
    ("Vergne", SearchFilters()),
    ("Aston Martin -Ferrari", SearchFilters(kind="article")),
]


def article_pool(seed: int) -> list[tuple[str, str, list[str], list[str], list[str]]]:
    """(language, title, paragraphs, series, classes) of every generated article truth."""
    pool = []
    for site in build_sample_sites(articles=300, seed=seed).values():
        for truth in site.truth():
            if truth.kind == "article" and truth.paragraphs:
                pool.append(
                    (
                        truth.language,
                        truth.title or "",
                        list(truth.paragraphs),
                        list(truth.series),
                        list(truth.classes),
                    )
                )
    return pool


ROW_COLUMNS = (
    "site",
    "url",
    "kind",
    "title",
    "published_at",
    "language",
    "text",
    "content_hash",
    "series",
    "classes",
    "tags",
)


def generated_rows(count: int, seed: int) -> Iterator[tuple[object, ...]]:
    """``count`` articles (values of ``ROW_COLUMNS``): a truth's title and opening paragraph,
    then paragraphs of other truths of the same language, so no two texts are alike."""
    rng = random.Random(seed)
    pool = article_pool(seed)
    by_language: dict[str, list[str]] = {}
    for language, _, paragraphs, _, _ in pool:
        by_language.setdefault(language, []).extend(paragraphs)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    for i in range(count):
        language, title, paragraphs, series, classes = pool[i % len(pool)]
        body = [paragraphs[0], *rng.sample(by_language[language], k=rng.randint(3, 6))]
        site = SITES[i % len(SITES)]
        published = start + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))
        yield (
            site,
            f"https://{site}.example/{i}",
            "article" if i % 25 else "gallery",
            title,
            published,
            language,
            "\n\n".join(body),
            f"bench-{i}",
            series,
            classes,
            [],
        )


def load(engine: Engine, count: int, seed: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        copy_into(conn, "articles", ROW_COLUMNS, generated_rows(count, seed))
        conn.execute(text("ANALYZE articles"))
    return time.perf_counter() - started


def timed(engine: Engine, run) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        started = time.perf_counter()
        found = run(conn)
        return (time.perf_counter() - started) * 1000, found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench(engine: Engine, repeat: int) -> None:
    fts_all: list[float] = []
    ilike_all: list[float] = []
    print(f"{'search':<44} {'FTS ms':>8} {'hits':>5}   {'ILIKE ms':>9} {'hits':>5}")
    for query, filters in SEARCHES:
        sql, params = build_ilike_sql(query.replace('"', "").split(), filters)
        fts, ilike = [], []
        fts_hits = ilike_hits = 0
        for _ in range(repeat):
            # As the CLI calls it: a pooled connection, a transaction of its own.
            started = time.perf_counter()
            with engine.begin() as conn:
                fts_hits = len(search(conn, query, filters))
            ms = (time.perf_counter() - started) * 1000
            fts.append(ms)
            ms, ilike_hits = timed(
                engine,
                lambda conn, s=sql, p=params: len(conn.execute(text(s), p).all()),
            )
            ilike.append(ms)
        fts_all += fts
        ilike_all += ilike
        label = query + (" [filtered]" if filters != SearchFilters() else "")
        print(
            f"{label[:44]:<44} {statistics.median(fts):>8.1f} {fts_hits:>5}   "
            f"{statistics.median(ilike):>9.1f} {ilike_hits:>5}"
        )
    print()
    print(f"{'':<20} {'median ms':>10} {'p95 ms':>8}   ({len(fts_all)} runs each)")
    print(f"{'full-text search':<20} {statistics.median(fts_all):>10.1f} {p95(fts_all):>8.1f}")
    print(f"{'ILIKE scan':<20} {statistics.median(ilike_all):>10.1f} {p95(ilike_all):>8.1f}")
    print()
    with engine.connect() as conn:
        sql, params = search_statement(conn, "victoire Toyota", SearchFilters())
        plan = conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql), params).scalars().all()
    print("EXPLAIN of search('victoire Toyota'):")
    print("\n".join(plan))
    if not any("ix_articles_search_vector" in line for line in plan):
        print("WARNING: the plan does not use the GIN index ix_articles_search_vector")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="server to work on")
    parser.add_argument("--articles", type=int, default=100_000, help="rows to load (100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each search (5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with scratch_database(args.database_url, "pitboard_bench_query") as url:
        engine = create_engine(url)
        try:
            seconds = load(engine, args.articles, args.seed)
            print(f"loaded {args.articles} articles in {seconds:.1f}s (COPY, then ANALYZE)\n")
            bench(engine, args.repeat)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
