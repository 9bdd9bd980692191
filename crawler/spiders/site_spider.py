"""The one generic spider: everything it knows about a site comes from the site's description.

Request URLs are canonicalised here, before scheduling (``etl.dedup.urls.canonical_url``).
Discovery, in order of priority: robots.txt ``Sitemap:`` lines, the described sitemaps (indexes,
news sitemaps, plain URL sets, gzipped or not), the described feeds (RSS and Atom), then the
start pages and every listing and article link found in fetched pages. A link that no pattern
of the site names is followed too, from start pages, sitemaps, feeds and the pages the
page-kind classifier (``etl.clean``, the same one cleaning uses) calls listings, when it is at
most the site's ``listing_depth`` links from where discovery began (pagination is no step).
Every fetched page
(article, listing, gallery, or the error page of a dead link) becomes a ``RawPage``; robots.txt,
sitemaps and feeds are read, never stored.

Spider arguments: ``base_url`` (required for the sample sites: ``http://127.0.0.1:PORT``) and
``max_pages`` (store at most N pages, N >= 1: sets CLOSESPIDER_ITEMCOUNT, and the raw-page
pipeline drops what is still in flight past N). Without it, a crawl stops after about the site's
own ``max_pages`` responses, else PITBOARD_MAX_PAGES (CLOSESPIDER_PAGECOUNT; 0: no cap); the
depth limit is the site's ``depth_limit``, else DEPTH_LIMIT.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from lxml import etree
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.failures import failure_reason
from crawler.items import FetchFailure, RawPage
from crawler.middlewares import KnownPage
from crawler.retry_after import REFUSED_META
from crawler.sites import SiteDescription
from etl.dedup.urls import canonical_url, identity_of_canonical, url_identity

log = logging.getLogger(__name__)

# Error pages are kept (a dead link must be visible), after RetryMiddleware had its tries.
ERROR_STATUSES = tuple(range(400, 600))
DISCOVERY_PRIORITY = 10  # sitemaps and feeds first: they name the articles directly
LISTING_PRIORITY = 5
DISCOVERED_PRIORITY = 2  # a page no pattern names: a listing, perhaps, so before the articles
ARTICLE_PRIORITY = 0
# What makes a URL a later page of the same listing: /page/N/ or ?page=N (and WordPress' paged).
_PAGER_PATH = re.compile(r"/page/\d+/?$")
_PAGER_PARAMS = frozenset({"page", "paged", "p", "pg"})
FEED_LINKS = (
    "//item/link/text()",
    "//entry/link[not(@rel) or @rel='alternate']/@href",
)
# Links worth reading in a page: anchors, image maps, and <link> pagination and canonicals.
# Compiled once, returning plain strings: a listing has ~80 links, a crawl thousands of listings.
LINKS = etree.XPath(
    "//a/@href | //area/@href | //link[@rel='next' or @rel='prev' or @rel='canonical']/@href",
    smart_strings=False,
)


def response_headers(response: Response) -> dict[str, str]:
    """The response headers as a plain dict; repeated headers joined with ", "."""
    return {
        key.decode("latin-1"): ", ".join(v.decode("latin-1") for v in values)
        for key, values in response.headers.items()
    }


def robots_sitemap_lines(body: bytes) -> Iterator[str]:
    """The values of a robots.txt's ``Sitemap:`` lines, as written (any case, any spacing)."""
    for line in body.decode("utf-8", errors="ignore").splitlines():
        name, _, value = line.strip().partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            yield value.strip()


def parse_lastmod(value: str | None) -> datetime | None:
    """A sitemap ``<lastmod>`` (W3C datetime or date) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SiteSpider(Spider):
    """Crawl one site as its ``SiteDescription`` says. Subclassed once per site, by data only
    (see ``spider_class_for``); this base has no name, so Scrapy does not list it."""

    site: ClassVar[SiteDescription]

    def __init__(
        self, *args: Any, base_url: str | None = None, max_pages: str | int | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        described = type(self).site
        if base_url:
            described = described.bind(base_url)
        elif described.base_url is None:
            raise ValueError(
                f"{self.name} is served at an address known only at run time: "
                f"scrapy crawl {self.name} -a base_url=http://127.0.0.1:PORT"
            )
        self.site: SiteDescription = described  # type: ignore[misc]
        self.allowed_domains = list(described.allowed_domains)
        self.max_pages = int(max_pages) if max_pages else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {self.max_pages}")
        # Filled by ConditionalRequestMiddleware when the storage layer knows pages.
        self.known_pages: dict[str, KnownPage] = {}
        self.unchanged: set[str] = set()
        self.followed: set[str] = set()
        # Every absolute link already judged by ``follow``: most links on a listing (menus,
        # tags, pagination, teasers seen on the previous page) were met before.
        self.judged: set[str] = set()
        self._clean_page: Any = None  # etl.clean's clean_page, imported on first need

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.max_pages:
            crawler.settings.set("CLOSESPIDER_ITEMCOUNT", spider.max_pages, priority="spider")
        else:
            cap = spider.site.max_pages
            if cap is None:
                cap = crawler.settings.getint("PITBOARD_MAX_PAGES", 0)
            if cap:
                crawler.settings.set("CLOSESPIDER_PAGECOUNT", cap, priority="spider")
        # With ROBOTSTXT_OBEY, RobotsTxtMiddleware fetches robots.txt anyway: read its Sitemap
        # lines from that download rather than fetching the file a second time.
        crawler.signals.connect(spider.robots_received, signal=signals.response_received)
        return spider

    @cached_property
    def retry_codes(self) -> frozenset[int]:
        """Statuses RetryMiddleware retries: one still answered after the retries is a failure."""
        return frozenset(int(code) for code in self.settings.getlist("RETRY_HTTP_CODES"))

    # --- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> list[Request]:
        """Where the crawl begins: robots.txt, sitemaps, feeds, then the start pages."""
        site = self.site
        requests = []
        if site.robots_sitemaps and not self.settings.getbool("ROBOTSTXT_OBEY"):
            requests.append(
                Request(
                    site.absolute("/robots.txt"),
                    callback=self.parse_robots,
                    errback=self.on_error,
                    priority=DISCOVERY_PRIORITY,
                    meta={"dont_obey_robotstxt": True},
                )
            )
        requests += [self.sitemap_request(site.absolute(p)) for p in site.sitemap_paths]
        requests += [
            Request(
                self.site_url(site.absolute(p)),
                callback=self.parse_feed,
                errback=self.on_error,
                priority=DISCOVERY_PRIORITY,
            )
            for p in site.feed_paths
        ]
        requests += [
            self.page_request(site.absolute(p), depth=0, start=True) for p in site.start_paths
        ]
        return requests

    def sitemap_request(self, url: str) -> Request:
        return Request(
            self.site_url(url),
            callback=self.parse_sitemap,
            errback=self.on_error,
            priority=DISCOVERY_PRIORITY,
        )

    def page_request(
        self, url: str, *, depth: int = 1, start: bool = False, named: bool = True
    ) -> Request:
        """A request for a page to store (an article gets lower priority than a listing, so
        discovery runs ahead of fetching). ``depth``: links from where discovery began;
        ``named``: a pattern of the site names the URL."""
        url = self.site_url(url)
        if not named:
            priority = DISCOVERED_PRIORITY
        elif self.site.is_article(url):
            priority = ARTICLE_PRIORITY
        else:
            priority = LISTING_PRIORITY
        return Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            priority=priority,
            meta={
                "handle_httpstatus_list": ERROR_STATUSES,
                "pitboard_page": True,
                "pitboard_depth": depth,
                "pitboard_start": start,
            },
        )

    def site_url(self, url: str) -> str:
        """A URL of the site's own description (start pages, feeds) or one the spider judged
        already, canonical; a described URL that cannot be parsed is a configuration error."""
        canonical = canonical_url(url)
        if canonical is None:
            raise ValueError(f"{self.name}: not a URL: {url!r}")
        return canonical

    def linked_url(self, url: str) -> str | None:
        """A URL found in a page, sitemap or feed, canonical; None (dropped, counted as
        ``pitboard/invalid_urls``) when it cannot be parsed: a hostile link never stops a crawl."""
        canonical = canonical_url(url)
        if canonical is None:
            self.crawler.stats.inc_value("pitboard/invalid_urls")
            log.debug("unparsable link dropped: %r", url)
        return canonical

    def follow(
        self, url: str, *, depth: int = 1, discover: bool = True, key: str | None = None
    ) -> Request | None:
        """A page request for a discovered link, or None when the site does not want it (or
        has it already: each link is judged once per crawl).

        ``depth`` is the link's distance from where discovery began; ``discover`` says that the
        page it was found on may lead to pages no pattern names (a start page, a sitemap, a
        feed, a listing). A link refused only for its depth or its page is judged again when
        it turns up elsewhere. ``key``: the link as spelled (``_link_key``), judged with it.
        """
        if url in self.judged:
            return None
        canonical = self.linked_url(url)  # judged without tracking parameters or fragment
        if canonical is None:
            self._judged(url, key)
            return None
        identity = identity_of_canonical(canonical)
        # Scrapy's duplicate filter would drop a repeat too, but only after the request went
        # through every spider middleware: most links on a page were seen before.
        if identity in self.followed or identity in self.unchanged:
            self._judged(url, key)
            return None
        site = self.site
        if site.should_follow(canonical):
            named = True
        elif site.may_discover(canonical):
            if not discover or depth > site.listing_depth:
                return None  # not judged: a listing nearer the start may link it
            named = False
        else:
            self._judged(url, key)
            return None
        self._judged(url, key)
        self.followed.add(identity)
        return self.page_request(canonical, depth=depth, named=named)

    def _judged(self, url: str, key: str | None) -> None:
        self.judged.add(url)
        if key is not None:
            self.judged.add(key)

    def leads_further(self, response: Response, depth: int) -> bool:
        """True when the links of this page that no pattern names are worth following: a start
        page, a listing by the site's patterns, or - below the site's depth - a page the
        page-kind classifier calls a listing."""
        site = self.site
        if site.listing_depth == 0 or depth >= site.listing_depth:
            return False
        if response.meta.get("pitboard_start") or site.matches_listing(response.url):
            return True
        if site.is_article(response.url):
            return False
        kind = self.page_kind(response)
        self.crawler.stats.inc_value(f"pitboard/classified/{kind}")
        return kind == "listing"

    def page_kind(self, response: Response) -> str:
        """The kind cleaning would give this page (article, listing, gallery, other)."""
        if self._clean_page is None:
            from etl.clean.cleaner import clean_page

            self._clean_page = clean_page
        return str(self._clean_page(response.body, response.url).kind)

    # --- callbacks --------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for link in robots_sitemap_lines(response.body):
            try:
                joined = response.urljoin(link)
            except ValueError:  # Scrapy's sitemap_urls_from_robots raises here: read them here
                joined = link
            url = self.linked_url(joined)
            if url is not None and self.site.is_on_site(url):
                yield self.sitemap_request(url)

    def robots_received(self, response: Response, request: Request) -> None:
        """Schedule the sitemaps named by a robots.txt that RobotsTxtMiddleware downloaded."""
        if not self.site.robots_sitemaps or request.callback == self.parse_robots:
            return
        if urlsplit(request.url).path != "/robots.txt" or response.status != 200:
            return
        if not self.site.is_on_site(request.url):
            return
        for sitemap in self.parse_robots(response):
            self.crawler.engine.crawl(sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if gzip_magic_number(response):
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = Sitemap(body)
        except (SyntaxError, StopIteration):  # lxml's XMLSyntaxError is a SyntaxError
            log.warning("unreadable sitemap, ignored: %s", response.url)
            return
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                url = self.linked_url(entry["loc"])
                if url is not None and self.site.is_on_site(url):
                    yield self.sitemap_request(url)
        elif sitemap.type == "urlset":
            for entry in sitemap:
                if self.unchanged_since_fetch(entry["loc"], entry.get("lastmod")):
                    continue
                if (request := self.follow(entry["loc"], depth=1)) is not None:
                    yield request
        else:
            log.warning("not a sitemap, ignored: %s (root element %r)", response.url, sitemap.type)

    def unchanged_since_fetch(self, url: str, lastmod: str | None) -> bool:
        """True for a stored page whose sitemap ``lastmod`` is not newer than our copy: it is
        not requested at all, and links to it found later are not followed either."""
        identity = url_identity(url)
        if identity is None or not self.site.is_article(url):
            return False  # listings change with every new article: always revalidated
        modified = parse_lastmod(lastmod)
        if modified is None:
            return False
        known = self.known_pages.get(identity)
        if known is None:
            return False
        # Compare on the site's own clock (the Last-Modified it sent with our copy) when we
        # have it: lastmod and our fetch time come from different clocks.
        ours = _http_date(known.last_modified) or known.fetched_at
        if ours is None or modified > ours:
            return False
        self.unchanged.add(identity)
        self.crawler.stats.inc_value("pitboard/sitemap_unchanged")
        return True

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if not response.body.strip():
            log.warning("empty feed, ignored: %s", response.url)
            return
        selector = Selector(body=response.body, type="xml")
        selector.remove_namespaces()
        for xpath in FEED_LINKS:
            for link in selector.xpath(xpath).getall():
                try:
                    url = response.urljoin(link.strip())
                except ValueError:  # dropped and counted, as in pages
                    self.crawler.stats.inc_value("pitboard/invalid_urls")
                    continue
                if (request := self.follow(url, depth=1)) is not None:
                    yield request

    def parse_page(self, response: Response) -> Iterator[RawPage | FetchFailure | Request]:
        if not response.meta.get("pitboard_not_modified"):
            yield self.page_item(response)
        if response.status in self.retry_codes:
            # Stored (a dead link stays visible) and recorded: retries did not cure it.
            self.crawler.stats.inc_value("pitboard/fetch_failures/http_error")
            page = self.page_item(response)
            detail = f"HTTP {response.status} after {response.meta.get('retry_times', 0)} retries"
            if (asked := response.meta.get(REFUSED_META)) is not None:
                detail += f"; its Retry-After of {asked:.0f} s is over the cap, not retried"
            yield FetchFailure(
                self.name, page.url, "http_error", detail, page.fetched_at, response.status
            )
        if response.status >= 400 or not isinstance(response, TextResponse):
            return
        try:
            hrefs = LINKS(response.selector.root)
        except Exception as exc:  # a page too broken to parse is stored all the same
            log.warning("no links read from %s: %s", response.url, exc)
            return
        depth = int(response.meta.get("pitboard_depth", 0))
        discover = self.leads_further(response, depth)
        here = _listing_key(response.url)
        origin = _origin(get_base_url(response))  # what urljoin joins to (<base href> too)
        judged = self.judged
        for href in hrefs:
            href = href.strip()
            if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
                continue
            # Most links of a page (menus, tags, teasers of the page before) were judged on an
            # earlier one: known by their spelling, they are not joined or canonicalised again.
            key = _link_key(href, origin)
            if key is not None and key in judged:
                continue
            try:
                url = response.urljoin(href)
            except ValueError:  # a broken IPv6 host, say: dropped and counted
                self.crawler.stats.inc_value("pitboard/invalid_urls")
                continue
            step = 0 if _listing_key(url) == here else 1  # the next page of a listing: no step
            request = self.follow(url, depth=depth + step, discover=discover, key=key)
            if request is not None:
                yield request

    def page_item(self, response: Response) -> RawPage:
        redirects = response.meta.get("redirect_urls") or [response.url]
        return RawPage(
            site=self.name,
            url=redirects[0],
            final_url=response.url,
            status=response.status,
            headers=response_headers(response),
            body=response.body,
            fetched_at=datetime.now(UTC),
        )

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        """Record a failed request (``fetch_failures``, through the pipeline) and carry on: one
        dead host, timeout or hostile answer never ends the crawl."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        reason = failure_reason(failure.value)
        if reason is None:
            log.debug("skipped %s: %s", url, failure.value)
            return
        if failure.check(HttpError) and failure.value.response.status not in self.retry_codes:
            # A sitemap or feed that is not there (404...): the site's answer, not a failure.
            log.warning("%s answered %s, ignored", url, failure.value.response.status)
            return
        kind = type(failure.value).__name__
        self.crawler.stats.inc_value(f"pitboard/errors/{kind}")
        self.crawler.stats.inc_value(f"pitboard/fetch_failures/{reason}")
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            log.warning("%s answered %s, recorded as failed", url, status)
        else:
            log.warning("could not fetch %s (%s): %s", url, reason, failure.getErrorMessage())
        if request is not None:
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            detail = f"{kind}: {failure.getErrorMessage()}"
            yield FetchFailure(self.name, first, reason, detail, datetime.now(UTC), status)


def _class_name(site_name: str) -> str:
    words = re.split(r"[^0-9A-Za-z]+", site_name)
    return "Site" + "".join(w[:1].upper() + w[1:] for w in words if w) + "Spider"


def spider_class_for(site: SiteDescription, module: str) -> type[SiteSpider]:
    """A spider class for ``site``, defined (for Scrapy's spider loader) in ``module``."""
    attributes = {
        "name": site.name,
        "site": site,
        "custom_settings": site.crawl_settings(),
        "__module__": module,
        "__doc__": f"Crawl {site.name} ({site.language}), as described in {site.source}.",
    }
    return type(_class_name(site.name), (SiteSpider,), attributes)


def _http_date(value: str | None) -> datetime | None:
    """An HTTP date header as an aware datetime, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _origin(base_url: str) -> tuple[str, str]:
    """Scheme and ``scheme://host[:port]`` of a base URL: all that an absolute-path link's
    resolution takes from it."""
    parts = urlsplit(base_url)
    return parts.scheme, f"{parts.scheme}://{parts.netloc}"


def _link_key(href: str, origin: tuple[str, str]) -> str | None:
    """A link's spelling made independent of the page it is on, or None when its resolution
    depends on the page's path (``../a``, ``a``, ``?page=2``): an absolute URL stands for
    itself, ``//host/a`` takes the page's scheme, ``/a`` its scheme and host. Equal keys join
    to equal URLs, so a key once judged is the URL it joins to judged."""
    if href.startswith(("http://", "https://")):
        return href
    if href.startswith("//"):
        return f"{origin[0]}:{href}"
    if href.startswith("/"):
        return origin[1] + href
    return None


def _listing_key(url: str) -> tuple[str, str]:
    """Host and path of ``url`` less its page number: equal for the pages of one listing."""
    parts = urlsplit(url)
    path = _PAGER_PATH.sub("/", parts.path or "/").rstrip("/") or "/"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and pair.split("=")[0] not in _PAGER_PARAMS
    )
    return (parts.netloc.lower(), f"{path}?{query}" if query else path)
