"""Extensions: the crawl's statistics written to a JSON file for the process that started it.

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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.process_memory import peak_rss_mib

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


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
