"""Benchmark of the whole pipeline on a generated site: crawl, clean, load, end to end.

    python bench/pipeline.py [--articles 2000] [--database-url URL] [--workers N]

Serves the English and French sample sites (``--articles`` each) on 127.0.0.1, crawls them
with the real spiders (child processes, as the flow runs them) into a scratch database,
cleans and loads every stored page, and prints pages per second for each stage and end to
end. Beside each stage it prints a baseline measured in the same run on the same pages: a
plain threaded HTTP client fetching every page the crawler stored (what the network side
alone allows), and ``trafilatura.extract`` alone on 400 stored pages (what the cleaning would
cost without Pitboard's classification, rules and loading).

Peak memory is each process's own (``crawler.process_memory``): the spiders report theirs in
their stats, the cleaning workers' is polled while they live.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from crawler.process_memory import peak_rss_mib
from etl.clean_stored import clean_stored_pages
from etl.store.models import ArticleRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.spider_process import run_spider
from samplesite import serve_sample_sites

SITES = ("sample-en", "sample-fr")
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


class WorkerPeakMemory(threading.Thread):
    """The largest peak memory among this process's multiprocessing children (the cleaning
    workers), polled every 0.2 s while they live: a finished child's VmHWM is gone with it."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            for child in multiprocessing.active_children():
                if child.pid is not None:
                    self.peak = max(self.peak, peak_rss_mib(child.pid) or 0.0)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak


def fetch_all(urls: list[str], threads: int = 16) -> float:
    def get(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return len(resp.read())
        except urllib.error.HTTPError as exc:  # the planted dead link
            return len(exc.read())

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, urls))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per site (2000)")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="server to use")
    parser.add_argument("--workers", type=int, default=None, help="cleaning processes")
    args = parser.parse_args()

    with scratch_database(args.database_url, "pitboard_bench") as db_url:
        engine = create_engine(db_url)
        try:
            return run(args, engine, db_url)
        finally:
            engine.dispose()


def run(args: argparse.Namespace, engine: Engine, db_url: str) -> int:
    print(f"serving {len(SITES)} sample sites of {args.articles} articles each ...", flush=True)
    with serve_sample_sites(articles=args.articles, seed=2017) as served:
        crawl_started = time.perf_counter()
        spiders = [
            run_spider(site, database_url=db_url, base_url=served.base_url(site)) for site in SITES
        ]
        crawl_seconds = time.perf_counter() - crawl_started
        crawl_rss = max(run.peak_rss_mib or 0.0 for run in spiders)
        with engine.connect() as conn:
            pages = conn.scalar(select(func.count()).select_from(RawPageRow)) or 0
            fetched_urls = list(conn.scalars(select(RawPageRow.final_url)))
        served.clear_log()
        baseline_fetch = fetch_all(fetched_urls)

    print(f"crawled {pages} pages; cleaning ...", flush=True)
    workers_memory = WorkerPeakMemory()
    workers_memory.start()
    clean = clean_stored_pages(engine, workers=args.workers)
    workers_rss = workers_memory.stop()
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(ArticleRow)) or 0
        bodies = conn.execute(select(RawPageRow.body, RawPageRow.final_url).limit(400)).all()

    started = time.perf_counter()
    for body, page_url in bodies:
        trafilatura.extract(body, url=page_url)
    extract_seconds = time.perf_counter() - started
    baseline_clean_rate = len(bodies) / extract_seconds

    clean_only = clean.seconds - clean.load_seconds
    end_to_end = crawl_seconds + clean.seconds
    rows = [
        (
            "crawl (2 spiders, HTTP + raw_pages)",
            pages / crawl_seconds,
            "plain HTTP GET x16 threads",
            pages / baseline_fetch,
        ),
        (
            "clean (classify, extract, rules)",
            clean.pages / clean_only,
            "trafilatura.extract alone, 1 process",
            baseline_clean_rate,
        ),
        ("load (articles, dedup, versions)", clean.pages / max(clean.load_seconds, 1e-9), "", None),
        ("end to end", pages / end_to_end, "", None),
    ]
    print()
    print(f"{'stage':<38} {'pages/s':>9}   {'baseline (same run)':<38} {'pages/s':>9}")
    for stage, rate, base_name, base_rate in rows:
        base = f"{base_rate:9.1f}" if base_rate else ""
        print(f"{stage:<38} {rate:9.1f}   {base_name:<38} {base}")
    print()
    print(f"pages stored {pages}, articles loaded {articles}, cleaning failures {clean.failed}")
    timing = f"crawl {crawl_seconds:.1f}, clean {clean_only:.1f}, load {clean.load_seconds:.1f}"
    print(f"seconds: {timing}, total {end_to_end:.1f}")
    print(
        f"peak memory: crawler processes {crawl_rss:.0f} MiB RSS (largest), "
        f"bench process (sites, loading) {peak_rss_mib() or 0:.0f} MiB RSS, "
        + (
            f"cleaning workers {workers_rss:.0f} MiB RSS (largest)"
            if workers_rss
            else "no cleaning worker processes (too few pages: cleaned in the bench process)"
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
