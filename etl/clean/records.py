"""The records that travel between stages: a page as fetched, and a page as cleaned.

Plain dataclasses so that pure cleaning code can be tested without a database or a network,
and so that the crawler, the loaders and the flows agree on one shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PageKind = Literal["article", "listing", "gallery", "other"]


@dataclass(frozen=True, slots=True)
class RawPage:
    """A response exactly as the crawler received it."""

    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Teaser:
    """A link to another page as a listing shows it: a hint about that page's title."""

    url: str
    title: str
    excerpt: str = ""


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
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    tags: list[str] = field(default_factory=list)
    text: str = ""
    teasers: list[Teaser] = field(default_factory=list)
    removed: Counter[str] = field(default_factory=Counter)
    # A dateline such as "G.N., Le Mans -" names the author's initials and the place.
    place: str | None = None
    entities: RacingEntities = field(default_factory=RacingEntities)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]
