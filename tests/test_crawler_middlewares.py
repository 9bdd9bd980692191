"""The downloader middlewares: the site fence, and conditional requests from stored pages.

Known pages come from the real ``raw_pages`` table, written with the storage layer's own
``save_raw_pages``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from sqlalchemy.engine import Engine

from crawler.middlewares import (
    ConditionalRequestMiddleware,
    OnSiteOnlyMiddleware,
    RawPagesStore,
)
from crawler.spiders import SPIDERS, SiteSpider
from etl.clean.records import RawPage
from etl.store.raw_pages import save_raw_pages

BASE = "http://127.0.0.1:8123"
ARTICLE = f"{BASE}/news/2025/01/01/a-story-1"
LISTING = f"{BASE}/news/"
LISTING_BODY = b'<html><body><a href="/news/2025/01/02/b-story-2">b</a></body></html>'
MODIFIED = "Wed, 01 Jan 2025 10:00:00 GMT"


def spider_and_crawler(**settings: object) -> tuple[SiteSpider, Crawler]:
    crawler = get_crawler(SPIDERS["sample-en"], settings_dict=settings)
    crawler.spider = SPIDERS["sample-en"].from_crawler(crawler, base_url=BASE)
    crawler.stats.open_spider()
    return crawler.spider, crawler


def page_request(url: str) -> Request:
    spider, _ = spider_and_crawler()
    return spider.page_request(url)


def stored(url: str, body: bytes, final_url: str | None = None, **headers: str) -> RawPage:
    return RawPage(
        site="sample-en",
        url=url,
        final_url=final_url or url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", **headers},
        body=body,
        fetched_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


def test_a_request_to_another_port_of_the_same_host_is_dropped() -> None:
    _, crawler = spider_and_crawler()
    fence = OnSiteOnlyMiddleware.from_crawler(crawler)
    assert fence.process_request(Request(ARTICLE)) is None
    with pytest.raises(IgnoreRequest):
        fence.process_request(Request("http://127.0.0.1:9999/news/2025/01/01/a-story-1"))


@pytest.fixture
def middleware(database_url: str, engine: Engine) -> ConditionalRequestMiddleware:
    with engine.begin() as conn:
        save_raw_pages(
            conn,
            [
                stored(ARTICLE, b"<p>a</p>", ETag='"a1"', **{"Last-Modified": MODIFIED}),
                stored(LISTING, LISTING_BODY, ETag='"l1"'),
                stored(
                    f"{BASE}/index.php?id=5",
                    b"<p>moved</p>",
                    final_url=f"{BASE}/news/2025/01/05/moved-5",
                    ETag='"m5"',
                ),
            ],
        )
    spider, crawler = spider_and_crawler(
        PITBOARD_DATABASE_URL=database_url,
        PITBOARD_PAGE_STORE="crawler.middlewares.RawPagesStore",
    )
    conditional = ConditionalRequestMiddleware.from_crawler(crawler)
    conditional.spider_opened(spider)
    return conditional


def test_a_stored_page_is_requested_with_its_validators(
    middleware: ConditionalRequestMiddleware,
) -> None:
    request = page_request(ARTICLE + "/")  # another spelling of the same page
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"a1"'
    assert request.headers[b"If-Modified-Since"] == MODIFIED.encode()


def test_a_page_never_stored_is_requested_plainly(
    middleware: ConditionalRequestMiddleware,
) -> None:
    request = page_request(f"{BASE}/news/2025/01/09/new-9")
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers


def test_validators_of_a_redirected_page_go_to_its_final_url(
    middleware: ConditionalRequestMiddleware,
) -> None:
    old, final = (
        page_request(f"{BASE}/index.php?id=5"),
        page_request(f"{BASE}/news/2025/01/05/moved-5"),
    )
    middleware.process_request(old)
    middleware.process_request(final)
    assert b"If-None-Match" not in old.headers
    assert final.headers[b"If-None-Match"] == b'"m5"'


def test_a_not_modified_article_ends_its_request(middleware: ConditionalRequestMiddleware) -> None:
    request = page_request(ARTICLE)
    middleware.process_request(request)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, Response(ARTICLE, status=304, request=request))


def test_a_not_modified_listing_is_answered_from_the_stored_copy(
    middleware: ConditionalRequestMiddleware,
) -> None:
    request = page_request(LISTING)
    middleware.process_request(request)
    response = middleware.process_response(request, Response(LISTING, status=304, request=request))
    assert response.body == LISTING_BODY
    assert request.meta["pitboard_not_modified"] is True


def test_a_changed_page_passes_through(middleware: ConditionalRequestMiddleware) -> None:
    request = page_request(ARTICLE)
    middleware.process_request(request)
    fresh = Response(ARTICLE, status=200, body=b"<p>edited</p>", request=request)
    assert middleware.process_response(request, fresh) is fresh


def test_the_store_only_knows_pages_with_validators(database_url: str, engine: Engine) -> None:
    with engine.begin() as conn:
        save_raw_pages(conn, [stored(ARTICLE, b"<p>a</p>")])
    assert RawPagesStore(database_url).known_pages("sample-en") == {}
