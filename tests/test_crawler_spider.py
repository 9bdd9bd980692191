"""The generic spider's decisions, fed with responses built in the test (no network).

What it requests from robots.txt, sitemaps, feeds and pages, and what it hands to the pipeline.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import RawPage
from crawler.middlewares import KnownPage
from crawler.spiders import SPIDERS, SiteSpider
from etl.clean.content_type import is_html
from etl.dedup.urls import url_identity

BASE = "http://127.0.0.1:8123"


def spider_for(name: str = "sample-en", **settings: object) -> SiteSpider:
    crawler = get_crawler(SPIDERS[name], settings_dict={"ROBOTSTXT_OBEY": True, **settings})
    crawler.spider = SPIDERS[name].from_crawler(crawler, base_url=BASE)
    crawler.stats.open_spider()
    return crawler.spider


def html(url: str, body: str, status: int = 200, request: Request | None = None) -> HtmlResponse:
    return HtmlResponse(
        url=url,
        status=status,
        body=body.encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=request or Request(url),
    )


def requested(output: object) -> list[str]:
    return [r.url for r in output if isinstance(r, Request)]  # type: ignore[attr-defined]


def test_a_sample_site_needs_its_address_at_run_time() -> None:
    crawler = get_crawler(SPIDERS["sample-fr"])
    with pytest.raises(ValueError, match="base_url"):
        SPIDERS["sample-fr"].from_crawler(crawler)


def test_max_pages_becomes_the_close_spider_item_count() -> None:
    crawler = Crawler(SPIDERS["sample-en"])  # settings still open, as in `scrapy crawl`
    SPIDERS["sample-en"].from_crawler(crawler, base_url=BASE, max_pages="7")
    assert crawler.settings.getint("CLOSESPIDER_ITEMCOUNT") == 7


@pytest.mark.parametrize("max_pages", ["0", "-1"])
def test_max_pages_below_one_is_refused_not_unlimited(max_pages: str) -> None:
    crawler = Crawler(SPIDERS["sample-en"])
    with pytest.raises(ValueError, match="at least 1"):
        SPIDERS["sample-en"].from_crawler(crawler, base_url=BASE, max_pages=max_pages)


def test_discovery_starts_from_sitemaps_feeds_and_home() -> None:
    urls = [r.url for r in spider_for().discovery_requests()]
    assert urls == [f"{BASE}/sitemap.xml", f"{BASE}/rss.xml", f"{BASE}/"]


def test_robots_txt_is_requested_by_the_spider_only_when_robots_are_not_obeyed() -> None:
    # When obeyed, RobotsTxtMiddleware downloads it and the spider reads that download.
    urls = [r.url for r in spider_for(ROBOTSTXT_OBEY=False).discovery_requests()]
    assert urls[0] == f"{BASE}/robots.txt"


def test_robots_txt_sitemap_lines_on_the_site_become_sitemap_requests() -> None:
    spider = spider_for()
    robots = TextResponse(
        url=f"{BASE}/robots.txt",
        body=(
            f"User-agent: *\nDisallow: /drafts/\nSitemap: {BASE}/sitemap-news.xml\n"
            "Sitemap: http://127.0.0.1:9999/sitemap.xml\n"
        ).encode(),
    )
    requests = list(spider.parse_robots(robots))
    assert [r.url for r in requests] == [f"{BASE}/sitemap-news.xml"]
    assert requests[0].callback == spider.parse_sitemap


def test_a_sitemap_index_leads_to_its_sitemaps() -> None:
    spider = spider_for()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{BASE}/sitemap-news.xml</loc></sitemap>"
        f"<sitemap><loc>{BASE}/sitemap-articles-1.xml.gz</loc></sitemap>"
        "</sitemapindex>"
    )
    response = XmlResponse(url=f"{BASE}/sitemap.xml", body=body.encode())
    requests = list(spider.parse_sitemap(response))
    assert [r.url for r in requests] == [
        f"{BASE}/sitemap-news.xml",
        f"{BASE}/sitemap-articles-1.xml.gz",
    ]
    assert all(r.callback == spider.parse_sitemap for r in requests)


def news_sitemap(*paths: str, lastmod: str = "2025-01-01T10:00:00+00:00") -> bytes:
    entries = "".join(
        f"<url><loc>{BASE}{p}</loc><lastmod>{lastmod}</lastmod>"
        "<news:news><news:title>t</news:title></news:news></url>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + entries + "</urlset>"
    ).encode()


def test_a_news_sitemap_leads_to_its_articles() -> None:
    spider = spider_for()
    body = news_sitemap("/news/2025/01/01/a-story-1", "/news/2025/01/02/b-story-2")
    requests = list(spider.parse_sitemap(XmlResponse(url=f"{BASE}/sitemap-news.xml", body=body)))
    assert [r.url for r in requests] == [
        f"{BASE}/news/2025/01/01/a-story-1",
        f"{BASE}/news/2025/01/02/b-story-2",
    ]
    assert all(r.callback == spider.parse_page for r in requests)


def test_a_gzipped_sitemap_is_read() -> None:
    spider = spider_for()
    body = gzip.compress(news_sitemap("/news/2025/01/01/a-story-1"))
    response = Response(url=f"{BASE}/sitemap-articles-1.xml.gz", body=body)
    assert requested(spider.parse_sitemap(response)) == [f"{BASE}/news/2025/01/01/a-story-1"]


def test_a_stored_article_whose_sitemap_lastmod_is_older_than_our_copy_is_not_requested() -> None:
    spider = spider_for()
    old, new = "/news/2025/01/01/a-story-1", "/news/2025/01/02/b-story-2"
    fetched = datetime(2025, 6, 1, tzinfo=UTC)
    spider.known_pages = {url_identity(BASE + old): KnownPage(BASE + old, '"e1"', None, fetched)}
    body = news_sitemap(old, new, lastmod="2025-05-01")
    response = XmlResponse(url=f"{BASE}/sitemap-news.xml", body=body)
    assert requested(spider.parse_sitemap(response)) == [BASE + new]
    # ...and a link to it found later on a listing is not followed either.
    listing = html(f"{BASE}/news/", f'<a href="{old}">a</a>')
    assert requested(spider.parse_page(listing)) == []


def test_a_stored_article_modified_after_our_copy_is_requested_again() -> None:
    spider = spider_for()
    path = "/news/2025/01/01/a-story-1"
    fetched = datetime(2025, 6, 1, tzinfo=UTC)
    spider.known_pages = {url_identity(BASE + path): KnownPage(BASE + path, None, "x", fetched)}
    lastmod = (fetched + timedelta(days=1)).isoformat()
    response = XmlResponse(url=f"{BASE}/s.xml", body=news_sitemap(path, lastmod=lastmod))
    assert requested(spider.parse_sitemap(response)) == [BASE + path]


@pytest.mark.parametrize("body", [b"", b"garbage", b"<html><body>Oops</body></html>"])
def test_a_broken_sitemap_is_ignored(body: bytes) -> None:
    response = Response(url=f"{BASE}/sitemap.xml", body=body)
    assert list(spider_for().parse_sitemap(response)) == []


@pytest.mark.parametrize("body", [b"", b"  ", b"garbage", b"<html><body>Oops</body></html>"])
def test_a_broken_feed_is_ignored(body: bytes) -> None:
    response = Response(url=f"{BASE}/rss.xml", body=body)
    assert list(spider_for().parse_feed(response)) == []


def test_rss_and_atom_feeds_lead_to_their_articles_without_tracking_parameters() -> None:
    spider = spider_for()
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>a</title>'
        f"<link>{BASE}/news/2025/01/01/a-story-1?utm_source=rss&amp;utm_medium=feed</link>"
        "</item></channel></rss>"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        f'<link rel="alternate" href="{BASE}/news/2025/01/02/b-story-2"/>'
        f'<link rel="enclosure" href="{BASE}/wp-content/uploads/photo.jpg"/>'
        "</entry></feed>"
    )
    assert requested(spider.parse_feed(XmlResponse(url=f"{BASE}/rss.xml", body=rss.encode()))) == [
        f"{BASE}/news/2025/01/01/a-story-1"
    ]
    assert requested(spider.parse_feed(XmlResponse(url=f"{BASE}/a.xml", body=atom.encode()))) == [
        f"{BASE}/news/2025/01/02/b-story-2"
    ]


LISTING = f"""<html><head><link rel="canonical" href="{BASE}/news/">
<link rel="stylesheet" href="/static/site.css"></head><body>
<a href="/news/2025/01/01/a-story-1?utm_source=newsletter&fbclid=IwAR1#comments">a</a>
<a href="/news/2025/01/02/b-story-2/">b</a>
<a href="/news/page/2/">next</a>
<a href="/about/">about</a>
<a href="/search/?s=wec">search</a>
<a href="http://localhost:8123/wp-content/uploads/2025/01/a-218x150.jpg">thumb</a>
<a href="http://127.0.0.1:9999/news/2025/01/03/elsewhere-3">another site on another port</a>
<a href="https://twitter.com/share?url=x">share</a>
<a href="http://127.0.0.1:port/news/2025/01/04/bad-port-4">broken</a>
<a href="http://[::1/news/2025/01/05/broken-host-5">broken</a>
<a href="mailto:desk@example.com">mail</a>
</body></html>"""


def test_a_listing_is_stored_and_its_article_and_pagination_links_are_followed() -> None:
    spider = spider_for()
    output = list(spider.parse_page(html(f"{BASE}/news/", LISTING)))
    items = [o for o in output if isinstance(o, RawPage)]
    assert [i.url for i in items] == [f"{BASE}/news/"]
    assert requested(output) == [
        f"{BASE}/news/",
        f"{BASE}/news/2025/01/01/a-story-1",
        f"{BASE}/news/2025/01/02/b-story-2/",
        f"{BASE}/news/page/2/",
    ]


def test_a_link_seen_on_an_earlier_page_is_not_followed_again_whatever_its_spelling() -> None:
    spider = spider_for()
    list(spider.parse_page(html(f"{BASE}/news/", LISTING)))
    again = """<html><body>
<a href="/news/2025/01/01/a-story-1">same, absolute path</a>
<a href="http://127.0.0.1:8123/news/2025/01/02/b-story-2/">same, absolute URL</a>
<a href="../../2025/01/06/f-story-6">new, relative to this page</a>
</body></html>"""
    output = list(spider.parse_page(html(f"{BASE}/news/page/2/", again)))
    assert requested(output) == [f"{BASE}/news/2025/01/06/f-story-6"]


def test_links_under_a_base_href_are_joined_to_it_and_judged_apart() -> None:
    spider = spider_for()
    list(spider.parse_page(html(f"{BASE}/news/", LISTING)))
    # The same absolute-path spelling under a <base> of another host is another URL: not the
    # link judged on the first page (and off the site, so not followed).
    based = """<html><head><base href="http://127.0.0.1:9999/"></head><body>
<a href="/news/2025/01/01/a-story-1">on the other host</a>
</body></html>"""
    assert requested(list(spider.parse_page(html(f"{BASE}/news/page/3/", based)))) == []
    assert "http://127.0.0.1:9999/news/2025/01/01/a-story-1" in spider.judged


@pytest.mark.parametrize(
    "href",
    ["/news/a/../b?x=1#f", "//127.0.0.1:8123/news/c", "http://127.0.0.1:8123/news/./d"],
)
def test_a_link_key_joins_to_one_url_from_every_page_of_the_site(href: str) -> None:
    from urllib.parse import urljoin

    from crawler.spiders.site_spider import _link_key, _origin

    pages = [f"{BASE}/", f"{BASE}/news/page/2/", f"{BASE}/a/b/c?d=e"]
    keys = {_link_key(href, _origin(page)) for page in pages}
    assert len(keys) == 1 and None not in keys
    assert len({urljoin(page, href) for page in pages}) == 1
    assert _link_key("relative/link", _origin(BASE)) is None
    assert _link_key("?page=2", _origin(BASE)) is None


def test_the_item_keeps_the_page_as_it_came() -> None:
    spider = spider_for()
    response = HtmlResponse(
        url=f"{BASE}/news/2025/01/01/a-story-1",
        body=b"<html><body>\xe9t\xe9</body></html>",
        headers={"Content-Type": "text/html", "ETag": '"abc"'},
        request=Request(f"{BASE}/news/2025/01/01/a-story-1"),
    )
    (item,) = [o for o in spider.parse_page(response) if isinstance(o, RawPage)]
    assert item.site == "sample-en"
    assert (item.url, item.final_url, item.status) == (response.url, response.url, 200)
    assert item.body == b"<html><body>\xe9t\xe9</body></html>"
    assert item.headers["Etag"] == '"abc"'
    assert item.fetched_at.tzinfo is not None


def test_a_redirected_page_records_the_requested_and_the_final_url() -> None:
    spider = spider_for()
    old, new = f"{BASE}/index.php?id=5", f"{BASE}/news/2025/01/05/moved-5"
    request = Request(new, meta={"redirect_urls": [old]})
    (item,) = [o for o in spider.parse_page(html(new, "<p>x</p>", request=request))]
    assert (item.url, item.final_url) == (old, new)


def test_a_dead_link_is_stored_with_its_status_and_not_mined_for_links() -> None:
    spider = spider_for()
    output = list(spider.parse_page(html(f"{BASE}/news/gone-6", LISTING, status=404)))
    assert [(o.status, o.url) for o in output] == [(404, f"{BASE}/news/gone-6")]


def test_a_listing_answered_from_the_stored_copy_is_followed_but_not_stored_again() -> None:
    spider = spider_for()
    request = Request(f"{BASE}/news/", meta={"pitboard_not_modified": True})
    output = list(spider.parse_page(html(f"{BASE}/news/", LISTING, request=request)))
    assert not [o for o in output if isinstance(o, RawPage)]
    assert f"{BASE}/news/page/2/" in requested(output)


def test_malformed_markup_and_undeclared_bytes_still_give_an_item_and_links() -> None:
    spider = spider_for()
    body = b"<html><body><div><p>Caf\xe9 <b>unclosed <a href='/news/page/3/'>3</a></tr></table>\x00"
    response = HtmlResponse(url=f"{BASE}/news/page/2/", body=body, request=Request(BASE))
    output = list(spider.parse_page(response))
    assert isinstance(output[0], RawPage) and output[0].body == body
    assert requested(output) == [f"{BASE}/news/page/3/"]


def test_only_html_bodies_are_stored() -> None:
    assert is_html({"Content-Type": "text/html; charset=ISO-8859-1"}, b"")
    assert is_html({"content-type": "application/xhtml+xml"}, b"")
    assert not is_html({"Content-Type": "image/jpeg"}, b"\xff\xd8\xff")
    assert not is_html({"Content-Type": "application/pdf"}, b"%PDF-1.7")
    assert is_html({}, b"  <!DOCTYPE html><html></html>")
    assert not is_html({}, b"%PDF-1.7")


HOSTILE_LINKS = ["http://127.0.0.1:99999/x", "A://[", "http://ex:abc/", "http://[::1"]


@pytest.mark.faults
def test_hostile_links_are_dropped_and_counted_and_the_good_ones_followed() -> None:
    """Issue 15, finding 1: a link that URL identity cannot parse is dropped and counted."""
    spider = spider_for()
    links = "".join(f'<a href="{u}">x</a>' for u in [*HOSTILE_LINKS, "/news/2025/01/01/a-story-1"])
    sitemap = "".join(f"<url><loc>{u}</loc></url>" for u in HOSTILE_LINKS)
    index = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in HOSTILE_LINKS)
    page = list(spider.parse_page(html(f"{BASE}/news", f"<html><body>{links}</body></html>")))
    urlset = XmlResponse(
        url=f"{BASE}/sitemap.xml",
        body=f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{sitemap}</urlset>'.encode(),
    )
    sitemap_index = XmlResponse(
        url=f"{BASE}/sitemap.xml",
        body=(
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'
        ).encode(),
    )
    robots = TextResponse(
        url=f"{BASE}/robots.txt",
        body="".join(f"Sitemap: {u}\n" for u in HOSTILE_LINKS).encode(),
    )
    assert requested(page) == [f"{BASE}/news/2025/01/01/a-story-1"]
    assert requested(spider.parse_sitemap(urlset)) == []
    assert requested(spider.parse_sitemap(sitemap_index)) == []
    assert requested(spider.parse_robots(robots)) == []
    assert spider.crawler.stats.get_value("pitboard/invalid_urls") >= 3 * len(HOSTILE_LINKS) - 1
