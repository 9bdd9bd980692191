"""The raw-page pipeline: store every fetched HTML page in ``raw_pages``, in batches.

Writes go through the storage layer's ``etl.store.raw_pages.save_raw_pages`` (an idempotent
upsert by URL), so a re-crawl never duplicates a page. Pages are buffered and written every
PITBOARD_BATCH_SIZE items or PITBOARD_FLUSH_SECONDS seconds, whichever comes first, and on close.
Non-HTML bodies (images, PDFs) are dropped with a log line; error pages (404...) are kept. With
the spider's ``max_pages``, at most that many pages are kept: the pages still in flight when the
crawl is told to close are dropped, so ``--max-pages N`` stores N pages at most. If the
database refuses a batch, the crawl stops with the finish reason ``pitboard_storage_failed``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.items import RawPage
from etl.clean.content_type import is_html

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class RawPagePipeline:
    """Buffer pages and save them with ``save_raw_pages``; log what was stored."""

    def __init__(
        self,
        crawler: Crawler,
        database_url: str | None,
        batch_size: int = 100,
        flush_seconds: float = 5.0,
    ) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.buffer: list[RawPage] = []
        self.engine: Engine | None = None
        self.received = self.written = 0
        self._last_flush = time.monotonic()
        self._timer: task.LoopingCall | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.get("PITBOARD_DATABASE_URL") or None,
            batch_size=settings.getint("PITBOARD_BATCH_SIZE", 100),
            flush_seconds=settings.getfloat("PITBOARD_FLUSH_SECONDS", 5.0),
        )

    def open_spider(self) -> None:
        from etl.store.database import describe, get_engine

        self.engine = get_engine(self.database_url)
        log.info("pitboard: storing raw pages in %s", describe(self.engine.url))
        if self.flush_seconds > 0:
            self._timer = task.LoopingCall(self._flush_if_due)
            self._timer.start(self.flush_seconds, now=False)

    def process_item(self, item: RawPage) -> RawPage:
        if not isinstance(item, RawPage):
            return item
        # Error pages are kept whatever their type: a dead link must stay visible.
        if item.status < 400 and not is_html(item.headers, item.body):
            self.crawler.stats.inc_value("pitboard/skipped_not_html")
            raise DropItem(f"not HTML, not stored: {item.url}", log_level="INFO")
        limit = getattr(self.crawler.spider, "max_pages", None)
        if limit and self.received >= limit:
            self.crawler.stats.inc_value("pitboard/over_max_pages")
            raise DropItem(
                f"max_pages ({limit}) reached, not stored: {item.url}", log_level="DEBUG"
            )
        self.buffer.append(item)
        self.received += 1
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _flush_if_due(self) -> None:
        if self.buffer and time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered pages in one transaction: a batch is stored whole or not at all."""
        from etl.store.raw_pages import save_raw_pages

        self._last_flush = time.monotonic()
        if not self.buffer or self.engine is None:
            return
        batch, self.buffer = self.buffer, []
        try:
            with self.engine.begin() as conn:
                changed = save_raw_pages(conn, batch)
        except Exception:
            # Nothing of the batch was written (one transaction). Crawling on would only fetch
            # pages that cannot be kept: stop, with a reason the caller can read in the stats.
            self.crawler.stats.inc_value("pitboard/raw_pages_lost", len(batch))
            log.exception("pitboard: could not store %d raw pages; stopping the crawl", len(batch))
            if not self._stopping and self.crawler.engine is not None:
                self._stopping = True
                deferred_from_coro(
                    self.crawler.engine.close_spider_async(reason="pitboard_storage_failed")
                )
            return
        self.written += len(batch)
        self.crawler.stats.inc_value("pitboard/raw_pages_saved", len(batch))
        self.crawler.stats.inc_value("pitboard/raw_pages_new_or_changed", changed)
        log.info("pitboard: saved %d raw pages (%d new or changed)", len(batch), changed)

    def close_spider(self) -> None:
        self._stopping = True
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
        log.info("pitboard: %d pages received, %d saved", self.received, self.written)
