"""What a user might write instead of Pitboard: one Scrapy CrawlSpider, trafilatura, executemany.

    scrapy runspider bench/diy_spider.py -a start=http://127.0.0.1:PORT -a dsn=postgresql://...
        [-a canonical=1] [-a table=diy_articles]

It follows every link of the site, keeps what ``trafilatura.extract`` finds a text in, and
inserts (url, text) 100 rows at a time with ``executemany`` (a URL stored once). With
``canonical=1`` the links are canonicalised in ``process_links`` first (w3lib's canonical form,
``utm_*`` and other tracking parameters and the trailing slash dropped), so the variants of one
page are fetched once. No classification, no deduplication, no versions: the yardstick that
``bench/pipeline.py`` runs beside Pitboard (issue 17).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import psycopg2
import trafilatura
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule
from w3lib.url import canonicalize_url, url_query_cleaner

TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|ref|source)$")


def canonical_links(links: list[Any]) -> list[Any]:
    for link in links:
        url = canonicalize_url(link.url)
        params = re.findall(r"[?&]([^=&#]+)=", url)
        url = url_query_cleaner(url, [p for p in params if TRACKING.match(p)], remove=True)
        link.url = url.rstrip("/") if url.count("/") > 3 else url
    return links


class DiySpider(CrawlSpider):
    name = "diy"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(
        self, start: str, dsn: str, canonical: str = "0", table: str = "diy_articles", **kw: Any
    ) -> None:
        self.start_urls = [start]
        self.dsn, self.table, self.rows = dsn, table, []
        allow = rf"^{re.escape(start.rstrip('/'))}/"
        process = canonical_links if canonical == "1" else None
        self.rules = (
            Rule(LinkExtractor(allow=allow), "parse_item", follow=True, process_links=process),
        )
        super().__init__(**kw)
        self.db = psycopg2.connect(dsn)
        with self.db, self.db.cursor() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table} (url text PRIMARY KEY, text text)")

    def parse_item(self, response: Any) -> None:
        text = trafilatura.extract(response.text, url=response.url)
        if text:
            self.rows.append((response.url, text))
            if len(self.rows) >= 100:
                self.flush()

    def flush(self) -> None:
        with self.db, self.db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.table} VALUES (%s, %s) ON CONFLICT DO NOTHING", self.rows
            )
        self.rows = []

    def closed(self, reason: str) -> None:
        self.flush()
        self.db.close()
