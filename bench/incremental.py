"""Incremental crawling: a second crawl of an unchanged site against the first.

Serves the French and English sample sites (``--articles`` per site, default 2,000) on
127.0.0.1, crawls both with the spider process into a scratch database and cleans, then does
it again with nothing changed. Each pass ends with a CHECKPOINT, so it pays for writing its own
data to disk. Printed for each pass: wall time of crawl and of clean (with the checkpoint),
requests the server saw (conditional, answered 304, for known article pages), and what the
cleaner loaded; then the ratio second/first (target: under 0.2).

Every crawl after the first is a crawl of an unchanged site, so ``--recrawls`` of them are
run (default 3) and the ratio is taken from their median: this 2-core machine's speed drifts
by up to a half from one minute to the next, which moved a single ratio between 0.15 and 0.3.
Each one's time is printed.

The scratch database is created on ``--database-url``, migrated with ``etl.store.migrate.upgrade``
and dropped at the end. Run: ``.venv/bin/python bench/incremental.py [--articles 500]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean_stored import clean_stored_pages  # noqa: E402
from etl.store.scratch import scratch_database  # noqa: E402
from flows.spider_process import run_spider  # noqa: E402
from samplesite import serve_sample_sites  # noqa: E402
from samplesite.server import ServedSites  # noqa: E402

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def one_pass(label: str, url: str, engine: Engine, served: ServedSites) -> float:
    """Crawl every site and clean; print what it cost and return its wall time."""
    served.clear_log()
    articles = {
        (t.site, t.path.rstrip("/")) for t in served.truth() if t.kind == "article" and t.reachable
    }
    started = time.perf_counter()
    for site in served.sites:
        run_spider(site, database_url=url, base_url=served.base_url(site))
    crawled = time.perf_counter() - started
    stats = clean_stored_pages(engine)
    # Counted in the pass that wrote the data: otherwise the next pass pays for writing the
    # first one's pages out (the first recrawl after a 5,000-page load ran 60% slower).
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    total = time.perf_counter() - started
    log = served.requests
    for_articles = [r for r in log if (r.site, urlsplit(r.path).path.rstrip("/")) in articles]
    print(
        f"{label}: {total:6.1f}s (crawl {crawled:.1f}s, clean {total - crawled:.1f}s); "
        f"{len(log)} requests, {sum(r.conditional for r in log)} conditional, "
        f"{sum(r.status == 304 for r in log)} answered 304; "
        f"{len(for_articles)} for the {len(articles)} articles "
        f"({sum(not r.conditional for r in for_articles)} unconditional); "
        f"cleaned {stats.pages} pages: new {stats.load.new}, updated {stats.load.updated}"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per site")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--recrawls", type=int, default=3, help="crawls of the unchanged site")
    args = parser.parse_args()
    if args.recrawls < 1:
        parser.error("--recrawls must be at least 1")
    with (
        serve_sample_sites(articles=args.articles, seed=args.seed) as served,
        scratch_database(args.database_url, "pitboard_bench_incr") as url,
    ):
        engine = create_engine(url)
        first = one_pass("first crawl ", url, engine, served)
        again = [
            one_pass(f"recrawl {n}   ", url, engine, served) for n in range(1, args.recrawls + 1)
        ]
        engine.dispose()
    second = statistics.median(again)
    each = ", ".join(f"{t / first:.3f}" for t in again)
    print(
        f"second/first: {second / first:.3f} (median of the recrawls; each: {each}; target < 0.2)"
    )


if __name__ == "__main__":
    main()
