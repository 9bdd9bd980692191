"""``pitboard demo``: the whole pipeline on the built-in sample sites, on this machine alone.

It serves the generated French and English sample sites on 127.0.0.1, runs the
``crawl_and_clean`` flow against them into the default database (the embedded PostgreSQL
unless PITBOARD_DATABASE_URL says otherwise), then shows what was loaded.
"""

from __future__ import annotations

import logging
import os
import time

from etl.store.articles import count_by_site_and_kind, latest_titles
from etl.store.database import describe, get_engine, resolve_database_url
from etl.store.settings import DATABASE_URL_ENV
from flows.crawl_and_clean import crawl_and_clean
from flows.report import format_run_summary, format_site_rows
from flows.samples import SAMPLE_ARTICLES, SAMPLE_PORT, SAMPLE_SITES, serving_samples

log = logging.getLogger(__name__)

TRY_QUERY = (
    "SELECT site, kind, published_at::date, title FROM articles "
    "ORDER BY published_at DESC LIMIT 10;"
)


def run_demo(
    articles: int = SAMPLE_ARTICLES, database_url: str | None = None, port: int | None = None
) -> int:
    """Serve the sample sites on their fixed ports (``port``, default SAMPLE_PORT, and the next
    one), crawl and load them, print what was loaded; SamplesUnavailable when a port is taken."""
    url = resolve_database_url(database_url)
    started = time.monotonic()
    # The flow reads the database from the environment: never from a parameter (see flows).
    os.environ[DATABASE_URL_ENV] = url
    with serving_samples(articles, port or SAMPLE_PORT) as served:
        base_urls = {name: served.base_url(name) for name in SAMPLE_SITES}
        for name, base in base_urls.items():
            log.info("serving %s at %s", name, base)
        site_runs = crawl_and_clean(sites=list(SAMPLE_SITES), base_urls=base_urls)
    print()
    print(format_site_rows(site_runs))
    print(format_run_summary(site_runs, time.monotonic() - started))
    print(f"\nLoaded into {describe(url)}:")
    with get_engine(url).connect() as conn:
        counts = count_by_site_and_kind(conn)
        latest = latest_titles(conn, 5)
    for site, kind, count in counts:
        print(f"  {site:<12} {kind:<8} {count:>6}")
    print("\nLatest articles:")
    for site, title in latest:
        print(f"  [{site}] {title}")
    print(f'\nTry a query:\n  pitboard psql -c "{TRY_QUERY}"')
    print("next: pitboard search Toyota   (`pitboard samples serve` keeps the sample sites up)")
    return 0
