"""Extensions: the crawl's statistics written to a JSON file for the process that started it,
and a watch on that process (``ParentWatch``: an orphaned crawl stops).

The flow runs each spider in a child process; Scrapy's stats (responses, errors, 304s, the
finish reason) die with it unless written out. With ``PITBOARD_STATS_FILE`` set, this
extension writes them there when the spider closes, so the flow can tell a crawl that found
nothing new from a crawl that could not reach the site at all. The process's own peak memory
is added as ``pitboard/peak_rss_mib`` (``crawler.process_memory``): the parent cannot read it
from ``RUSAGE_CHILDREN``. With the exit code, this file is all the parent learns of the crawl
(``flows.spider_process.SpiderRun``); the log is only shown to people.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.process_memory import peak_rss_mib

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


class StatsFile:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PITBOARD_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        if (peak := peak_rss_mib()) is not None:
            stats["pitboard/peak_rss_mib"] = round(peak, 1)
        self.path.write_text(json.dumps(stats, default=_jsonable, indent=1, sort_keys=True))


def _jsonable(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


# How often a spider process checks that the process that started it is still there, and how
# long it then has to close gracefully (storing what it fetched) before it exits anyway.
PARENT_CHECK_SECONDS = 1.0
ORPHAN_GRACE_SECONDS = 8.0


class ParentWatch:
    """Stop the crawl when the process that started it dies (``PITBOARD_PARENT_PID``).

    The flow and ``pitboard crawl`` stop their spider when they are interrupted; killed
    (SIGKILL), they cannot, and the spider would crawl on as an orphan. Every second it compares
    its parent's pid with the one it was started by: once they differ, the spider closes
    (finish reason ``parent_died``, the pipeline storing what it holds) and the process exits
    at most ``ORPHAN_GRACE_SECONDS`` later whatever the shutdown is waiting for.
    """

    def __init__(self, crawler: Crawler, parent: int) -> None:
        self.crawler, self.parent = crawler, parent
        self._loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        parent = crawler.settings.getint("PITBOARD_PARENT_PID", 0)
        if not parent:
            raise NotConfigured
        extension = cls(crawler, parent)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        from scrapy.utils.asyncio import create_looping_call

        self._loop = create_looping_call(self.check)
        self._loop.start(PARENT_CHECK_SECONDS, now=True)

    def check(self) -> None:
        if os.getppid() == self.parent:
            return
        from scrapy.utils.asyncio import call_later
        from scrapy.utils.defer import deferred_from_coro

        self._loop.stop()
        log.warning("pitboard: the process that started this crawl is gone; stopping")
        call_later(ORPHAN_GRACE_SECONDS, os._exit, 1)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="parent_died"))
