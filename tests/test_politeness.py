"""Politeness and bounds (issue 15, finding 7): Retry-After honoured up to a cap, a crawl depth
limit and a default page cap per run, each a documented setting a site may override.

The crawl tests run the real Scrapy subprocess against the hostile server of the suite's own
(tests/hostile_server.py, 127.0.0.1, port 0), which logs when each request arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crawler.registry import get_site, real_sites
from crawler.retry_after import retry_after_seconds
from crawler.sites import SiteDescription
from crawler.spiders import SPIDERS
from crawler.spiders.site_spider import spider_class_for
from etl.store.models import FetchFailureRow, RawPageRow
from etl.store.settings import DEFAULT_DEPTH_LIMIT, DEFAULT_MAX_PAGES, load_settings
from flows.spider_process import run_spider
from tests.hostile_server import (
    CRAWL_SETTINGS,
    DEPTH,
    DEPTH_PAGES,
    LONG_PAUSE,
    POLITENESS,
    RATE_LIMITED,
    RETRY_AFTER,
    HostileServer,
    depth_page,
    depth_story,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


# --- pure: Retry-After, settings, per-site bounds ------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(" 120 ") == 120.0
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now=NOW) == 30.0
    earlier = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(earlier, now=NOW) == 0.0
    for unreadable in (None, "", "soon", "-5", "1.5e9x"):
        assert retry_after_seconds(unreadable, now=NOW) is None


def test_bounds_are_settings_with_documented_defaults() -> None:
    defaults = load_settings({})
    assert (defaults.max_pages, defaults.depth_limit) == (DEFAULT_MAX_PAGES, DEFAULT_DEPTH_LIMIT)
    assert defaults.retry_after_max == 60.0
    chosen = load_settings(
        {"PITBOARD_MAX_PAGES": "50", "PITBOARD_DEPTH_LIMIT": "0", "PITBOARD_RETRY_AFTER_MAX": "2.5"}
    )
    assert (chosen.max_pages, chosen.depth_limit, chosen.retry_after_max) == (50, 0, 2.5)
    for name, bad in (
        ("PITBOARD_MAX_PAGES", "-1"),
        ("PITBOARD_DEPTH_LIMIT", "ten"),
        ("PITBOARD_RETRY_AFTER_MAX", "nan"),
    ):
        settings = load_settings({name: bad})
        with pytest.raises(ValueError, match=name):
            _ = (settings.max_pages, settings.depth_limit, settings.retry_after_max)


def crawl_settings(spider_class: type, **arguments: str) -> Settings:
    # The project's settings, still open, as in `scrapy crawl`.
    crawler = Crawler(spider_class, get_project_settings())
    spider_class.from_crawler(crawler, **arguments)
    return crawler.settings


def page_cap(spider_class: type, **arguments: str) -> int:
    return crawl_settings(spider_class, **arguments).getint("CLOSESPIDER_PAGECOUNT")


def test_a_real_site_has_a_page_cap_by_default_and_may_set_its_own() -> None:
    site = real_sites()[0]
    assert site.max_pages is None
    assert page_cap(SPIDERS[site.name]) == DEFAULT_MAX_PAGES
    # the run's own cap wins: at most 7 pages stored, instead of the response cap
    own_cap = crawl_settings(SPIDERS[site.name], max_pages="7")
    assert own_cap.getint("CLOSESPIDER_ITEMCOUNT") == 7
    assert own_cap.getint("CLOSESPIDER_PAGECOUNT") == 0
    with pytest.raises(ValueError, match="at least 1"):  # PITBOARD_MAX_PAGES=0 lifts the cap
        crawl_settings(SPIDERS[site.name], max_pages="0")
    own = SiteDescription(
        name="capped",
        languages=("en",),
        base_url="https://capped.example",
        max_pages=25,
        depth_limit=3,
    )
    capped = spider_class_for(own, module=__name__)
    assert page_cap(capped) == 25
    assert capped.custom_settings["DEPTH_LIMIT"] == 3
    # A site that says nothing keeps the project-wide depth limit (crawler.settings).
    assert "DEPTH_LIMIT" not in SPIDERS[site.name].custom_settings
    # The sample sites are crawled whole: their truth is every page.
    assert page_cap(SPIDERS["sample-en"], base_url="http://127.0.0.1:1") == 0
    assert get_site("sample-en").crawl_settings()["DEPTH_LIMIT"] == 0


# --- crawls against the hostile server -------------------------------------------------------


def stored_paths(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {urlsplit(u).path for u in conn.scalars(select(RawPageRow.url))}


@pytest.mark.network
@pytest.mark.faults
def test_a_429_is_retried_after_its_retry_after_and_a_long_pause_is_not_waited_for(
    engine: Engine, database_url: str
) -> None:
    with HostileServer(links=POLITENESS) as server:
        run = run_spider(
            "sample-en",
            database_url=database_url,
            base_url=server.base_url,
            settings={**CRAWL_SETTINGS, "RETRY_TIMES": "2", "PITBOARD_RETRY_AFTER_MAX": "10"},
        )
        first, second = server.hit_times(RATE_LIMITED)  # answered at the second try
        long_pause = server.hit_times(LONG_PAUSE)
    # Scrapy alone retried at once (three tries within 0.75 s); the server asked for 2 s.
    assert second - first >= RETRY_AFTER - 0.05
    assert RATE_LIMITED in stored_paths(engine)
    assert run.stats.get("pitboard/retry_after_waits") == 1
    # Retry-After: 3600 is over the 10 s cap: asked once, not retried, recorded with why.
    assert len(long_pause) == 1
    with engine.connect() as conn:
        failed = conn.execute(select(FetchFailureRow.url, FetchFailureRow.detail)).all()
    assert [(urlsplit(url).path, "over the cap" in detail) for url, detail in failed] == [
        (LONG_PAUSE, True)
    ]


@pytest.mark.network
def test_the_depth_limit_stops_following_deeper_links(engine: Engine, database_url: str):
    with HostileServer(links=DEPTH) as server:
        run_spider(
            "sample-en",
            database_url=database_url,
            base_url=server.base_url,
            settings={**CRAWL_SETTINGS, "DEPTH_LIMIT": "3"},
        )
        asked = set(server.hits)
    # / is depth 0, page n is depth n, its story depth n + 1.
    assert {depth_page(1), depth_page(2), depth_page(3), depth_story(1), depth_story(2)} <= asked
    assert depth_page(4) not in asked and depth_story(3) not in asked
    assert depth_story(2) in stored_paths(engine)

    # The sample site's own bound (none) wins over the project's default of 10.
    with HostileServer(links=DEPTH) as server:
        run_spider(
            "sample-en",
            database_url=database_url,
            base_url=server.base_url,
            settings=CRAWL_SETTINGS,
        )
        asked = set(server.hits)
    assert depth_story(DEPTH_PAGES) in asked and DEPTH_PAGES > DEFAULT_DEPTH_LIMIT
