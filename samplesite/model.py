"""The sample sites' records: the compact spec of each page, a rendered response, and the truth.

A site holds one small ``ArticleSpec`` per article (a few fields, no text): the text is derived
from the spec and the seed whenever a page is rendered, so a 100,000-article site costs a few
megabytes, not gigabytes. ``PageTruth`` is what tests compare the pipeline's output against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PageKind = Literal["article", "listing", "gallery", "other"]


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    """Everything about an article that is not derived from its seed.

    ``article_id`` is stable (it appears in the URL); ``edition`` is the first edition in which
    the article exists; ``edited`` says that edition 2 changes its text; ``draft`` places it in
    the robots-disallowed section; ``edited_at`` is its edition-2 modification time;
    ``latin1`` serves it in ISO-8859-1 without any charset label.
    """

    article_id: int
    published: datetime
    author: int
    updated_hours: int = 0
    edition: int = 1
    edited: bool = False
    draft: bool = False
    latin1: bool = False
    copy_of: Republish | None = None
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Republish:
    """How a copy on one site was made from an original on another: which changes were applied.

    The original's spec, site number and language are kept so the copy's text can be derived
    without access to the other site object.
    """

    site: str
    site_no: int
    language: str
    original: ArticleSpec
    new_headline: bool
    new_opening: bool
    source_footer: bool


@dataclass(frozen=True, slots=True)
class GallerySpec:
    """A photo-gallery page: its entities and text come from its seed, like an article's."""

    gallery_id: int
    published: datetime
    author: int


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP answer, as the server sends it and as benches read it without a socket."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded the way its own headers (or its markup) say."""
        charset = "utf-8"
        content_type = self.headers.get("Content-Type", "")
        if "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].strip()
        elif content_type.startswith("text/html") and b"charset=" not in self.body[:1024]:
            charset = "iso-8859-1"
        return self.body.decode(charset)


@dataclass(frozen=True, slots=True)
class PageTruth:
    """What a page is, as the generator knows it.

    ``path`` is the canonical site-relative path (with its query, if any); ``variants`` are the
    other paths that reach the same content (trailing-slash twin, tracking-parameter links,
    the old URL that redirects here). ``paragraphs`` are the exact body paragraph texts in order,
    the dateline included; for a gallery, the standfirst then one caption per photo. ``series``
    uses canonical names ('WEC', 'Le Mans 24 Hours', 'ELMS', 'Asian Le Mans Series', 'IMSA',
    'GT World Challenge', 'Porsche Carrera Cup') whatever the language the text uses.
    ``reachable`` is True when a crawler that starts from the home page, robots.txt's sitemaps and
    the feed, and obeys robots.txt, can get to the page. ``url`` is absolute for the base URL the
    site had when the truth was produced.
    """

    site: str
    path: str
    url: str
    kind: PageKind
    status: int
    title: str | None
    author: str | None
    published: datetime | None
    updated: datetime | None
    language: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    series: tuple[str, ...]
    classes: tuple[str, ...]
    manufacturers: tuple[str, ...]
    car_numbers: tuple[str, ...]
    reachable: bool
    republished_from: tuple[str, str] | None
    edited: bool
    encoding: str
    variants: tuple[str, ...] = ()
    edition: int = 1

    @property
    def text(self) -> str:
        """The body as the cleaning stage writes it: paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def variant_urls(self) -> tuple[str, ...]:
        """The variants as absolute URLs on the same base as ``url``."""
        base = self.url[: len(self.url) - len(self.path)]
        return tuple(base + v for v in self.variants)
