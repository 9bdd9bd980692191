"""What kind of page this is - article, listing, gallery or other - read from the page itself.

The URL is not enough (``/actualites/`` holds both an index and its articles on many sites), so
the decision rests on what the page shows:

- declared types: ``og:type`` and JSON-LD ``@type`` (``NewsArticle``, ``CollectionPage``,
  ``ImageGallery``...), trusted when the body agrees;
- repeated teaser blocks: many sibling entries each made of a link with a title-like text,
  usually a heading, and a short excerpt - the shape of an index, tag, search or home page;
- link density and prose: an article has paragraphs of running text that are not links or
  teaser excerpts; a listing's extracted text is mostly its teasers;
- captions: a gallery is a set of figures with captions and little prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml.html import HtmlElement

from etl.clean.boilerplate import line_key
from etl.clean.metadata import normalize_space
from etl.clean.records import PageKind, PageMetadata, Teaser

#: Containers whose teasers are site furniture (menus, footers, sidebars), not a listing.
_CHROME_TAGS = frozenset({"nav", "footer", "aside"})
_CHROME_CLASS_RE = re.compile(
    r"\b(?:nav|menu|footer|site-header|masthead|sidebar|widget|related|recommend|popular|"
    r"trending|newsletter|share|cookie|consent|banner|modal|popup)",
    re.I,
)
_TEASER_HEADINGS = ("h1", "h2", "h3", "h4", "h5")
_CAPTION_XPATH = './/*[@class][contains(@class, "caption") or contains(@class, "legend")]'
_CAPTION_CLASS_RE = re.compile(r"caption|legend|legende|légende", re.I)

#: At least this many teasers make an index page (one related widget has fewer).
MIN_LISTING_TEASERS = 4
#: A paragraph of this many characters is running prose, not a teaser or a caption.
PROSE_CHARS = 200
#: Shorter paragraphs before a gallery's photos are labels, not its standfirst.
STANDFIRST_MIN_CHARS = 30
#: A line this long that is not a teaser is the page's own text (two make an article).
OWN_TEXT_CHARS = 100
#: This many paragraphs of this length, none cut off, make an article without further ado.
FULL_PARAGRAPH_CHARS = 250
MIN_FULL_PARAGRAPHS = 3
#: A page without running text but with this much text is a brief or a results table: kept.
MAX_OTHER_CHARS = 500
#: A gallery has at least this many captioned photos.
MIN_GALLERY_CAPTIONS = 4

_LISTING_LD_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "website"})
_ARTICLE_LD_TYPES = frozenset(
    {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "liveblogposting"}
)  # fmt: skip
_GALLERY_LD_TYPES = frozenset({"imagegallery", "mediagallery"})


@dataclass(frozen=True, slots=True)
class Classification:
    """The page kind with the evidence that decided it (for logs and tests)."""

    kind: PageKind
    reason: str
    teasers: tuple[Teaser, ...] = ()
    captions: tuple[str, ...] = ()


def _in_chrome(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in _CHROME_TAGS:
            return True
        classes = (ancestor.get("class") or "") + " " + (ancestor.get("id") or "")
        if classes.strip() and _CHROME_CLASS_RE.search(classes):
            return True
    return False


def _excerpt_after(heading: HtmlElement) -> str:
    """The teaser's excerpt: the first text block after its heading in the same entry."""
    for sibling in heading.itersiblings():
        if sibling.tag in ("p", "div", "span"):
            text = normalize_space(sibling.text_content())
            if text:
                return text
    return ""


def find_teasers(tree: HtmlElement, base_url: str) -> list[Teaser]:
    """Headed links outside the page chrome: the entries of an index page, in order."""
    teasers: list[Teaser] = []
    seen: set[str] = set()
    for heading in tree.iter(*_TEASER_HEADINGS):
        links = heading.xpath(".//a[@href]")
        if not links:
            continue
        link = links[0]
        title = normalize_space(link.text_content())
        href = link.get("href", "").strip()
        if len(title) < 8 or not href or href.startswith(("#", "javascript:")):
            continue
        url = urljoin(base_url, href)
        if url in seen or _in_chrome(heading):
            continue
        seen.add(url)
        teasers.append(Teaser(url=url, title=title, excerpt=_excerpt_after(heading)))
    return teasers


def find_captions(tree: HtmlElement) -> list[str]:
    """Captions of the page's figures in order, one per photo (a gallery may repeat one)."""
    captions = [
        normalize_space(element.text_content())
        for element in tree.iter("figcaption")
        if not _in_chrome(element)
    ]
    if not captions:
        for element in tree.xpath(_CAPTION_XPATH):
            classes = element.get("class") or ""
            if not _CAPTION_CLASS_RE.search(classes) or _in_chrome(element):
                continue
            if any(_CAPTION_CLASS_RE.search(a.get("class") or "") for a in element.iterancestors()):
                continue  # the caption's own wrapper was counted already
            captions.append(normalize_space(element.text_content()))
    return [caption for caption in captions if caption]


def find_standfirst(tree: HtmlElement) -> str | None:
    """The paragraph that introduces a gallery: the first real one before the first photo."""
    for element in tree.iter("p", "figure"):
        if element.tag == "figure":
            return None
        text = normalize_space(element.text_content())
        if len(text) >= STANDFIRST_MIN_CHARS and not _in_chrome(element):
            return text
    return None


def _teaser_lines(lines: list[str], snippets: list[str]) -> list[bool]:
    """Which lines are teaser titles or excerpts (or truncations of them)."""
    keys = [k for k in {line_key(s.rstrip(".…")) for s in snippets if s} if k]
    flags = []
    for line in lines:
        key = line_key(line.rstrip(".… "))
        flags.append(
            bool(key) and any(k == key or k.startswith(key) or key.startswith(k) for k in keys)
        )
    return flags


def classify_page(
    tree: HtmlElement, meta: PageMetadata, lines: list[str], url: str
) -> Classification:
    """Decide the kind of a page from its tree, its metadata and its extracted lines."""
    captions = find_captions(tree)
    # Several long paragraphs that are not cut off are an article's own text whatever else the
    # page shows (teaser excerpts are short and truncated): no need to look for teasers.
    full_paragraphs = sum(
        1 for line in lines if len(line) >= FULL_PARAGRAPH_CHARS and not line.endswith(("...", "…"))
    )
    sure_article = full_paragraphs >= MIN_FULL_PARAGRAPHS
    teasers = [] if sure_article else find_teasers(tree, url)
    text_chars = sum(len(line) for line in lines)
    snippets = [t.title for t in teasers] + [t.excerpt for t in teasers]
    in_teasers = _teaser_lines(lines, snippets) if teasers else [False] * len(lines)
    teaser_chars = sum(len(line) for line, hit in zip(lines, in_teasers, strict=True) if hit)
    caption_keys = {line_key(c) for c in captions}
    prose = [
        line for line in lines if len(line) >= PROSE_CHARS and line_key(line) not in caption_keys
    ]
    # running text that is not one of the page's own teasers: what an article is made of
    own_text = [
        line
        for line, hit in zip(lines, in_teasers, strict=True)
        if not hit and len(line) >= OWN_TEXT_CHARS and line_key(line) not in caption_keys
    ]
    declared_article = meta.og_type == "article" or bool(meta.ld_types & _ARTICLE_LD_TYPES)
    declared_listing = bool(meta.ld_types & (_LISTING_LD_TYPES - {"website"})) or (
        meta.og_type == "website" and not declared_article
    )
    declared_gallery = bool(meta.ld_types & _GALLERY_LD_TYPES)

    caption_chars = sum(len(c) for c in captions)
    if len(captions) >= MIN_GALLERY_CAPTIONS and (
        declared_gallery or (len(prose) <= 2 and caption_chars * 2 >= text_chars - caption_chars)
    ):
        return Classification("gallery", "captioned figures", captions=tuple(captions))

    if len(teasers) >= MIN_LISTING_TEASERS:
        # og:type=article on a tag page is common; a page with text of its own is not one
        mostly_teasers = teaser_chars * 2 >= text_chars and not declared_article
        if mostly_teasers or len(own_text) < 2:
            return Classification("listing", "repeated teaser blocks", teasers=tuple(teasers))
        if declared_listing and len(own_text) < 3:
            return Classification("listing", "declared listing", teasers=tuple(teasers))
    elif teasers and not declared_article and not own_text:
        return Classification("listing", "teasers and no text of its own", teasers=tuple(teasers))

    if not lines or text_chars < 80:
        return Classification("other", "no body text")
    if not own_text and not declared_article and text_chars < MAX_OTHER_CHARS:
        return Classification("other", "no running text (menus, labels, an empty archive)")
    if declared_gallery and captions:
        return Classification("gallery", "declared gallery", captions=tuple(captions))
    return Classification("article", "body text")
