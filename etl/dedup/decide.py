"""What the loader does with each cleaned story: the decisions, apart from the writes.

A batch of stories meets the rows already stored under their URLs or texts. Whether a story is
new, an unchanged re-fetch, a new version of a known article, or an exact copy of another story,
and which story is the original of a near-duplicate, depends only on those records: these
functions decide it without a database (unit-tested in tests/test_dedup_decide.py), and
``etl.store.articles`` applies the result in a few batch statements.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, TypeVar

from etl.dedup.identity import StoryIdentity

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class StoredStory:
    """What the loader reads of a stored article to decide about a story that meets it."""

    id: int
    url: str
    content_hash: str
    title: str | None
    text: str
    last_changed_at: datetime


Action = Literal["new", "update", "unchanged", "duplicate"]


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """One story's fate. ``article_id`` is the stored row it updates, matches or copies (None
    for a new story); ``previous`` is the row an update replaces, kept as a version."""

    position: int
    action: Action
    article_id: int | None = None
    previous: StoredStory | None = None


@dataclass(slots=True)
class StoryPlan:
    """The decisions for a batch, in batch order, and the URLs to record for known rows."""

    decisions: list[StoryDecision] = field(default_factory=list)
    #: Stories left out before meeting the stored rows: a text or URL seen earlier in the batch.
    repeated_in_batch: int = 0
    #: ``(url, article id)`` for every URL a story was seen under whose row already exists.
    aliases: list[tuple[str, int]] = field(default_factory=list)

    def of(self, action: Action) -> list[StoryDecision]:
        return [d for d in self.decisions if d.action == action]


def unique_in_batch(identities: Sequence[StoryIdentity]) -> tuple[list[int], int]:
    """Positions of the stories to consider (the first with each URL and each text), and how
    many repeated an earlier one."""
    kept: list[int] = []
    urls: set[str] = set()
    hashes: set[str] = set()
    for position, identity in enumerate(identities):
        if identity.content_hash in hashes or identity.url in urls:
            continue
        hashes.add(identity.content_hash)
        urls.add(identity.url)
        kept.append(position)
    return kept, len(identities) - len(kept)


def seen_as(identity: StoryIdentity) -> set[str]:
    """The URLs a story is recorded under: its story URL and the normalised URL it was fetched
    as."""
    return {identity.url, identity.fetched_as}


def plan_stories(identities: Sequence[StoryIdentity], stored: Sequence[StoredStory]) -> StoryPlan:
    """Decide, for each story of a batch, against the rows stored under its URL or its text.

    - its URL is stored with the same text: unchanged;
    - its text is stored under another story: an exact duplicate of that story (only its URLs
      are recorded, for the URLs no row owns yet);
    - its URL is stored with another text: a new version of that article;
    - otherwise: new.
    """
    by_url = {row.url: row for row in stored}
    id_of_hash = {row.content_hash: row.id for row in stored}
    kept, repeated = unique_in_batch(identities)
    plan = StoryPlan(repeated_in_batch=repeated)
    for position in kept:
        identity = identities[position]
        urls = seen_as(identity)
        known = by_url.get(identity.url)
        owner = id_of_hash.get(identity.content_hash)
        if known is not None and known.content_hash == identity.content_hash:
            plan.decisions.append(StoryDecision(position, "unchanged", known.id))
            plan.aliases += [(u, known.id) for u in urls]
        elif owner is not None and (known is None or owner != known.id):
            plan.decisions.append(StoryDecision(position, "duplicate", owner))
            plan.aliases += [(u, owner) for u in urls if u not in by_url]
        elif known is not None:
            plan.decisions.append(StoryDecision(position, "update", known.id, previous=known))
            plan.aliases += [(u, known.id) for u in urls]
        else:
            plan.decisions.append(StoryDecision(position, "new"))
    return plan


@dataclass(slots=True)
class CopyPlan(Generic[K]):
    """Who is whose copy among new stories and the stored ones they resemble.

    ``duplicate_of``: new story -> the stored original it copies. ``superseded``: a stored
    story found to be the copy -> the new story that is its original (it was crawled first).
    ``in_batch``: (copy, original) pairs of new stories of the same batch.
    """

    duplicate_of: dict[K, int] = field(default_factory=dict)
    superseded: dict[int, K] = field(default_factory=dict)
    in_batch: list[tuple[K, K]] = field(default_factory=list)


def published_before(candidate: object, stored: datetime | None) -> bool:
    """True when ``candidate`` was published strictly before ``stored`` (both known)."""
    if not isinstance(candidate, datetime) or stored is None:
        return False
    try:
        return candidate < stored
    except TypeError:  # one naive, one aware: no safe order
        return False


def plan_copies(
    matches: Mapping[K, tuple[int | None, K | None]],
    published: Mapping[K, object],
    stored_published: Mapping[int, datetime | None],
) -> CopyPlan[K]:
    """The original of each near-duplicate is the earlier publication, whatever was crawled
    first.

    ``matches`` maps a new story to what it resembles: ``(stored article id, None)`` or
    ``(None, earlier story of the batch)``; ``published`` gives the new stories' dates,
    ``stored_published`` the stored matches' dates.
    """
    plan: CopyPlan[K] = CopyPlan()
    for key, (article_id, earlier) in matches.items():
        if article_id is not None:
            if published_before(published.get(key), stored_published.get(article_id)):
                plan.superseded[article_id] = key
            else:
                plan.duplicate_of[key] = article_id
        elif earlier is not None:
            copy, original = key, earlier
            if published_before(published.get(copy), published.get(original)):
                copy, original = original, copy  # batch order is not publication order
            plan.in_batch.append((copy, original))
    return plan
