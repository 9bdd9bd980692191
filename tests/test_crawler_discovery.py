"""Classifier-driven discovery: a site described by its base URL alone (no pattern) follows the
links of its start pages and of the pages the page-kind classifier calls listings, up to its
``listing_depth``; pagination is no step; an article's unnamed links are not followed. Pages are
real sample-site pages, fed to the spider without a network."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.sites import SiteDescription
from crawler.spiders.site_spider import DISCOVERED_PRIORITY, SiteSpider, spider_class_for
from samplesite import SampleSite, build_sample_sites

BASE = "http://127.0.0.1:8123"


@pytest.fixture(scope="module")
def sample() -> SampleSite:
    site = build_sample_sites(articles=24, seed=11)["sample-en"]
    site.base_url = BASE
    return site


def spider(depth: int = 2) -> SiteSpider:
    site = SiteDescription(name="auto", base_url=BASE, listing_depth=depth)
    cls = spider_class_for(site, module=__name__)
    crawler = get_crawler(cls, settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.spider = cls.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler.spider


def response(sample: SampleSite, path: str, depth: int, start: bool = False) -> HtmlResponse:
    url = BASE + path
    meta = {"pitboard_depth": depth, "pitboard_start": start}
    return HtmlResponse(
        url=url,
        body=sample.render(path).body,
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=Request(url, meta=meta),
    )


def followed(output: object) -> dict[str, Request]:
    return {r.url: r for r in output if isinstance(r, Request)}  # type: ignore[attr-defined]


def article_path(sample: SampleSite) -> str:
    return next(t.path for t in sample.truth() if t.kind == "article" and t.reachable)


def test_a_start_page_leads_to_every_page_it_links_on_the_site(sample: SampleSite) -> None:
    s = spider()
    assert [r.meta["pitboard_start"] for r in s.discovery_requests() if r.url == BASE + "/"] == [
        True
    ]
    requests = followed(s.parse_page(response(sample, "/", depth=0, start=True)))
    assert BASE + "/news/" in requests and BASE + "/about/" in requests
    # the home page's own link is the same listing (depth 0); everything else is one step on
    assert {u: r.meta["pitboard_depth"] for u, r in requests.items() if u != BASE + "/"} == {
        u: 1 for u in requests if u != BASE + "/"
    }
    assert all(r.priority == DISCOVERED_PRIORITY for r in requests.values())
    assert all(url.startswith(BASE) for url in requests)


def test_a_listing_the_classifier_recognises_is_followed_and_its_next_page_is_no_step(
    sample: SampleSite,
) -> None:
    s = spider()
    requests = followed(s.parse_page(response(sample, "/news/", depth=1)))
    assert s.crawler.stats.get_value("pitboard/classified/listing") == 1
    articles = [u for u in requests if u.startswith(BASE + "/news/20")]
    assert articles and all(requests[u].meta["pitboard_depth"] == 2 for u in articles)
    assert requests[BASE + "/news/page/2/"].meta["pitboard_depth"] == 1


def test_an_articles_unnamed_links_are_not_followed_but_a_listing_may_follow_them_later(
    sample: SampleSite,
) -> None:
    s = spider()
    path = article_path(sample)
    assert followed(s.parse_page(response(sample, path, depth=1))) == {}
    assert s.crawler.stats.get_value("pitboard/classified/article") == 1
    later = followed(s.parse_page(response(sample, "/", depth=0, start=True)))
    assert BASE + "/about/" in later


def test_no_link_is_followed_past_the_listing_depth(sample: SampleSite) -> None:
    s = spider(depth=2)
    assert followed(s.parse_page(response(sample, "/news/", depth=2))) == {}
    assert s.crawler.stats.get_value("pitboard/classified/listing") is None  # not even judged
    assert followed(spider(depth=0).parse_page(response(sample, "/", depth=0, start=True))) == {}
