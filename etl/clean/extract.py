"""Main-text extraction: trafilatura on the already parsed tree, plus what the rules need.

trafilatura runs in fast mode (no readability/jusText fallback, which costs about a third of
its time for little gain once our rules clean up), favouring recall (the rules remove what it
takes too much: measured below), with comments off (reader comments are not the article). Its
output is read block by block so every line keeps the kind of element it came from: a heading
that repeats the page description is a standfirst, a paragraph that does is often the lead -
the rules need to tell them apart.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from etl.clean.boilerplate import line_key

#: Link texts shorter than this are menu words ("News", "WEC"), not titles worth matching.
MIN_LINK_KEY_CHARS = 12


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text as lines (one per paragraph, heading, list item or table row), with the
    trafilatura element each line came from (``p``, ``head``, ``list``, ``quote``, ``table``...)."""

    lines: list[str]
    tags: list[str]
    #: Which extraction gave the lines: ``fast`` (trafilatura without fallbacks), or a fallback.
    method: str = "fast"


@lru_cache(maxsize=4)
def _extractor_template(fast: bool, day: date) -> Extractor:
    # The fast path favours recall: its balanced mode stops short on bodies split over several
    # containers or with lists in table cells, and what recall mode takes too much (menus,
    # sidebars) is what the line rules already remove. Measured at 297920b on wcxb-dev articles
    # (709 with a truth): F1 0.928 -> 0.935 (precision 0.932 -> 0.933); scrapinghub-dev
    # 0.983 -> 0.982. The full extraction stays balanced: only there does trafilatura run its
    # own recall escalation (stage 4), which rescues pages recall mode does not.
    # ``day``: trafilatura's options hold today's date (for its date search, unused here), so a
    # long-running process builds them anew each day.
    return Extractor(output_format="python", fast=fast, recall=fast, comments=False)


def _extractor(fast: bool, url: str | None) -> Extractor:
    """trafilatura's options for one page: a copy of the day's template with the page's URL.

    Building them per call, as ``bare_extraction`` does from its keywords, reads its config
    eight times: 65 us a page against 5 us for the copy (0.3 CPU s per 5,000 pages).
    trafilatura copies the options itself before changing them (its recall escalation).
    """
    options = copy.copy(_extractor_template(fast, date.today()))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _trafilatura_lines(
    tree: HtmlElement, url: str | None, *, fast: bool
) -> tuple[list[str], list[str]]:
    document = trafilatura.bare_extraction(tree, url=url, options=_extractor(fast, url))
    lines: list[str] = []
    tags: list[str] = []
    if document is None or document.body is None:
        return lines, tags
    for block in document.body:
        for line in xmltotxt(block, False).splitlines():
            line = line.strip()
            if line:
                lines.append(line)
                tags.append(str(block.tag))
    return lines, tags


def fast_lines(tree: HtmlElement, url: str | None) -> tuple[list[str], list[str]]:
    """trafilatura's fast-mode lines and their element tags (the tree is not modified)."""
    return _trafilatura_lines(tree, url, fast=True)


#: A paragraph this long is running text (the same bound as restructure's).
RUNNING_TEXT_CHARS = 80
#: The fast result is doubted when it holds less than this share of the page's running text
#: (the text of its ``<p>`` elements of running length, few links, not cut off), or is empty.
#: Measured with bench/body.py on wcxb-dev articles (711): 0.8 doubted 60 pages (8%) and cost
#: +33% extraction time for 33 changed; 0.5 doubts about half as many for nearly the same
#: recall (simulated: F1 before rules 0.929 against 0.931); on scrapinghub-dev 1 of 90 changes.
FAST_SHARE_OF_RUNNING = 0.5
#: A fallback replaces the fast result only with this much more running text (a tie keeps the
#: fast path, whose output the rules were tuned on) and at most MAX_GROWTH times the page's
#: running text (a candidate that took the whole page, comments and all, is not the body).
MIN_GAIN = 1.1
MAX_GROWTH = 3.0
_HEAD_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_READABILITY_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "tr")


#: A paragraph whose links cover this share of its text is a teaser (a linked title and its
#: excerpt) or a menu, not running text.
MAX_LINK_SHARE = 0.3


#: A text cut off with an ellipsis is a teaser's excerpt, never an article's running text.
_CUT_OFF_RE = re.compile(r"(?:\.{3,}|…)\s*[\"'”»)\]]*\s*$")


def _is_running(text: str) -> bool:
    return len(text) >= RUNNING_TEXT_CHARS and not _CUT_OFF_RE.search(text)


def running_chars(lines: list[str]) -> int:
    """Characters in lines of running text: the body's prose, not labels, menus or excerpts."""
    return sum(len(line) for line in lines if _is_running(line))


def _running_length(element: HtmlElement) -> int:
    """The element's text length when it is running text (long, few links), else 0."""
    raw = element.text_content()
    if len(raw) < RUNNING_TEXT_CHARS:  # stripping only shortens it: most paragraphs stop here
        return 0
    text = raw.strip()
    length = len(text)
    if not _is_running(text):
        return 0
    linked = sum(len(link.text_content().strip()) for link in element.iter("a"))
    return length if linked < MAX_LINK_SHARE * length else 0


def page_running_chars(tree: HtmlElement) -> int:
    """Characters of the page's ``<p>`` elements of running text (about 0.6 ms a page)."""
    return sum(_running_length(paragraph) for paragraph in tree.iter("p"))


def fast_is_doubtful(lines: list[str], page_running: int) -> bool:
    """The fast result is empty, or much shorter than the running text the page holds."""
    chars = sum(len(line) for line in lines)
    return chars == 0 or chars < FAST_SHARE_OF_RUNNING * page_running


#: A fast result this short is also weighed against all the text the page shows, for pages
#: whose prose is not in ``<p>`` elements (``<div>`` and ``<br>`` bodies: the running text
#: measure above sees none of it). The bounds are trafilatura's own for its recall escalation
#: (core.ESCALATION_MAX_LENGTH, ESCALATION_PAGE_SHARE): a result under 3,000 characters holding
#: less than a fifth of the page's text. Measured on wcxb-dev articles at 297920b plus recall:
#: 8 more pages of 711 doubted, 2 changed (recall 0.08 and 0.15 -> 0.99 and 0.86), none worse;
#: scrapinghub-dev 4 of 90 doubted, none changed.
THIN_MAX_CHARS = 3000
THIN_SHARE_OF_PAGE = 0.2
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")


def page_text_chars(tree: HtmlElement) -> int:
    """Characters of all the text the page's body shows (scripts and styles left out)."""
    body = tree.find("body")
    root = body if body is not None else tree
    total = sum(len(text.strip()) for text in root.itertext())
    hidden = sum(len((element.text or "").strip()) for element in root.iter(*_INVISIBLE_TAGS))
    return total - hidden


def fast_is_thin(chars: int, page_chars: int) -> bool:
    """A short fast result that holds little of the page's text (see THIN_MAX_CHARS)."""
    return chars < THIN_MAX_CHARS and chars < THIN_SHARE_OF_PAGE * page_chars


def readability_lines(tree: HtmlElement) -> tuple[list[str], list[str], int]:
    """readability-lxml's summary of (a copy of) the tree, one line per block element, and its
    running text (blocks of running length whose links cover little of them)."""
    from readability import Document  # imported on the few pages that need it

    try:
        summary = Document(copy.deepcopy(tree)).summary(html_partial=True)
    except Exception:  # readability raises on trees it cannot score: no candidate
        return [], [], 0
    if not summary.strip():
        return [], [], 0
    root = lxml.html.fromstring(summary)
    lines: list[str] = []
    tags: list[str] = []
    running = 0
    for element in root.iter(*_READABILITY_BLOCKS):
        if any(True for _ in element.iterancestors(*_READABILITY_BLOCKS)):
            continue  # a block inside a block (a paragraph in a list item) is read with it
        text = " ".join(element.text_content().split())
        if text:
            lines.append(text)
            tag = str(element.tag)
            tags.append("head" if tag in _HEAD_TAGS else "list" if tag == "li" else "p")
            running += _running_length(element)
    return lines, tags, running


def _trafilatura_full(tree: HtmlElement, url: str | None) -> tuple[list[str], list[str], int]:
    lines, tags = _trafilatura_lines(tree, url, fast=False)
    return lines, tags, running_chars(lines)


def extract_main_text(tree: HtmlElement, url: str | None) -> Extracted:
    """trafilatura's main text of the tree, block by block (the tree itself is not modified).

    The fast path (no fallbacks) is right on most pages and a third cheaper; when its result
    is doubtful (:func:`fast_is_doubtful`), trafilatura with its fallbacks and readability-lxml
    both run, and the candidate with the most running text wins (``method`` says which), so
    their cost is paid only on the pages that need them; when it is only thin
    (:func:`fast_is_thin`), trafilatura's full extraction alone is tried.
    """
    lines, tags = fast_lines(tree, url)
    page_running = page_running_chars(tree)
    chars = sum(len(line) for line in lines)
    ceiling = MAX_GROWTH * max(page_running, chars, 1000)
    thin = False
    if not fast_is_doubtful(lines, page_running):
        if chars >= THIN_MAX_CHARS:
            return Extracted(lines, tags)  # most pages stop here, before the text is counted
        page_chars = page_text_chars(tree)
        if not fast_is_thin(chars, page_chars):
            return Extracted(lines, tags)
        # the page's prose is outside <p> elements: the bound on a candidate is all its text
        thin = True
        ceiling = max(ceiling, page_chars)
    candidates = [("fallback-trafilatura", lambda: _trafilatura_full(tree, url))]
    if not thin:
        # on a thin result only trafilatura's full extraction is tried: it won on every page
        # it changed there, and readability's 44 ms a page bought nothing (thin results are
        # common on listings)
        candidates.append(("fallback-readability", lambda: readability_lines(tree)))
    best = Extracted(lines, tags)
    best_running = running_chars(lines)
    for method, run in candidates:
        if best_running >= page_running > 0:
            break  # the page's running text is all there: readability's cost buys nothing
        found, found_tags, found_running = run()
        if found_running > MIN_GAIN * best_running and found_running <= ceiling:
            best, best_running = Extracted(found, found_tags, method), found_running
    return best


def extract_lines(tree: HtmlElement, url: str | None) -> list[str]:
    """Only the lines of :func:`extract_main_text`."""
    return extract_main_text(tree, url).lines


#: Only links whose text could be a title are read (menus are made of short ones), plus the
#: titles and image alt texts of links, which carry a teaser's full title.
#: Links to a place on the same page (``href="#..."``: a table of contents, "back to top") are
#: left out: their texts are the article's own headings, which the link rules must not take.
#: (bench/body.py on wcxb-dev articles: link-line took 1,416 gold shingles for 1,057 of noise.)
_OFF_PAGE_LINKS = etree.XPath(".//a[not(starts-with(normalize-space(@href), '#'))]")
#: Their titles and image alt texts, in document order (the links are passed in: their
#: ``href`` is tested once).
_LINK_ATTRIBUTES = etree.XPath("$links/@title | $links//img/@alt")
#: XPath's ``normalize-space`` collapses these (XML whitespace), not Unicode's.
_XML_SPACE_RE = re.compile(r"[ \t\r\n]+")


def _normalized_length(text: str) -> int:
    """``string-length(normalize-space(text))`` as XPath computes it."""
    return len(_XML_SPACE_RE.sub(" ", text).strip(" "))


def link_texts(tree: HtmlElement) -> list[str]:
    """Line keys of every link's text, title and image alt text (a teaser's full title).

    The links are selected once; their texts are measured in Python (a text shorter than the
    bound cannot reach it once normalized), which costs half of two XPath passes that each
    normalize every link's ``href`` and text.
    """
    keys: dict[str, None] = {}
    links = _OFF_PAGE_LINKS(tree)
    candidates = [
        text
        for text in (link.text_content() for link in links)
        if len(text) >= MIN_LINK_KEY_CHARS and _normalized_length(text) >= MIN_LINK_KEY_CHARS
    ]
    candidates.extend(str(value) for value in _LINK_ATTRIBUTES(tree, links=links))
    for candidate in candidates:
        key = line_key(candidate)
        if len(key) >= MIN_LINK_KEY_CHARS:
            keys.setdefault(key, None)
    return list(keys)
