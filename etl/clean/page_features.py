"""The signals that tell an article from an index page, as numbers a model can weigh.

The rules of :mod:`etl.clean.classify` catch the clear listings (many teaser blocks, little text of
the page's own). What they leave are pages where no single signal decides: a shop's category grid
under a paragraph of SEO text, a news home page whose cards the teaser search does not see, a
course catalogue. Together, weak signals do decide, and every one of them holds on any site:

- what the page declares: ``og:type``/JSON-LD article or collection, a publication date, an author;
- its address: articles live under a slug of several words, a numeric id or a date;
- its text: long full paragraphs, how much text, in how many lines; how much of the page's own
  markup is plain prose (paragraphs without a link: an article's body, an index page's rare
  introduction);
- its repeated blocks (:class:`~etl.clean.classify.ListingEvidence`), a pager, many ``<time>``
  stamps (one per card), many prices (a product grid), many links with title-long texts to other
  pages of the site, several ``<h1>``.

Counts are taken as ``log1p`` so that a page's size does not drown the other signals; the names
are the model's keys (``etl/clean/data/page_kind_model.json``, written by
``bench/train_page_kinds.py``).
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from etl.clean.listing import absolute_url, in_chrome
from etl.clean.metadata import normalize_space
from etl.clean.records import PageMetadata

#: A link text this long reads as an entry's title, not a menu word.
TITLED_LINK_CHARS = 25
#: Entries of an index page: without this many teaser blocks, titled links or prices, a page
#: shows nothing an index page is made of, and the rules' "article" stands. (Six before the
#: model weighed plain prose; three, measured out of fold on wcxb-dev, lets it see shop grids
#: rendered by script and thin link hubs for the same articles kept.)
MIN_ENTRIES = 3
#: A paragraph this long without a link is running prose (a teaser's excerpt is shorter or
#: sits under its linked title, in the same ``<p>`` on many themes).
PLAIN_PROSE_CHARS = 120
#: Words of a URL slug beyond this say nothing more.
MAX_SLUG_WORDS = 6

_PRICE_RE = re.compile(r"(?:[$€£¥]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|\$|£|EUR|USD|GBP|CHF)(?![A-Za-z]))")
_ID_RE = re.compile(r"\d{4,}|/(?:19|20)\d\d/\d\d?/")
_QUERY_ID_RE = re.compile(r"\d{4,}")
_SLUG_SPLIT_RE = re.compile(r"[-_+]+")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TIMES = etree.XPath("count(//body//time)")
_H1S = etree.XPath("count(//h1)")
_PLAIN_PARAGRAPHS = etree.XPath(
    f"//body//p[not(.//a)][string-length(normalize-space(.)) >= {PLAIN_PROSE_CHARS}]"
)
_LONG_LINKS = etree.XPath(
    f"//body//a[@href][string-length(normalize-space(.)) >= {TITLED_LINK_CHARS}]"
)


def _url_features(url: str) -> dict[str, float]:
    """An article's address names it: a slug of several words, or a numeric id or a date.
    (Depth, the root and query strings were measured too and left out: they add little and
    vary most from site to site.)"""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    last = _EXTENSION_RE.sub("", segments[-1]) if segments else ""
    words = [w for w in _SLUG_SPLIT_RE.split(last) if w]
    # an id in the query counts too (``news_view.html?idx=8576``); a page number does not
    query_id = any(_QUERY_ID_RE.fullmatch(value) for _, value in parse_qsl(parts.query))
    return {
        "slug_words": float(min(len(words), MAX_SLUG_WORDS)),
        "url_id": float(bool(_ID_RE.search(parts.path)) or query_id),
    }


def titled_links(tree: HtmlElement, url: str) -> int:
    """Distinct pages of the same site that the page links to with a title-long text, outside
    the page chrome: an index page's entries (an article has a few related links)."""
    host = urlsplit(url).netloc
    here = url.split("#", 1)[0]
    memo: dict[int, tuple[HtmlElement, bool]] = {}
    targets: set[str] = set()
    # href -> the page it names, when another page of the site (``urljoin`` is the dear part,
    # and an entry links its title and its picture to the same address)
    resolved: dict[str, str | None] = {}
    for link in _LONG_LINKS(tree):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        if href in resolved:
            target = resolved[href]
        else:
            try:
                target = absolute_url(url, href).split("#", 1)[0]
                if target == here or urlsplit(target).netloc != host:
                    target = None
            except ValueError:  # a hostile link (``http://[::1``) names no page of the site
                target = None
            resolved[href] = target
        if target is None or target in targets:
            continue
        if not in_chrome(link, memo):
            targets.add(target)
    return len(targets)


def plain_prose_chars(tree: HtmlElement) -> int:
    """Characters of the page's paragraphs of plain prose: long, without a link, outside the
    chrome. Read from the tree, not from the extractor's lines: on an index page trafilatura
    often keeps the excerpts and drops their linked titles, and the lines look like prose.
    (Measured on wcxb-dev, out of fold: the strongest signal the model gained, 7 listings fewer
    leaked at the same articles kept.)"""
    memo: dict[int, tuple[HtmlElement, bool]] = {}
    return sum(
        len(normalize_space(paragraph.text_content()))
        for paragraph in _PLAIN_PARAGRAPHS(tree)
        if not in_chrome(paragraph, memo)
    )


def count_prices(tree: HtmlElement) -> int:
    """Prices in the page's text (scripts and styles are gone by now: the cleaner removes them
    before classifying): a product grid shows one per card."""
    body = tree.find("body")
    text = etree.tostring(body if body is not None else tree, method="text", encoding="unicode")
    return len(_PRICE_RE.findall(text))


def page_features(
    tree: HtmlElement,
    meta: PageMetadata,
    lines: list[str],
    url: str,
    *,
    declared_article: bool,
    declared_listing: bool,
    full_paragraphs: int,
    teaser_blocks: int = 0,
    teaser_share: float = 0.0,
    own_chars: int = 0,
    long_own_lines: int = 0,
    pager: bool,
) -> dict[str, float]:
    """The page's signals by name (see the module docstring); pure, no I/O."""
    log = math.log1p
    return {
        "declared_article": float(declared_article),
        "declared_listing": float(declared_listing),
        "declared_date": float(meta.published_at is not None),
        "declared_author": float(meta.author is not None),
        **_url_features(url),
        "full_paragraphs": log(full_paragraphs),
        "text_chars": log(sum(len(line) for line in lines)),
        "plain_prose": log(plain_prose_chars(tree)),
        "lines": log(len(lines)),
        "teaser_blocks": log(teaser_blocks),
        "teaser_share": teaser_share,
        "own_chars": log(own_chars),
        "long_own_lines": log(long_own_lines),
        "pager": float(pager),
        "time_elements": log(_TIMES(tree)),
        "prices": log(count_prices(tree)),
        "titled_links": log(titled_links(tree, url)),
        "h1": float(min(int(_H1S(tree)), 3)),
    }


def shows_entries(features: dict[str, float]) -> bool:
    """Does the page show what an index page is made of (teaser blocks, titled links to the
    site's other pages, or prices)? Only such a page may be judged not an article by the
    model: a brief with one related link below never is."""
    least = math.log1p(MIN_ENTRIES)
    return any(features[name] >= least for name in ("teaser_blocks", "titled_links", "prices"))
