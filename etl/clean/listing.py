"""Repeated teaser blocks, found by structure alone: what every index page shares.

An index, tag, search, category or home page - on any CMS, in any theme - shows its entries as
sibling elements of one parent that look alike (same tag, same leading class token) and each hold
a link to another page with a title-like text, often a heading, a short excerpt and an image.
No class name is looked for: the repetition itself is the signal, so a Drupal theme never seen
is read like the seed's index page. Menus and footers repeat too; they are told apart by their
short link texts and by sitting in the page chrome.

Each block found becomes a :class:`~etl.clean.records.Teaser` (absolute target URL, title,
excerpt, the block's own image), and the group's text is what the classifier weighs against the
page's own running text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from etl.clean.metadata import normalize_space
from etl.clean.records import Teaser

#: Siblings of one shape needed to call them a list of entries (a related widget has 2-4).
MIN_GROUP_BLOCKS = 4
#: A row of a grid holds at least this many look-alike blocks (a lone child is the card).
MIN_ROW_BLOCKS = 2
#: An entry's title: shorter link texts are menu words ("News", "About us").
MIN_TITLE_CHARS = 12
#: A shorter title makes an entry when the block holds this much text beside it.
MIN_SHORT_TITLE_CHARS = 3
MIN_BESIDE_TITLE_CHARS = 20
#: An entry is short; a block with more text is a section of the page, not a teaser.
MAX_BLOCK_CHARS = 1200
#: Blocks of a group read to decide whether it is a list of entries.
SAMPLE_BLOCKS = 40
#: This share of a group's same-shape siblings must be entries for the group to count.
MIN_ENTRY_SHARE = 0.6

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "select", "form"})
#: Containers whose repeated links are site furniture, not the page's entries.
_CHROME_TAGS = frozenset({"nav", "footer", "header", "aside"})
_CHROME_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|megamenu|footer|breadcrumbs?|site-header|"
    r"masthead|sidebar|cookie|consent|modal|popup|dropdown)(?:$|[\s_-])",
    re.I,
)
#: Class tokens that state what an element holds or how it is laid out (``has-sidebar``,
#: ``with-footer``), not what it is: the layout wrapper of a page's main column says
#: ``has-sidebar`` on many themes, and its teasers were taken for a sidebar's (wcxb-dev: one
#: listing more found, no article lost).
_MODIFIER_PREFIXES = ("has-", "has_", "with-", "with_", "no-", "no_")
_DIGITS_RE = re.compile(r"\d+")
#: Parents worth grouping the children of: ancestors of a link that could be an entry's (a
#: title-long text or a picture), with two children at least. One libxml2 pass; about half as
#: many as all parents of two children on wcxb-dev.
_CANDIDATE_PARENTS = etree.XPath(
    f"//body//a[@href][.//img or string-length(normalize-space(.)) >= {MIN_TITLE_CHARS}]"
    f"/ancestor::*[*[{MIN_ROW_BLOCKS}]]"
)
_TEXT_CHARS = etree.XPath("string-length(normalize-space(.))")
_HAS_LINK = etree.XPath("boolean(descendant-or-self::a[@href])")
_LAZY_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-srcset", "srcset")


@dataclass(frozen=True, slots=True)
class TeaserGroup:
    """One run of look-alike entries: siblings, or cousins of look-alike parents."""

    entries: tuple[tuple[HtmlElement, tuple[str, HtmlElement]], ...]
    text_chars: int

    @property
    def blocks(self) -> tuple[HtmlElement, ...]:
        return tuple(block for block, _ in self.entries)

    def teasers(self, base_url: str) -> list[Teaser]:
        """The entries as teasers: built only for a page found to be a listing."""
        return [_teaser(block, title, link, base_url) for block, (title, link) in self.entries]


@lru_cache(maxsize=4096)
def _leading_class(classes: str) -> str:
    tokens = classes.split()
    return _DIGITS_RE.sub("", tokens[0]) if tokens else ""


def _signature(element: HtmlElement) -> tuple[str, str]:
    """What makes siblings 'the same block': tag and leading class token (digits ignored,
    so ``post-1``/``post-2`` match and ``card card--featured`` matches ``card``)."""
    classes = element.get("class")
    return str(element.tag), _leading_class(classes) if classes else ""


@lru_cache(maxsize=4096)
def _chrome_names(names: str) -> bool:
    tokens = [token for token in names.split() if not token.lower().startswith(_MODIFIER_PREFIXES)]
    return bool(_CHROME_CLASS_RE.search(" ".join(tokens)))


def _is_chrome(element: HtmlElement) -> bool:
    if element.tag in _CHROME_TAGS:
        return True
    attributes = element.attrib
    if not attributes:
        return False
    names = f"{attributes.get('class', '')} {attributes.get('id', '')} {attributes.get('role', '')}"
    return len(names) > 2 and _chrome_names(names)


def _usable_href(href: str | None) -> bool:
    return bool(href) and not href.lstrip().startswith(("#", "javascript:", "mailto:", "tel:"))


def image_of(block: HtmlElement, base_url: str) -> str | None:
    """The entry's own picture: its first ``<img>``'s address (lazy-loading attributes read when
    ``src`` is a placeholder), made absolute."""
    for image in block.iter("img"):
        src = (image.get("src") or "").strip()
        if not src or src.startswith("data:"):
            for attribute in _LAZY_SRC_ATTRIBUTES:
                value = (image.get(attribute) or "").strip()
                if value and not value.startswith("data:"):
                    src = value.split(",")[0].split()[0]
                    break
        if src and not src.startswith("data:"):
            return join_url(base_url, src)
    return None


@lru_cache(maxsize=1 << 12)
def _origin(base_url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) page URL, or None."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=1 << 15)
def _join_on_origin(origin: str, href: str) -> str:
    return urljoin(origin, href)


def absolute_url(base_url: str, href: str) -> str:
    """``urljoin(base_url, href)``, remembered across pages for links that start with one ``/``:
    those resolve against the page's scheme and host alone, and the same few thousand of them
    (a site's menus, its articles on every listing that shows them) come back page after page;
    ``urljoin`` was a tenth of a listing page's cleaning. Raises ValueError as ``urljoin`` does
    on a link it cannot parse."""
    if href.startswith("/") and not href.startswith("//"):
        origin = _origin(base_url)
        if origin is not None:
            return _join_on_origin(origin, href)
    return urljoin(base_url, href)


def join_url(base_url: str, href: str) -> str:
    """``href`` made absolute; a link urljoin cannot parse (``http://[::1``) is kept as written,
    for the loader's URL identity to drop and count: one hostile link must not lose the page."""
    try:
        return absolute_url(base_url, href)
    except ValueError:
        return href


def _title_link(block: HtmlElement, block_chars: int) -> tuple[str, HtmlElement] | None:
    """The entry's title and the link it leads to, or ``None`` when the block is no entry: a
    menu item is a short link and nothing else; a short title with more beside it (a film's
    year and rating, a product's price) is an entry."""
    links = [block] if block.tag == "a" else []
    links += [a for a in block.iter("a") if a is not block and _usable_href(a.get("href"))]
    if not links or not _usable_href(links[0].get("href")):
        links = links[1:]
    if not links:
        return None
    heading = next(block.iter(*_HEADINGS), None)
    heading_text = normalize_space(heading.text_content()) if heading is not None else ""
    link = None
    if heading is not None:  # the title link: the heading's own, else the one around it
        link = next((a for a in heading.iter("a") if _usable_href(a.get("href"))), None)
        if link is None:
            link = next((a for a in heading.iterancestors("a") if a in links), None)
    if link is None:
        texts = [normalize_space(a.text_content()) for a in links]
        link = links[max(range(len(links)), key=lambda i: len(texts[i]))]
    title = heading_text or normalize_space(link.text_content()) or (link.get("title") or "")
    if not title:
        title = next((img.get("alt") or "" for img in block.iter("img") if img.get("alt")), "")
    title = normalize_space(title)
    if len(title) >= MIN_TITLE_CHARS:
        return title, link
    if len(title) >= MIN_SHORT_TITLE_CHARS and block_chars >= len(title) + MIN_BESIDE_TITLE_CHARS:
        return title, link
    return None


def _teaser(block: HtmlElement, title: str, link: HtmlElement, base_url: str) -> Teaser:
    excerpt = ""
    for element in block.iter("p", "div", "span"):
        if len(element) and element.tag != "p":
            continue  # a wrapper: its text is read from its children
        raw = element.text_content()
        if len(raw) <= len(excerpt):  # spaces only shorten it: cannot beat the longest yet
            continue
        candidate = normalize_space(raw)
        if len(candidate) > len(excerpt) and candidate not in title and title not in candidate:
            excerpt = candidate
    url = join_url(base_url, (link.get("href") or "").strip())
    return Teaser(url=url, title=title, excerpt=excerpt, image=image_of(block, base_url))


def _group(blocks: list[HtmlElement]) -> TeaserGroup | None:
    """The look-alike blocks as a group of entries, or ``None`` when too few are entries."""
    sized = [(block, int(_TEXT_CHARS(block))) for block in blocks]
    cheap = [
        (block, chars)
        for block, chars in sized
        if 0 < chars <= MAX_BLOCK_CHARS and _HAS_LINK(block)
    ]
    needed = max(MIN_GROUP_BLOCKS, MIN_ENTRY_SHARE * len(blocks))
    if len(cheap) < needed:
        return None
    # a sample decides (a list of 800 rows is judged by its first ones), then all are read
    sample = [
        (block, entry) for block, n in cheap[:SAMPLE_BLOCKS] if (entry := _title_link(block, n))
    ]
    if len(sample) < MIN_GROUP_BLOCKS or len(sample) < MIN_ENTRY_SHARE * min(
        len(blocks), SAMPLE_BLOCKS
    ):
        return None
    if len({entry[1].get("href") for _, entry in sample}) < MIN_GROUP_BLOCKS:
        return None  # one target repeated (a carousel's slides) is not a list of entries
    found = sample + [
        (block, entry) for block, n in cheap[SAMPLE_BLOCKS:] if (entry := _title_link(block, n))
    ]
    chars = dict((id(block), n) for block, n in cheap)
    return TeaserGroup(tuple(found), sum(chars[id(block)] for block, _ in found))


def in_chrome(element: HtmlElement, memo: dict[int, tuple[HtmlElement, bool]]) -> bool:
    """Is the element or an ancestor page chrome? Memoised along the path to the root (the
    memo holds the element too: an lxml proxy's ``id`` is only stable while it lives)."""
    path = []
    verdict = False
    node: HtmlElement | None = element
    while node is not None:
        known = memo.get(id(node))
        if known is not None:
            verdict = known[1]
            break
        path.append(node)
        if node.tag == "body":
            break
        if _is_chrome(node):
            verdict = True
            break
        node = node.getparent()
    for seen in path:
        memo[id(seen)] = (seen, verdict)
    return verdict


def find_teaser_groups(tree: HtmlElement) -> list[TeaserGroup]:
    """Every run of look-alike linked entries outside the chrome, in document order.

    Blocks are grouped by their own shape and their parent's, across parents: a grid laid out
    in rows of three cards (one parent per row) is one group. Parents are found by one XPath
    (in libxml2). When groups nest (a card's own list of tags), the outer one is kept.
    """
    memo: dict[int, tuple[HtmlElement, bool]] = {}
    buckets: dict[tuple[tuple[str, str], tuple[str, str]], list[HtmlElement]] = {}
    for parent in _CANDIDATE_PARENTS(tree):
        if parent.tag in _SKIP_TAGS or in_chrome(parent, memo):
            continue
        local: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in _SKIP_TAGS:
                local.setdefault(_signature(child), []).append(child)
        parent_signature = _signature(parent)
        for signature, children in local.items():
            if len(children) >= MIN_ROW_BLOCKS:
                buckets.setdefault((parent_signature, signature), []).extend(children)
    groups = [
        group
        for blocks in buckets.values()
        if len(blocks) >= MIN_GROUP_BLOCKS and (group := _group(blocks)) is not None
    ]
    owner = {id(block): index for index, group in enumerate(groups) for block in group.blocks}
    return [
        group
        for index, group in enumerate(groups)
        if not any(owner.get(id(a), index) != index for a in group.blocks[0].iterancestors())
    ]


_REL_PAGE = etree.XPath(
    "//link[@rel='next' or @rel='prev' or @rel='previous'][@href]"
    " | //body//a[@rel='next' or @rel='prev'][@href]"
)
_NUMBER_LINKS = etree.XPath(
    "//body//a[@href][string-length(normalize-space(.)) <= 3]"
    "[translate(normalize-space(.), '0123456789', '') = ''][normalize-space(.) != '']"
)


def has_pagination(tree: HtmlElement) -> bool:
    """Is the page one of a series of pages? ``rel=next/prev``, or page-number links (at least
    three distinct numbers, ``2`` among them, under one grandparent) - markup every pager has."""
    if _REL_PAGE(tree):
        return True
    numbers: dict[int, tuple[HtmlElement, set[str]]] = {}
    for link in _NUMBER_LINKS(tree):
        parent = link.getparent()
        holder = parent.getparent() if parent is not None and parent.tag != "div" else parent
        if holder is None:
            continue
        entry = numbers.setdefault(id(holder), (holder, set()))
        entry[1].add(normalize_space(link.text_content()))
    return any(len(found) >= 3 and "2" in found for _, found in numbers.values())
