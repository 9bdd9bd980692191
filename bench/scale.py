"""Benchmark of scaling out: cleaning on 1 and 2 processes and on Dask; crawling on 1 and 2
processes sharing one Redis frontier.

    python bench/scale.py [--articles 300] [--database-url URL] [--redis-url URL]

Serves the English sample site (``--articles`` articles) on 127.0.0.1 into a scratch database.

- Crawl: the real spider processes (``scrapy crawl``, as the flow runs them) with
  ``PITBOARD_REDIS_URL`` set, first one process alone on the frontier, then two together, each
  time into an empty ``raw_pages`` and under a key prefix of the bench's own (deleted at the
  end). pages/s counts the pages stored over the time from the first to the last request the
  server saw; the wall time also holds the processes' start-up and their idle wait before
  closing (``PITBOARD_REDIS_IDLE_SECONDS``, 5 s here).
- Clean: every page the last crawl stored, cleaned and loaded three times from empty article
  tables, with ``clean_stored_pages`` on 1 and on 2 local worker processes and on a local Dask
  cluster of 2 worker processes through Prefect's Dask task runner (``flows.cleaning``, the
  path the flows take with ``PITBOARD_DASK_ADDRESS``). documents/s is pages over the cleaning
  time (the run's time less its database writes, which stay in the calling process), read in
  batches of 50 pages (on the local pool each cut into one part per worker; the site's profile
  sample is cleaned on the workers too). The Dask rounds report to a temporary Prefect server
  (``prefect_test_harness``, started before any timing) unless ``PREFECT_API_URL`` is set.
  Not counted: starting the workers and their imports (the pool's processes and the
  LocalCluster's are started and import the cleaning code before the timing begins; a flow
  run pays about a second for its pool, and its cluster's start).

Each configuration runs ``--rounds`` times, interleaved, and the median round is printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Before Prefect and Dask are imported (the LocalCluster's workers inherit them): their INFO
# lines (workers starting, plugins, the temporary server) would bury the figures, and the
# clean-batch tasks run outside a flow run, which Prefect warns about on every batch.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("DASK_DISTRIBUTED__LOGGING__DISTRIBUTED", "warning")

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from etl.clean.records import RawPage
from etl.clean_stored import (
    BatchResult,
    CleanRunStats,
    clean_batch,
    clean_stored_pages,
    sample_evidence,
    worker_context,
)
from etl.store.forget import forget_cleaning
from etl.store.models import ArticleRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.cleaning import dask_submitter
from flows.spider_process import SpiderRun, run_spider
from samplesite import serve_sample_sites
from samplesite.server import ServedSites

SITE = "sample-en"
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
T = TypeVar("T")
IDLE_SECONDS = 5
BATCH = 50  # pages per cleaning batch: a dozen batches or more, so that both workers stay busy


def crawl(
    served: ServedSites, db_url: str, engine: Engine, processes: int, prefix: str
) -> tuple[int, float, float, list[SpiderRun]]:
    """Pages stored, seconds from first to last request, wall seconds, the runs."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE raw_pages RESTART IDENTITY CASCADE"))
    served.clear_log()
    settings = {"PITBOARD_REDIS_KEY_PREFIX": prefix, "PITBOARD_REDIS_IDLE_SECONDS": "5"}

    def one(_: int) -> SpiderRun:
        return run_spider(
            SITE, database_url=db_url, base_url=served.base_url(SITE), settings=settings
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        runs = list(pool.map(one, range(processes)))
    wall = time.perf_counter() - started
    hits = [r for r in served.requests if r.site == SITE]
    span = (hits[-1].at - hits[0].at).total_seconds()
    with engine.connect() as conn:
        pages = conn.scalar(select(func.count()).select_from(RawPageRow)) or 0
    return pages, span, wall, runs


def clean_from_empty(engine: Engine) -> None:
    with engine.begin() as conn:
        forget_cleaning(conn)


def clean_in_process(engine: Engine) -> CleanRunStats:
    clean_from_empty(engine)
    return clean_stored_pages(engine, everything=True, workers=1, batch_size=BATCH)


def _warm(seconds: float) -> None:
    """In a pool worker: import the cleaning code, and stay busy long enough for every worker
    of the pool to get one of these."""
    importlib.import_module("etl.clean_stored")
    time.sleep(seconds)


def clean_on_pool(engine: Engine, workers: int) -> CleanRunStats:
    """The local pool as ``clean_stored_pages`` starts it (forked from the fork server that
    imported the cleaning code), started and warmed first."""
    clean_from_empty(engine)
    with ProcessPoolExecutor(workers, mp_context=worker_context()) as pool:
        list(pool.map(_warm, [1.0] * workers))

        def submit(
            pages: Sequence[RawPage], profiles: Mapping[str, Any], prepared: Mapping[Any, Any]
        ) -> Future[BatchResult]:
            return pool.submit(clean_batch, pages, profiles, prepared)

        def submit_sample(pages: Sequence[RawPage]) -> Future[Any]:
            return pool.submit(sample_evidence, pages)

        return clean_stored_pages(
            engine,
            everything=True,
            submit=submit,
            submit_sample=submit_sample,
            workers=workers,
            split=True,  # as the pool clean_stored_pages starts itself
            batch_size=BATCH,
        )


def clean_on_dask(engine: Engine, address: str) -> CleanRunStats:
    clean_from_empty(engine)
    with dask_submitter(address, warm_up=True) as dask:
        return clean_stored_pages(
            engine,
            everything=True,
            submit=dask.submit,
            submit_sample=dask.submit_sample,
            workers=dask.threads,
            batch_size=BATCH,
        )


def articles(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ArticleRow)) or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles of the site (300)")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="server to use")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="Redis for the frontier")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3): medians")
    args = parser.parse_args()

    import redis

    client = redis.Redis.from_url(args.redis_url)
    prefix = f"pitboard-bench-{uuid.uuid4().hex[:12]}"
    # The spider processes inherit it: this is their configuration, not this script's.
    os.environ["PITBOARD_REDIS_URL"] = args.redis_url
    # No telemetry from the temporary Prefect server (no internet here; STACK-NOTES).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        with scratch_database(args.database_url, "pitboard_bench_scale") as db_url:
            engine = create_engine(db_url)
            try:
                return run(args, engine, db_url, prefix)
            finally:
                engine.dispose()
    finally:
        leftover = list(client.scan_iter(f"{prefix}:*"))
        if leftover:
            client.delete(*leftover)
        client.close()


def run(args: argparse.Namespace, engine: Engine, db_url: str, prefix: str) -> int:
    print(f"serving {SITE} with {args.articles} articles ...", flush=True)
    crawl_rounds: dict[int, list[tuple[int, float, float, list[SpiderRun]]]] = {1: [], 2: []}
    with serve_sample_sites(articles=args.articles, seed=2017) as served:
        for _ in range(args.rounds):  # interleaved: this shared machine's speed drifts
            for processes in (1, 2):
                crawl_rounds[processes].append(crawl(served, db_url, engine, processes, prefix))
    crawls = {n: _median_round(rounds, lambda c: c[0] / c[1]) for n, rounds in crawl_rounds.items()}
    pages = {c[0] for rounds in crawl_rounds.values() for c in rounds}
    print(f"crawled {sorted(pages)} pages; cleaning them {3 * args.rounds} times ...", flush=True)

    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    # The Dask workers report their task runs to a Prefect server: a temporary one here,
    # started before any timing.
    clean_rounds: dict[str, list[CleanRunStats]] = {}
    with nullcontext() if PREFECT_API_URL.value() else prefect_test_harness(60):
        for _ in range(args.rounds):
            for label, clean in (
                ("1 process (in this one)", lambda: clean_in_process(engine)),
                ("2 worker processes", lambda: clean_on_pool(engine, 2)),
                ("Dask LocalCluster, 2 workers", lambda: clean_on_dask(engine, "local:2")),
            ):
                clean_rounds.setdefault(label, []).append(clean())
    cleans = {label: _median_round(runs, _clean_rate) for label, runs in clean_rounds.items()}
    stored = articles(engine)

    print()
    print(f"{'crawl, one Redis frontier':34} {'pages':>6} {'pages/s':>8} {'x 1':>6} {'wall s':>7}")
    base_rate = crawls[1][0] / crawls[1][1]
    for processes, (count, span, wall, runs) in crawls.items():
        rate = count / span
        label = f"{processes} crawler process{'es' if processes > 1 else ''}"
        print(f"{label:34} {count:>6} {rate:>8.1f} {rate / base_rate:>5.2f}x {wall:>7.1f}")
        if processes > 1:
            shares = ", ".join(str(r.responses) for r in runs)
            print(f"{'':34} responses per process: {shares}")
    print()
    print(f"{'clean (same pages)':34} {'docs':>6} {'docs/s':>8} {'x 1':>6} {'load s':>7}")
    base = None
    for label, stats in cleans.items():
        rate = _clean_rate(stats)
        base = base or rate
        print(
            f"{label:34} {stats.pages:>6} {rate:>8.1f} {rate / base:>5.2f}x "
            f"{stats.load_seconds:>7.1f}"
        )
    outcomes = {(s.pages, s.load.new, s.load.duplicates) for r in clean_rounds.values() for s in r}
    same = len(outcomes) == 1
    print(f"\n{stored} articles stored by each cleaning run; same counts each time: {same}")
    print(f"medians of {args.rounds} interleaved rounds; machine: {os.cpu_count()} cores (shared)")
    if len(pages) > 1:
        # Pages no pattern names are followed within listing_depth of where discovery began,
        # at the depth they were first met: which listing is met first depends on fetch order.
        print(f"the crawl rounds stored {sorted(pages)} pages: fetch order decides a few")
    return 0 if same else 1


def _clean_rate(stats: CleanRunStats) -> float:
    return stats.pages / (stats.seconds - stats.load_seconds)


def _median_round(rounds: list[T], rate: Callable[[T], float]) -> T:
    """The round whose rate is the median (the lower one of an even count)."""
    return sorted(rounds, key=rate)[(len(rounds) - 1) // 2]


if __name__ == "__main__":
    raise SystemExit(main())
