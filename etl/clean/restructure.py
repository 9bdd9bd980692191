"""Tree fixes applied before extraction, where trafilatura alone loses text or keeps noise.

Each fix is general, told by the structure of the page, not by any one site's names:

- scripts, styles and other non-text elements go first (trafilatura drops them too, but only
  after copying the tree twice);
- tooltips and hover cards (a person's photo and latest articles inside a sentence) go;
- embedded social posts (a driver's tweet) lose the class names that make extractors discard
  them: their text is a quote of the article;
- an article body split into twin containers around ads (same tag, same body-like class, each
  with paragraphs of running text) is joined into the first one, in document order;
- tables used for page layout (cells holding paragraphs, nested tables or long text) become
  plain blocks, instead of being rendered as ``| ... |`` rows glued to the page's chrome.

The tree is changed in place: run this after metadata and link texts were read from it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

_BODY_CLASS_RE = re.compile(r"body|content|article|story|entry|post|text", re.I)
_NOT_BODY_CLASS_RE = re.compile(
    r"comment|caption|widget|related|teaser|card|list|browser|desc|sidebar|footer|header|promo|"
    r"newsletter|share|meta|author|tab|nav|menu",
    re.I,
)
#: A paragraph this long is running text, not a label.
RUNNING_TEXT_CHARS = 80
#: Each twin must carry this many paragraphs of running text to be a piece of the body.
MIN_TWIN_PARAGRAPHS = 2


#: A data table's cell holds a figure or a name; a layout cell holds an article.
LAYOUT_CELL_CHARS = 500
_TABLE_TAGS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")


def _is_layout_table(table: HtmlElement) -> bool:
    for cell in table.iter("td", "th"):
        if cell.find(".//table") is not None or cell.find(".//p") is not None:
            return True
        if len(cell.text_content()) >= LAYOUT_CELL_CHARS:
            return True
    return False


#: Elements no reader sees as text. trafilatura removes them too, but only after copying the
#: tree twice: removing them first makes every copy smaller (scripts carry megabytes of JSON).
_INVISIBLE_TAGS = ("script", "style", "noscript", "svg", "template", "iframe")


def strip_invisible(tree: HtmlElement) -> int:
    """Remove scripts, styles and other non-text elements (run after metadata is read); return
    how many."""
    invisible = sum(1 for _ in tree.iter(*_INVISIBLE_TAGS))
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)
    return invisible


#: Embedded posts (a driver's tweet, a team's Instagram caption) quote someone in the article;
#: their text is in the page, but their class names make extractors discard them as widgets.
#: (The class attributes are tested themselves, then their elements taken: libxml2 reads an
#: attribute node's value once this way instead of once per ``contains(@class, ...)``.)
_SOCIAL_EMBED_XPATH = (
    "descendant::blockquote/@class[contains(., 'twitter') or contains(., 'tweet') or "
    "contains(., 'instagram') or contains(., 'tiktok')]/.."
)


def keep_embedded_posts(tree: HtmlElement) -> int:
    """Let quoted social posts through as plain quotes; return how many."""
    embeds = tree.xpath(_SOCIAL_EMBED_XPATH)
    for blockquote in embeds:
        blockquote.attrib.pop("class", None)
        # its wrappers ("social-media-embed") are discarded by class as well
        wrapper = blockquote.getparent()
        while wrapper is not None and len(wrapper) == 1 and wrapper.tag in ("div", "figure"):
            wrapper.attrib.pop("class", None)
            wrapper.attrib.pop("id", None)
            wrapper = wrapper.getparent()
    return len(embeds)


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout into plain blocks; return how many were unwrapped."""
    layout = [table for table in tree.iter("table") if _is_layout_table(table)]
    for table in layout:
        for element in table.iter(*_TABLE_TAGS):
            element.tag = "div"
    return len(layout)


#: Tooltips and hover cards: shown on demand next to a word, never part of the sentence.
#: (Hidden elements are left alone: trafilatura drops ``display:none`` itself, and "read
#: more" expanders hide the rest of many articles the same way.)
_POPUP_XPATH = (
    "descendant::*/@class[contains(., 'tooltip') or contains(., 'popover') or "
    "contains(., 'hovercard')]/.."
)
#: A span inside a paragraph holding a picture and several links is a hover card (a person's
#: photo and latest articles), whatever its class; the innermost such span is the card.
_SPAN_WITH_IMAGE_XPATH = ".//p//span[.//img]"
_CARD_MIN_LINKS = 2


def _is_inline_card(span: HtmlElement) -> bool:
    if sum(1 for _ in span.iter("a")) < _CARD_MIN_LINKS:
        return False
    return not any(
        inner.find(".//img") is not None and sum(1 for _ in inner.iter("a")) >= _CARD_MIN_LINKS
        for inner in span.iterdescendants("span")
    )


def drop_popups(tree: HtmlElement) -> int:
    """Remove tooltips and hover cards from the text they decorate; return how many."""
    dropped = 0
    cards = [span for span in tree.xpath(_SPAN_WITH_IMAGE_XPATH) if _is_inline_card(span)]
    for element in [*tree.xpath(_POPUP_XPATH), *cards]:
        if element.tag not in ("html", "body", "head") and element.getparent() is not None:
            element.drop_tree()
            dropped += 1
    return dropped


_CLASSED_WITH_PARAGRAPHS_XPATH = ".//div[@class][p] | .//section[@class][p]"


def _running_paragraphs(element: HtmlElement) -> int:
    return sum(1 for p in element.iterchildren("p") if len(p.text_content()) >= RUNNING_TEXT_CHARS)


def _nested(a: HtmlElement, b: HtmlElement) -> bool:
    return a in b.iterancestors() or b in a.iterancestors()


def join_split_bodies(tree: HtmlElement) -> int:
    """Move the content of later twin body containers into the first; return how many joined."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for element in tree.xpath(_CLASSED_WITH_PARAGRAPHS_XPATH):
        classes = element.get("class")
        if (
            _BODY_CLASS_RE.search(classes)
            and not _NOT_BODY_CLASS_RE.search(classes)
            and _running_paragraphs(element) >= MIN_TWIN_PARAGRAPHS
        ):
            groups[(element.tag, classes)].append(element)
    joined = 0
    for twins in groups.values():
        if len(twins) < 2:
            continue
        first = twins[0]
        if any(_nested(first, twin) for twin in twins[1:]):
            continue  # nested containers are one body already
        for twin in twins[1:]:
            parent = twin.getparent()
            if parent is None:
                continue
            for child in list(twin):
                first.append(child)
            parent.remove(twin)
            joined += 1
    return joined


#: The fixes as named steps, in the order they run; each returns how many elements it changed.
STEPS: tuple[tuple[str, Callable[[HtmlElement], int]], ...] = (
    ("strip-invisible", strip_invisible),
    ("drop-popups", drop_popups),
    ("keep-embedded-posts", keep_embedded_posts),
    ("join-split-bodies", join_split_bodies),
    ("unwrap-layout-tables", unwrap_layout_tables),
)


def prepare_for_extraction(tree: HtmlElement) -> Counter[str]:
    """Every fix above, in order, on the page's tree (after metadata and links were read).

    Returns ``restructure:<step>`` -> elements changed, for the steps that changed any, so a
    page records which fix touched its tree (as the line rules record what they removed).
    """
    done: Counter[str] = Counter()
    for name, step in STEPS:
        changed = step(tree)
        if changed:
            done[f"restructure:{name}"] += changed
    return done
