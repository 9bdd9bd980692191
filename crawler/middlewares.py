"""Request identity, site fencing and conditional requests.

- ``UrlIdentityFingerprinter`` (REQUEST_FINGERPRINTER_CLASS): the duplicate filter compares
  URL identities (``etl.dedup.urls.url_identity``, the loader's too), so a page linked as
  ``/a``, ``/a/``, ``/a?utm_source=x`` and ``/a#top`` is fetched once (the request itself keeps
  the slash the site uses: some servers answer only one of the two spellings).
- ``OnSiteOnlyMiddleware`` (downloader middleware): drops requests that left the site, redirects
  included. Scrapy's offsite filter compares host names only, and the sample sites all live on
  127.0.0.1, told apart by port.
- ``ConditionalRequestMiddleware`` (downloader middleware): for pages already stored,
  sends If-None-Match / If-Modified-Since; a 304 answer yields no item (no cleaning work).
  What is known comes from a ``PageStore`` named by the PITBOARD_PAGE_STORE setting.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import load_object

from crawler.failures import InvalidRedirect, OffSiteRedirect, RedirectLoop
from etl.dedup.urls import canonical_url, url_identity

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.sites import SiteDescription

log = logging.getLogger(__name__)


class UrlIdentityFingerprinter:
    """Request fingerprints by method and URL identity (see ``url_identity``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        # A URL without an identity (a redirect to a bad port, say) is refused downstream by
        # OnSiteOnlyMiddleware; it is fingerprinted as spelled.
        key = f"{request.method} {url_identity(request.url) or request.url}".encode()
        return hashlib.sha1(key + b"\n" + (request.body or b"")).digest()


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
        if canonical_url(request.url) is None:  # a redirect's Location is hostile input too
            self.crawler.stats.inc_value("pitboard/invalid_urls")
            raise InvalidRedirect(f"not a valid URL: {request.url}")
        if site is None or site.is_on_site(request.url):
            return
        if urlsplit(request.url).path == "/robots.txt":
            return
        self.crawler.stats.inc_value("pitboard/offsite_dropped")
        log.debug("not on %s, dropped: %s", site.name, request.url)
        if request.meta.get("redirect_urls"):  # a page of the site that sends us elsewhere
            raise OffSiteRedirect(f"redirected off {site.name}: {request.url}")
        raise IgnoreRequest(f"not on site {site.name}: {request.url}")


class RedirectLoopMiddleware:
    """Downloader middleware (before RedirectMiddleware sees the response): a redirect to a URL
    the request already went through is a loop. Without this, the duplicate filter would drop
    the looping request silently and the page would leave no trace."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return response
        try:
            target = urljoin(request.url, location.decode("latin-1").strip())
        except ValueError:
            raise InvalidRedirect(f"redirect to an unparsable URL: {location!r}") from None
        identity = url_identity(target)
        if identity is None:
            raise InvalidRedirect(f"redirect to an unparsable URL: {target}")
        visited = {url_identity(u) for u in [*request.meta.get("redirect_urls", ()), request.url]}
        if identity in visited:
            raise RedirectLoop(f"redirect loop: {request.url} -> {target}")
        return response


class KnownPage(NamedTuple):
    """What the storage layer remembers about one stored page, for conditional requests.

    ``url`` is the URL the page is stored under; ``etag`` and ``last_modified`` are the
    validators the server sent (header values verbatim); ``fetched_at`` is when it was last
    fetched (compared with a sitemap's lastmod).
    """

    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime | None = None


class PageStore(Protocol):
    """What incremental crawling needs from storage; built as ``store_class(database_url)``.

    ``known_pages`` is read once when the spider opens: {url_identity(url): KnownPage} for the
    site's stored pages that carry a validator. ``stored_page`` is asked for the stored headers
    and body of a listing that answered 304, so its links can still be followed.
    """

    def known_pages(self, site: str) -> Mapping[str, KnownPage]: ...

    def stored_page(self, site: str, url: str) -> tuple[dict[str, str], bytes] | None: ...


class RawPagesStore:
    """``PageStore`` over the ``raw_pages`` table (read-only), through ``etl.store.raw_pages``."""

    def __init__(self, database_url: str | None) -> None:
        from etl.store.database import get_engine

        self.engine = get_engine(database_url)

    def known_pages(self, site: str) -> dict[str, KnownPage]:
        from etl.store.raw_pages import stored_validators

        known: dict[str, KnownPage] = {}
        with self.engine.connect() as conn:
            stored = stored_validators(conn, site)
        for url, final_url, headers, fetched_at in stored:
            lowered = {str(k).lower(): str(v) for k, v in headers.items()}
            etag, modified = lowered.get("etag"), lowered.get("last-modified")
            if etag or modified:
                # Validators belong to the URL that answered: for a page stored under a
                # redirecting URL, that is the final URL (the redirect itself is re-read).
                identity = url_identity(final_url or url)
                if identity is not None:
                    known[identity] = KnownPage(url, etag, modified, fetched_at)
        return known

    def stored_page(self, site: str, url: str) -> tuple[dict[str, str], bytes] | None:
        from etl.store.raw_pages import stored_page

        with self.engine.connect() as conn:
            return stored_page(conn, site, url)


class ConditionalRequestMiddleware:
    """Downloader middleware: revalidate stored pages instead of downloading them again.

    Every stored page is requested with If-None-Match / If-Modified-Since. A 304 for an
    article ends the request there (no item, no cleaning work; counted as
    ``pitboard/not_modified``). A 304 for any other page (home, listing, gallery) is answered
    from the stored copy, flagged ``pitboard_not_modified`` so the spider follows its links
    without storing it again: new articles are still found.
    """

    def __init__(self, crawler: Crawler, store: PageStore | None) -> None:
        self.crawler = crawler
        self.store = store
        self.known: Mapping[str, KnownPage] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        path = settings.get("PITBOARD_PAGE_STORE")
        if not path or not settings.getbool("PITBOARD_CONDITIONAL_REQUESTS", True):
            return cls(crawler, None)
        try:
            store = load_object(path)(settings.get("PITBOARD_DATABASE_URL") or None)
        except Exception:
            # A crawl without validators is slower, never wrong: carry on with full requests.
            log.exception("page store %s unavailable; crawling without conditional requests", path)
            store = None
        return cls(crawler, store)

    def spider_opened(self, spider: Any) -> None:
        site = getattr(spider, "site", None)
        if self.store is None or site is None:
            return
        try:
            self.known = self.store.known_pages(site.name)
        except Exception:
            log.exception("could not load known pages of %s; crawling without them", site.name)
            self.known = {}
        spider.known_pages = self.known
        log.info("pitboard: %d known pages of %s can be revalidated", len(self.known), site.name)

    def process_request(self, request: Request) -> None:
        if not self.known or not request.meta.get("pitboard_page"):
            return  # robots.txt, sitemaps and feeds are not stored, hence never revalidated
        identity = url_identity(request.url)
        page = self.known.get(identity) if identity is not None else None
        if page is None:
            return
        if page.etag:
            request.headers.setdefault(b"If-None-Match", page.etag.encode("latin-1"))
        if page.last_modified:
            request.headers.setdefault(b"If-Modified-Since", page.last_modified.encode("latin-1"))
        request.meta["pitboard_known_url"] = page.url
        self.crawler.stats.inc_value("pitboard/conditional_requests")

    def process_response(self, request: Request, response: Response) -> Response:
        known_url = request.meta.get("pitboard_known_url")
        if response.status != 304 or not known_url:
            return response
        self.crawler.stats.inc_value("pitboard/not_modified")
        site = _site_of(self.crawler)
        if site is None or site.is_article(request.url) or self.store is None:
            raise IgnoreRequest(f"not modified: {request.url}")
        stored = self.store.stored_page(site.name, known_url)
        if stored is None:
            raise IgnoreRequest(f"not modified, and no stored copy: {request.url}")
        headers, body = stored
        request.meta["pitboard_not_modified"] = True
        return HtmlResponse(
            url=request.url, status=200, headers=headers, body=body, request=request
        )
