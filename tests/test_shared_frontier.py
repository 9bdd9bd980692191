"""Two crawler processes on one Redis frontier fetch each page once, store it once, and stop.

The processes are the real ``scrapy crawl`` children the product runs (flows.spider_process),
with PITBOARD_REDIS_URL pointing at the machine's Redis and a key prefix of the test's own.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from crawler.shared_frontier import frontier_keys
from etl.dedup.urls import normalize_url
from flows.spider_process import SpiderRun, run_spider
from samplesite import serve_sample_sites

pytestmark = [pytest.mark.network, pytest.mark.db]

REDIS_URL = "redis://127.0.0.1:6379/0"
SITE = "sample-en"
IDLE_SECONDS = 8


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test or crawl uses; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"pitboard-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        leftover = list(client.scan_iter(f"{prefix}:*"))
        if leftover:
            client.delete(*leftover)
        client.close()


def _page_of(target: str) -> str:
    """A request target less its trailing slash and query: one key per page, however spelled."""
    return urlsplit(target).path.rstrip("/") or "/"


def _open_when_joined(gate: threading.Event, workers_key: str, workers: int) -> None:
    """Set ``gate`` once ``workers`` crawlers are registered in Redis (or after two minutes)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + 120
        while client.zcard(workers_key) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        gate.set()
        client.close()


def _crawl(database_url: str, base_url: str, prefix: str) -> SpiderRun:
    settings = {
        "PITBOARD_REDIS_KEY_PREFIX": prefix,
        "PITBOARD_REDIS_IDLE_SECONDS": str(IDLE_SECONDS),
    }
    return run_spider(
        SITE, database_url=database_url, base_url=base_url, settings=settings, timeout=300
    )


def test_two_crawler_processes_share_one_frontier(
    database_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setenv("PITBOARD_REDIS_URL", REDIS_URL)
    workers_key = frontier_keys(redis_prefix, SITE)["workers"]
    with serve_sample_sites(articles=80, seed=11) as served:
        # On a loaded machine one process can start seconds after the other, which may by then
        # have crawled the whole site. The server holds every answer until both have joined the
        # frontier, and slows each one so that the crawl outlasts Scrapy's 5 s idle poll: the
        # process that queued nothing itself takes its share.
        served.gate = threading.Event()
        served.latency = 0.5
        base_url = served.base_url(SITE)
        port = urlsplit(base_url).port
        with ThreadPoolExecutor(3) as pool:
            pool.submit(_open_when_joined, served.gate, workers_key, 2)
            futures = [pool.submit(_crawl, database_url, base_url, redis_prefix) for _ in range(2)]
            runs = [f.result() for f in futures]  # SpiderFailed or a timeout would raise here
        hits = [r for r in served.requests if r.site == SITE and r.method == "GET"]
        truth = [p for p in served.truth() if p.site == SITE and p.reachable]
    wanted = [p for p in truth if p.kind in ("article", "gallery", "listing")]

    # Both processes closed by themselves, the shared queue having stayed empty.
    assert [r.finish_reason for r in runs] == ["finished", "finished"]
    assert all("shared queue empty" in "\n".join(r.log_tail) for r in runs)
    # Both took pages from the frontier (each fetches robots.txt for itself).
    assert all(r.responses > 5 for r in runs), [r.responses for r in runs]

    # The server saw every page once, under any spelling (trailing slash, query): only
    # robots.txt, which each process reads for itself, came twice.
    per_page = Counter((r.headers.get("Host"), _page_of(r.path)) for r in hits)
    twice = {page: n for page, n in per_page.items() if n > 1}
    assert twice == {(f"127.0.0.1:{port}", "/robots.txt"): 2}

    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT url, final_url FROM raw_pages WHERE site = :s"), {"s": SITE}
        ).all()
    stored_urls = Counter(url for url, _ in stored)
    final_urls = Counter(normalize_url(final_url) for _, final_url in stored)
    engine.dispose()
    # Each page stored once, by one of the two: the items they wrote add up to the rows.
    assert sum(int(r.stats.get("item_scraped_count", 0)) for r in runs) == len(stored)
    assert [u for u, n in stored_urls.items() if n > 1] == []
    # Together they stored every page a lone crawler stores, each once.
    assert [p.path for p in wanted if final_urls[normalize_url(p.url)] != 1] == []

    # The last worker out deleted the frontier: the next crawl of the site starts afresh.
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert [k for k in frontier_keys(redis_prefix, SITE).values() if client.exists(k)] == []
    finally:
        client.close()
