"""Every page the crawl could not fetch or store leaves a row in ``fetch_failures`` with its
reason (issue 15, finding 2), through the real Scrapy subprocess crawl against a hostile HTTP
server of the test's own on 127.0.0.1."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from etl.store.fetch_failures import failure_reasons
from etl.store.models import FetchFailureRow, RawPageRow
from etl.store.search import stats
from flows.cli.query import format_stats
from flows.spider_process import SpiderFailed, run_spider
from tests.hostile_server import CRAWL_SETTINGS, FAULTS, GOOD, HOSTILE_LINKS, HostileServer

pytestmark = [pytest.mark.network, pytest.mark.faults]


def failures(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(FetchFailureRow.url, FetchFailureRow.reason)).all()
    return {urlsplit(url).path: reason for url, reason in rows}


def stored(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {urlsplit(u).path for u in conn.scalars(select(RawPageRow.url))}


def test_every_unfetchable_page_is_recorded_with_its_reason(engine: Engine, database_url: str):
    with HostileServer() as server:
        run = run_spider(
            "sample-en",
            database_url=database_url,
            base_url=server.base_url,
            settings=CRAWL_SETTINGS,
        )
        assert run.finish_reason == "finished"
        # Every unparsable link of the home page is dropped and counted (urljoin refuses two).
        assert run.stats.get("pitboard/invalid_urls") == len(HOSTILE_LINKS)
        assert failures(engine) == FAULTS
        assert set(GOOD) <= stored(engine)
        # Retried and stored as the site answered, and recorded as failed.
        assert f"{GOOD[0].rsplit('/', 1)[0]}/always-503-19" in stored(engine)
        with engine.connect() as conn:
            reasons = {reason: n for _, reason, n in failure_reasons(conn)}
        assert reasons["too_large"] == 2 and reasons["redirect_loop"] == 2
        with engine.connect() as conn:
            shown = format_stats(stats(conn))
        assert "pages that could not be fetched" in shown
        assert all(reason in shown for reason in set(FAULTS.values()))

        # A second crawl records each failure once more under the same row: no duplicates.
        run_spider(
            "sample-en",
            database_url=database_url,
            base_url=server.base_url,
            settings=CRAWL_SETTINGS,
        )
        with engine.connect() as conn:
            attempts = conn.scalars(select(FetchFailureRow.attempts)).all()
        assert sorted(attempts) == [2] * len(FAULTS)


def test_a_refused_connection_and_an_unknown_host_are_recorded(engine: Engine, database_url: str):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    for base_url in (f"http://127.0.0.1:{port}", "http://pitboard-test.invalid"):
        with pytest.raises(SpiderFailed, match="no page could be fetched"):
            run_spider(
                "sample-en", database_url=database_url, base_url=base_url, settings=CRAWL_SETTINGS
            )
    with engine.connect() as conn:
        rows = conn.execute(select(FetchFailureRow.url, FetchFailureRow.reason)).all()
    by_host = {(urlsplit(url).hostname, urlsplit(url).path): reason for url, reason in rows}
    assert by_host[("127.0.0.1", "/")] == "connection_refused"
    assert by_host[("pitboard-test.invalid", "/")] == "dns"


def test_a_page_the_database_refuses_is_recorded_and_costs_the_others_nothing(
    engine: Engine, database_url: str
) -> None:
    from datetime import UTC, datetime

    from scrapy.utils.test import get_crawler

    from crawler.items import RawPage
    from crawler.pipelines import RawPagePipeline
    from crawler.spiders import SPIDERS

    crawler = get_crawler(SPIDERS["sample-en"])
    crawler.stats.open_spider()
    pipeline = RawPagePipeline(crawler, database_url, batch_size=10, flush_seconds=0)
    pipeline.open_spider()
    now = datetime.now(UTC)
    html = {"Content-Type": "text/html"}
    pages = [
        RawPage(
            "sample-en", f"http://a.test/{i}", f"http://a.test/{i}", 200, html, b"<p>x</p>", now
        )
        for i in range(3)
    ]
    # PostgreSQL refuses a NUL character in JSONB: a header a hostile server can send.
    pages.insert(
        1,
        RawPage(
            "sample-en",
            "http://a.test/nul",
            "http://a.test/nul",
            200,
            {**html, "X": "a\x00b"},
            b"<p>x</p>",
            now,
        ),
    )
    for page in pages:
        pipeline.process_item(page)
    pipeline.close_spider()
    assert stored(engine) == {"/0", "/1", "/2"}
    assert failures(engine) == {"/nul": "not_stored"}
