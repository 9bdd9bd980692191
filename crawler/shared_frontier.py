"""One crawl frontier shared by any number of spider processes, in Redis (scrapy-redis).

With ``PITBOARD_REDIS_URL`` set, ``crawler.settings`` makes ``SharedScheduler`` Scrapy's
scheduler: every ``scrapy crawl SITE`` process, on any machine, pushes the requests it finds to
one Redis priority queue and takes its next request from there, and one Redis set of request
fingerprints (``SharedDupeFilter``, by Pitboard's URL identity, as without Redis) lets each
page be fetched once by one of them. This module is only imported when that setting is on, so
without it Redis and scrapy-redis are not needed.

What scrapy-redis leaves to its user, and Pitboard does here:

- **When a worker stops.** Scrapy closes a spider as soon as its own scheduler and downloader
  are empty, but the shared queue is empty whenever the other workers have not yet parsed
  what they fetched. A worker stays while the shared queue has been empty for less than
  ``PITBOARD_REDIS_IDLE_SECONDS`` (Scrapy checks every ~5 s; the value must exceed a worker's
  start-up, or one started late leaves before taking work), then closes with reason
  ``finished``.
- **When a crawl ends.** scrapy-redis either deletes the queue and fingerprints when *a* worker
  closes (which would hand the others' pages back to be fetched again) or keeps them for ever
  (so the next scheduled crawl of the site would find every page "seen" and fetch nothing).
  Here the workers of a site register in a Redis sorted set with a heartbeat; the frontier is
  deleted when the last of them leaves, and a worker that arrives when no live worker is
  registered (a crawl whose workers were all killed) starts from an empty frontier. Both steps
  are Lua scripts, so that a worker joining while the last one leaves sees one or the other.

Keys: ``PREFIX:SITE:requests``, ``PREFIX:SITE:dupefilter``, ``PREFIX:SITE:workers``, with
``PITBOARD_REDIS_KEY_PREFIX`` (``pitboard``). ``max_pages`` stays a per-process bound.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "pitboard"
DEFAULT_IDLE_SECONDS = 30.0
# A worker renews its registration this often; one silent for STALE_SECONDS is taken as dead.
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 60

# KEYS: workers, queue, dupefilter. ARGV: worker id, stale seconds. Returns the live workers.
_JOIN = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""
_BEAT = """
redis.call('ZADD', KEYS[1], tonumber(redis.call('TIME')[1]), ARGV[1])
return 1
"""
_LEAVE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return left
"""


def frontier_keys(prefix: str, site: str) -> dict[str, str]:
    """The Redis keys of one site's shared frontier."""
    return {part: f"{prefix}:{site}:{part}" for part in ("requests", "dupefilter", "workers")}


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis set of seen requests, fingerprinted as Scrapy's own filter would
    be (REQUEST_FINGERPRINTER_CLASS: URL identity), not by scrapy-redis's canonical URL, which
    would fetch ``/a`` and ``/a/`` twice."""

    def __init__(self, server: Any, key: str, crawler: Crawler, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = crawler.request_fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        from scrapy_redis.connection import get_redis_from_settings

        settings = spider.settings
        prefix = settings.get("PITBOARD_REDIS_KEY_PREFIX") or DEFAULT_KEY_PREFIX
        key = frontier_keys(prefix, spider.name)["dupefilter"]
        return cls(
            get_redis_from_settings(settings),
            key,
            spider.crawler,
            debug=settings.getbool("DUPEFILTER_DEBUG"),
        )

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: the scheduler deletes them with the crawl's last worker."""


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler, joined and left as one of a site's workers (module docstring)."""

    def __init__(self, server: Any, **kwargs: Any) -> None:
        kwargs["persist"] = True  # the last worker to leave deletes the frontier, not the first
        kwargs["flush_on_start"] = False
        super().__init__(server, **kwargs)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.prefix = DEFAULT_KEY_PREFIX
        self.idle_seconds = DEFAULT_IDLE_SECONDS
        self.idle_since: float | None = None
        self.keys: dict[str, str] = {}
        self._join = server.register_script(_JOIN)
        self._beat = server.register_script(_BEAT)
        self._leave = server.register_script(_LEAVE)
        self._heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.prefix = settings.get("PITBOARD_REDIS_KEY_PREFIX") or DEFAULT_KEY_PREFIX
        scheduler.idle_seconds = settings.getfloat(
            "PITBOARD_REDIS_IDLE_SECONDS", DEFAULT_IDLE_SECONDS
        )
        scheduler.queue_key = f"{scheduler.prefix}:%(spider)s:requests"
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        self.keys = frontier_keys(self.prefix, spider.name)
        live = self._join(keys=self._frontier(), args=[self.worker, STALE_SECONDS])
        super().open(spider)
        log.info(
            "shared frontier %s:%s on Redis: %d worker(s) with this one, %d request(s) queued",
            self.prefix,
            spider.name,
            live,
            len(self.queue),
        )
        self._heartbeat = task.LoopingCall(self._renew)
        self._heartbeat.start(HEARTBEAT_SECONDS, now=False)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        left = self._leave(keys=self._frontier(), args=[self.worker, STALE_SECONDS])
        if left:
            log.info("left the shared frontier; %d worker(s) still crawling", left)
        else:
            log.info("last worker out: the shared frontier is deleted")

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None:
            self.idle_since = None
        return request

    def spider_idle(self, spider: Spider) -> None:
        """Keep the worker while the shared queue has been empty for less than idle_seconds."""
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider
        log.info("shared queue empty for %.0f s: closing", now - self.idle_since)

    def _frontier(self) -> list[str]:
        return [self.keys["workers"], self.keys["requests"], self.keys["dupefilter"]]

    def _renew(self) -> None:
        try:
            self._beat(keys=[self.keys["workers"]], args=[self.worker])
        except Exception as exc:  # a Redis hiccup: the next beat tries again
            log.warning("could not renew this worker's registration in Redis: %s", exc)
