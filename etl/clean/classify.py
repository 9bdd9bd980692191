"""What kind of page this is - article, listing, gallery or other - read from the page itself.

The URL is not enough (``/actualites/`` holds both an index and its articles on many sites), so
the decision rests on what the page shows:

- declared types: ``og:type`` and JSON-LD ``@type`` (``NewsArticle``, ``CollectionPage``,
  ``ImageGallery``...), trusted when the body agrees;
- repeated teaser blocks: many look-alike entries each made of a link with a title-like text,
  usually a heading, and a short excerpt - the shape of an index, tag, search or home page -
  found by structure alone (:mod:`etl.clean.listing`), never by one theme's class names, and
  weighed against the page's own running text; a pager and ``og:type``/JSON-LD tip the balance;
- doubt keeps the text: a page with teaser blocks but too much text of its own stays an article
  and says so (``Classification.doubt``, counted in ``CleanedPage.removed``);
- link density and prose: an article has paragraphs of running text that are not links or
  teaser excerpts; a listing's extracted text is mostly its teasers;
- captions: a gallery is a set of figures with captions and little prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from lxml.html import HtmlElement

from etl.clean.boilerplate import line_key
from etl.clean.listing import (
    TeaserGroup,
    find_teaser_groups,
    has_pagination,
    image_of,
    in_chrome,
    join_url,
)
from etl.clean.metadata import normalize_space
from etl.clean.page_features import page_features, shows_entries
from etl.clean.page_model import AnyPageKindModel, load_model
from etl.clean.records import PageKind, PageMetadata, Teaser

#: Containers whose teasers are site furniture (menus, footers, sidebars), not a listing.
_CHROME_TAGS = frozenset({"nav", "footer", "aside"})
_CHROME_CLASS_RE = re.compile(
    r"\b(?:nav|menu|footer|site-header|masthead|sidebar|widget|related|recommend|popular|"
    r"trending|newsletter|share|cookie|consent|banner|modal|popup)",
    re.I,
)
_TEASER_HEADINGS = ("h1", "h2", "h3", "h4", "h5")
#: Elements whose class says caption (the attribute tested, then its element taken: a third of
#: the time of ``*[@class][contains(@class, ...)]``, which reads the attribute once per test).
_CAPTION_XPATH = 'descendant::*/@class[contains(., "caption") or contains(., "legend")]/..'
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
#: Less body text than this is no article, whatever it declares.
MIN_BODY_CHARS = 80
#: This many full paragraphs make an article without looking for teaser blocks.
SURE_ARTICLE_PARAGRAPHS = 8
#: Lines and paragraphs shorter than these are labels, prices, bylines: not running text.
OWN_LINE_CHARS = 80
OWN_PROSE_CHARS = 80
#: Listing thresholds, measured on wcxb-dev (bench/page_kinds.py). Blocks and less than this
#: much running text of the page's own (at most one long paragraph) make a listing...
LISTING_MAX_OWN_CHARS = 200
#: ... as do blocks holding this share of the text (with this many long paragraphs at most),
#: on a page that does not declare itself an article ...
LISTING_TEASER_SHARE = 0.9
LISTING_MAX_LONG_LINES = 3
#: ... or, on a page that declares a listing or has a pager, a smaller share.
DECLARED_LISTING_TEASER_SHARE = 0.4
DECLARED_LISTING_MAX_LONG_LINES = 5
#: Entries shorter than this on average are a bare list of links, not teasers.
MIN_TEASER_AVG_CHARS = 25
#: Blocks holding this share, on a page kept as an article, are recorded as a doubt.
DOUBT_TEASER_SHARE = 0.3
#: A gallery has at least this many captioned photos.
MIN_GALLERY_CAPTIONS = 4

_LISTING_LD_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "website"})
_COLLECTION_LD_TYPES = frozenset({"collectionpage", "searchresultspage"})
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
    #: Set when the page is kept as an article against some evidence (``kind-doubt:listing``):
    #: the cleaner counts it in ``CleanedPage.removed`` so a run can list the doubtful pages.
    doubt: str | None = None
    #: The signals the page-kind model weighed (pages the rules kept as articles unsure), with
    #: the probability it gave; ``None`` where the rules decided alone.
    features: dict[str, float] | None = None
    article_probability: float | None = None


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
        url = join_url(base_url, href)
        if url in seen or _in_chrome(heading):
            continue
        seen.add(url)
        entry = heading.getparent()
        image = image_of(entry, base_url) if entry is not None else None
        teasers.append(Teaser(url=url, title=title, excerpt=_excerpt_after(heading), image=image))
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


_WORD_RE = re.compile(r"\w+")


def _bigrams(text: str) -> set[tuple[str, str]]:
    words = _WORD_RE.findall(text.lower())
    return set(pairwise(words))


@dataclass(frozen=True, slots=True)
class ListingEvidence:
    """What a page's teaser blocks weigh against its own running text."""

    blocks: int
    teaser_chars: int
    #: Running text that is not the blocks': the smaller of trafilatura's lines not covered by
    #: the blocks and the tree's prose paragraphs outside them (each misses some pages: the
    #: extractor picks a video playlist, a site writes its body without ``<p>``).
    own_chars: int
    long_own_lines: int

    @property
    def teaser_share(self) -> float:
        return self.teaser_chars / (self.teaser_chars + self.own_chars + 1)


def _own_prose_chars(tree: HtmlElement, block_ids: set[int]) -> int:
    """Text of the page's prose paragraphs outside the teaser blocks and the chrome."""
    total = 0
    memo: dict[int, tuple[HtmlElement, bool]] = {}
    for paragraph in tree.iter("p"):
        raw = paragraph.text_content()
        if len(raw) < OWN_PROSE_CHARS:  # spaces only shorten it: most paragraphs stop here
            continue
        text = normalize_space(raw)
        if len(text) < OWN_PROSE_CHARS:
            continue
        if any(id(a) in block_ids for a in paragraph.iterancestors()):
            continue
        link_chars = sum(len(a.text_content()) for a in paragraph.iter("a"))
        if link_chars * 2 > len(text) or in_chrome(paragraph, memo):
            continue
        total += len(text)
    return total


def listing_evidence(
    tree: HtmlElement, groups: list[TeaserGroup], lines: list[str]
) -> ListingEvidence:
    """Measure the blocks against the rest: a line is the blocks' own when most of its word
    pairs occur in them (robust to the extractor joining or splitting a card's pieces)."""
    blocks = [block for group in groups for block in group.blocks]
    covered: set[tuple[str, str]] = set()
    for block in blocks:
        covered |= _bigrams(block.text_content())
    own_line_chars = 0
    long_own = 0
    for line in lines:
        if len(line) < OWN_LINE_CHARS:
            continue
        pairs = _bigrams(line)
        if pairs and sum(1 for pair in pairs if pair in covered) * 2 >= len(pairs):
            continue
        own_line_chars += len(line)
        long_own += len(line) >= FULL_PARAGRAPH_CHARS
    own = own_line_chars
    if own >= LISTING_MAX_OWN_CHARS:  # below, the tree's prose cannot change the verdict
        own = min(own, _own_prose_chars(tree, {id(block) for block in blocks}))
    return ListingEvidence(
        blocks=len(blocks),
        teaser_chars=sum(group.text_chars for group in groups),
        own_chars=own,
        long_own_lines=long_own,
    )


def _is_listing(
    tree: HtmlElement, evidence: ListingEvidence, declared_article: bool, declared_listing: bool
) -> bool:
    """Blocks and little text of the page's own. Thresholds measured on wcxb-dev (see
    bench/page_kinds.py): each relaxation below caught more listings than articles it lost."""
    if evidence.blocks < MIN_LISTING_TEASERS:
        return False
    if evidence.teaser_chars < MIN_TEASER_AVG_CHARS * evidence.blocks:
        return False  # bare link lists (a table of contents, tags): not teaser cards
    if evidence.own_chars < LISTING_MAX_OWN_CHARS and evidence.long_own_lines <= 1:
        return True
    if declared_article:  # og:type=article on a tag page is common, but weighs against
        return False
    share = evidence.teaser_share
    if share >= LISTING_TEASER_SHARE and evidence.long_own_lines <= LISTING_MAX_LONG_LINES:
        return True
    return (
        share >= DECLARED_LISTING_TEASER_SHARE
        and evidence.long_own_lines <= DECLARED_LISTING_MAX_LONG_LINES
        and (declared_listing or has_pagination(tree))  # the pager is read only when it counts
    )


def _unique_teasers(groups: list[TeaserGroup], url: str) -> tuple[Teaser, ...]:
    seen: set[str] = set()
    teasers = []
    for group in groups:
        for teaser in group.teasers(url):
            if teaser.url not in seen:
                seen.add(teaser.url)
                teasers.append(teaser)
    return tuple(teasers)


def declares_article(meta: PageMetadata) -> bool:
    """The page says it is an article (``og:type``, a JSON-LD article type)."""
    return meta.og_type == "article" or bool(meta.ld_types & _ARTICLE_LD_TYPES)


def too_little_text(lines: Sequence[str], declared_article: bool) -> str | None:
    """Why ``lines`` are too little text for an article (the reason), or None.

    The cleaner asks again of what the rules kept: a page whose lines pass this bar only
    thanks to lines the rules then remove is not an article either (issue 15, finding 8: three
    lines of digits, two of them the same, kept the third, which alone is no article), or its
    text, cleaned again, would not clean to itself.
    """
    text_chars = sum(len(line) for line in lines)
    if not lines or text_chars < MIN_BODY_CHARS:
        return "no body text"
    has_own_line = any(len(line) >= OWN_TEXT_CHARS for line in lines)
    if not has_own_line and not declared_article and text_chars < MAX_OTHER_CHARS:
        return "no running text (menus, labels, an empty archive)"
    return None


def classify_page(
    tree: HtmlElement,
    meta: PageMetadata,
    lines: list[str],
    url: str,
    *,
    model: AnyPageKindModel | Literal["shipped"] | None = "shipped",
) -> Classification:
    """Decide the kind of a page from its tree, its metadata and its extracted lines.

    The rules decide the clear cases; a page they would keep as an article without being sure
    is weighed by the page-kind model (:mod:`etl.clean.page_model`; ``model=None``: the rules
    alone, as its training reads them).
    """
    if model == "shipped":
        model = load_model()
    captions = find_captions(tree)
    declared_article = declares_article(meta)
    declared_listing = (
        bool(meta.ld_types & (_LISTING_LD_TYPES - {"website"}))
        or (meta.og_type or "").startswith("product.group")
        or (meta.og_type == "website" and not declared_article)
    )
    # A page that declares itself an article and shows many long paragraphs not cut off is one,
    # whatever else it shows: the teaser search is skipped (most articles, on wcxb-dev). Long
    # lines alone are no proof: a listing's joined cards or long excerpts make them too (10 of
    # wcxb-dev's 189 listings have 8 and more), hence the declaration.
    full_paragraphs = sum(
        1 for line in lines if len(line) >= FULL_PARAGRAPH_CHARS and not line.endswith(("...", "…"))
    )
    # ... unless it also declares a collection (JSON-LD ``CollectionPage``: a recipe
    # collection's og:type is article on many sites); ``ItemList`` does not count, listicles
    # declare one
    sure_article = (
        declared_article
        and not meta.ld_types & _COLLECTION_LD_TYPES
        and full_paragraphs >= SURE_ARTICLE_PARAGRAPHS
    )
    groups = [] if sure_article else find_teaser_groups(tree)
    text_chars = sum(len(line) for line in lines)
    caption_keys = {line_key(c) for c in captions}
    prose = [
        line for line in lines if len(line) >= PROSE_CHARS and line_key(line) not in caption_keys
    ]
    declared_gallery = bool(meta.ld_types & _GALLERY_LD_TYPES)
    doubt = None
    evidence = None
    if groups:
        evidence = listing_evidence(tree, groups, lines)
        if _is_listing(tree, evidence, declared_article, declared_listing):
            return Classification(
                "listing", "repeated teaser blocks", teasers=_unique_teasers(groups, url)
            )
        if evidence.blocks >= MIN_LISTING_TEASERS and evidence.teaser_share >= DOUBT_TEASER_SHARE:
            doubt = "kind-doubt:listing"  # kept as an article, its text kept: recorded

    caption_chars = sum(len(c) for c in captions)
    if len(captions) >= MIN_GALLERY_CAPTIONS and (
        declared_gallery or (len(prose) <= 2 and caption_chars * 2 >= text_chars - caption_chars)
    ):
        return Classification("gallery", "captioned figures", captions=tuple(captions))

    if not groups and not sure_article:
        # a tag page with two or three headed teasers and nothing else of its own
        teasers = find_teasers(tree, url)
        in_teasers = _teaser_lines(lines, [t.title for t in teasers] + [t.excerpt for t in teasers])
        own_text = [
            line
            for line, hit in zip(lines, in_teasers, strict=True)
            if not hit and len(line) >= OWN_TEXT_CHARS and line_key(line) not in caption_keys
        ]
        if teasers and not declared_article and not own_text:
            return Classification(
                "listing", "teasers and no text of its own", teasers=tuple(teasers)
            )

    if (too_little := too_little_text(lines, declared_article)) is not None:
        return Classification("other", too_little)
    if declared_gallery and captions:
        return Classification("gallery", "declared gallery", captions=tuple(captions))
    if sure_article:
        return Classification("article", "body text", doubt=doubt)
    features = page_features(
        tree,
        meta,
        lines,
        url,
        declared_article=declared_article,
        declared_listing=declared_listing,
        full_paragraphs=full_paragraphs,
        teaser_blocks=evidence.blocks if evidence else 0,
        teaser_share=evidence.teaser_share if evidence else 0.0,
        own_chars=evidence.own_chars if evidence else 0,
        long_own_lines=evidence.long_own_lines if evidence else 0,
        pager=has_pagination(tree),
    )
    if not shows_entries(features):
        return Classification("article", "body text", doubt=doubt)
    if model is None:
        return Classification("article", "body text", doubt=doubt, features=features)
    probability = model.article_probability(features)
    if probability >= model.threshold:
        return Classification(
            "article",
            "body text",
            doubt=doubt,
            features=features,
            article_probability=probability,
        )
    reason = f"page-kind model: p(article)={probability:.2f}"
    if groups:
        teasers = _unique_teasers(groups, url)
        return Classification(
            "listing", reason, teasers=teasers, features=features, article_probability=probability
        )
    return Classification("other", reason, features=features, article_probability=probability)
