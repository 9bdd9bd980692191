"""The raw-page pipeline: store every fetched HTML page in ``raw_pages``, in batches.

Writes go through the storage layer's ``etl.store.raw_pages.save_raw_pages`` (an idempotent
upsert by URL), so a re-crawl never duplicates a page. Pages are buffered and written every
PITBOARD_BATCH_SIZE items or PITBOARD_FLUSH_SECONDS seconds, whichever comes first, and on close.
Non-HTML bodies (images, PDFs) are dropped with a log line; error pages (404...) are kept. With
the spider's ``max_pages``, at most that many pages are kept: the pages still in flight when the
crawl is told to close are dropped, so ``--max-pages N`` stores N pages at most.

The writes run in a thread of their own, one batch at a time in the order the batches were
filled, while the reactor goes on fetching and parsing (an upsert of 100 pages on the reactor
thread stalled every download meanwhile). At most PITBOARD_QUEUED_BATCHES (2) filled batches
wait for the writer; a pipeline further behind than that waits for it (a slow or restarting
database slows the crawl down rather than piling pages up in memory), and closing the spider
waits for every batch to be written.

Pages that could not be fetched arrive as ``FetchFailure`` items and are written to
``fetch_failures`` with the same batches; a page stored at last is taken out of it. When the
database refuses a batch for what one page holds (not for a lost connection), the pages are
written one by one and each refused one is recorded as failed (``not_stored``): one page never
costs the others. A database that does not answer (restarting) is waited for, up to
PITBOARD_DATABASE_PATIENCE seconds (30); if it still cannot be reached, the crawl stops with the
finish reason ``pitboard_storage_failed``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.items import FetchFailure, RawPage
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
        patience: float = 30.0,
        queued_batches: int = 2,
    ) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.buffer: list[RawPage] = []
        self.failures: list[FetchFailure] = []
        self.engine: Engine | None = None
        self.received = self.written = 0
        self._last_flush = time.monotonic()
        self._timer: task.LoopingCall | None = None
        self._stopping = False
        self.patience = patience
        # Filled batches for the writer thread; None tells it to finish.
        self._queue: queue.Queue[tuple[list[RawPage], list[FetchFailure]] | None] = queue.Queue(
            max(1, queued_batches)
        )
        self._writer: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.get("PITBOARD_DATABASE_URL") or None,
            batch_size=settings.getint("PITBOARD_BATCH_SIZE", 100),
            flush_seconds=settings.getfloat("PITBOARD_FLUSH_SECONDS", 5.0),
            patience=settings.getfloat("PITBOARD_DATABASE_PATIENCE", 30.0),
            queued_batches=settings.getint("PITBOARD_QUEUED_BATCHES", 2),
        )

    def open_spider(self) -> None:
        from etl.store.database import describe, get_engine

        self.engine = get_engine(self.database_url)
        log.info("pitboard: storing raw pages in %s", describe(self.engine.url))
        self._writer = threading.Thread(target=self._write_queued, name="raw-pages", daemon=True)
        self._writer.start()
        if self.flush_seconds > 0:
            self._timer = task.LoopingCall(self._flush_if_due)
            self._timer.start(self.flush_seconds, now=False)

    def process_item(self, item: RawPage | FetchFailure) -> RawPage | FetchFailure:
        if isinstance(item, FetchFailure):
            self.failures.append(item)
            if len(self.failures) >= self.batch_size:
                self.flush()
            return item
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
        due = time.monotonic() - self._last_flush >= self.flush_seconds
        if (self.buffer or self.failures) and due:
            self.flush()

    def flush(self) -> None:
        """Hand the buffered pages and failures to the writer thread as one batch (waiting
        while it is PITBOARD_QUEUED_BATCHES batches behind)."""
        self._last_flush = time.monotonic()
        if not (self.buffer or self.failures) or self.engine is None:
            return
        batch, self.buffer = self.buffer, []
        failures, self.failures = self.failures, []
        if self._writer is None:  # not opened: nothing to hand it to
            self._store(batch, failures)
            return
        self._queue.put((batch, failures))

    def _write_queued(self) -> None:
        """The writer thread: store the batches in the order they were filled, until told to
        finish. Its stats keys are incremented by this thread alone."""
        while (job := self._queue.get()) is not None:
            try:
                self._store(*job)
            except Exception:  # _store records its own failures; never let the writer die
                log.exception("pitboard: the raw-page writer failed")
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _store(self, batch: list[RawPage], failures: list[FetchFailure]) -> None:
        """Write pages and failures in one transaction: a batch is stored whole or not at all."""
        from sqlalchemy.exc import DBAPIError

        try:
            changed = self._write_patiently(batch, failures)
        except DBAPIError as exc:
            if _database_gone(exc) or not batch:
                self._lost(batch, failures)
                return
            # The database refused something this batch holds: find the page, keep the rest.
            changed = self._write_one_by_one(batch, failures)
            if changed is None:
                return
        except Exception:
            self._lost(batch, failures)
            return
        self._saved(len(batch), changed)

    def _write(self, batch: list[RawPage], failures: list[FetchFailure]) -> int:
        from etl.store.fetch_failures import forget_fetch_failures, save_fetch_failures
        from etl.store.raw_pages import save_raw_pages

        assert self.engine is not None
        with self.engine.begin() as conn:
            changed = save_raw_pages(conn, batch) if batch else 0
            # A page answered at last is no longer failing (an error page stored is, still).
            forget_fetch_failures(conn, [page.url for page in batch if page.status < 400])
            save_fetch_failures(conn, failures)
        return changed

    def _write_patiently(self, batch: list[RawPage], failures: list[FetchFailure]) -> int:
        """``_write``, tried again while the database does not answer (a restart), for up to
        ``patience`` seconds. The writer waits meanwhile, and the crawl with it once the
        queue of filled batches is full: pages fetched during a restart are stored after it,
        not lost."""
        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + self.patience
        delay = 0.5
        while True:
            try:
                return self._write(batch, failures)
            except OperationalError:
                if time.monotonic() + delay > deadline:
                    raise
                self.crawler.stats.inc_value("pitboard/database_retries")
                log.warning("pitboard: the database does not answer; retrying in %.1f s", delay)
                time.sleep(delay)
                delay = min(2 * delay, 5.0)

    def _write_one_by_one(self, batch: list[RawPage], failures: list[FetchFailure]) -> int | None:
        """Each page in a transaction of its own; a refused page becomes a ``not_stored``
        failure. None when the database went away meanwhile (the crawl is stopped)."""
        from datetime import UTC, datetime

        from sqlalchemy.exc import DBAPIError

        changed = 0
        for page in batch:
            try:
                changed += self._write([page], [])
            except DBAPIError as exc:
                if _database_gone(exc):
                    self._lost(batch, failures)
                    return None
                detail = f"{type(exc.orig).__name__}: {exc.orig}".strip()
                log.warning("pitboard: the database refused %s: %s", page.url, detail)
                self.crawler.stats.inc_value("pitboard/fetch_failures/not_stored")
                failures.append(
                    FetchFailure(page.site, page.url, "not_stored", detail, datetime.now(UTC))
                )
        try:
            self._write([], failures)
        except Exception:
            self._lost([], failures)
            return None
        return changed

    def _saved(self, pages: int, changed: int) -> None:
        self.written += pages
        self.crawler.stats.inc_value("pitboard/raw_pages_saved", pages)
        self.crawler.stats.inc_value("pitboard/raw_pages_new_or_changed", changed)
        log.info("pitboard: saved %d raw pages (%d new or changed)", pages, changed)

    def _lost(self, batch: list[RawPage], failures: list[FetchFailure]) -> None:
        # Nothing of the batch was written (one transaction). Crawling on would only fetch
        # pages that cannot be kept: stop, with a reason the caller can read in the stats.
        self.crawler.stats.inc_value("pitboard/raw_pages_lost", len(batch))
        self.crawler.stats.inc_value("pitboard/fetch_failures_lost", len(failures))
        log.exception(
            "pitboard: could not store %d raw pages and %d failures; stopping the crawl",
            len(batch),
            len(failures),
        )
        if not self._stopping and self.crawler.engine is not None:
            self._stopping = True
            if threading.current_thread() is self._writer:
                from twisted.internet import reactor

                reactor.callFromThread(self._stop_crawl)  # type: ignore[attr-defined]
            else:
                self._stop_crawl()

    def _stop_crawl(self) -> None:
        """On the reactor's thread: close the spider, with the reason the caller reads."""
        if self.crawler.engine is not None:
            deferred_from_coro(
                self.crawler.engine.close_spider_async(reason="pitboard_storage_failed")
            )

    def close_spider(self) -> None:
        self._stopping = True
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
        if self._writer is not None:  # every batch handed over is written before the close
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        log.info("pitboard: %d pages received, %d saved", self.received, self.written)


def _database_gone(exc: Exception) -> bool:
    """True unless the database refused what a page holds (DataError, IntegrityError): a lost
    connection or a missing table fails every page alike, and stops the crawl."""
    from sqlalchemy.exc import DataError, IntegrityError

    return not isinstance(exc, DataError | IntegrityError)
