"""What a site says about itself, read from its answers: pure functions for ``pitboard sites add``.

Each takes a document already fetched (robots.txt, a sitemap, a feed, a page) and returns what
it names: sitemaps, page URLs, feeds, the language. :func:`url_shape` and
:func:`article_patterns` turn article URLs into the regular expressions a description holds.
The fetching lives with the command (``flows.site_add``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree, html
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

#: Where feeds usually are when a page does not declare one.
USUAL_FEED_PATHS = ("/feed/", "/rss.xml", "/feed", "/rss", "/rss/", "/atom.xml", "/feed.xml")
#: Where a sitemap usually is when robots.txt names none.
USUAL_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/sitemap-index.xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/"


def sitemaps_in_robots(body: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, as absolute URLs, in file order."""
    return list(dict.fromkeys(sitemap_urls_from_robots(body, base_url=base_url)))


@dataclass(frozen=True, slots=True)
class SitemapDocument:
    """One sitemap: an index naming other sitemaps, or a URL set (``news`` for a Google News
    sitemap); ``locs`` are what it names."""

    kind: str  # "sitemapindex" or "urlset"
    locs: tuple[str, ...]
    news: bool = False


def read_sitemap(body: bytes) -> SitemapDocument | None:
    """The sitemap ``body`` holds (gzipped or not), or None when it is not one."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=50 * 1024 * 1024)
        except OSError:
            return None
    try:
        sitemap = Sitemap(body)
    except (SyntaxError, StopIteration, ValueError):
        return None
    if sitemap.type not in ("sitemapindex", "urlset"):
        return None
    locs = tuple(entry["loc"] for entry in sitemap if entry.get("loc"))
    return SitemapDocument(sitemap.type, locs, news=_NEWS_NS.encode() in body[:4000])


def feeds_in_page(body: bytes | str, page_url: str) -> list[str]:
    """The feeds a page declares with ``<link rel="alternate" type="application/rss+xml">``
    (or Atom, JSON Feed), as absolute URLs."""
    tree = _parse(body)
    if tree is None:
        return []
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES and link.get("href"):
            found.append(urljoin(page_url, link.get("href").strip()))
    return list(dict.fromkeys(found))


def feed_entries(body: bytes) -> list[str] | None:
    """The links of an RSS or Atom feed's items, or None when ``body`` is not a feed."""
    try:
        root = etree.fromstring(body.strip(), parser=etree.XMLParser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    tag = etree.QName(root).localname.lower()
    if tag not in ("rss", "feed", "rdf"):
        return None
    links = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        parent = element.getparent()
        parent_name = etree.QName(parent).localname if parent is not None else ""
        if name != "link" or parent_name not in ("item", "entry"):
            continue
        href = element.get("href") if parent_name == "entry" else (element.text or "")
        if parent_name == "entry" and element.get("rel") not in (None, "alternate"):
            continue
        if href and href.strip():
            links.append(href.strip())
    return links


def page_language(body: bytes | str) -> str | None:
    """The primary language a page declares (``<html lang="fr-FR">`` gives ``fr``), or None."""
    tree = _parse(body)
    if tree is None:
        return None
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    primary = lang.strip().lower().split("-")[0].split("_")[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def page_links(body: bytes | str, page_url: str) -> list[str]:
    """The absolute targets of a page's ``<a href>`` links, in page order, once each."""
    tree = _parse(body)
    if tree is None:
        return []
    links = []
    for href in tree.xpath("//a/@href"):
        href = str(href).strip()
        if href and not href.startswith(("#", "mailto:", "javascript:", "tel:")):
            try:
                links.append(urljoin(page_url, href).split("#")[0])
            except ValueError:
                continue
    return list(dict.fromkeys(links))


def _parse(body: bytes | str) -> html.HtmlElement | None:
    try:
        return html.fromstring(body)
    except (etree.ParserError, ValueError):
        return None


# --- URL shapes ----------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_SLUG_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-\d+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}")
_EXTENSION = re.compile(r"(.+)(\.html?|\.php|\.aspx?)")


def _is_date_part(segment: str) -> bool:
    """A year (1990-2099) or a month or day number (``05``)."""
    if len(segment) == 4:
        return segment.startswith(("19", "20"))
    return len(segment) == 2 and 1 <= int(segment) <= 31


def _segment_pattern(segment: str, last: bool) -> str:
    """The regular expression standing for one path segment of an article URL: numbers and
    slugs are generalised (a date's year, month and day keep their widths; an id, such as the
    last segment's number, grows), words stay as written (``news``, ``actualites``: the section
    is part of the shape)."""
    segment = segment.lower()
    ext = ""
    if match := _EXTENSION.fullmatch(segment):
        segment, ext = match.group(1), re.escape(match.group(2))
    if _DIGITS.fullmatch(segment):
        dated = not last and _is_date_part(segment)
        body = rf"\d{{{len(segment)}}}" if dated else r"\d+"
    elif _SLUG_ID.fullmatch(segment):
        body = r"[a-z0-9-]+-\d+"
    elif _SLUG.fullmatch(segment):
        body = r"[a-z0-9-]+"
    else:
        body = re.escape(segment)
    return body + ext


def url_shape(url: str) -> str | None:
    """The anchored pattern of ``url``'s path (``^/news/\\d{4}/\\d{2}/[a-z0-9-]+-\\d+/?$``), or
    None for a URL with a query or no path (a home page is no article shape)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.query or not segments:
        return None
    last = len(segments) - 1
    return "^/" + "/".join(_segment_pattern(s, i == last) for i, s in enumerate(segments)) + "/?$"


def is_specific(shape: str) -> bool:
    """True when a shape ends in a generalised segment (a slug, an id): a section's own page,
    all literal words, is a listing's shape, never an article's."""
    last = shape.removesuffix("/?$").rsplit("/", 1)[-1]
    return "[a-z0-9-]" in last or "\\d" in last


def shapes_of(urls: Iterable[str]) -> Counter[str]:
    """How many of ``urls`` each specific shape covers."""
    return Counter(
        shape for url in urls if (shape := url_shape(url)) is not None and is_specific(shape)
    )


def article_patterns(kinds_by_shape: dict[str, Counter[str]]) -> tuple[str, ...]:
    """The shapes whose sampled pages are mostly articles or galleries (what is stored), most
    sampled first: the site's article patterns."""
    kept = [
        (sum(kinds.values()), shape)
        for shape, kinds in kinds_by_shape.items()
        if kinds["article"] + kinds["gallery"] > sum(kinds.values()) / 2
    ]
    return tuple(shape for _, shape in sorted(kept, key=lambda item: (-item[0], item[1])))
