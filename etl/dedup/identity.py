"""What identifies a cleaned story: its URL, the hash of its text, its MinHash signature.

The loader needs all three for every article it stores, and computing them is pure CPU work
(about 0.2 ms an article, most of it the signature). The cleaning workers compute them beside
the text (:func:`identify`), in parallel, so the loader - one process, holding the article
lock - spends its time writing; it computes them itself only for records that come without.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.clean.records import CleanedPage
from etl.dedup import neardup
from etl.dedup.fingerprint import content_hash
from etl.dedup.neardup import Signature
from etl.dedup.urls import normalize_url, same_site


@dataclass(frozen=True, slots=True)
class StoryIdentity:
    """The keys under which a story is stored and found again."""

    url: str  # the story URL: its canonical link when that stays on the site
    fetched_as: str  # the normalised URL it was fetched under (kept as an alias)
    content_hash: str  # exact duplicates share it (etl.dedup.fingerprint)
    signature: Signature  # near-duplicates have close ones (etl.dedup.neardup)


def story_url(page: CleanedPage, final_url: str, fetched_as: str | None = None) -> str:
    """The URL a story is stored under: its canonical link when it stays on the site.

    ``fetched_as`` is ``fetched_identity(final_url)`` when the caller has it already. A canonical
    link that cannot be parsed is hostile markup, not a reason to lose the page: it is ignored.
    """
    canonical = page.metadata.canonical_url
    if canonical and same_site(canonical, final_url):
        identity = normalize_url(canonical)
        if identity is not None:
            return identity
    return fetched_as if fetched_as is not None else fetched_identity(final_url)


def fetched_identity(final_url: str) -> str:
    """The identity of the URL a page was fetched from. The crawler fetched it, so it parses;
    a stored URL that does not (written by hand, say) stands for itself rather than stop a load."""
    identity = normalize_url(final_url)
    return identity if identity is not None else final_url.strip()


def identify(page: CleanedPage, final_url: str) -> StoryIdentity:
    """The identity of a cleaned page fetched from ``final_url``."""
    fetched_as = fetched_identity(final_url)
    return StoryIdentity(
        url=story_url(page, final_url, fetched_as),
        fetched_as=fetched_as,
        content_hash=content_hash(page.text),
        signature=neardup.signature(page.text),
    )
