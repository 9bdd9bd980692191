"""Pagination of article lists, newest first, without copying 100,000-item lists."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from samplesite.model import ArticleSpec

PER_PAGE = 20
# Tags the menu links on every page: their pages exist even when no article carries them yet.
MENU_TAGS = {"wec": "WEC", "elms": "ELMS", "imsa": "IMSA"}
# Last-Modified of pages that do not change with articles (robots.txt, about, empty tags).
SITE_STARTED = datetime(2016, 1, 1, tzinfo=UTC)


class ArticlesAt(Sequence[ArticleSpec]):
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


def newest_page(items: Sequence[ArticleSpec], n: int) -> list[ArticleSpec]:
    """Page n (from 1) of ``items`` ordered newest first; ``items`` is oldest first."""
    stop = len(items) - (n - 1) * PER_PAGE
    return [items[i] for i in range(stop - 1, max(stop - PER_PAGE, 0) - 1, -1)]


def page_count(count: int) -> int:
    return max(1, math.ceil(count / PER_PAGE))


def page_number(path: str, prefix: str) -> int | None:
    if path == prefix:
        return 1
    if path.startswith(prefix + "page/") and (
        m := re.fullmatch(r"page/(\d+)/", path[len(prefix) :])
    ):
        number = int(m.group(1))
        return number if number > 1 else None
    return None
