"""Where each kind of page lives on the sample sites: their URL shapes, as plain data.

One statement read twice: the generator builds every URL from these shapes, and the crawler's
site registry (``crawler.sites``) turns them into the sample sites' descriptions. Standard
library only, and no other samplesite module, so that the crawler can read it without loading
the generator (``samplesite/__init__`` loads the rest lazily).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

HOME_PATH = "/"
ROBOTS_PATH = "/robots.txt"
SITEMAP_PATH = "/sitemap.xml"
TAG_PREFIX = "/tag/"
# What ends the path of an article, draft or gallery: its slug and id (a twin has no slash, or
# one more).
_SLUG_ID = r"[a-z0-9-]+-\d+/?$"


def page_path(prefix: str, n: int) -> str:
    """Page n (from 1) of the listing at ``prefix``."""
    return prefix if n == 1 else f"{prefix}page/{n}/"


def tag_path(slug: str, n: int = 1) -> str:
    return page_path(f"{TAG_PREFIX}{slug}/", n)


@dataclass(frozen=True, slots=True)
class SiteShape:
    """One sample site's URL shapes.

    ``article_day``: the date in an article's path includes the day, not only the month.
    ``redirect_path`` is the old URL scheme that redirects to an article, formatted with its id.
    ``canonical_slash``: canonical paths end with a slash (their twins do not, or vice versa).
    """

    name: str
    language: str
    article_prefix: str
    article_day: bool
    listing_prefix: str
    gallery_prefix: str
    drafts_prefix: str
    feed_path: str
    redirect_path: str
    canonical_slash: bool

    # --- discovery -----------------------------------------------------------------------------

    @property
    def start_paths(self) -> tuple[str, ...]:
        """The pages a crawl starts from (sitemaps and feeds are named apart)."""
        return (HOME_PATH,)

    @property
    def sitemap_paths(self) -> tuple[str, ...]:
        """The sitemap index; robots.txt names it (and the news sitemap) too."""
        return (SITEMAP_PATH,)

    @property
    def feed_paths(self) -> tuple[str, ...]:
        return (self.feed_path,)

    # --- patterns, searched in the site-relative target (path plus ?query) ----------------------

    @property
    def article_pattern(self) -> str:
        """Every published article's path, trailing-slash twin included (drafts excluded)."""
        day = r"\d{4}/\d{2}/\d{2}/" if self.article_day else r"\d{4}/\d{2}/"
        return rf"^{re.escape(self.article_prefix)}{day}{_SLUG_ID}"

    @property
    def draft_pattern(self) -> str:
        return rf"^{re.escape(self.drafts_prefix)}{_SLUG_ID}"

    @property
    def gallery_pattern(self) -> str:
        return rf"^{re.escape(self.gallery_prefix)}{_SLUG_ID}"

    @property
    def article_patterns(self) -> tuple[str, ...]:
        """Articles, drafts included: robots.txt, not the URL shape, keeps a crawler out of
        the drafts."""
        return (self.article_pattern, self.draft_pattern)

    @property
    def follow_patterns(self) -> tuple[str, ...]:
        """Listings worth fetching for their links: home, news and tag pages (paginated), the
        galleries and their index, and the old URLs that redirect to articles."""
        return (
            rf"^{re.escape(HOME_PATH)}$",
            rf"^{re.escape(self.listing_prefix)}(page/\d+/)?$",
            rf"^{re.escape(TAG_PREFIX)}[a-z0-9-]+/(page/\d+/)?$",
            rf"^{re.escape(self.gallery_prefix)}",
            rf"^{re.escape(self.redirect_path.format(id=''))}\d+$",
        )

    # --- paths ---------------------------------------------------------------------------------

    @property
    def _tail(self) -> str:
        return "/" if self.canonical_slash else ""

    def article_path(self, published: datetime, slug: str, article_id: int) -> str:
        """Canonical path of a published article."""
        p = published
        date = f"{p.year}/{p.month:02d}" + (f"/{p.day:02d}" if self.article_day else "")
        return f"{self.article_prefix}{date}/{slug}-{article_id}{self._tail}"

    def draft_path(self, slug: str, article_id: int) -> str:
        return f"{self.drafts_prefix}{slug}-{article_id}{self._tail}"

    def gallery_path(self, slug: str, gallery_id: int) -> str:
        return f"{self.gallery_prefix}{slug}-{gallery_id}{self._tail}"

    def redirect_from(self, article_id: int) -> str:
        return self.redirect_path.format(id=article_id)


SAMPLE_FR = SiteShape(
    name="sample-fr",
    language="fr",
    article_prefix="/actualites/",
    article_day=False,
    listing_prefix="/actualites/",
    gallery_prefix="/galeries/",
    drafts_prefix="/brouillons/",
    feed_path="/feed/",
    redirect_path="/article.php?id={id}",
    canonical_slash=True,
)

SAMPLE_EN = SiteShape(
    name="sample-en",
    language="en",
    article_prefix="/news/",
    article_day=True,
    listing_prefix="/news/",
    gallery_prefix="/galleries/",
    drafts_prefix="/drafts/",
    feed_path="/rss.xml",
    redirect_path="/index.php?id={id}",
    canonical_slash=False,
)

SHAPES: dict[str, SiteShape] = {shape.name: shape for shape in (SAMPLE_FR, SAMPLE_EN)}
