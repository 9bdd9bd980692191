"""One sample site as a server sees it: the page for any path, and the truth about every page.

``SampleSite.render(path)`` answers like the web server would (status, headers, body) without a
socket, so benches can measure cleaning without HTTP. Everything is derived on demand from the
compact article specs; only small caches are kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

import samplesite.feeds as feeds
import samplesite.pages as pages
import samplesite.truth as truth
from samplesite.model import ArticleSpec, PageTruth, Response
from samplesite.paging import MENU_TAGS, SITE_STARTED, ArticlesAt, page_count, page_number
from samplesite.responses import conditional, html_response, text_response, xml_response
from samplesite.shapes import tag_path
from samplesite.structure import SiteStructure

STYLESHEET = (
    "body{font-family:sans-serif;max-width:60em;margin:auto}.cookie-consent{position:fixed}\n"
)
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9"
)


class SampleSite(SiteStructure):
    """A generated news site. ``base_url``/``cdn_url`` are set by the server once it is bound."""

    # --- rendering -------------------------------------------------------------------------------

    def render(
        self, target: str, *, edition: int = 1, headers: Mapping[str, str] | None = None
    ) -> Response:
        """The response to ``GET target`` (path plus query) in an edition, conditional headers
        (If-None-Match, If-Modified-Since) honoured."""
        response = self._route(target, edition)
        if response.status == 200 and headers:
            response = conditional(response, headers)
        return response

    def _route(self, target: str, edition: int) -> Response:
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        s = self.shape
        if path == "/":
            return html_response(pages.home_page(self, edition), self.latest(edition))
        if path == self.robots_path:
            return text_response(feeds.robots_txt(self), "text/plain; charset=utf-8", SITE_STARTED)
        if path == self.sitemap_path:
            return xml_response(feeds.sitemap_index(self, edition), self.latest(edition))
        if path == "/sitemap-news.xml":
            return xml_response(feeds.news_sitemap(self, edition), self.latest(edition))
        if path == "/sitemap-pages.xml":
            return xml_response(feeds.pages_sitemap(self, edition), self.latest(edition))
        if m := re.fullmatch(r"/sitemap-articles-(\d+)\.xml", path):
            chunk = int(m.group(1))
            if 1 <= chunk <= feeds.chunk_count(self, edition):
                return xml_response(
                    feeds.articles_sitemap(self, chunk, edition), self.latest(edition)
                )
        if path == s.feed_path:
            return text_response(
                feeds.rss_feed(self, edition),
                "application/rss+xml; charset=utf-8",
                self.latest(edition),
            )
        if path == self.style.about_path:
            return html_response(pages.about_page(self), SITE_STARTED)
        if path == s.redirect_path.split("?")[0] and query:
            ids = parse_qs(query).get("id", [""])
            if ids[0] == str(self.redirect_id):
                location = self.url(self.planted.redirect_to)
                return Response(301, {"Location": location, "Content-Type": "text/html"}, b"")
        if path.startswith("/wp-content/uploads/") and path.endswith(".jpg"):
            return Response(200, {"Content-Type": "image/jpeg"}, JPEG)
        if path == "/static/site.css":
            return text_response(STYLESHEET, "text/css; charset=utf-8", SITE_STARTED)
        if (n := page_number(path, s.listing_prefix)) is not None:
            visible = self.visible(edition)
            if 1 <= n <= page_count(len(visible)):
                return pages.listing_response(
                    self, n, visible, s.listing_prefix, self.style.words["news"], edition
                )
        if m := re.fullmatch(r"/tag/([a-z0-9-]+)/(?:page/(\d+)/)?", path):
            tag = self.tag_index.get(m.group(1))
            n = int(m.group(2) or 1)
            if tag is not None:
                name, positions = tag
                size = bisect.bisect_left(positions, self.edition_count(edition))
                exists = size > 0 or m.group(1) in MENU_TAGS
                if exists and 1 <= n <= page_count(size) and (n > 1 or not m.group(2)):
                    prefix = tag_path(m.group(1))
                    items = ArticlesAt(self.articles, positions, size)
                    return pages.listing_response(self, n, items, prefix, name, edition)
        n = page_number(path, s.gallery_prefix)
        if n is not None and 1 <= n <= page_count(len(self.galleries)):
            return html_response(pages.gallery_index_page(self, n), self.galleries[-1].published)
        if path.startswith(s.gallery_prefix) and (m := re.search(r"-(\d+)/?$", path)):
            gallery = self._galleries.get(int(m.group(1)))
            if gallery is not None and path in self._both(self.gallery_path(gallery)):
                return html_response(pages.gallery_page(self, gallery), gallery.published)
        if (path.startswith(s.article_prefix) or path.startswith(s.drafts_prefix)) and (
            m := re.search(r"-(\d+)/?$", path)
        ):
            spec = self.find_article(int(m.group(1)), edition)
            if spec is not None and path in self._both(self.article_path(spec)):
                return pages.article_response(self, spec, edition)
        return pages.not_found(self)

    def _both(self, path: str) -> tuple[str, str]:
        return path, self.twin_path(path)

    # --- truth ------------------------------------------------------------------------------------

    def truth(self, edition: int = 1) -> Iterator[PageTruth]:
        """Every page of the site in an edition, lazily (see ``samplesite.truth``)."""
        return truth.site_truth(self, edition)

    def page_truth(self, path: str, edition: int = 1) -> PageTruth | None:
        """The truth of the page at a canonical path or one of its variants, if any."""
        return truth.page_truth(self, path, edition)

    def article_truth(self, spec: ArticleSpec, edition: int = 1) -> PageTruth:
        return truth.article_truth(self, spec, edition)
