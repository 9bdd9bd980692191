"""What a sample site holds and where each of its pages lives, without rendering any page.

``SiteStructure`` is what the page, feed and truth builders read; ``site.SampleSite`` adds the
routing of a path to its page on top. Keeping the two apart keeps the module graph acyclic: the
builders import this module, and only ``site`` imports the builders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import samplesite.render as r
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
from samplesite.model import ArticleSpec, GallerySpec
from samplesite.paging import MENU_TAGS
from samplesite.shapes import HOME_PATH, ROBOTS_PATH, SITEMAP_PATH
from samplesite.vocabulary import AUTHORS

TRACKING_QUERIES = (
    "utm_source=rss&utm_medium=feed&utm_campaign=endurance",
    "utm_source=facebook&utm_medium=social&fbclid=IwAR{h}",
    "gclid=Cj0KCQ{h}&utm_source=google&utm_medium=cpc",
    "utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
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


class SiteStructure:
    """A generated news site's articles, texts and paths. ``base_url``/``cdn_url`` are set by
    the server once it is bound."""

    home_path = HOME_PATH
    robots_path = ROBOTS_PATH
    sitemap_path = SITEMAP_PATH

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
        self.shape = style.shape
        self.name = style.shape.name
        self.language = style.shape.language
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
        self.base_url = f"http://{self.name}.test"
        self.cdn_url = f"http://cdn.{self.name}.test"

    # --- public description ------------------------------------------------------------------

    @property
    def feed_path(self) -> str:
        return self.shape.feed_path

    @property
    def start_paths(self) -> tuple[str, ...]:
        """Where a crawler starts: home page, sitemap index and feed (robots.txt names sitemaps)."""
        return self.shape.start_paths + self.shape.sitemap_paths + self.shape.feed_paths

    @property
    def feed_paths(self) -> tuple[str, ...]:
        return self.shape.feed_paths

    @property
    def sitemap_paths(self) -> tuple[str, ...]:
        return self.shape.sitemap_paths

    @property
    def article_path_regex(self) -> str:
        return self.shape.article_pattern

    @property
    def gallery_path_regex(self) -> str:
        return self.shape.gallery_pattern

    def url(self, path: str) -> str:
        """Absolute URL of a site-relative path (with the server's address once served)."""
        return self.base_url + path

    @cached_property
    def planted(self) -> Planted:
        target = self.articles[self.position_of(self.redirect_id)]
        return Planted(
            latin1=next((self.article_path(a) for a in self.articles if a.latin1), None),
            redirect_from=self.shape.redirect_from(self.redirect_id),
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
        shape = self._styles[origin.site].shape
        return origin.site, shape.article_path(
            origin.original.published, original.slug, origin.original.article_id
        )

    # --- paths -----------------------------------------------------------------------------------

    def article_path(self, spec: ArticleSpec) -> str:
        slug = self.head(spec).slug
        if spec.draft:
            return self.shape.draft_path(slug, spec.article_id)
        return self.shape.article_path(spec.published, slug, spec.article_id)

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
        return self.shape.gallery_path(text.head.slug, spec.gallery_id)

    def image_url(self, spec: ArticleSpec, size: str = "218x150") -> str:
        p = spec.published
        return (
            f"{self.cdn_url}/wp-content/uploads/{p.year}/{p.month:02d}/{spec.article_id}-{size}.jpg"
        )

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
