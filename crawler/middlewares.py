"""Request identity, site fencing and conditional requests.

- ``canonical_url`` / ``url_identity``: one spelling per page, so a page linked as ``/a``,
  ``/a/``, ``/a?utm_source=x`` and ``/a#top`` is fetched once. w3lib (Scrapy's own URL library)
  does the RFC work; tracking parameters, fragments and the trailing slash are added here.
- ``CanonicalUrlMiddleware`` (spider middleware): rewrites every outgoing request to its
  canonical URL before the scheduler sees it.
- ``UrlIdentityFingerprinter`` (REQUEST_FINGERPRINTER_CLASS): the duplicate filter compares
  identities, which ignore the trailing slash (the request itself keeps the slash the site uses:
  some servers answer only one of the two spellings).
- ``OnSiteOnlyMiddleware`` (downloader middleware): drops requests that left the site, redirects
  included. Scrapy's offsite filter compares host names only, and the sample sites all live on
  127.0.0.1, told apart by port.
- ``ConditionalRequestMiddleware`` (downloader middleware): for article pages already stored,
  sends If-None-Match / If-Modified-Since; a 304 answer yields nothing (no item, no cleaning).
  What is known comes from a ``KnownPagesLoader`` named in the PITBOARD_KNOWN_PAGES_LOADER
  setting (see ``KnownPage``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Self
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import load_object
from w3lib.url import canonicalize_url, url_query_cleaner

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.sites import SiteDescription

log = logging.getLogger(__name__)

# Parameters that say where a click came from, never which page it is.
TRACKING_PARAMETER = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_ga|_gl|ref_src|cmpid|xtor|at_medium|at_campaign)$",
    re.IGNORECASE,
)


def canonical_url(url: str) -> str:
    """``url`` as Pitboard requests it: no fragment, no tracking parameters, query sorted and
    percent-encoding normalised (w3lib), host in lower case. The trailing slash is kept."""
    parts = urlsplit(url.strip())
    if parts.query:
        names = {kv.split("=", 1)[0] for kv in parts.query.split("&") if kv}
        tracking = [n for n in names if TRACKING_PARAMETER.match(n)]
        if tracking:
            url = url_query_cleaner(url, tracking, remove=True, keep_fragments=False)
    return canonicalize_url(url, keep_fragments=False)


def url_identity(url: str) -> str:
    """What makes two URLs the same page: ``canonical_url`` without the trailing slash and
    without a default port."""
    parts = urlsplit(canonical_url(url))
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


class UrlIdentityFingerprinter:
    """Request fingerprints by method and URL identity (see ``url_identity``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        key = f"{request.method} {url_identity(request.url)}".encode()
        return hashlib.sha1(key + b"\n" + (request.body or b"")).digest()


class CanonicalUrlMiddleware:
    """Spider middleware: every request the spider yields leaves with its canonical URL."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def _canonical(self, obj: Any) -> Any:
        if isinstance(obj, Request):
            url = canonical_url(obj.url)
            if url != obj.url:
                return obj.replace(url=url)
        return obj

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for obj in start:
            yield self._canonical(obj)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for obj in result:
            yield self._canonical(obj)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for obj in result:
            yield self._canonical(obj)


def _site_of(crawler: Crawler) -> SiteDescription | None:
    spider = crawler.spider
    return getattr(spider, "site", None) if spider is not None else None


class OnSiteOnlyMiddleware:
    """Downloader middleware: refuse any request outside the spider's site (port included).

    robots.txt requests are let through: RobotsTxtMiddleware fetches them for every host it
    meets, and they are never stored.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site = _site_of(self.crawler)
        if site is None or site.is_on_site(request.url):
            return
        if urlsplit(request.url).path == "/robots.txt":
            return
        self.crawler.stats.inc_value("pitboard/offsite_dropped")
        log.debug("not on %s, dropped: %s", site.name, request.url)
        raise IgnoreRequest(f"not on site {site.name}: {request.url}")


class KnownPage(NamedTuple):
    """What the storage layer remembers about one stored page, for conditional requests.

    ``etag`` and ``last_modified`` are the validators the server sent (header values verbatim);
    ``fetched_at`` is when it was last fetched (for comparing with a sitemap's lastmod).
    """

    etag: str | None
    last_modified: str | None
    fetched_at: datetime | None = None


# (site name, database URL or None) -> {url_identity(url): KnownPage}
KnownPagesLoader = Callable[[str, str | None], Mapping[str, KnownPage]]


def known_pages_from_raw_pages(site: str, database_url: str | None) -> dict[str, KnownPage]:
    """Default loader: the validators of the site's stored 200 pages, read from ``raw_pages``.

    Kept here until the storage layer offers its own function with this signature; it reads
    only the columns it needs and never writes.
    """
    from sqlalchemy import select

    from etl.database import get_engine
    from etl.models import RawPageRow

    engine = get_engine(database_url)
    query = select(
        RawPageRow.url, RawPageRow.final_url, RawPageRow.headers, RawPageRow.fetched_at
    ).where(RawPageRow.site == site, RawPageRow.status == 200)
    known: dict[str, KnownPage] = {}
    with engine.connect() as conn:
        for url, final_url, headers, fetched_at in conn.execute(query):
            lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
            page = KnownPage(lowered.get("etag"), lowered.get("last-modified"), fetched_at)
            if page.etag or page.last_modified:
                # A redirect stored under its old URL validates the page it led to.
                known[url_identity(final_url or url)] = page
    return known


class ConditionalRequestMiddleware:
    """Downloader middleware: revalidate stored article pages instead of downloading them.

    Only URLs the site description calls articles are made conditional: listings, feeds and
    sitemaps change whenever an article is added and must be read in full to find new ones.
    A 304 is counted (``pitboard/not_modified``) and the request ends there.
    """

    def __init__(self, crawler: Crawler, loader: KnownPagesLoader | None) -> None:
        self.crawler = crawler
        self.loader = loader
        self.known: Mapping[str, KnownPage] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PITBOARD_KNOWN_PAGES_LOADER")
        enabled = crawler.settings.getbool("PITBOARD_CONDITIONAL_REQUESTS", True)
        return cls(crawler, load_object(path) if (path and enabled) else None)

    def spider_opened(self, spider: Any) -> None:
        site = getattr(spider, "site", None)
        if self.loader is None or site is None:
            return
        try:
            self.known = self.loader(site.name, self.crawler.settings.get("PITBOARD_DATABASE_URL"))
        except Exception:
            # A crawl without validators is slower, never wrong: carry on with full requests.
            log.exception("could not load known pages of %s; crawling without them", site.name)
            self.known = {}
        spider.known_pages = self.known
        log.info("pitboard: %d known pages of %s can be revalidated", len(self.known), site.name)

    def process_request(self, request: Request) -> None:
        site = _site_of(self.crawler)
        if not self.known or site is None or not site.is_article(request.url):
            return
        page = self.known.get(url_identity(request.url))
        if page is None:
            return
        if page.etag:
            request.headers.setdefault(b"If-None-Match", page.etag.encode("latin-1"))
        if page.last_modified:
            request.headers.setdefault(b"If-Modified-Since", page.last_modified.encode("latin-1"))
        request.meta["pitboard_conditional"] = True
        self.crawler.stats.inc_value("pitboard/conditional_requests")

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and request.meta.get("pitboard_conditional"):
            self.crawler.stats.inc_value("pitboard/not_modified")
            raise IgnoreRequest(f"not modified: {request.url}")
        return response
