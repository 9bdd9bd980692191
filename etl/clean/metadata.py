"""Page metadata read from the parsed tree: title, author, dates, language, image, tags.

Sources in order of trust: JSON-LD (what publishers feed search engines), Open Graph and
``article:*`` meta tags, ``itemprop`` microdata, then visible markup (``<h1>``, ``<time>``,
bylines, read in :mod:`etl.clean.bylines`). All of it comes from the one tree parsed in
:mod:`etl.clean.parse`; nothing is re-parsed, which is also why this module does not call
trafilatura's own (slower) metadata pass. Times written without a zone get the site's zone (its
own stamps' offset, else Europe/Paris on French pages, else UTC), so a byline's ``à 21h02`` is
not stored as 21:02 UTC; a date with no time stays a naive calendar day.

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
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from etl.clean.bylines import (
    BylineMarkup,
    author_in_lines,
    clean_author,
    labelled_dates,
    markup_author,
    names_site,
    normalize_space,
    scan_bylines,
)
from etl.clean.dates import has_time, parse_date, parse_iso, site_zone, with_zone
from etl.clean.records import PageMetadata

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


def _names(value: Any, by_id: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Author-like JSON-LD values (a string, a Person, a list of either) as names; a Person
    given only by ``@id`` (Yoast's ``@graph``) is looked up among the page's objects."""
    if isinstance(value, str):
        return [normalize_space(unescape(value))] if value.strip() else []
    if isinstance(value, dict):
        name = value.get("name")
        if name is None and by_id and isinstance(value.get("@id"), str):
            name = by_id.get(value["@id"], {}).get("name")
        return _names(name)
    if isinstance(value, list):
        return [name for item in value for name in _names(item, by_id)]
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


def _strip_site_suffix(title: str, site_names: list[str]) -> str:
    """Drop a ``- Slashdot`` / ``| Site`` tail that names the site (declared or its host)."""
    parts = _TITLE_SEPARATORS_RE.split(title, maxsplit=1)
    if len(parts) == 2 and len(parts[1]) < len(parts[0]) and names_site(parts[1], site_names):
        return parts[0].strip()
    return title


def _visible_title(
    meta: PageMetadata,
    title_tag: HtmlElement | None,
    metas: dict[str, str],
    site_names: list[str],
) -> str | None:
    """The headline a reader sees when the page's own titles agree with it.

    The ``<h1>`` is preferred when the ``<title>`` or ``og:title`` contains it (they add the
    site's name, or are a social-media variant of it): publishers' declared headlines are
    often SEO rewrites (``Buying a laptop? These are the 9 best...``) of the visible one. An
    ``<h1>`` that no title repeats (a logo, ``Our blog``) is not trusted.
    """
    title = _strip_site_suffix(meta.title, site_names) if meta.title else meta.title
    heading = meta.heading
    if not heading or len(heading.split()) < 2 or heading == title:
        return title
    key = heading.casefold()
    declared = [title_tag.text_content() if title_tag is not None else "", metas.get("og:title")]
    if any(key in normalize_space(unescape(d)).casefold() for d in declared if d):
        return heading
    return title


def _site_names(
    site_name: str | None, ld_objects: list[dict[str, Any]], url: str | None
) -> list[str]:
    """What the site calls itself (``og:site_name``, JSON-LD publisher/WebSite/Organization
    names) and its host's name (``slashdot`` for developers.slashdot.org): an author value
    that is one of these names the publication, not a person."""
    names = [site_name] if site_name else []
    for obj in ld_objects:
        if _ld_types(obj) & {"website", "organization", "newsmediaorganization"}:
            names.extend(_names(obj.get("name")))
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            names.extend(_names(publisher.get("name")))
    host = urlsplit(url or "").hostname or ""
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    if len(parts) >= 2:
        names.append(parts[-2])
    return [n for n in dict.fromkeys(names) if n]


_AUTHOR_META_KEYS = (
    "author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author",
    "twitter:creator:name",
)  # fmt: skip


def _author(
    markup: BylineMarkup,
    metas: dict[str, str],
    ld_article: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    site_names: list[str],
) -> str | None:
    """The author, from the most explicit source that names a person.

    Order: JSON-LD ``author``, ``<meta>`` author tags (not URLs), then visible markup
    (:func:`~etl.clean.bylines.markup_author`). A declared name that is only the site's name
    is kept as a last resort, after every source that names a person. When the visible
    byline contains the declared name and says more (``Dr. Jane Doe`` for ``Jane Doe``, all
    the co-authors for the first), the visible one is what the reader sees: it wins.
    """
    declared: list[str] = []
    ld_names = [
        name
        for name in (
            clean_author(n, site_names, declared=True)
            for n in _names(ld_article.get("author"), by_id)
        )
        if name
    ]
    if ld_names:
        declared.append(", ".join(dict.fromkeys(ld_names)))
    for key in _AUTHOR_META_KEYS:
        name = clean_author(metas.get(key), site_names, declared=True)
        if name:
            declared.append(name)
    visible = markup_author(markup, site_names)
    people = [n for n in declared if not names_site(n, site_names)]
    if people:
        first = people[0]
        if visible and visible != first and first.casefold() in visible.casefold():
            return visible
        return first
    return visible or (declared[0] if declared else None)


def _localize(meta: PageMetadata, *stamps: datetime | None) -> None:
    """Give zoneless times the site's zone (:func:`~etl.clean.dates.site_zone`); with no
    declared language and no stamp with an offset, the cleaner decides once it has guessed
    the language from the text."""
    if meta.language is None and all(s is None or s.tzinfo is None for s in stamps):
        return
    zone = site_zone(meta.language, *stamps)
    meta.published_at = with_zone(meta.published_at, zone)
    meta.updated_at = with_zone(meta.updated_at, zone)


def _ld_date(value: Any, language: str | None) -> datetime | None:
    if not isinstance(value, str):
        return None
    return parse_iso(value) or parse_date(value, language)


def _dates(
    tree: HtmlElement,
    markup: BylineMarkup,
    meta: PageMetadata,
    metas: dict[str, str],
    ld_article: dict[str, Any],
) -> None:
    """Publication and update times: structured stamps first, then the visible byline.

    A text byline fills what the stamps leave out: the date when none is declared, the time
    when the declared stamp gives only the day (``Publié le dimanche 15 mai 2022 à 21h02``
    beside a ``2022-05-15`` stamp), the update (``Mis à jour le ...``, ``Updated ...``).
    """
    published = _ld_date(ld_article.get("datePublished") or ld_article.get("dateCreated"),
                         meta.language)  # fmt: skip
    for key in (
        "article:published_time", "article:published", "datepublished", "og:published_time",
        "pubdate", "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date",
        "publish-date",
    ):  # fmt: skip
        if published is not None:
            break
        if key in metas:
            published = parse_date(metas[key], meta.language)
    updated = _ld_date(ld_article.get("dateModified"), meta.language)
    for key in ("article:modified_time", "og:updated_time", "datemodified", "last-modified"):
        if updated is not None:
            break
        if key in metas:
            updated = parse_date(metas[key], meta.language)
    declared = (published, updated)

    if published is None or updated is None or not has_time(published):
        text_published, text_updated = labelled_dates(markup.date_texts, meta.language)
        if published is None:
            published = _time_elements(tree, meta.language) or text_published
        elif (
            text_published is not None
            and not has_time(published)
            and has_time(text_published)
            and text_published.date() == published.date()
        ):
            published = text_published
        if updated is None:
            updated = text_updated
    meta.published_at, meta.updated_at = published, updated
    _localize(meta, *declared)


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
    ld_objects = list(_json_ld_objects(tree))
    by_id = {obj["@id"]: obj for obj in ld_objects if isinstance(obj.get("@id"), str)}
    for obj in ld_objects:
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
    ):
        if isinstance(candidate, str) and candidate.strip():
            meta.title = _strip_site_name(normalize_space(unescape(candidate)), meta.site_name)
            break
    else:
        if title_tag is not None and title_tag.text_content().strip():
            meta.title = _clean_title(title_tag.text_content(), meta.site_name)
        else:
            meta.title = meta.heading
    site_names = _site_names(meta.site_name, ld_objects, url)
    meta.title = _visible_title(meta, title_tag, metas, site_names)
    markup = scan_bylines(tree)
    meta.author = _author(markup, metas, ld_article, by_id, site_names)
    _dates(tree, markup, meta, metas, ld_article)

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


def author_from_text(
    lines: list[str], meta: PageMetadata, url: str | None, window: int
) -> str | None:
    """A ``Par X`` / ``By X`` / ``Written by X`` line among the first lines of the extracted
    text: the author of pages whose markup names none."""
    return author_in_lines(lines, window, _site_names(meta.site_name, [], url))


def in_site_zone(value: datetime | None, meta: PageMetadata) -> datetime | None:
    """A zoneless time read from the text, placed in the page's zone (its own stamps' offset,
    else Europe/Paris for French pages, else UTC), so ``à 21h02`` is not stored as UTC."""
    return with_zone(value, site_zone(meta.language, meta.published_at, meta.updated_at))


def updated_in_lines(lines: list[str], language: str | None, window: int) -> datetime | None:
    """An update written in the first lines of the text (``Mis à jour le 16 mai 2022 à
    10h05``, ``Updated May 16, 2022``), for pages whose markup declares none."""
    return labelled_dates(lines[:window], language)[1]
