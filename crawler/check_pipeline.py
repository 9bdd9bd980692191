"""The pipeline of ``pitboard sites check``: what cleaning would make of each page, stored nowhere.

Each page the spider fetches is cleaned in place (``etl.clean.cleaner.clean_page``, as the
cleaning stage does) and one JSON line - URL, status, kind, title, words kept - is appended to the
file the PITBOARD_CHECK_FILE setting names. Nothing reaches the database; the pages past
PITBOARD_CHECK_PAGES are dropped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from crawler.items import RawPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def page_report(page: RawPage) -> dict[str, object]:
    """URL, status, kind, title and kept words of one fetched page, as cleaning sees it."""
    from etl.clean.cleaner import clean_page

    cleaned = clean_page(page.body, page.final_url)
    return {
        "url": page.url,
        "status": page.status,
        "kind": cleaned.kind if page.status < 400 else "error",
        "title": cleaned.metadata.title or "",
        "words": len(cleaned.text.split()),
    }


class PageReportPipeline:
    """Write a report line per page to PITBOARD_CHECK_FILE; store nothing."""

    def __init__(self, path: str, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.reported = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(settings.get("PITBOARD_CHECK_FILE"), settings.getint("PITBOARD_CHECK_PAGES", 10))

    def process_item(self, item: RawPage) -> RawPage:
        if not isinstance(item, RawPage):
            return item
        if self.reported >= self.limit:
            raise DropItem(f"past the {self.limit} pages asked for: {item.url}", log_level="DEBUG")
        self.reported += 1
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(page_report(item), ensure_ascii=False) + "\n")
        return item
