"""Main-text extraction: trafilatura on the already parsed tree, plus what the rules need.

trafilatura runs in fast mode (no readability/jusText fallback, which costs about a third of
its time for little gain once our rules clean up) with comments off (reader comments are not
the article). Its output is read block by block so every line keeps the kind of element it came
from: a heading that repeats the page description is a standfirst, a paragraph that does is
often the lead - the rules need to tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement
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


def extract_main_text(tree: HtmlElement, url: str | None) -> Extracted:
    """trafilatura's main text of the tree, block by block (the tree itself is not modified)."""
    document = trafilatura.bare_extraction(
        tree, url=url, fast=True, include_comments=False, with_metadata=False
    )
    lines: list[str] = []
    tags: list[str] = []
    if document is None or document.body is None:
        return Extracted(lines, tags)
    for block in document.body:
        for line in xmltotxt(block, False).splitlines():
            line = line.strip()
            if line:
                lines.append(line)
                tags.append(str(block.tag))
    return Extracted(lines, tags)


def extract_lines(tree: HtmlElement, url: str | None) -> list[str]:
    """Only the lines of :func:`extract_main_text`."""
    return extract_main_text(tree, url).lines


#: Only links whose text could be a title are read (menus are made of short ones), plus the
#: titles and image alt texts of links, which carry a teaser's full title.
_LINK_TEXT_XPATH = f".//a[string-length(normalize-space(.)) >= {MIN_LINK_KEY_CHARS}]"
_LINK_ATTRIBUTE_XPATH = ".//a/@title | .//a//img/@alt"


def link_texts(tree: HtmlElement) -> list[str]:
    """Line keys of every link's text, title and image alt text (a teaser's full title)."""
    keys: dict[str, None] = {}
    candidates = [link.text_content() for link in tree.xpath(_LINK_TEXT_XPATH)]
    candidates.extend(str(value) for value in tree.xpath(_LINK_ATTRIBUTE_XPATH))
    for candidate in candidates:
        key = line_key(candidate)
        if len(key) >= MIN_LINK_KEY_CHARS:
            keys.setdefault(key, None)
    return list(keys)
