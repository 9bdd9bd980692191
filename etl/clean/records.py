"""The records that travel between stages: a page as fetched, and a page as cleaned.

One shape per stage, handed on rather than copied: the spider yields a :class:`RawPage`, the
raw-page store writes it and reads the same record back (with its ``id``) for cleaning; the
cleaner returns a :class:`CleanedPage` that holds the page's :class:`PageMetadata`. Plain
dataclasses, so pure cleaning code is tested without a database or a network, and Scrapy takes
them as items (``scrapy crawl NAME -o pages.jsonl`` writes one JSON object per page).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PageKind = Literal["article", "listing", "gallery", "other"]


def _body_text(body: bytes) -> str:
    """How a feed export writes a body: JSON has no bytes (undecodable bytes are replaced)."""
    return body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class RawPage:
    """A response exactly as the crawler received it (or the error page of a dead link).

    ``url`` is the URL that was requested (the first one, when redirects followed);
    ``final_url`` the one that answered. Header names are as the server sent them, repeated
    headers joined with ", ". ``id`` is its ``raw_pages`` row, known once storage reads the
    page back.
    """

    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes = field(metadata={"serializer": _body_text})
    fetched_at: datetime
    id: int | None = None


@dataclass(slots=True)
class PageMetadata:
    """Everything the page says about itself, before cleaning looks at the body; cleaning then
    fills what the page left out (language, date, author from a dateline)."""

    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    description: str | None = None
    og_type: str | None = None
    #: The page's first ``<h1>``: often the title again, sometimes a section name.
    heading: str | None = None
    #: Every JSON-LD ``@type`` on the page, lower-cased (``newsarticle``, ``imagegallery``...).
    ld_types: set[str] = field(default_factory=set)
    #: The photo credit or copyright line, taken out of the text by cleaning.
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class Teaser:
    """A link to another page as a listing shows it: a hint about that page's title."""

    url: str
    title: str
    excerpt: str = ""
    image: str | None = None  # the teaser's own picture, an absolute URL


@dataclass(frozen=True, slots=True)
class RacingEntities:
    """What an article is about, in the gazetteer's canonical names (see etl/clean/entities.py)."""

    series: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    manufacturers: tuple[str, ...] = ()
    car_numbers: tuple[str, ...] = ()


@dataclass(slots=True)
class CleanedPage:
    """What the cleaning stage makes of one raw page.

    ``text`` holds the body as paragraphs separated by blank lines; for a gallery it holds the
    standfirst and the captions. ``removed`` counts, per rule name, the lines cleaning took out,
    so a run can say why text disappeared.
    """

    url: str
    kind: PageKind
    metadata: PageMetadata = field(default_factory=PageMetadata)
    text: str = ""
    teasers: list[Teaser] = field(default_factory=list)
    removed: Counter[str] = field(default_factory=Counter)
    # A dateline such as "G.N., Le Mans -" names the author's initials and the place.
    place: str | None = None
    entities: RacingEntities = field(default_factory=RacingEntities)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]
