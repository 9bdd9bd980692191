"""Page metadata read from the parsed tree: title, author, dates, language, image, tags.

Sources in order of trust: JSON-LD (what publishers feed search engines), Open Graph and
``article:*`` meta tags, ``itemprop`` microdata, then visible markup (``<h1>``, ``<time>``,
bylines). All of it comes from the one tree parsed in :mod:`etl.clean.parse`; nothing is re-parsed,
which is also why this module does not call trafilatura's own (slower) metadata pass.

A French agency dateline such as ``G.N., Le Mans -`` opens many articles: it stays in the text
and is read here as author initials and place (:func:`read_dateline`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

from lxml.html import HtmlElement

from etl.clean.dates import parse_date, parse_iso
from etl.clean.records import PageMetadata

_WS_RE = re.compile(r"\s+")

#: ``G.N., Le Mans -`` / ``J.-P. M., Spa-Francorchamps —``: initials, place, then a dash.
DATELINE_RE = re.compile(
    r"^\s*(?P<initials>(?:[A-ZÀ-Ý][a-zà-ÿ]?\.(?:\s?-?\s?[A-ZÀ-Ý][a-zà-ÿ]?\.)*))\s*,\s*"
    r"(?P<place>[A-ZÀ-Ý][\w'’.-]*(?:[ -][\w'’.-]+){0,3}?)\s*(?:\([^)]{1,30}\))?\s*[-–—]\s+"
)
#: ``LE MANS (AFP) -`` / ``PARIS, June 18 (Reuters) -`` agency datelines: place only.
AGENCY_DATELINE_RE = re.compile(
    r"^\s*(?P<place>[A-ZÀ-Ý][A-ZÀ-Ý' -]{1,30}?)\s*(?:,[^(]{0,20})?"
    r"\((?P<agency>AFP|Reuters|AP)\)\s*[-–—]"
)

#: Site names glued to ``<title>``: ``Headline | Site``, ``Headline - Site``.
_TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—•]\s+(?!.*\s[|\-–—•]\s)")

#: Words that tell French from English on pages that do not declare their language.
_FRENCH_WORDS = frozenset({
    "le", "la", "les", "des", "du", "un", "une", "et", "est", "dans", "pour", "sur", "par",
    "avec", "au", "aux", "qui", "que", "pas", "plus", "ont", "été", "cette", "ces", "son", "sa",
    "ses", "leur", "nous", "vous", "il", "elle", "se", "ne", "en", "ce"
})  # fmt: skip
_ENGLISH_WORDS = frozenset({
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "at", "by",
    "it", "from", "his", "her", "has", "have", "are", "be", "this", "which", "were", "an",
    "not", "they", "their", "but", "after"
})  # fmt: skip
_WORD_RE = re.compile(r"[a-zà-ÿ]+")


@dataclass(frozen=True, slots=True)
class Dateline:
    """The ``initials, place -`` opening of an agency-style article."""

    initials: str | None
    place: str
    text: str


def normalize_space(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def read_dateline(text: str) -> Dateline | None:
    """Read ``G.N., Le Mans -`` (or ``LE MANS (AFP) -``) at the start of an article's text."""
    head = text[:120]
    match = DATELINE_RE.match(head)
    if match:
        initials = match.group("initials").replace(" ", "")
        return Dateline(initials, match.group("place").strip(), match.group(0).strip())
    match = AGENCY_DATELINE_RE.match(head)
    if match:
        return Dateline(None, match.group("place").strip().title(), match.group(0).strip())
    return None


def _meta_map(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of every ``<meta>`` by property/name/itemprop, lower-cased key."""
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            metas.setdefault(key.strip().lower(), content.strip())
    return metas


def _meta_all(tree: HtmlElement, key: str) -> list[str]:
    found = []
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == key:
            content = normalize_space(meta.get("content"))
            if content:
                found.append(content)
    return found


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` members included; bad JSON is skipped."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


def _ld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


_ARTICLE_LD_TYPES = frozenset(
    {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "report", "socialmediaposting", "liveblogposting", "webpage"}
)  # fmt: skip


def _names(value: Any) -> list[str]:
    """Author-like JSON-LD values (a string, a Person, a list of either) as names."""
    if isinstance(value, str):
        return [normalize_space(value)] if value.strip() else []
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _first_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _first_url(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list):
        for item in value:
            url = _first_url(item)
            if url:
                return url
    return None


def _strip_site_name(title: str, site_name: str | None) -> str:
    """Drop a `` - Site`` suffix when the page names its site (``og:site_name``)."""
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 5:
        head = title[: -len(site_name)]
        if head.rstrip().endswith(("|", "-", "–", "—", "•", ":")):
            return head.rstrip(" |-–—•:")
    return title


def _clean_title(title: str, site_name: str | None) -> str:
    """Drop a ``| Site`` suffix from a ``<title>`` (only there: headlines contain dashes)."""
    title = _strip_site_name(normalize_space(unescape(title)), site_name)
    parts = _TITLE_SEPARATORS_RE.split(title, maxsplit=1)
    if len(parts) == 2 and len(parts[1]) < len(parts[0]) and len(parts[1]) < 40:
        return parts[0].strip()
    return title


def guess_language(text: str) -> str | None:
    """``fr`` or ``en`` from function words, for pages that do not declare a language."""
    words = _WORD_RE.findall(text[:5000].lower())
    if len(words) < 20:
        return None
    fr = sum(word in _FRENCH_WORDS for word in words)
    en = sum(word in _ENGLISH_WORDS for word in words)
    if max(fr, en) < 5:
        return None
    return "fr" if fr > en else "en"


def _language(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    lang = lang or metas.get("content-language") or metas.get("og:locale") or metas.get("language")
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _byline(tree: HtmlElement) -> str | None:
    """Visible author markup: ``rel=author`` links and ``itemprop=author`` / byline classes."""
    for xpath in (
        './/*[@itemprop="author"]//*[@itemprop="name"]',
        './/*[@rel="author"]',
        './/*[@itemprop="author"]',
        './/*[contains(@class, "author-name") or contains(@class, "byline__name")]',
    ):
        for element in tree.xpath(xpath):
            name = normalize_space(element.get("content") or element.text_content())
            name = re.sub(r"^(?:by|par)\s+", "", name, flags=re.I)
            if 2 < len(name) < 80:
                return name
    return None


def _time_elements(tree: HtmlElement, language: str | None) -> datetime | None:
    for element in tree.iter("time"):
        stamp = element.get("datetime")
        found = parse_iso(stamp) if stamp else parse_date(element.text_content(), language)
        if found:
            return found
    return None


def extract_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Read the metadata a page declares about itself (never raises on odd markup)."""
    meta = PageMetadata()
    metas = _meta_map(tree)
    ld_article: dict[str, Any] = {}
    for obj in _json_ld_objects(tree):
        types = _ld_types(obj)
        meta.ld_types |= types
        if types & _ARTICLE_LD_TYPES and (not ld_article or "headline" in obj):
            if "webpage" in types and ld_article:
                continue
            ld_article = obj

    meta.site_name = metas.get("og:site_name") or metas.get("application-name")
    meta.og_type = (metas.get("og:type") or "").lower() or None
    meta.language = _language(tree, metas)
    meta.description = metas.get("og:description") or metas.get("description")

    title_tag = tree.find(".//title")
    h1 = tree.find(".//h1")
    meta.heading = normalize_space(h1.text_content()) if h1 is not None else None
    for candidate in (
        ld_article.get("headline"),
        metas.get("og:title"),
        metas.get("twitter:title"),
        meta.heading,
    ):
        if isinstance(candidate, str) and candidate.strip():
            meta.title = _strip_site_name(normalize_space(unescape(candidate)), meta.site_name)
            break
    else:
        if title_tag is not None and title_tag.text_content().strip():
            meta.title = _clean_title(title_tag.text_content(), meta.site_name)

    authors = _names(ld_article.get("author"))
    if not authors:
        for key in ("author", "article:author", "dc.creator", "byl", "sailthru.author"):
            value = metas.get(key)
            if value and not value.startswith("http"):
                authors = [re.sub(r"^(?:by|par)\s+", "", value, flags=re.I)]
                break
    if authors:
        meta.author = "; ".join(dict.fromkeys(authors))
    else:
        meta.author = _byline(tree)

    published = ld_article.get("datePublished") or ld_article.get("dateCreated")
    meta.published_at = parse_iso(published) if isinstance(published, str) else None
    for key in (
        "article:published_time", "article:published", "datepublished", "og:published_time",
        "pubdate", "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date",
        "publish-date",
    ):  # fmt: skip
        if meta.published_at is not None:
            break
        if key in metas:
            meta.published_at = parse_date(metas[key], meta.language)
    if meta.published_at is None:
        meta.published_at = _time_elements(tree, meta.language)

    modified = ld_article.get("dateModified")
    meta.updated_at = parse_iso(modified) if isinstance(modified, str) else None
    for key in ("article:modified_time", "og:updated_time", "datemodified", "last-modified"):
        if meta.updated_at is not None:
            break
        if key in metas:
            meta.updated_at = parse_date(metas[key], meta.language)

    meta.image = (
        metas.get("og:image")
        or metas.get("og:image:url")
        or metas.get("twitter:image")
        or metas.get("twitter:image:src")
        or _first_url(ld_article.get("image"))
    )

    canonical = tree.find('.//link[@rel="canonical"]')
    meta.canonical_url = (
        (canonical.get("href") if canonical is not None else None) or metas.get("og:url") or url
    )

    tags = _meta_all(tree, "article:tag")
    keywords = ld_article.get("keywords")
    if not tags and isinstance(keywords, list):
        tags = [normalize_space(str(k)) for k in keywords]
    elif not tags and isinstance(keywords, str):
        tags = [normalize_space(k) for k in keywords.split(",")]
    if not tags and "news_keywords" in metas:
        tags = [normalize_space(k) for k in metas["news_keywords"].split(",")]
    if not tags:
        tags = [normalize_space(a.text_content()) for a in tree.xpath('.//a[@rel="tag"]')]
    meta.tags = [t for t in dict.fromkeys(tags) if t and len(t) < 80]
    return meta
