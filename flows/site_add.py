"""``pitboard sites add URL``: describe a site from what it says about itself, and save it.

From the base URL alone: the home page (it must answer), robots.txt and its ``Sitemap:`` lines
(else the usual sitemap addresses), sitemap indexes and their sitemaps (news sitemaps
included), the feeds the home page declares and those at the usual paths, the language
(``<html lang>``, else the text), and the URL shapes of the articles: the shapes of the URLs
that sitemaps and feeds name, each tried on a few pages that the page-kind classifier judges
(robots.txt obeyed). The result is a :class:`SiteDescription` with the defaults for everything
else, written as ``$PITBOARD_HOME/sites.d/NAME.toml``.

Fetching is plain ``urllib`` (a handful of requests, one at a time, with Pitboard's
User-Agent and a pause between requests); everything it reads is parsed by
``crawler.discovery``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from protego import Protego

from crawler import discovery
from crawler.registry import all_sites
from crawler.site_files import read_site_file, site_to_toml
from crawler.sites import SiteDescription, SiteError, check_http_url
from etl.store.settings import load_settings

log = logging.getLogger(__name__)

#: At most this many sitemaps are read, and this many of their URLs kept.
MAX_SITEMAPS = 20
MAX_URLS = 20_000
#: Pages fetched and classified per URL shape, and shapes tried, at most.
PAGES_PER_SHAPE = 2
MAX_SHAPES = 8
#: The pause between two requests to the site.
PAUSE_SECONDS = 0.25
TIMEOUT_SECONDS = 20


class SiteAddError(ValueError):
    """The site cannot be added as asked; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    url: str
    body: bytes


Fetch = Callable[[str], Answer]


def http_fetch(user_agent: str) -> Fetch:
    """A fetcher with Pitboard's User-Agent; a network failure raises OSError."""
    last = [0.0]

    def fetch(url: str) -> Answer:
        wait = last[0] + PAUSE_SECONDS - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return Answer(response.status, response.geturl(), response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, url, exc.read() or b"")
        finally:
            last[0] = time.monotonic()

    return fetch


@dataclass
class Findings:
    """What discovery found, for the description and for the user."""

    base_url: str
    robots: bool = False
    sitemaps: list[str] = field(default_factory=list)
    news_sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    urls: int = 0
    kinds_by_shape: dict[str, Counter[str]] = field(default_factory=dict)
    patterns: tuple[str, ...] = ()


def default_name(base_url: str) -> str:
    """A site name from its host: ``https://www.fiawec.com`` gives ``fiawec``; a host with a
    port, such as ``127.0.0.1:8001``, gives ``127-0-0-1-8001``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").removeprefix("www.")
    labels = host.split(".")
    if len(labels) > 1 and not labels[-1].isdigit():
        labels = labels[:-1]
    name = "-".join(labels) + (f"-{parts.port}" if parts.port else "")
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:64] or "site"


def _relative(site_root: str, url: str) -> str:
    """``url`` as a site-relative path when it is on the site's own origin, else as given."""
    parts, root = urlsplit(url), urlsplit(site_root)
    if (parts.scheme, parts.netloc) == (root.scheme, root.netloc):
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def _same_host(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    ha, hb = (pa.hostname or "").removeprefix("www."), (pb.hostname or "").removeprefix("www.")
    return ha == hb and pa.port == pb.port


def check_new(name: str, base_url: str, known: dict[str, SiteDescription]) -> None:
    """SiteAddError when the name or the address is already a known site's."""
    if name in known:
        raise SiteAddError(f"site {name!r} already exists ({known[name].source}); pick --name")
    for site in known.values():
        if site.base_url and _same_host(site.base_url, base_url):
            raise SiteAddError(f"{base_url} is already known as site {site.name!r} ({site.source})")


def discover(base_url: str, fetch: Fetch) -> Findings:
    """Everything :func:`describe` needs, read from the site; SiteAddError when its home page
    cannot be fetched."""
    found = Findings(base_url)
    try:
        home = fetch(base_url + "/")
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SiteAddError(f"cannot reach {base_url}: {reason}") from None
    if home.status >= 400:
        raise SiteAddError(f"cannot add {base_url}: its home page answered HTTP {home.status}")
    final = urlsplit(home.url)
    if home.url and _same_host(home.url, base_url) and final.scheme in ("http", "https"):
        # http -> https, example.com -> www.example.com: describe the site where it answers
        base_url = found.base_url = f"{final.scheme}://{final.netloc}"

    robots = Protego.parse("")
    try:
        answer = fetch(base_url + "/robots.txt")
    except OSError:
        answer = Answer(599, "", b"")
    if answer.status == 200:
        found.robots = True
        robots = Protego.parse(answer.body.decode("utf-8", "replace"))
        found.sitemaps = [
            url
            for url in discovery.sitemaps_in_robots(answer.body, base_url)
            if _same_host(url, base_url)
        ]
    page_urls = _read_sitemaps(found, fetch, robots)
    page_urls += _read_feeds(found, home, fetch)

    languages: Counter[str] = Counter()
    if lang := discovery.page_language(home.body):
        languages[lang] += 1
    on_site = [u for u in dict.fromkeys(page_urls) if _same_host(u, base_url)]
    found.urls = len(on_site)
    if not on_site:  # no sitemap, no feed: the home page's links are all there is
        on_site = [u for u in discovery.page_links(home.body, home.url) if _same_host(u, base_url)]
    _sample_shapes(found, on_site, fetch, robots, languages)
    found.languages = [lang for lang, _ in languages.most_common()]
    if not found.languages:
        from etl.clean.cleaner import clean_page

        guessed = clean_page(home.body, home.url).metadata.language
        found.languages = [guessed] if guessed else []
    found.patterns = discovery.article_patterns(found.kinds_by_shape)
    return found


def _read_sitemaps(found: Findings, fetch: Fetch, robots: Protego) -> list[str]:
    """The page URLs of the site's sitemaps (robots.txt's, else the usual addresses)."""
    explicit = bool(found.sitemaps)
    queue = list(found.sitemaps) or [found.base_url + p for p in discovery.USUAL_SITEMAP_PATHS]
    seen: set[str] = set()
    urls: list[str] = []
    top: list[str] = []
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            answer = fetch(url)
        except OSError:
            continue
        document = discovery.read_sitemap(answer.body) if answer.status == 200 else None
        if document is None:
            continue
        if url in found.sitemaps or not explicit:
            top.append(url)
        if document.news:
            found.news_sitemaps.append(url)
        if document.kind == "sitemapindex":
            queue += [loc for loc in document.locs if _same_host(loc, found.base_url)]
        else:
            urls += list(document.locs[: MAX_URLS - len(urls)])
        if not explicit:
            break  # the first usual address that answers is the site's sitemap
    found.sitemaps = list(dict.fromkeys(top))
    return urls


def _read_feeds(found: Findings, home: Answer, fetch: Fetch) -> list[str]:
    """The item URLs of the feeds the home page declares and of those at the usual paths."""
    declared = discovery.feeds_in_page(home.body, home.url)
    candidates = declared + [found.base_url + p for p in discovery.USUAL_FEED_PATHS]
    urls: list[str] = []
    feeds: list[str] = []
    for url in dict.fromkeys(candidates):
        if not _same_host(url, found.base_url):
            continue
        try:
            answer = fetch(url)
        except OSError:
            continue
        entries = discovery.feed_entries(answer.body) if answer.status == 200 else None
        if entries is None:
            continue
        feed = answer.url if _same_host(answer.url, found.base_url) else url
        if feed.rstrip("/") in {f.rstrip("/") for f in feeds}:
            continue  # /feed and /feed/ are one feed
        feeds.append(feed)
        urls += entries
        if len(feeds) >= 3:
            break
    found.feeds = feeds
    return urls


def _sample_shapes(
    found: Findings, urls: list[str], fetch: Fetch, robots: Protego, languages: Counter[str]
) -> None:
    """Classify a few pages of each common URL shape (robots.txt permitting)."""
    from etl.clean.cleaner import clean_page

    user_agent = load_settings().user_agent
    by_shape: dict[str, list[str]] = {}
    for url in urls:
        shape = discovery.url_shape(url)
        if shape is not None and discovery.is_specific(shape):
            by_shape.setdefault(shape, []).append(url)
    common = sorted(by_shape, key=lambda s: -len(by_shape[s]))[:MAX_SHAPES]
    for shape in common:
        kinds: Counter[str] = Counter()
        allowed = [u for u in by_shape[shape] if robots.can_fetch(u, user_agent)]
        for url in allowed[:PAGES_PER_SHAPE]:
            try:
                answer = fetch(url)
            except OSError:
                continue
            if answer.status != 200:
                continue
            page = clean_page(answer.body, answer.url)
            kinds[page.kind] += 1
            if lang := discovery.page_language(answer.body) or page.metadata.language:
                languages[lang] += 1
        if kinds:
            found.kinds_by_shape[shape] = kinds


def describe(name: str, found: Findings) -> SiteDescription:
    """The description of what was found: the defaults for everything else."""
    root = found.base_url
    return SiteDescription(
        name=name,
        base_url=root,
        languages=tuple(found.languages),
        sitemap_paths=tuple(_relative(root, u) for u in found.sitemaps),
        feed_paths=tuple(_relative(root, u) for u in found.feeds),
        article_patterns=found.patterns,
    )


def report_lines(found: Findings, site: SiteDescription) -> list[str]:
    """What discovery found, for the user, one fact per line."""
    lines = [f"robots.txt: {'found' if found.robots else 'none'}"]
    for url in found.sitemaps:
        news = " (news)" if url in found.news_sitemaps else ""
        lines.append(f"sitemap: {url}{news}")
    extra = [u for u in found.news_sitemaps if u not in found.sitemaps]
    lines += [f"news sitemap (in an index): {u}" for u in extra]
    lines += [f"feed: {url}" for url in found.feeds] or ["feed: none found"]
    lines.append(f"pages named by sitemaps and feeds: {found.urls}")
    lines.append(f"language: {site.language}")
    for shape, kinds in found.kinds_by_shape.items():
        verdict = "article pattern" if shape in found.patterns else "not an article pattern"
        seen = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        lines.append(f"URL shape {shape}: {seen} -> {verdict}")
    if not found.patterns:
        lines.append("article patterns: none learned (the classifier decides each page)")
    return lines


def add_site(
    url: str, name: str | None = None, *, fetch: Fetch | None = None
) -> tuple[Path, list[str]]:
    """Discover the site at ``url``, write its file; return the file and the report lines.

    SiteAddError (one line) when the URL is malformed, the site is known, or unreachable.
    """
    try:
        check_http_url("URL", url)
    except SiteError as exc:
        raise SiteAddError(str(exc)) from None
    parts = urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}"
    name = name or default_name(base_url)
    settings = load_settings()
    try:
        SiteDescription(name=name, base_url=base_url)
    except SiteError as exc:
        raise SiteAddError(f"--name {exc}") from None
    check_new(name, base_url, all_sites(settings))
    found = discover(base_url, fetch or http_fetch(settings.user_agent))
    site = describe(name, found)
    path = settings.sites_dir / f"{name}.toml"
    text = (
        f"# Written by `pitboard sites add {url}`: what the site said about itself.\n"
        '# Edit freely; the README\'s "Adding a site" section lists every field.\n'
        + site_to_toml(site)
    )
    _write_checked(path, text)
    return path, [*report_lines(found, site), f"wrote {path}"]


def _write_checked(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only once it reads back as a valid site file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".toml.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        read_site_file(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
