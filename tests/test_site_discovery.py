"""What ``sites add`` reads from a site's answers: pure functions on documents built here."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest

from crawler import discovery
from flows.site_add import default_name

HOME = """<html lang="fr-FR"><head>
<link rel="alternate" type="application/rss+xml" href="/feed/">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://x.test/atom.xml">
<link rel="alternate" hreflang="en" href="/en/">
</head><body><a href="/news/a-b-c-1">a</a><a href="#top">t</a></body></html>"""


def test_feeds_declared_by_a_page_and_its_language() -> None:
    assert discovery.feeds_in_page(HOME, "https://x.test/") == [
        "https://x.test/feed/",
        "https://x.test/atom.xml",
    ]
    assert discovery.page_language(HOME) == "fr"
    assert discovery.page_language("<html><body>x</body></html>") is None
    assert discovery.page_links(HOME, "https://x.test/") == ["https://x.test/news/a-b-c-1"]


def test_rss_and_atom_entries_and_what_is_not_a_feed() -> None:
    rss = b"<rss><channel><link>https://x.test/</link><item><link>https://x.test/a</link></item></channel></rss>"
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" '
        b'href="https://x.test/b"/><link rel="edit" href="https://x.test/e"/></entry></feed>'
    )
    assert discovery.feed_entries(rss) == ["https://x.test/a"]
    assert discovery.feed_entries(atom) == ["https://x.test/b"]
    assert discovery.feed_entries(b"<html><body>not a feed</body></html>") is None


def test_sitemaps_indexes_news_and_gzip() -> None:
    robots = b"User-agent: *\nDisallow: /x/\nSitemap: https://x.test/sitemap.xml\n"
    assert discovery.sitemaps_in_robots(robots, "https://x.test/") == ["https://x.test/sitemap.xml"]
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://x.test/s1.xml</loc></sitemap></sitemapindex>"
    )
    news = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://x.test/a</loc><news:news/></url></urlset>"
    )
    assert discovery.read_sitemap(index) == discovery.SitemapDocument(
        "sitemapindex", ("https://x.test/s1.xml",)
    )
    assert discovery.read_sitemap(gzip.compress(news)) == discovery.SitemapDocument(
        "urlset", ("https://x.test/a",), news=True
    )
    assert discovery.read_sitemap(b"<html>no</html>") is None


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("https://x.test/news/2024/05/a-b-c-123/", r"^/news/\d{4}/\d{2}/[a-z0-9-]+-\d+/?$"),
        (
            "https://x.test/2026/06/11/aitken-edges-out.html",
            r"^/\d{4}/\d{2}/\d{2}/[a-z0-9-]+\.html/?$",
        ),
        ("https://x.test/en/news/some-long-title/8301", r"^/en/news/[a-z0-9-]+/\d+/?$"),
        ("https://x.test/tag/wec/", r"^/tag/wec/?$"),
        ("https://x.test/", None),
        ("https://x.test/index.php?id=3", None),
    ],
)
def test_url_shapes(url: str, shape: str | None) -> None:
    assert discovery.url_shape(url) == shape


def test_article_patterns_are_the_shapes_whose_pages_are_stored() -> None:
    kinds = {
        "^/a/[a-z0-9-]+-\\d+/?$": Counter(article=2),
        "^/g/[a-z0-9-]+-\\d+/?$": Counter(gallery=1, article=1),
        "^/tag/[a-z0-9-]+/?$": Counter(listing=2),
        "^/mixed/[a-z0-9-]+/?$": Counter(listing=1, article=1),
    }
    assert discovery.article_patterns(kinds) == ("^/a/[a-z0-9-]+-\\d+/?$", "^/g/[a-z0-9-]+-\\d+/?$")
    assert not discovery.is_specific("^/tag/wec/?$")


def test_a_site_is_named_after_its_host() -> None:
    assert default_name("https://www.fiawec.com") == "fiawec"
    assert default_name("https://news.example.co") == "news-example"
    assert default_name("http://127.0.0.1:8001") == "127-0-0-1-8001"
