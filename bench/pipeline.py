"""Benchmark of the whole pipeline on generated sites: crawl, clean, load, end to end, beside
what a user could write instead.

    python bench/pipeline.py [--articles 2000] [--database-url URL] [--workers N]

Serves the English and French sample sites (``--articles`` each) on 127.0.0.1 and, in the same
run, each into a scratch database of its own:

- Pitboard in series (as it ran before issue 17): the real spiders (child processes) one
  after the other, then ``clean_stored_pages`` over every stored page. Pages/s per stage.
- Pitboard overlapped: the ``crawl_and_clean`` flow itself (``pitboard run``'s), under a
  temporary Prefect server started before the timing: both sites crawl at once and each
  site's pages are cleaned and loaded as they are stored, on one shared pool of worker
  processes. End to end is the flow's wall time (its worker pool's start included).
- Two do-it-yourself spiders (``bench/diy_spider.py``: one Scrapy CrawlSpider, calling
  ``trafilatura.extract`` and inserting with ``executemany``), one process per site, both
  sites at once: naive, and with the URLs canonicalised in ``process_links``.

For each: pages fetched, pages/s, texts stored and stored/s, and coverage against the sites'
truth (articles and galleries found, by URL identity: the naive spider's variants of one page
count once). Peak memory is each process's own (``crawler.process_memory``: VmHWM), polled
while it lives, per kind of process. Baselines of the same run: a plain threaded HTTP client
fetching every page the crawler stored, and ``trafilatura.extract`` alone on 400 stored pages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Before Prefect is imported: the flow's INFO lines would bury the figures.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import trafilatura
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from crawler.process_memory import peak_rss_mib
from etl.clean_stored import clean_stored_pages
from etl.dedup.urls import url_identity
from etl.store.models import ArticleRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.spider_process import run_spider
from samplesite import serve_sample_sites
from samplesite.server import ServedSites

ROOT = Path(__file__).resolve().parent.parent
SITES = ("sample-en", "sample-fr")
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


class PeakMemory(threading.Thread):
    """The largest peak memory of each kind of this process's descendants (spiders, cleaning
    workers, DIY spiders), polled every 0.2 s while they live: a finished process's VmHWM is
    gone with it."""

    KINDS = (("scrapy crawl", "crawler"), ("spawn_main", "cleaning worker"))

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            stack = _children(os.getpid())
            while stack:
                pid = stack.pop()
                stack += _children(pid)
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                kind = next((k for mark, k in self.KINDS if mark.encode() in command), None)
                if b"runspider" in command:
                    kind = "DIY spider"
                if kind is not None:
                    self.peaks[kind] = max(self.peaks.get(kind, 0.0), peak_rss_mib(pid) or 0.0)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        return self.peaks


@dataclass
class Outcome:
    """One way of turning the two sites into stored texts."""

    name: str
    seconds: float
    pages: int  # responses stored (Pitboard) or fetched (DIY)
    stored: int  # texts stored: articles and galleries (Pitboard), rows (DIY)
    articles_found: int
    galleries_found: int
    memory: dict[str, float] = field(default_factory=dict)
    stages: list[tuple[str, float]] = field(default_factory=list)


def truth_identities(served: ServedSites, kind: str) -> set[str]:
    return {
        identity
        for page in served.truth()
        if page.kind == kind and page.status == 200 and page.reachable
        if (identity := url_identity(page.url)) is not None
    }


def found(urls: Iterable[str], wanted: set[str]) -> int:
    return len({url_identity(u) for u in urls} & wanted)


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


def pitboard_texts(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(select(ArticleRow.url).where(ArticleRow.kind.in_(["article", "gallery"])))
        )


def stored_pages(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(RawPageRow)) or 0


def in_series(
    served: ServedSites, db_url: str, engine: Engine, workers: int | None, truth: dict
) -> Outcome:
    """Pitboard as before: one spider after the other, then cleaning and loading."""
    memory = PeakMemory()
    memory.start()
    started = time.perf_counter()
    for site in SITES:
        run_spider(site, database_url=db_url, base_url=served.base_url(site))
    crawl_seconds = time.perf_counter() - started
    pages = stored_pages(engine)
    clean = clean_stored_pages(engine, workers=workers)
    seconds = time.perf_counter() - started
    texts = pitboard_texts(engine)
    clean_only = clean.seconds - clean.load_seconds
    return Outcome(
        "Pitboard in series (before)",
        seconds,
        pages,
        len(texts),
        found(texts, truth["article"]),
        found(texts, truth["gallery"]),
        memory.stop(),
        [
            ("crawl (2 spiders one after the other)", pages / crawl_seconds),
            ("clean (classify, extract, rules)", clean.pages / clean_only),
            ("load (articles, dedup, versions)", clean.pages / max(clean.load_seconds, 1e-9)),
        ],
    )


def overlapped(served: ServedSites, db_url: str, engine: Engine, truth: dict) -> Outcome:
    """The crawl_and_clean flow, as ``pitboard run`` runs it."""
    from flows.crawl_and_clean import crawl_and_clean

    os.environ["PITBOARD_DATABASE_URL"] = db_url  # the flow's tasks read it from here
    memory = PeakMemory()
    memory.start()
    started = time.perf_counter()
    crawl_and_clean(sites=list(SITES), base_urls={s: served.base_url(s) for s in SITES})
    seconds = time.perf_counter() - started
    texts = pitboard_texts(engine)
    return Outcome(
        "Pitboard overlapped (the flow)",
        seconds,
        stored_pages(engine),
        len(texts),
        found(texts, truth["article"]),
        found(texts, truth["gallery"]),
        memory.stop(),
    )


def diy(served: ServedSites, dsn: str, engine: Engine, canonical: bool, truth: dict) -> Outcome:
    """The DIY spider on both sites at once, one process each."""
    table = "diy_canonical" if canonical else "diy_naive"
    memory = PeakMemory()
    memory.start()

    def one(site: str) -> None:
        command = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench/diy_spider.py")]
        command += ["-s", "LOG_LEVEL=ERROR", "-s", "TELNETCONSOLE_ENABLED=False"]
        command += ["-a", f"start={served.base_url(site)}/", "-a", f"dsn={dsn}"]
        command += ["-a", f"canonical={int(canonical)}", "-a", f"table={table}_{site[-2:]}"]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"DIY spider failed:\n{done.stderr[-2000:]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(len(SITES)) as pool:
        list(pool.map(one, SITES))
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        urls = [
            url
            for site in SITES
            for url in conn.scalars(text(f"SELECT url FROM {table}_{site[-2:]}"))
        ]
    fetched = sum(1 for r in served.requests if r.path != "/robots.txt")
    return Outcome(
        f"DIY CrawlSpider{', URLs canonicalised' if canonical else ', naive'}",
        seconds,
        fetched,
        len(urls),
        found(urls, truth["article"]),
        found(urls, truth["gallery"]),
        memory.stop(),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per site (2000)")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="server to use")
    parser.add_argument("--workers", type=int, default=None, help="cleaning processes")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    print(f"serving {len(SITES)} sample sites of {args.articles} articles each ...", flush=True)
    with serve_sample_sites(articles=args.articles, seed=2017) as served:
        truth = {kind: truth_identities(served, kind) for kind in ("article", "gallery")}
        outcomes = []
        with scratch_database(args.database_url, "pitboard_bench") as db_url:
            engine = create_engine(db_url)
            try:
                outcomes.append(in_series(served, db_url, engine, args.workers, truth))
                with engine.connect() as conn:
                    fetched_urls = list(conn.scalars(select(RawPageRow.final_url)))
                    bodies = conn.execute(
                        select(RawPageRow.body, RawPageRow.final_url).limit(400)
                    ).all()
            finally:
                engine.dispose()
        served.clear_log()
        baseline_fetch = len(fetched_urls) / fetch_all(fetched_urls)
        started = time.perf_counter()
        for body, page_url in bodies:
            trafilatura.extract(body, url=page_url)
        baseline_extract = len(bodies) / (time.perf_counter() - started)

        print("the flow, overlapped ...", flush=True)
        with prefect_test_harness(120), scratch_database(args.database_url, "pitboard_bench") as db:
            engine = create_engine(db)
            try:
                outcomes.append(overlapped(served, db, engine, truth))
            finally:
                engine.dispose()
        for canonical in (False, True):
            print(f"DIY spiders{' (canonical URLs)' if canonical else ''} ...", flush=True)
            served.clear_log()
            with scratch_database(args.database_url, "pitboard_bench", migrate=False) as db:
                engine = create_engine(db)
                dsn = engine.url.set(drivername="postgresql").render_as_string(False)
                try:
                    outcomes.append(diy(served, dsn, engine, canonical, truth))
                finally:
                    engine.dispose()

    report(outcomes, truth, baseline_fetch, baseline_extract)
    return 0


def report(outcomes: list[Outcome], truth: dict, fetch_rate: float, extract_rate: float) -> None:
    series = outcomes[0]
    print()
    print(f"{'stage, in series':<38} {'pages/s':>9}   {'baseline (same run)':<38} {'pages/s':>9}")
    baselines = [
        ("plain HTTP GET x16 threads", fetch_rate),
        ("trafilatura.extract alone", extract_rate),
        ("", 0.0),
    ]
    for (stage, rate), (base, base_rate) in zip(series.stages, baselines, strict=True):
        print(f"{stage:<38} {rate:9.1f}   {base:<38} {f'{base_rate:9.1f}' if base_rate else ''}")
    print()
    articles, galleries = len(truth["article"]), len(truth["gallery"])
    print(
        f"{'end to end, 2 sites':<32} {'seconds':>8} {'pages':>6} {'pages/s':>8} {'texts':>6} "
        f"{'texts/s':>8} {f'articles/{articles}':>14} {f'galleries/{galleries}':>14}"
    )
    for o in outcomes:
        print(
            f"{o.name:<32} {o.seconds:8.1f} {o.pages:6d} {o.pages / o.seconds:8.1f} {o.stored:6d} "
            f"{o.stored / o.seconds:8.1f} {o.articles_found:14d} {o.galleries_found:14d}"
        )
    flow, naive, canonical = outcomes[1], outcomes[2], outcomes[3]
    rate = flow.stored / flow.seconds
    print(
        f"\nPitboard overlapped: {flow.pages / flow.seconds:.1f} pages/s end to end "
        f"({flow.pages / flow.seconds / (series.pages / series.seconds):.2f}x in series); "
        f"texts/s {rate / (naive.stored / naive.seconds):.2f}x the naive DIY spider, "
        f"{rate / (canonical.stored / canonical.seconds):.2f}x the canonicalising one"
    )
    print("\npeak memory, MiB (VmHWM, largest process of each kind):")
    for o in outcomes:
        kinds = ", ".join(f"{kind} {mib:.0f}" for kind, mib in sorted(o.memory.items()))
        print(f"  {o.name:<32} {kinds}")
    print(f"  {'bench process (sites, loading)':<32} {peak_rss_mib() or 0:.0f}")
    print(f"machine: {os.cpu_count()} cores (shared)")


if __name__ == "__main__":
    sys.exit(main())
