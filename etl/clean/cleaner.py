"""Entry point of the cleaning stage: one raw page in, one :class:`CleanedPage` out.

The path of a page: :mod:`etl.clean.parse` decodes and parses it once; :mod:`etl.clean.metadata`
reads what the page declares about itself (and the texts of its links are noted for the rules);
:mod:`etl.clean.restructure` fixes the tree where extractors stumble (scripts, hover cards, embedded
posts, bodies split around ads, layout tables); :mod:`etl.clean.extract` runs trafilatura (fast
mode, comments off) on that same tree; :mod:`etl.clean.classify` decides the kind (article, listing,
gallery, other); :mod:`etl.clean.rules` removes the noise trafilatura leaves, rule by rule, counting
what each took, including the recurring lines of a site's learned
:class:`~etl.clean.boilerplate.SiteProfile` when one is given. Pure functions: no I/O, no database.

trafilatura's fallback extractors (readability, jusText) are skipped: they cost about a third of
its time and our rules recover more precision than they do, so cleaning stays faster than plain
``trafilatura.extract`` while its text is better.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from lxml.html import HtmlElement

from etl.clean.boilerplate import SiteProfile, learn_site_profile
from etl.clean.classify import (
    Classification,
    classify_page,
    declares_article,
    find_standfirst,
    too_little_text,
)
from etl.clean.dates import date_in_url, guess_date, parse_date
from etl.clean.entities import tag_entities
from etl.clean.extract import extract_main_text, link_texts
from etl.clean.metadata import (
    author_from_text,
    extract_metadata,
    guess_language,
    in_site_zone,
    read_dateline,
    updated_in_lines,
)
from etl.clean.parse import parse_html
from etl.clean.records import CleanedPage, PageMetadata
from etl.clean.restructure import prepare_for_extraction
from etl.clean.rules import DATE_LINE_WINDOW, RuleContext, apply_rules, first_credit

log = logging.getLogger(__name__)

#: The kinds stored as stories, whose date is worth htmldate's search; a listing keeps only
#: its teasers, and an "other" page nothing.
STORED_KINDS = frozenset({"article", "gallery"})
#: A byline or date line is short; a date inside a longer line is a date the article mentions.
BYLINE_MAX_CHARS = 120


def _gallery_text(tree: HtmlElement, classification: Classification, meta: PageMetadata) -> str:
    """A gallery's text: its standfirst, then one caption per photo."""
    standfirst = find_standfirst(tree) or meta.description or ""
    return "\n\n".join(p for p in [standfirst, *classification.captions] if p)


def date_in_byline(lines: list[str], language: str | None) -> datetime | None:
    """A publication date written in the first lines (``Publié le 22 janvier 2018 à 0:13``),
    for pages whose markup declares none."""
    for line in lines[:DATE_LINE_WINDOW]:
        if len(line) <= BYLINE_MAX_CHARS:
            found = parse_date(line, language)
            if found is not None:
                return found
    return None


def _base_page(url: str, meta: PageMetadata) -> CleanedPage:
    """The page with a copy of what it declares: cleaning fills the copy's gaps (language,
    date, author) while classification and the rules keep reading the page's own word."""
    return CleanedPage(
        url=url,
        kind="other",
        metadata=replace(meta, tags=list(meta.tags), ld_types=set(meta.ld_types)),
    )


@dataclass(slots=True)
class Unruled:
    """An article cleaned up to its line rules: everything a site's profile cannot change.

    A profile sample's pages are cleaned without the profile to learn it, then with it: kept
    in this form (small, picklable: no tree), the second cleaning runs the rules alone
    (:func:`finish_page`). A page of any other kind is finished before the rules
    (:func:`prepare_page` returns its :class:`CleanedPage`).
    """

    page: CleanedPage  # kind, metadata and the steps' counts so far
    lines: list[str]
    tags: list[str]
    titles: tuple[str, ...]
    link_keys: list[str]
    description: str | None
    declared_article: bool
    doubt: str | None


#: A page as :func:`prepare_page` leaves it: finished, or waiting for its rules.
Prepared = CleanedPage | Unruled


def _prepare(body: bytes | str, url: str) -> Prepared:
    tree = parse_html(body)
    if tree is None:
        return CleanedPage(url=url, kind="other")
    meta = extract_metadata(tree, url)
    keys = link_texts(tree)
    restructured = prepare_for_extraction(tree)
    extracted = extract_main_text(tree, url)
    lines = extracted.lines
    classification = classify_page(tree, meta, lines, url)
    page = _base_page(url, meta)
    # every step under its name: the tree fixes that fired, the extraction that was used
    page.removed.update(restructured)
    page.removed[f"extract:{extracted.method}"] += 1
    # the kind is a step too: a page judged a listing or other loses its text here
    page.removed[f"classify:{classification.kind}"] += 1
    if classification.article_probability is not None:
        page.removed["classify:page-kind-model"] += 1
    info = page.metadata
    page.kind = classification.kind
    if info.language is None and lines:
        info.language = guess_language(" ".join(lines[:20]))
    if info.published_at is None:
        info.published_at = date_in_byline(lines, info.language) or date_in_url(url)
    if info.published_at is None and classification.kind in STORED_KINDS:
        # htmldate's search of the whole tree is the dearest guess (a third of a listing
        # page's cleaning on the sample sites): only a page stored as a story needs its date.
        info.published_at = guess_date(tree, url)
    if info.updated_at is None:
        info.updated_at = updated_in_lines(lines, info.language, DATE_LINE_WINDOW)
    # Zoneless times are the site's (its stamps' offset, else Paris for French pages, else UTC).
    info.published_at = in_site_zone(info.published_at, info)
    info.updated_at = in_site_zone(info.updated_at, info)

    if classification.kind == "listing":
        page.teasers = list(classification.teasers)
        return page
    if classification.kind == "gallery":
        page.text = _gallery_text(tree, classification, meta)
        page.entities = tag_entities(info.title, page.text, info.language)
        return page
    if classification.kind == "other":
        return page
    return Unruled(
        page=page,
        lines=lines,
        tags=extracted.tags,
        titles=tuple(t for t in (meta.title, meta.heading) if t),
        link_keys=keys,
        description=meta.description,
        declared_article=declares_article(meta),
        doubt=classification.doubt,
    )


def _finish(prepared: Unruled, site_profile: SiteProfile | None) -> CleanedPage:
    lines = prepared.lines
    # a copy: the same prepared page is finished without a profile, then with one
    page = replace(
        prepared.page,
        metadata=replace(prepared.page.metadata),
        removed=Counter(prepared.page.removed),
    )
    info = page.metadata
    context = RuleContext(
        titles=prepared.titles,
        link_keys=frozenset(prepared.link_keys),
        link_key_list=tuple(prepared.link_keys),
        profile=site_profile,
        description=prepared.description,
        language=info.language,
    )
    kept, removed = apply_rules(lines, context, tags=prepared.tags)
    page.removed.update(removed)
    if prepared.doubt:  # kept as an article against some evidence: say so, keep the text
        page.removed[prepared.doubt] += 1
    if kept and too_little_text(kept, prepared.declared_article) is not None:
        # Judged on its lines the page was an article; on what the rules left it is not.
        kept = []
        page.removed["classify:too-little-left"] += 1

    page.text = "\n\n".join(kept)
    if removed["credit-line"]:
        info.credit = first_credit(lines)
    if info.author is None:
        info.author = author_from_text(lines, info, page.url, DATE_LINE_WINDOW)
    if kept:
        dateline = read_dateline(kept[0])
        if dateline is not None:
            page.place = dateline.place
            if info.author is None and dateline.initials:
                info.author = dateline.initials
    if not kept:
        page.kind = "other"
        if not page.removed["classify:too-little-left"]:
            page.removed["classify:emptied-by-rules"] += 1
    else:
        page.entities = tag_entities(info.title, page.text, info.language)
    return page


def prepare_page(body: bytes | str, url: str) -> Prepared:
    """Everything of :func:`clean_page` that a site profile cannot change: a finished page,
    or an article waiting for its rules. Never raises, as ``clean_page``."""
    try:
        return _prepare(body, url)
    except Exception:  # a bug on one odd page must not sink the run; it is logged
        log.exception("cleaning failed for %s", url)
        return CleanedPage(url=url, kind="other")


def finish_page(prepared: Prepared, *, site_profile: SiteProfile | None = None) -> CleanedPage:
    """A prepared page cleaned to the end with ``site_profile`` (``prepared`` is not changed:
    it may be finished again with another profile). Never raises, as ``clean_page``."""
    if isinstance(prepared, CleanedPage):
        return prepared
    try:
        return _finish(prepared, site_profile)
    except Exception:  # a bug on one odd page must not sink the run; it is logged
        log.exception("cleaning failed for %s", prepared.page.url)
        return CleanedPage(url=prepared.page.url, kind="other")


def clean_page(
    body: bytes | str, url: str, *, site_profile: SiteProfile | None = None
) -> CleanedPage:
    """Extract, classify and clean one page as fetched (raw bytes, any encoding).

    Never raises: malformed HTML, binary garbage, an empty or huge body all give a page of
    kind ``other`` with empty text, so one bad response cannot stop a cleaning run.
    """
    return finish_page(prepare_page(body, url), site_profile=site_profile)


# What one sample page tells its site's profile: its text (one line per paragraph), and the
# titles and teaser texts it shows.
ProfileEvidence = tuple[str | None, tuple[str, ...]]


def profile_evidence(body: bytes | str, url: str) -> ProfileEvidence:
    """Clean one sample page without a profile and keep what ``learn_profile`` reads of it.

    Apart from ``profile_from_evidence`` so that a sample can be cleaned in worker processes
    (``etl.clean_stored``): cleaning the sample costs about a third of a run's cleaning.
    """
    return evidence_of(clean_page(body, url))


def evidence_of(cleaned: CleanedPage) -> ProfileEvidence:
    """What a sample page cleaned without a profile tells its site's profile."""
    titles: list[str] = []
    if cleaned.metadata.title:
        titles.append(cleaned.metadata.title)
    for teaser in cleaned.teasers:
        titles.extend(t for t in (teaser.title, teaser.excerpt) if t)
    text = cleaned.text.replace("\n\n", "\n") if cleaned.text else None
    return text, tuple(titles)


def profile_from_evidence(site: str, evidence: Iterable[ProfileEvidence]) -> SiteProfile:
    """The :class:`SiteProfile` of a sample, from each page's ``profile_evidence`` in order."""
    texts: list[str] = []
    titles: list[str] = []
    for text, page_titles in evidence:
        titles.extend(page_titles)
        if text:
            texts.append(text)
    return learn_site_profile(site, texts, titles)


def learn_profile(site: str, pages: Iterable[tuple[bytes | str, str]]) -> SiteProfile:
    """Learn a site's :class:`SiteProfile` from a sample of its stored pages (body, url).

    Each page is cleaned without a profile; the lines that survive every generic rule yet
    recur across the sample are the site's own boilerplate, and the titles and teasers seen
    are the site's known titles (for the teaser-fragment rule).
    """
    return profile_from_evidence(site, (profile_evidence(body, url) for body, url in pages))
