"""Per-site recurring lines, learned from a sample of the site's own pages.

Large-scale cleaning pipelines (C4, RefinedWeb, datatrove's line filters) drop lines that recur
across many documents of one source: a signature, a ``Suivez-nous sur Twitter`` footer, a
newsletter box that the extractor could not tell from prose. Pitboard does the same per site:
:func:`learn_site_profile` counts, over a sample of a site's extracted texts, on how many pages
each line appears, and a line seen on a large share of them is boilerplate for that site. No
hand-kept list of any site's strings: the profile is data learned from the crawl.

The profile also keeps the titles and excerpts that the site's listings show (teasers), so the
cleaning rules can recognise a truncated teaser fragment of another page inside an article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: A line must appear on at least this share of sampled pages to count as recurring...
MIN_SHARE = 0.2
#: ...and on at least this many pages, so that two pages about one race do not make a quote
#: boilerplate.
MIN_PAGES = 4
#: Longer lines are prose; sites repeat short things (signatures, prompts, captions of logos).
MAX_LINE_CHARS = 300

_KEY_RE = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 16)
def line_key(line: str) -> str:
    """What makes two lines 'the same line': words only, case and punctuation ignored.

    Memoised: every rule asks for the keys of the same few hundred lines of a page.
    """
    return _KEY_RE.sub(" ", line.lower()).strip()


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """What a sample of one site's pages says about its recurring chrome and its own titles."""

    site: str
    pages: int = 0
    recurring: frozenset[str] = field(default_factory=frozenset)
    #: Line keys of titles and excerpts of the site's pages (from listings and articles).
    known_titles: frozenset[str] = field(default_factory=frozenset)

    def is_recurring(self, line: str) -> bool:
        key = line_key(line)
        return bool(key) and key in self.recurring

    def is_known_title_start(self, fragment_key: str, min_chars: int = 12) -> bool:
        """Does a (truncated) fragment start one of the site's known titles or excerpts?"""
        if len(fragment_key) < min_chars:
            return False
        return any(title.startswith(fragment_key) for title in self.known_titles)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, so a profile can be stored with the site and reused."""
        return {
            "site": self.site,
            "pages": self.pages,
            "recurring": sorted(self.recurring),
            "known_titles": sorted(self.known_titles),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteProfile:
        return cls(
            site=str(data["site"]),
            pages=int(data.get("pages", 0)),
            recurring=frozenset(data.get("recurring", ())),
            known_titles=frozenset(data.get("known_titles", ())),
        )


def learn_site_profile(
    site: str,
    texts: Iterable[str],
    titles: Iterable[str] = (),
    *,
    min_share: float = MIN_SHARE,
    min_pages: int = MIN_PAGES,
) -> SiteProfile:
    """Learn a site's recurring lines from extracted page texts (one string per page).

    ``titles`` are the titles and excerpts the site shows for its pages (teasers of its
    listings, titles of its articles); they let cleaning spot truncated teaser fragments.
    """
    page_counts: Counter[str] = Counter()
    pages = 0
    for text in texts:
        pages += 1
        keys = {
            line_key(line)
            for line in text.splitlines()
            if line.strip() and len(line) <= MAX_LINE_CHARS
        }
        page_counts.update(k for k in keys if k)
    threshold = max(min_pages, min_share * pages)
    recurring = frozenset(key for key, count in page_counts.items() if count >= threshold)
    known = frozenset(k for k in (line_key(t) for t in titles) if len(k) >= 12)
    return SiteProfile(site=site, pages=pages, recurring=recurring, known_titles=known)
