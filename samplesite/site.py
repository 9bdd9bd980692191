"""One sample site: its structure, the page for any path, and the truth about every page.

``SampleSite.render(path)`` answers like the web server would (status, headers, body) without a
socket, so benches can measure cleaning without HTTP. Everything is derived on demand from the
compact article specs; only small caches are kept.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from urllib.parse import parse_qs, urlsplit

from samplesite import feeds, pages, truth
from samplesite import render as r
from samplesite.content import (
    Body,
    Head,
    article_body,
    article_head,
    article_tags,
    copied_paragraphs,
    copy_head,
    edited_paragraphs,
    gallery_text,
    tag_slug,
)
from samplesite.model import ArticleSpec, GallerySpec, PageTruth, Response
from samplesite.paging import MENU_TAGS, SITE_STARTED, ArticlesAt, page_count, page_number
from samplesite.responses import conditional, html_response, text_response, xml_response
from samplesite.vocabulary import AUTHORS

TRACKING_QUERIES = (
    "utm_source=rss&utm_medium=feed&utm_campaign=endurance",
    "utm_source=facebook&utm_medium=social&fbclid=IwAR{h}",
    "gclid=Cj0KCQ{h}&utm_source=google&utm_medium=cpc",
    "utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
)
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


@dataclass(frozen=True, slots=True)
class Planted:
    """The special pages a test looks for, as site-relative paths."""

    latin1: str | None
    redirect_from: str
    redirect_to: str
    dead: str
    drafts: tuple[str, ...]
    edited: tuple[str, ...]
    added: tuple[str, ...]
    republished: tuple[tuple[str, tuple[str, str]], ...]


class SampleSite:
    """A generated news site. ``base_url``/``cdn_url`` are set by the server once it is bound."""

    home_path = "/"
    robots_path = "/robots.txt"
    sitemap_path = "/sitemap.xml"

    def __init__(
        self,
        style: r.Style,
        *,
        seed: int,
        site_no: int,
        articles: list[ArticleSpec],
        drafts: list[ArticleSpec],
        galleries: list[GallerySpec],
        redirect_id: int,
        styles: Mapping[str, r.Style],
    ) -> None:
        self.style = style
        self.name = style.name
        self.language = style.language
        self.seed = seed
        self.site_no = site_no
        self.articles = articles
        self.drafts = drafts
        self.galleries = galleries
        self.redirect_id = redirect_id
        self._styles = styles
        self._edition_counts = {1: sum(1 for a in articles if a.edition == 1), 2: len(articles)}
        self._position = {a.article_id: i for i, a in enumerate(articles)}
        self._drafts = {a.article_id: a for a in drafts}
        self._galleries = {g.gallery_id: g for g in galleries}
        self.base_url = f"http://{style.name}.test"
        self.cdn_url = f"http://cdn.{style.name}.test"

    # --- public description ------------------------------------------------------------------

    @property
    def feed_path(self) -> str:
        return self.style.feed_path

    @property
    def start_paths(self) -> tuple[str, ...]:
        """Where a crawler starts: home page, sitemap index and feed (robots.txt names sitemaps)."""
        return (self.home_path, self.sitemap_path, self.feed_path)

    @property
    def feed_paths(self) -> tuple[str, ...]:
        return (self.style.feed_path,)

    @property
    def sitemap_paths(self) -> tuple[str, ...]:
        """The sitemap index; robots.txt names it (and the news sitemap) too."""
        return (self.sitemap_path,)

    @property
    def article_path_regex(self) -> str:
        """Matches the path of every published article, trailing-slash twin included
        (drafts excluded: robots.txt forbids them anyway)."""
        day = r"\d{4}/\d{2}/" if self.language == "fr" else r"\d{4}/\d{2}/\d{2}/"
        return rf"^{re.escape(self.style.article_prefix)}{day}[a-z0-9-]+-\d+/?$"

    @property
    def gallery_path_regex(self) -> str:
        return rf"^{re.escape(self.style.gallery_prefix)}[a-z0-9-]+-\d+/?$"

    def url(self, path: str) -> str:
        """Absolute URL of a site-relative path (with the server's address once served)."""
        return self.base_url + path

    @cached_property
    def planted(self) -> Planted:
        target = self.articles[self.position_of(self.redirect_id)]
        return Planted(
            latin1=next((self.article_path(a) for a in self.articles if a.latin1), None),
            redirect_from=self.style.redirect_path.format(id=self.redirect_id),
            redirect_to=self.article_path(target),
            dead=self.style.dead_path,
            drafts=tuple(self.article_path(a) for a in self.drafts),
            edited=tuple(self.article_path(a) for a in self.articles if a.edited),
            added=tuple(self.article_path(a) for a in self.articles if a.edition == 2),
            republished=tuple(
                (self.article_path(a), self.original_of(a))
                for a in self.articles
                if a.copy_of is not None
            ),
        )

    def edition_count(self, edition: int) -> int:
        """How many published articles an edition has (edition 2 adds a few at the end)."""
        return self._edition_counts[min(edition, 2)]

    def position_of(self, article_id: int) -> int:
        """Index of a published article in ``articles`` (oldest first)."""
        return self._position[article_id]

    def modified(self, spec: ArticleSpec, edition: int) -> datetime:
        """When an article last changed in an edition: its Last-Modified and sitemap lastmod."""
        return self.updated(spec, edition) or spec.published

    def visible(self, edition: int = 1) -> list[ArticleSpec]:
        """Published articles of an edition, oldest first (drafts excluded). Do not mutate."""
        return self._visible[min(edition, 2)]

    @cached_property
    def _visible(self) -> dict[int, list[ArticleSpec]]:
        return {1: self.articles[: self._edition_counts[1]], 2: self.articles}

    # --- content -------------------------------------------------------------------------------

    def head(self, spec: ArticleSpec) -> Head:
        if spec.copy_of is None:
            return article_head(self.seed, self.site_no, self.language, spec)
        origin = spec.copy_of
        original = article_head(self.seed, origin.site_no, origin.language, origin.original)
        return copy_head(self.seed, self.site_no, original, spec, self._author(spec))

    def _author(self, spec: ArticleSpec) -> str:
        names = AUTHORS[self.language]
        return names[spec.author % len(names)]

    def body(self, spec: ArticleSpec) -> Body:
        if spec.copy_of is None:
            return article_body(
                self.seed, self.site_no, self.head(spec), spec.article_id, self.has_gallery(spec)
            )
        origin = spec.copy_of
        original = article_head(self.seed, origin.site_no, origin.language, origin.original)
        body = article_body(self.seed, origin.site_no, original, origin.original.article_id, False)
        return Body(body.paragraphs, None, (), body.related_after, body.lead_rest)

    def paragraphs(self, spec: ArticleSpec, edition: int = 1) -> tuple[str, ...]:
        body = self.body(spec)
        if spec.copy_of is not None:
            return copied_paragraphs(self.seed, self.site_no, self.head(spec), body, spec)
        if spec.edited and edition >= 2:
            return edited_paragraphs(
                self.seed, self.site_no, self.head(spec), body, spec.article_id
            )
        return body.paragraphs

    def updated(self, spec: ArticleSpec, edition: int = 1) -> datetime | None:
        if spec.edited and edition >= 2:
            assert spec.edited_at is not None
            return spec.edited_at
        if spec.updated_hours:
            return spec.published + timedelta(hours=spec.updated_hours)
        return None

    def has_gallery(self, spec: ArticleSpec) -> bool:
        return bool(self.galleries) and spec.article_id % 5 < 2

    def original_of(self, spec: ArticleSpec) -> tuple[str, str] | None:
        if spec.copy_of is None:
            return None
        origin = spec.copy_of
        original = article_head(self.seed, origin.site_no, origin.language, origin.original)
        return origin.site, article_path_for(self._styles[origin.site], origin.original, original)

    # --- paths -----------------------------------------------------------------------------------

    def article_path(self, spec: ArticleSpec) -> str:
        if spec.draft:
            return draft_path_for(self.style, spec, self.head(spec))
        return article_path_for(self.style, spec, self.head(spec))

    def twin_path(self, path: str) -> str:
        return path[:-1] if path.endswith("/") else path + "/"

    def tracked_path(self, spec: ArticleSpec) -> str:
        query = TRACKING_QUERIES[spec.article_id % len(TRACKING_QUERIES)]
        digest = hashlib.blake2b(str(spec.article_id).encode(), digest_size=6).hexdigest()
        return self.article_path(spec) + "?" + query.format(h=digest)

    def link_variant(self, spec: ArticleSpec, slot: int) -> str:
        path = self.article_path(spec)
        choice = (spec.article_id + slot) % 3
        if choice == 1:
            return self.twin_path(path)
        if choice == 2:
            return self.tracked_path(spec)
        return path

    def gallery_path(self, spec: GallerySpec) -> str:
        text = gallery_text(self.seed, self.site_no, self.language, spec)
        tail = "/" if self.style.canonical_slash else ""
        return f"{self.style.gallery_prefix}{text.head.slug}-{spec.gallery_id}{tail}"

    def image_url(self, spec: ArticleSpec, size: str = "218x150") -> str:
        p = spec.published
        return (
            f"{self.cdn_url}/wp-content/uploads/{p.year}/{p.month:02d}/{spec.article_id}-{size}.jpg"
        )

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
        s = self.style
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
        if path == s.about_path:
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
                    self, n, visible, s.listing_prefix, s.words["news"], edition
                )
        if m := re.fullmatch(r"/tag/([a-z0-9-]+)/(?:page/(\d+)/)?", path):
            tag = self.tag_index.get(m.group(1))
            n = int(m.group(2) or 1)
            if tag is not None:
                name, positions = tag
                size = bisect.bisect_left(positions, self.edition_count(edition))
                exists = size > 0 or m.group(1) in MENU_TAGS
                if exists and 1 <= n <= page_count(size) and (n > 1 or not m.group(2)):
                    prefix = f"/tag/{m.group(1)}/"
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

    def find_article(self, article_id: int, edition: int) -> ArticleSpec | None:
        if article_id in self._drafts:
            return self._drafts[article_id]
        pos = self._position.get(article_id)
        if pos is None or self.articles[pos].edition > edition:
            return None
        return self.articles[pos]

    def latest(self, edition: int) -> datetime:
        visible = self.visible(edition)
        stamps = [visible[-1].published]
        if edition >= 2:
            stamps += [a.edited_at for a in visible if a.edited and a.edited_at]
        return max(stamps)

    # --- tags -------------------------------------------------------------------------------------

    @cached_property
    def tag_index(self) -> dict[str, tuple[str, list[int]]]:
        """Tag slug -> (shown name, article positions oldest first); built on first use."""
        # The menu links these on every page: they exist even on a site too small to use them.
        index: dict[str, tuple[str, list[int]]] = {
            slug: (name, []) for slug, name in MENU_TAGS.items()
        }
        for pos, spec in enumerate(self.articles):
            if spec.copy_of is None:
                tags = article_tags(self.seed, self.site_no, self.language, spec)
            else:
                tags = self.head(spec).tags
            for tag in tags:
                index.setdefault(tag_slug(tag), (tag, []))[1].append(pos)
        return index

    # --- truth ------------------------------------------------------------------------------------

    def truth(self, edition: int = 1) -> Iterator[PageTruth]:
        """Every page of the site in an edition, lazily (see ``samplesite.truth``)."""
        return truth.site_truth(self, edition)

    def page_truth(self, path: str, edition: int = 1) -> PageTruth | None:
        """The truth of the page at a canonical path or one of its variants, if any."""
        return truth.page_truth(self, path, edition)

    def article_truth(self, spec: ArticleSpec, edition: int = 1) -> PageTruth:
        return truth.article_truth(self, spec, edition)


def article_path_for(style: r.Style, spec: ArticleSpec, head: Head) -> str:
    """Canonical path of a published article on a site of that style."""
    p = spec.published
    tail = "/" if style.canonical_slash else ""
    if style.language == "fr":
        return f"{style.article_prefix}{p.year}/{p.month:02d}/{head.slug}-{spec.article_id}{tail}"
    day = f"{p.year}/{p.month:02d}/{p.day:02d}"
    return f"{style.article_prefix}{day}/{head.slug}-{spec.article_id}{tail}"


def draft_path_for(style: r.Style, spec: ArticleSpec, head: Head) -> str:
    tail = "/" if style.canonical_slash else ""
    return f"{style.drafts_prefix}{head.slug}-{spec.article_id}{tail}"
