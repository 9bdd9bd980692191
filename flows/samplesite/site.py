"""One sample site: its structure, the page for any path, and the truth about every page.

``SampleSite.render(path)`` answers like the web server would (status, headers, body) without a
socket, so benches can measure cleaning without HTTP. Everything is derived on demand from the
compact article specs; only small caches are kept.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cached_property
from urllib.parse import parse_qs, urlsplit

from flows.samplesite import render as r
from flows.samplesite.content import (
    Body,
    Head,
    article_body,
    article_head,
    article_lead,
    article_tags,
    copied_paragraphs,
    copy_head,
    edited_paragraphs,
    gallery_text,
    tag_slug,
)
from flows.samplesite.model import ArticleSpec, GallerySpec, PageTruth, Response
from flows.samplesite.vocabulary import AUTHORS, TEXTS

PER_PAGE = 20
SITEMAP_CHUNK = 10_000
NEWS_SITEMAP_SIZE = 1000
FEED_SIZE = 20
TRACKING_QUERIES = (
    "utm_source=rss&utm_medium=feed&utm_campaign=endurance",
    "utm_source=facebook&utm_medium=social&fbclid=IwAR{h}",
    "gclid=Cj0KCQ{h}&utm_source=google&utm_medium=cpc",
    "utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
)
# Tags the menu links on every page: their pages exist even when no article carries them yet.
MENU_TAGS = {"wec": "WEC", "elms": "ELMS", "imsa": "IMSA"}
SITE_STARTED = datetime(2016, 1, 1, tzinfo=UTC)
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
        target = self.articles[self._position[self.redirect_id]]
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
                self.seed, self.site_no, self.head(spec), spec.article_id, self._has_gallery(spec)
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

    def _has_gallery(self, spec: ArticleSpec) -> bool:
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

    def _link_variant(self, spec: ArticleSpec, slot: int) -> str:
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
            response = _conditional(response, headers)
        return response

    def _route(self, target: str, edition: int) -> Response:
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        s = self.style
        if path == "/":
            return self._html(self._home(edition), self._latest(edition))
        if path == self.robots_path:
            return self._text(self._robots(), "text/plain; charset=utf-8", SITE_STARTED)
        if path == self.sitemap_path:
            return self._xml(self._sitemap_index(edition), self._latest(edition))
        if path == "/sitemap-news.xml":
            return self._xml(self._news_sitemap(edition), self._latest(edition))
        if path == "/sitemap-pages.xml":
            return self._xml(self._pages_sitemap(edition), self._latest(edition))
        if m := re.fullmatch(r"/sitemap-articles-(\d+)\.xml", path):
            chunk = int(m.group(1))
            if 1 <= chunk <= self._chunk_count(edition):
                return self._xml(self._articles_sitemap(chunk, edition), self._latest(edition))
        if path == s.feed_path:
            return self._text(
                self._feed(edition), "application/rss+xml; charset=utf-8", self._latest(edition)
            )
        if path == s.about_path:
            return self._html(self._about(), SITE_STARTED)
        if path == s.redirect_path.split("?")[0] and query:
            ids = parse_qs(query).get("id", [""])
            if ids[0] == str(self.redirect_id):
                location = self.url(self.planted.redirect_to)
                return Response(301, {"Location": location, "Content-Type": "text/html"}, b"")
        if path.startswith("/wp-content/uploads/") and path.endswith(".jpg"):
            return Response(200, {"Content-Type": "image/jpeg"}, JPEG)
        if (n := _page_number(path, s.listing_prefix)) is not None:
            visible = self.visible(edition)
            if 1 <= n <= _pages(len(visible)):
                return self._listing_response(
                    n, visible, s.listing_prefix, s.words["news"], edition
                )
        if m := re.fullmatch(r"/tag/([a-z0-9-]+)/(?:page/(\d+)/)?", path):
            tag = self._tag_index.get(m.group(1))
            n = int(m.group(2) or 1)
            if tag is not None:
                name, positions = tag
                size = bisect.bisect_left(positions, self._edition_counts[min(edition, 2)])
                exists = size > 0 or m.group(1) in MENU_TAGS
                if exists and 1 <= n <= _pages(size) and (n > 1 or not m.group(2)):
                    prefix = f"/tag/{m.group(1)}/"
                    items = _ArticlesAt(self.articles, positions, size)
                    return self._listing_response(n, items, prefix, name, edition)
        n = _page_number(path, s.gallery_prefix)
        if n is not None and 1 <= n <= _pages(len(self.galleries)):
            return self._html(self._gallery_index(n), self.galleries[-1].published)
        if path.startswith(s.gallery_prefix) and (m := re.search(r"-(\d+)/?$", path)):
            gallery = self._galleries.get(int(m.group(1)))
            if gallery is not None and path in self._both(self.gallery_path(gallery)):
                return self._html(self._gallery_page(gallery), gallery.published)
        if (path.startswith(s.article_prefix) or path.startswith(s.drafts_prefix)) and (
            m := re.search(r"-(\d+)/?$", path)
        ):
            spec = self._find_article(int(m.group(1)), edition)
            if spec is not None and path in self._both(self.article_path(spec)):
                return self._article_response(spec, edition)
        return self._not_found()

    def _both(self, path: str) -> tuple[str, str]:
        return path, self.twin_path(path)

    def _find_article(self, article_id: int, edition: int) -> ArticleSpec | None:
        if article_id in self._drafts:
            return self._drafts[article_id]
        pos = self._position.get(article_id)
        if pos is None or self.articles[pos].edition > edition:
            return None
        return self.articles[pos]

    def _latest(self, edition: int) -> datetime:
        visible = self.visible(edition)
        stamps = [visible[-1].published]
        if edition >= 2:
            stamps += [a.edited_at for a in visible if a.edited and a.edited_at]
        return max(stamps)

    # --- response helpers ---------------------------------------------------------------------

    def _html(self, html: str, modified: datetime, latin1: bool = False) -> Response:
        if latin1:
            body = html.encode("iso-8859-1", errors="xmlcharrefreplace")
            return _ok(body, "text/html", modified)
        return _ok(html.encode("utf-8"), "text/html; charset=utf-8", modified)

    def _xml(self, xml: str, modified: datetime) -> Response:
        return _ok(xml.encode("utf-8"), "application/xml; charset=utf-8", modified)

    def _text(self, text: str, content_type: str, modified: datetime) -> Response:
        return _ok(text.encode("utf-8"), content_type, modified)

    def _not_found(self) -> Response:
        w = self.style.words
        main = (
            f'<div class="error-404"><h1>{r.esc(w["404"])}</h1><p>{r.esc(w["404_text"])}</p></div>'
        )
        html = r.page(
            self.style,
            base=self.base_url,
            title=f"{w['404']} | {self.style.title}",
            head_extra='<meta name="robots" content="noindex">\n',
            body_class="error404",
            main=main,
        )
        return Response(404, {"Content-Type": "text/html; charset=utf-8"}, html.encode())

    # --- pages ----------------------------------------------------------------------------------

    def _excerpt(self, spec: ArticleSpec, limit: int) -> str:
        """The start of an article's first paragraph, dateline dropped, always cut short."""
        if spec.copy_of is None:
            lead = article_lead(self.seed, self.site_no, self.head(spec), spec.article_id)
        else:
            lead = self.paragraphs(spec)[0]
        lead = re.sub(r"^[A-Z]\.(?:[A-Z]\.)+, .+? - ", "", lead)
        return r.truncate(lead, min(limit, len(lead) - 12), self.style.ellipsis)

    def _teaser(self, spec: ArticleSpec) -> str:
        head = self.head(spec)
        ellipsis = self.style.ellipsis
        excerpt = self._excerpt(spec, 150)
        path = self.article_path(spec)
        return r.teaser(
            path, self.image_url(spec), head.title, r.truncate(head.title, 60, ellipsis), excerpt
        )

    def _listing_response(
        self, n: int, items: Sequence[ArticleSpec], prefix: str, name: str, edition: int
    ) -> Response:
        """Page n of ``items`` (oldest first) shown newest first, without copying the list."""
        chunk = _newest_page(items, n)
        w = self.style.words

        def path_of(k: int) -> str:
            return prefix if k == 1 else f"{prefix}page/{k}/"

        title = name if n == 1 else f"{name} - {w['page']} {n}"
        teasers = "\n".join(self._teaser(a) for a in chunk)
        main = (
            f'<section class="archive"><h1 class="archive-title">{r.esc(title)}</h1>\n{teasers}\n'
            f"{r.pagination(self.style, n, _pages(len(items)), path_of)}</section>"
        )
        canonical = f'<link rel="canonical" href="{self.url(path_of(n))}">\n'
        html = r.page(
            self.style,
            base=self.base_url,
            title=f"{title} | {self.style.title}",
            head_extra=canonical,
            body_class="archive",
            main=main,
        )
        modified = max((self._modified(a, edition) for a in chunk), default=SITE_STARTED)
        return self._html(html, modified)

    def _modified(self, spec: ArticleSpec, edition: int) -> datetime:
        return self.updated(spec, edition) or spec.published

    def _home(self, edition: int) -> str:
        w = self.style.words
        newest = _newest_page(self.visible(edition), 1)
        teasers = "\n".join(self._teaser(a) for a in newest)
        drafts = "".join(
            f'<li><a href="{self.article_path(d)}">{r.esc(self.head(d).title)}</a></li>'
            for d in self.drafts
        )
        target = self.articles[self._position[self.redirect_id]]
        galleries = "".join(
            f'<li><a href="{self.gallery_path(g)}">'
            f"{r.esc(gallery_text(self.seed, self.site_no, self.language, g).head.title)}</a></li>"
            for g in self.galleries[::-1][:3]
        )
        main = (
            f'<section class="home-latest"><h1>{r.esc(w["latest"])}</h1>\n{teasers}\n'
            f'<p class="more"><a href="{self.style.listing_prefix}">{r.esc(w["more"])}'
            f"</a></p></section>\n"
            f'<section class="coming-soon"><h2>{r.esc(w["coming"])}</h2><ul>{drafts}</ul>'
            "</section>\n"
            f'<section class="features"><h2>{r.esc(w["features"])}</h2><ul>'
            f'<li><a href="{self.planted.redirect_from}">{r.esc(self.head(target).title)}</a></li>'
            f'<li><a href="{self.style.dead_path}">{r.esc(w["archive"])}</a></li></ul></section>\n'
            f'<section class="home-galleries"><h2>{r.esc(w["galleries"])}</h2><ul>{galleries}</ul>'
            "</section>"
        )
        return r.page(
            self.style,
            base=self.base_url,
            title=f"{self.style.title} - {self.style.tagline}",
            head_extra=f'<link rel="canonical" href="{self.url("/")}">\n'
            f'<meta property="og:type" content="website">\n',
            body_class="home",
            main=main,
        )

    def _about(self) -> str:
        w = self.style.words
        return r.page(
            self.style,
            base=self.base_url,
            title=f"{w['about']} | {self.style.title}",
            head_extra="",
            body_class="page",
            main=f'<article class="page"><h1>{r.esc(w["about"])}</h1>'
            f"<p>{r.esc(w['about_text'])}</p></article>",
        )

    def _article_response(self, spec: ArticleSpec, edition: int) -> Response:
        html = self._article_html(spec, edition)
        return self._html(html, self._modified(spec, edition), latin1=spec.latin1)

    def _related_targets(self, spec: ArticleSpec, count: int) -> list[ArticleSpec]:
        # Drafts link to what was published before them; nothing links to edition-2 articles
        # from edition-1 pages, so edition 2 leaves those pages byte-identical.
        pos = self._edition_counts[1] if spec.draft else self._position[spec.article_id]
        low = max(0, pos - 300)
        pool = range(low, pos)
        rng = random.Random((self.seed << 20) ^ spec.article_id ^ 0x5EED)
        return [self.articles[i] for i in rng.sample(pool, k=min(count, len(pool)))]

    def _article_html(self, spec: ArticleSpec, edition: int) -> str:
        s, w = self.style, self.style.words
        texts = TEXTS[self.language]
        head = self.head(spec)
        body = self.body(spec)
        paragraphs = self.paragraphs(spec, edition)
        updated = self.updated(spec, edition)
        canonical = self.url(self.article_path(spec))
        image = self.image_url(spec, "1200x630")
        description = r.truncate(paragraphs[0], 155, "...")
        meta = r.article_meta(
            title=head.title,
            description=description,
            author=head.author,
            canonical=canonical,
            image=image,
            published=spec.published,
            updated=updated,
            tags=head.tags,
            site_title=s.title,
            language=head.language,
        )
        targets = self._related_targets(spec, 3 * len(body.related_after))
        gallery_href = ""
        if body.gallery_caption:
            gallery = self.galleries[spec.article_id % len(self.galleries)]
            gallery_href = self.gallery_path(gallery)
        # Half the articles use the old theme, whose widgets are plain paragraphs in the body:
        # the noise of the seed pages, which extractors do not remove by themselves.
        inline = spec.article_id % 2 == 0
        blocks = []
        for i, paragraph in enumerate(paragraphs):
            blocks.append(f"<p>{r.esc(paragraph)}</p>")
            if body.gallery_caption and i in body.caption_after:
                blocks.append(r.gallery_embed(gallery_href, image, body.gallery_caption, inline))
            if i in body.related_after and i < len(paragraphs) - 1:
                k = body.related_after.index(i)
                chosen = targets[3 * k : 3 * k + 3]
                links = [
                    (self._link_variant(t, slot), self.head(t).title)
                    for slot, t in enumerate(chosen)
                ]
                excerpts = [self._excerpt(t, 90) for t in chosen] if inline else []
                if links:
                    label = texts["related"][k % 2]
                    blocks.append(r.related_widget(label, links, inline, excerpts))
        if body.gallery_caption:
            footer = texts["gallery_footer"] + body.gallery_caption
            if inline:  # plain text, as the seed's "Galerie: 2017 - ..." line
                blocks.append(f"<p>{r.esc(footer)}</p>")
            else:
                link = f'<a href="{gallery_href}">{r.esc(footer)}</a>'
                blocks.append(f'<div class="gallery-footer">{link}</div>')
        tags = " ".join(
            f'<a rel="tag" href="/tag/{tag_slug(t)}/">{r.esc(t)}</a>' for t in head.tags
        )
        # A draft is not in the tag index yet: its preview shows no tag links.
        tag_block = (
            "" if spec.draft else f'<div class="post-tags">{r.esc(w["tags"])} {tags}</div>\n'
        )

        modified_line = ""
        if updated is not None:
            modified_line = (
                f' <span class="updated">({r.esc(w["updated"])} {r.human_date(s, updated)})</span>'
            )
        main = (
            f'<article class="post">\n<h1 class="entry-title">{r.esc(head.title)}</h1>\n'
            f'<div class="entry-meta">{r.esc(w["by"])} <span class="author">{r.esc(head.author)}'
            f'</span> | <time datetime="{spec.published.isoformat()}">'
            f"{r.human_date(s, spec.published)}</time>{modified_line}</div>\n"
            f"{r.share_buttons(s, canonical, head.title)}\n"
            f'<div class="entry-content">\n' + "\n".join(blocks) + "\n</div>\n"
            f"{tag_block}"
            f"{r.share_buttons(s, canonical, head.title)}\n</article>"
        )
        return r.page(
            s,
            base=self.base_url,
            title=f"{head.title} | {s.title}",
            head_extra=meta,
            body_class="single-post",
            main=main,
            lang=head.language,
            charset=not spec.latin1,
        )

    def _gallery_index(self, n: int) -> str:
        w = self.style.words
        items = self.galleries[::-1][(n - 1) * PER_PAGE : n * PER_PAGE]
        entries = []
        for g in items:
            text = gallery_text(self.seed, self.site_no, self.language, g)
            href = self.gallery_path(g)
            entries.append(
                f'<article class="teaser gallery-teaser"><a href="{href}"><img src="{self.cdn_url}'
                f'/wp-content/uploads/galleries/{g.gallery_id}-218x150.jpg" alt=""></a>'
                f'<h2><a href="{href}">{r.esc(text.head.title)}</a></h2></article>'
            )
        prefix = self.style.gallery_prefix

        def path_of(k: int) -> str:
            return prefix if k == 1 else f"{prefix}page/{k}/"

        main = (
            f'<section class="archive"><h1>{r.esc(w["galleries"])}</h1>\n'
            + "\n".join(entries)
            + f"\n{r.pagination(self.style, n, _pages(len(self.galleries)), path_of)}</section>"
        )
        return r.page(
            self.style,
            base=self.base_url,
            title=f"{w['galleries']} | {self.style.title}",
            head_extra=f'<link rel="canonical" href="{self.url(path_of(n))}">\n',
            body_class="archive galleries",
            main=main,
        )

    def _gallery_page(self, spec: GallerySpec) -> str:
        text = gallery_text(self.seed, self.site_no, self.language, spec)
        canonical = self.url(self.gallery_path(spec))
        image = f"{self.cdn_url}/wp-content/uploads/galleries/{spec.gallery_id}-1.jpg"
        meta = r.article_meta(
            title=text.head.title,
            description=text.standfirst,
            author=text.head.author,
            canonical=canonical,
            image=image,
            published=spec.published,
            updated=None,
            tags=text.head.tags,
            site_title=self.style.title,
            language=self.language,
            kind="ImageGallery",
        )
        photos = "\n".join(
            f'<figure class="photo"><img src="{self.cdn_url}/wp-content/uploads/galleries/'
            f'{spec.gallery_id}-{i + 1}.jpg" alt=""><figcaption>{r.esc(c)}</figcaption></figure>'
            for i, c in enumerate(text.captions)
        )
        main = (
            f'<article class="gallery">\n<h1 class="entry-title">{r.esc(text.head.title)}</h1>\n'
            f'<p class="standfirst">{r.esc(text.standfirst)}</p>\n'
            f"{r.share_buttons(self.style, canonical, text.head.title)}\n"
            f'<div class="photos">\n{photos}\n</div>\n</article>'
        )
        return r.page(
            self.style,
            base=self.base_url,
            title=f"{text.head.title} | {self.style.title}",
            head_extra=meta,
            body_class="gallery",
            main=main,
        )

    # --- robots, sitemaps, feed -------------------------------------------------------------------

    def _robots(self) -> str:
        return (
            "User-agent: *\n"
            f"Disallow: {self.style.drafts_prefix}\n"
            "Disallow: /recherche/\n"
            "Disallow: /newsletter/\n\n"
            f"Sitemap: {self.url(self.sitemap_path)}\n"
            f"Sitemap: {self.url('/sitemap-news.xml')}\n"
        )

    def _chunk_count(self, edition: int) -> int:
        return max(1, math.ceil(len(self.visible(edition)) / SITEMAP_CHUNK))

    def _sitemap_index(self, edition: int) -> str:
        lastmod = self._latest(edition).isoformat()
        locs = ["/sitemap-news.xml", "/sitemap-pages.xml"] + [
            f"/sitemap-articles-{k}.xml" for k in range(1, self._chunk_count(edition) + 1)
        ]
        entries = "".join(
            f"<sitemap><loc>{self.url(p)}</loc><lastmod>{lastmod}</lastmod></sitemap>\n"
            for p in locs
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n"
        )

    def _news_sitemap(self, edition: int) -> str:
        entries = []
        visible = self.visible(edition)
        for spec in visible[: -NEWS_SITEMAP_SIZE - 1 : -1]:
            head = self.head(spec)
            entries.append(
                f"<url><loc>{self.url(self.article_path(spec))}</loc>"
                f"<lastmod>{self._modified(spec, edition).isoformat()}</lastmod>"
                f"<news:news><news:publication><news:name>{r.xml_escape(self.style.title)}"
                f"</news:name><news:language>{head.language}</news:language></news:publication>"
                f"<news:publication_date>{spec.published.isoformat()}</news:publication_date>"
                f"<news:title>{r.xml_escape(head.title)}</news:title></news:news></url>\n"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "".join(entries)
            + "</urlset>\n"
        )

    def _articles_sitemap(self, chunk: int, edition: int) -> str:
        specs = self.visible(edition)[(chunk - 1) * SITEMAP_CHUNK : chunk * SITEMAP_CHUNK]
        entries = "".join(
            f"<url><loc>{self.url(self.article_path(a))}</loc>"
            f"<lastmod>{self._modified(a, edition).isoformat()}</lastmod></url>\n"
            for a in specs
        )
        return _urlset(entries)

    def _pages_sitemap(self, edition: int) -> str:
        latest = self._latest(edition).isoformat()
        paths = [("/", latest), (self.style.listing_prefix, latest)]
        paths += [(self.gallery_path(g), g.published.isoformat()) for g in self.galleries]
        entries = "".join(
            f"<url><loc>{self.url(p)}</loc><lastmod>{m}</lastmod></url>\n" for p, m in paths
        )
        return _urlset(entries)

    def _feed(self, edition: int) -> str:
        items = []
        for spec in _newest_page(self.visible(edition), 1):
            head = self.head(spec)
            lead = self.paragraphs(spec, edition)[0]
            categories = "".join(f"<category>{r.xml_escape(t)}</category>" for t in head.tags)
            items.append(
                f"<item><title>{r.xml_escape(head.title)}</title>"
                f"<link>{r.xml_escape(self.url(self.tracked_path(spec)))}</link>"
                f'<guid isPermaLink="true">{self.url(self.article_path(spec))}</guid>'
                f"<pubDate>{format_datetime(spec.published)}</pubDate>"
                f"<dc:creator>{r.xml_escape(head.author)}</dc:creator>{categories}"
                f"<description>{r.xml_escape(r.truncate(lead, 200, '...'))}</description></item>\n"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
            f"<title>{r.xml_escape(self.style.title)}</title><link>{self.url('/')}</link>"
            f"<description>{r.xml_escape(self.style.tagline)}</description>"
            f"<language>{self.language}</language>"
            f"<lastBuildDate>{format_datetime(self._latest(edition))}</lastBuildDate>\n"
            + "".join(items)
            + "</channel>\n</rss>\n"
        )

    # --- tags -------------------------------------------------------------------------------------

    @cached_property
    def _tag_index(self) -> dict[str, tuple[str, list[int]]]:
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
        """Every page of the site in an edition, lazily: articles, drafts, galleries, listings,
        tag pages, robots/sitemaps/feed/about and the dead link."""
        for spec in self.visible(edition):
            yield self.article_truth(spec, edition)
        for spec in self.drafts:
            yield self.article_truth(spec, edition)
        for gallery in self.galleries:
            yield self.gallery_truth(gallery)
        yield from self._listing_truths(edition)
        yield from self._other_truths()

    def page_truth(self, path: str, edition: int = 1) -> PageTruth | None:
        """The truth of the page at a canonical path or one of its variants, if any.

        Articles are found by the id in their path; other pages by a scan of the truth.
        """
        if m := re.search(r"-(\d+)/?(?:\?.*)?$", path):
            spec = self._find_article(int(m.group(1)), edition)
            if spec is not None:
                truth = self.article_truth(spec, edition)
                if path == truth.path or path in truth.variants:
                    return truth
        for truth in self.truth(edition):
            if path == truth.path or path in truth.variants:
                return truth
        return None

    def article_truth(self, spec: ArticleSpec, edition: int = 1) -> PageTruth:
        head = self.head(spec)
        path = self.article_path(spec)
        variants = [self.twin_path(path)]
        if not spec.draft:
            variants.append(self.tracked_path(spec))
        if spec.article_id == self.redirect_id:
            variants.append(self.planted.redirect_from)
        return PageTruth(
            site=self.name,
            path=path,
            url=self.url(path),
            kind="article",
            status=200,
            title=head.title,
            author=head.author,
            published=spec.published,
            updated=self.updated(spec, edition),
            language=head.language,
            paragraphs=self.paragraphs(spec, edition),
            tags=head.tags,
            series=(head.series,),
            classes=head.classes,
            manufacturers=head.manufacturers,
            car_numbers=head.car_numbers,
            reachable=not spec.draft,
            republished_from=self.original_of(spec),
            edited=spec.edited,
            encoding="iso-8859-1" if spec.latin1 else "utf-8",
            variants=tuple(variants),
            edition=edition,
        )

    def gallery_truth(self, spec: GallerySpec) -> PageTruth:
        text = gallery_text(self.seed, self.site_no, self.language, spec)
        path = self.gallery_path(spec)
        head = text.head
        return PageTruth(
            site=self.name,
            path=path,
            url=self.url(path),
            kind="gallery",
            status=200,
            title=head.title,
            author=head.author,
            published=spec.published,
            updated=None,
            language=self.language,
            paragraphs=(text.standfirst, *text.captions),
            tags=head.tags,
            series=(head.series,),
            classes=head.classes,
            manufacturers=head.manufacturers,
            car_numbers=head.car_numbers,
            reachable=True,
            republished_from=None,
            edited=False,
            encoding="utf-8",
            variants=(self.twin_path(path),),
        )

    def _simple_truth(
        self, path: str, kind: str, title: str | None, status: int = 200
    ) -> PageTruth:
        return PageTruth(
            site=self.name,
            path=path,
            url=self.url(path),
            kind=kind,  # type: ignore[arg-type]
            status=status,
            title=title,
            author=None,
            published=None,
            updated=None,
            language=self.language,
            paragraphs=(),
            tags=(),
            series=(),
            classes=(),
            manufacturers=(),
            car_numbers=(),
            reachable=True,
            republished_from=None,
            edited=False,
            encoding="utf-8",
        )

    def _listing_truths(self, edition: int) -> Iterator[PageTruth]:
        w = self.style.words
        yield self._simple_truth("/", "listing", f"{self.style.title} - {self.style.tagline}")
        prefix = self.style.listing_prefix
        for n in range(1, _pages(len(self.visible(edition))) + 1):
            yield self._simple_truth(
                prefix if n == 1 else f"{prefix}page/{n}/",
                "listing",
                _listing_title(w, w["news"], n),
            )
        count = self._edition_counts[min(edition, 2)]
        for slug, (name, positions) in self._tag_index.items():
            size = bisect.bisect_left(positions, count)
            if size == 0 and slug not in MENU_TAGS:
                continue
            for n in range(1, _pages(size) + 1):
                path = f"/tag/{slug}/" if n == 1 else f"/tag/{slug}/page/{n}/"
                yield self._simple_truth(path, "listing", _listing_title(w, name, n))
        prefix = self.style.gallery_prefix
        for n in range(1, _pages(len(self.galleries)) + 1):
            path = prefix if n == 1 else f"{prefix}page/{n}/"
            yield self._simple_truth(path, "listing", w["galleries"])

    def _other_truths(self) -> Iterator[PageTruth]:
        w = self.style.words
        yield self._simple_truth(self.robots_path, "other", None)
        yield self._simple_truth(self.sitemap_path, "other", None)
        yield self._simple_truth("/sitemap-news.xml", "other", None)
        yield self._simple_truth("/sitemap-pages.xml", "other", None)
        for k in range(1, self._chunk_count(2) + 1):
            yield self._simple_truth(f"/sitemap-articles-{k}.xml", "other", None)
        yield self._simple_truth(self.feed_path, "other", self.style.title)
        yield self._simple_truth(self.style.about_path, "other", w["about"])
        yield self._simple_truth(self.style.dead_path, "other", w["404"], status=404)


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


def _listing_title(w: Mapping[str, str], name: str, n: int) -> str:
    return name if n == 1 else f"{name} - {w['page']} {n}"


class _ArticlesAt(Sequence[ArticleSpec]):
    """The first ``size`` articles at ``positions``: a tag's articles, without a copy."""

    def __init__(self, articles: list[ArticleSpec], positions: list[int], size: int) -> None:
        self._articles, self._positions, self._size = articles, positions, size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        return self._articles[self._positions[index]]


def _newest_page(items: Sequence[ArticleSpec], n: int) -> list[ArticleSpec]:
    """Page n (from 1) of ``items`` ordered newest first; ``items`` is oldest first."""
    stop = len(items) - (n - 1) * PER_PAGE
    return [items[i] for i in range(stop - 1, max(stop - PER_PAGE, 0) - 1, -1)]


def _pages(count: int) -> int:
    return max(1, math.ceil(count / PER_PAGE))


def _page_number(path: str, prefix: str) -> int | None:
    if path == prefix:
        return 1
    if path.startswith(prefix + "page/") and (
        m := re.fullmatch(r"page/(\d+)/", path[len(prefix) :])
    ):
        number = int(m.group(1))
        return number if number > 1 else None
    return None


def _urlset(entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n"
    )


def _ok(body: bytes, content_type: str, modified: datetime) -> Response:
    etag = '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'
    return Response(
        200,
        {
            "Content-Type": content_type,
            "ETag": etag,
            "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
            "Cache-Control": "max-age=300",
        },
        body,
    )


def _conditional(response: Response, headers: Mapping[str, str]) -> Response:
    """304 when the client's validators still match (If-None-Match wins over If-Modified-Since)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    keep = {
        k: v for k, v in response.headers.items() if k in ("ETag", "Last-Modified", "Cache-Control")
    }
    if (tags := lowered.get("if-none-match")) is not None:
        wanted = {t.strip() for t in tags.split(",")}
        if "*" in wanted or response.headers["ETag"] in wanted:
            return Response(304, keep, b"")
        return response
    if (since := lowered.get("if-modified-since")) is not None:
        try:
            since_at = parsedate_to_datetime(since)
            modified = parsedate_to_datetime(response.headers["Last-Modified"])
        except (TypeError, ValueError):
            return response
        if since_at.tzinfo is not None and modified <= since_at:
            return Response(304, keep, b"")
    return response
