"""What Pitboard knows about each site it crawls, as data: one description per site.

A description says where discovery starts (home and section pages, sitemaps, feeds, robots.txt),
which URLs are articles, which pages are listings worth following for their links, which URLs
never to follow, how often to crawl and how gently. The one generic spider
(``crawler.spiders.site_spider``) reads nothing else, so adding a site is adding a description.

Paths and patterns are site-relative (path plus query), so the sample sites, whose address is
only known at run time (``-a base_url=http://127.0.0.1:PORT``), are described like the others;
their paths and patterns come from the generator's own statement of them, ``samplesite.shapes``.

What was verified for the real sites (there is no internet access where this was written; the
evidence is other public code and documents that cite these sites' URLs):
- endurance-info.com: Drupal (files under /sites/default/files/), a feed at /rss.xml is listed
  by third-party feed readers. Article URL shape NOT verified: the patterns are deliberately broad.
- 24h-lemans.com: news articles at /en/news/<slug>-<id> (many citations); the French section
  path /fr/actualites is assumed from the site's /fr/ tree, not seen.
- fiawec.com and europeanlemansseries.com (same ACO platform): articles at
  /en/news/<slug>/<id> (many citations). Their feed addresses are not verified.
- dailysportscar.com: WordPress, articles at /YYYY/MM/DD/<slug>.html, feed /feed/ (verified
  through several feed lists and the articles they link).
- sportscar365.com: WordPress, articles at /<series>[/<sub-series>]/<slug>/, feed /feed/
  (verified through feed lists and article links).
Sitemaps of real sites are found through their robots.txt ``Sitemap:`` lines rather than
guessed, so an unverified sitemap address can never cause a crawl of the wrong thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from samplesite.shapes import SHAPES, SiteShape


@dataclass(frozen=True, slots=True)
class Politeness:
    """Per-site overrides of the project-wide politeness settings (None keeps the default)."""

    download_delay: float | None = None
    concurrent_requests_per_domain: int | None = None
    autothrottle_start_delay: float | None = None
    autothrottle_max_delay: float | None = None
    autothrottle_target_concurrency: float | None = None

    def as_settings(self) -> dict[str, float | int]:
        """The Scrapy settings these overrides stand for."""
        names = {
            "DOWNLOAD_DELAY": self.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrent_requests_per_domain,
            "AUTOTHROTTLE_START_DELAY": self.autothrottle_start_delay,
            "AUTOTHROTTLE_MAX_DELAY": self.autothrottle_max_delay,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": self.autothrottle_target_concurrency,
        }
        return {name: value for name, value in names.items() if value is not None}


@dataclass(frozen=True)
class SiteDescription:
    """One site, declaratively.

    ``base_url`` is None for a site whose address is given at run time (see ``bind``).
    ``article_patterns`` and ``follow_patterns`` are regular expressions searched in the
    site-relative target (path, plus ``?query`` when there is one); ``deny_patterns`` win over
    both. Articles are always followed; listings (index pages, pagination, tags, galleries) are
    followed for their links. ``allowed_domains``, when not given, is the host of ``base_url``
    less ``www.`` (``is_on_site`` accepts subdomains). ``cadence`` is a cron expression for the
    scheduler. ``max_pages`` (responses one crawl stops at) and ``depth_limit`` (links followed
    from a start page, sitemap or feed) override the project-wide bounds, PITBOARD_MAX_PAGES
    and PITBOARD_DEPTH_LIMIT; None keeps them, 0 means no bound.
    """

    name: str
    languages: tuple[str, ...]
    base_url: str | None
    start_paths: tuple[str, ...] = ("/",)
    sitemap_paths: tuple[str, ...] = ()
    robots_sitemaps: bool = True
    feed_paths: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()
    follow_patterns: tuple[str, ...] = ()
    deny_patterns: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    cadence: str = "0 */6 * * *"
    politeness: Politeness = field(default_factory=Politeness)
    sample: bool = False
    max_pages: int | None = None
    depth_limit: int | None = None

    def __post_init__(self) -> None:
        if not self.allowed_domains and self.base_url is not None:
            host = urlsplit(self.base_url).hostname or ""
            object.__setattr__(self, "allowed_domains", (host.removeprefix("www."),))

    @property
    def language(self) -> str:
        """The site's languages as one label (``fr``, ``en``, ``fr/en``)."""
        return "/".join(self.languages)

    def crawl_settings(self) -> dict[str, float | int]:
        """The Scrapy settings this site sets for its own crawls (politeness, depth)."""
        settings = self.politeness.as_settings()
        if self.depth_limit is not None:
            settings["DEPTH_LIMIT"] = self.depth_limit
        return settings

    def bind(self, base_url: str) -> SiteDescription:
        """This site served at ``base_url`` (scheme, host and port, no path)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must look like http://host[:port], got {base_url!r}")
        root = f"{parts.scheme}://{parts.netloc}"
        return replace(self, base_url=root, allowed_domains=(parts.hostname,))

    def absolute(self, path: str) -> str:
        """``path`` on this site."""
        if self.base_url is None:
            raise ValueError(f"{self.name} has no base URL: pass -a base_url=http://host:port")
        return urljoin(self.base_url + "/", path)

    # The compiled patterns are cached per instance; a frozen dataclass without slots keeps a
    # __dict__ for cached_property.
    @cached_property
    def _articles(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.article_patterns)

    @cached_property
    def _follow(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.follow_patterns)

    @cached_property
    def _deny(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.deny_patterns)

    def is_on_site(self, url: str) -> bool:
        """True when ``url`` belongs to this site.

        A sample site must match host and port exactly: Scrapy's offsite filter compares host
        names only, which would let any other server on 127.0.0.1 in. A real site accepts its
        domains and their subdomains (``www.``), on any port.
        """
        if self.base_url is None:
            return False
        parts, base = urlsplit(url), urlsplit(self.base_url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https"):
            return False
        if self.sample:
            return host == base.hostname and parts.port == base.port
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_denied(self, url: str) -> bool:
        return any(p.search(_target(url)) for p in self._deny)

    def is_article(self, url: str) -> bool:
        """True when ``url`` is on the site, not denied, and shaped like an article."""
        return (
            self.is_on_site(url)
            and not self.is_denied(url)
            and any(p.search(_target(url)) for p in self._articles)
        )

    def should_follow(self, url: str) -> bool:
        """True when a link to ``url`` is worth fetching: an article or a listing of this site."""
        if not self.is_on_site(url) or self.is_denied(url):
            return False
        target = _target(url)
        return any(p.search(target) for p in self._articles + self._follow)


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# Shared by every site: links that are never pages worth storing.
COMMON_DENY = (
    r"/(wp-admin|wp-login\.php|wp-json|xmlrpc\.php|cart|checkout|my-account|login|user)(/|$)",
    r"[?&](replytocom|share|print|amp|s|search)=",
    r"/(feed|rss|atom)/?$",
    r"\.(pdf|jpe?g|png|gif|webp|svg|mp4|mp3|zip|css|js|xml|ics)$",
)

ENDURANCE_INFO = SiteDescription(
    name="endurance-info",
    languages=("fr",),
    base_url="https://www.endurance-info.com",
    start_paths=("/", "/actualites"),
    feed_paths=("/rss.xml",),
    # Unverified URL shape: a slug of at least three hyphenated words, optionally followed by
    # a numeric id, under any section.
    article_patterns=(r"^/(?:[a-z0-9-]+/)*[a-z0-9]+(?:-[a-z0-9]+){2,}(?:-\d+)?/?$",),
    follow_patterns=(r"^/actualites/?(\?page=\d+)?$", r"^/(wec|elms|imsa|gt|le-mans)[a-z0-9-]*/?$"),
    deny_patterns=(*COMMON_DENY, r"^/(calendrier|classement|resultats|boutique)"),
    cadence="15 */2 * * *",
)

LE_MANS_24H = SiteDescription(
    name="24h-lemans",
    languages=("fr", "en"),
    base_url="https://www.24h-lemans.com",
    start_paths=("/fr/actualites", "/en/news"),
    article_patterns=(r"^/(fr/actualites|en/news)/[a-z0-9-]+-\d+/?$",),
    follow_patterns=(r"^/(fr/actualites|en/news)/?(\?page=\d+)?$",),
    deny_patterns=(*COMMON_DENY, r"^/(fr|en)/(billetterie|tickets|boutique|shop)"),
    cadence="30 */6 * * *",
)


def aco_platform_site(name: str, domain: str, *, cadence: str) -> SiteDescription:
    """A series site on the ACO's platform: the same URL shapes whatever the series."""
    return SiteDescription(
        name=name,
        languages=("en", "fr"),
        base_url=f"https://www.{domain}",
        start_paths=("/en/news", "/fr/news"),
        article_patterns=(r"^/(en|fr)/news/[a-z0-9-]+/\d+/?$",),
        follow_patterns=(r"^/(en|fr)/news/?(\?page=\d+)?$",),
        deny_patterns=(*COMMON_DENY, r"^/(en|fr)/(live|tickets|shop)"),
        cadence=cadence,
    )


FIA_WEC = aco_platform_site("fiawec", "fiawec.com", cadence="0 */4 * * *")
ELMS = aco_platform_site("europeanlemansseries", "europeanlemansseries.com", cadence="0 */6 * * *")


DAILYSPORTSCAR = SiteDescription(
    name="dailysportscar",
    languages=("en",),
    base_url="https://www.dailysportscar.com",
    feed_paths=("/feed/",),
    article_patterns=(r"^/\d{4}/\d{2}/\d{2}/[a-z0-9-]+\.html$",),
    follow_patterns=(r"^/(page/\d+/?)?$", r"^/category/[a-z0-9-]+/(page/\d+/)?$"),
    deny_patterns=(*COMMON_DENY, r"^/(subscribe|subscribers|shop)"),
    cadence="0 * * * *",
    politeness=Politeness(download_delay=2.0, concurrent_requests_per_domain=2),
)

SPORTSCAR365 = SiteDescription(
    name="sportscar365",
    languages=("en",),
    base_url="https://sportscar365.com",
    feed_paths=("/feed/",),
    # /<series>/<slug>/ or /<series>/<sub-series>/<slug>/; listing and tag paths are excluded
    # below by the deny list and by the "page" segment.
    article_patterns=(
        r"^/(?!category/|tag/|author/|page/)[a-z0-9-]+/(?:[a-z0-9-]+/)?[a-z0-9]+(?:-[a-z0-9]+){2,}/$",
    ),
    follow_patterns=(r"^/(page/\d+/)?$", r"^/category/[a-z0-9/-]+/(page/\d+/)?$"),
    deny_patterns=(*COMMON_DENY, r"^/(tag|author)/"),
    cadence="0 * * * *",
    politeness=Politeness(download_delay=2.0, concurrent_requests_per_domain=2),
)

# Our own server on the loopback: AutoThrottle stays on, with no floor under its delay and a
# 50 ms ceiling. Without the ceiling one slow answer (a 2,000-entry sitemap) raises the delay,
# and the 304s of a re-crawl never lower it again (AutoThrottle only lowers on 200s): measured,
# a re-crawl of a 2,000-article site took 13 s instead of 6 s.
SAMPLE_POLITENESS = Politeness(
    download_delay=0.0,
    concurrent_requests_per_domain=8,
    autothrottle_start_delay=0.0,
    autothrottle_max_delay=0.05,
    autothrottle_target_concurrency=8.0,
)


def sample_site(shape: SiteShape) -> SiteDescription:
    """A generated sample site, described from the generator's own URL shapes
    (``samplesite.shapes``, the one samplesite module the crawler imports)."""
    return SiteDescription(
        name=shape.name,
        languages=(shape.language,),
        base_url=None,
        start_paths=shape.start_paths,
        sitemap_paths=shape.sitemap_paths,
        feed_paths=shape.feed_paths,
        article_patterns=shape.article_patterns,
        follow_patterns=shape.follow_patterns,
        deny_patterns=COMMON_DENY,
        cadence="*/30 * * * *",
        politeness=SAMPLE_POLITENESS,
        sample=True,
        # Crawled whole: the tests and benchmarks compare what is stored with the site's truth,
        # and its 2,000-article listings paginate deeper than a real site's crawl should go.
        max_pages=0,
        depth_limit=0,
    )


SAMPLE_FR = sample_site(SHAPES["sample-fr"])
SAMPLE_EN = sample_site(SHAPES["sample-en"])

SITES: dict[str, SiteDescription] = {
    site.name: site
    for site in (
        ENDURANCE_INFO,
        LE_MANS_24H,
        FIA_WEC,
        ELMS,
        DAILYSPORTSCAR,
        SPORTSCAR365,
        SAMPLE_FR,
        SAMPLE_EN,
    )
}


def real_sites() -> list[SiteDescription]:
    """The sites on the internet, in registry order."""
    return [site for site in SITES.values() if not site.sample]


def sample_sites() -> list[SiteDescription]:
    """The generated sites, whose address is given at run time."""
    return [site for site in SITES.values() if site.sample]


def get_site(name: str) -> SiteDescription:
    """The description named ``name``; KeyError names the known sites."""
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown site {name!r}; known: {', '.join(SITES)}") from None
