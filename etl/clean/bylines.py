"""Bylines as pages show them: who wrote a page and when, read from visible markup and text.

Structured data (JSON-LD, ``<meta>``) is read in :mod:`etl.clean.metadata`; this module covers the
pages that say it only to the reader: ``rel=author`` links, ``itemprop=author`` microdata,
elements whose class or id says author/byline/username, ``Par X`` / ``By X`` / ``Written by X``
lines, and date lines such as ``Publié le dimanche 15 mai 2022 à 21h02``, ``Mis à jour le ...``,
``Updated 2:32 pm EDT, May 15, 2022``. Nothing here knows a site: the cues are the words and
markup conventions bylines share across CMSs (WordPress, Drupal, Ghost, newspapers' own).

An author value is cleaned before it is trusted (:func:`clean_author`): the ``By``/``Par`` label,
dates, ``| Staff writer`` roles and a trailing publication name go; what is left must have a
person's name shape (a few capitalised words, or a list of such names), not a sentence, an
email address, a URL or a generic word like ``admin``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape

from lxml import etree
from lxml.html import HtmlElement

from etl.clean.dates import DAY_MONTH_YEAR_RE, MONTH_DAY_YEAR_RE, MONTHS, parse_date

_WS_RE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,;:.!?)])")

#: The label a byline starts with, in French and English.
BYLINE_LABEL_RE = re.compile(
    r"^\s*(?:this (?:post|article|story|piece|guide) (?:was|is) )?"
    r"(?:(?:written|posted|published|reported|story|article|words|text|photos?|edited|"
    r"reviewed|publié|publiée|écrit|rédigé|rédigée|proposé|posté)\s+)?"
    r"(?:by|par)\b\s*:?\s*|^\s*(?:auteur|author|autrice|texte|text|rédaction)\s*:\s*",
    re.I,
)
#: A text line that is a byline: ``Par Julien Ducasse``, ``By Jane Doe | May 5, 2022``.
BYLINE_LINE_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|story|article|words|text|publié|publiée|écrit|"
    r"rédigé|rédigée)\s+)?(?:by|par)\s*:?\s+\S",
    re.I,
)
#: An element's own text that opens a byline whose name is in a child element.
BYLINE_LABEL_START_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|publié|publiée|écrit|rédigé|rédigée)\s+)?(?:by|par)\s*:?\s*$",
    re.I,
)
#: A text piece that is only a byline's label, and one that only joins two names.
LABEL_ONLY_RE = re.compile(
    r"^(?:(?:(?:written|posted|published|reported|story|article|words|text|publié|publiée|écrit|"
    r"rédigé|rédigée)\s+)?(?:by|par)|authors?|auteurs?|autrice|author\(s\)|écrit|written)"
    r"\s*[:|\-–—]?$",
    re.I,
)
JOINER_RE = re.compile(r"^(?:,|;|&|and|et|und|,\s*and)$", re.I)
#: Where a byline's name ends: a date or time label, a separator, a parenthesis.
_NAME_END_RE = re.compile(
    r"\s(?:[|•·–—/]|-\s)|\s\(|\s(?:on|le|publié|publiée|published|posted|updated|mis à jour|"
    r"mise à jour|modifié|last updated|il y a|at|à)\b|\d|,\s*(?:le|on)\b",
    re.I,
)
#: Trailing roles after a comma (``Jane Doe, Staff Writer``) and words that are not names.
ROLE_WORDS = frozenset({
    "staff", "writer", "writers", "editor", "editors", "reporter", "correspondent",
    "contributor", "contributing", "columnist", "journalist", "senior", "associate", "chief",
    "freelance", "photographer", "rédacteur", "rédactrice", "journaliste", "correspondant",
    "correspondante", "envoyé", "envoyée", "spécial", "spéciale", "photographe", "chroniqueur",
    "chroniqueuse", "pigiste", "stagiaire", "avec", "with", "for", "pour", "head", "director",
    "manager", "founder", "co-founder", "cofounder", "ceo", "president", "officer", "professor",
    "intern", "directeur", "directrice", "fondateur", "fondatrice", "responsable", "expert",
})  # fmt: skip
#: Values that name no one: CMS defaults and labels.
GENERIC_AUTHORS = frozenset({
    "admin", "administrator", "administrateur", "staff", "editor", "author", "auteur", "user",
    "guest", "anonymous", "anonyme", "unknown", "inconnu", "webmaster", "redaction", "rédaction",
    "la rédaction", "the editors", "editorial", "editorial team", "team", "by", "par", "posted",
    "share", "follow", "more", "menu", "home", "contact", "read more", "view all posts",
    "updated", "published", "modified", "mis à jour", "publié", "publiée", "date",
})  # fmt: skip
#: Month and weekday names: what is left of a date cut before its digits.
_CALENDAR_WORDS = frozenset(MONTHS) | frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "wed", "thu", "fri", "sat", "sun", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "dimanche",
})  # fmt: skip
#: Words that make a value a CMS account, not a person (``NOC Admin``, ``Site Webmaster``).
ACCOUNT_WORDS = frozenset({"admin", "administrator", "administrateur", "webmaster", "wpadmin"})
#: Lower-case words allowed inside a name (``Erik van Vulpen``, ``Jean de La Fontaine``).
_PARTICLES = frozenset({
    "van", "der", "den", "de", "la", "le", "du", "des", "von", "zu", "di", "da", "del", "della",
    "dos", "das", "do", "bin", "ibn", "al", "el", "y", "e", "ter", "ten", "st", "d'", "l'",
})  # fmt: skip
#: Names in a list of authors are joined by these.
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bet\b|\bund\b)\s*", re.I)
_NAME_WORD_RE = re.compile(r"^(?:[A-ZÀ-ÖØ-Ý][\w'’.-]*|[A-ZÀ-ÖØ-Ý]\.(?:-?[A-ZÀ-ÖØ-Ý]\.)*)$")
_HANDLE_RE = re.compile(r"^[\w.-]{2,30}$")
_EMAIL_OR_URL_RE = re.compile(
    r"[\w.+-]+@[\w-]+\.\w|https?:|www\.|\w\.(?:com|org|net|fr|co|io)\b", re.I
)
#: Words a name is made of, for comparing a candidate with the site's name.
_TOKEN_RE = re.compile(r"\w+")

MAX_AUTHOR_CHARS = 100
MAX_NAME_WORDS = 5
MAX_AUTHORS = 6
#: A byline element holds a name and a date, not a paragraph.
MAX_BYLINE_CHARS = 200

#: Words of a class or id that say the element holds the author, or the dates and the byline
#: as a whole (tested as substrings of the lower-cased attributes: ``post-author__name``).
AUTHOR_CLASS_WORDS = ("author", "byline", "username", "writer", "auteur", "signature")
DATE_CLASS_WORDS = ("date", "time", "byline", "publish", "posted", "updated", "meta", "info")
#: Elements that never hold a byline's text, and containers too big to be one.
_SKIP_TAGS = frozenset({
    "script", "style", "img", "meta", "link", "svg", "path", "input", "button", "noscript",
    "iframe", "select", "option", "textarea", "template",
})  # fmt: skip
_CONTAINER_TAGS = frozenset({"html", "body", "main", "article", "section", "form", "nav"})
#: How many candidate elements of each kind are kept: bylines sit near the top of the page.
MAX_CANDIDATES = 40
#: The byline sits beside the headline: the region looked at is the headline's ancestor this
#: many levels up, and at most this many of its classed elements.
REGION_LEVELS = 4
REGION_ELEMENTS = 600


@dataclass(slots=True)
class BylineMarkup:
    """The page's byline candidates, found in one pass over the tree (document order)."""

    #: ``itemprop=author`` elements (their nested ``itemprop=name`` first), ``rel=author`` and
    #: links to an author's page (``/author/jane-doe/``, the WordPress and Drupal convention).
    declared: list[HtmlElement] = field(default_factory=list)
    #: Elements whose class or id says author, byline, username.
    classed: list[HtmlElement] = field(default_factory=list)
    #: Texts of elements whose class or id says date, time, byline; ``<time>`` texts.
    date_texts: list[str] = field(default_factory=list)


def short_text(element: HtmlElement, limit: int = MAX_BYLINE_CHARS) -> str | None:
    """The element's text with its children's texts spaced apart (``<a>Name</a><span>May
    5</span>`` is ``Name May 5``), or ``None`` as soon as it grows past ``limit``: a byline is
    short, and a container's whole text is not worth building."""
    parts: list[str] = []
    size = 0
    for piece in element.itertext():
        size += len(piece)
        if size > limit * 4:
            return None
        parts.append(piece)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", plain_text(" ".join(parts)))
    return text if len(text) <= limit else None


def byline_region(tree: HtmlElement) -> HtmlElement:
    """Where to look for the byline: around the headline (the first ``<h1>`` in the body),
    a few levels up so that a byline in the block beside the title is inside; the body when
    the page has no ``<h1>``."""
    body = tree.find("body")
    root = body if body is not None else tree
    heading = root.find(".//h1")
    if heading is None:
        return root
    region = heading
    for _ in range(REGION_LEVELS):
        parent = region.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        region = parent
    return region


#: One XPath pass over the region (a Python walk over every element costs more).
_CANDIDATES = etree.XPath("descendant-or-self::*[@class or @id or @itemprop or @rel or self::time]")
_DECLARED_NAME = etree.XPath('descendant::*[@itemprop="name"]')
_AUTHOR_CLASS_RE = re.compile("|".join(AUTHOR_CLASS_WORDS))
_DATE_CLASS_RE = re.compile("|".join(DATE_CLASS_WORDS))
#: Links to an author's page: ``/author/jane-doe/`` (WordPress), ``/auteur/...``, ``/authors/``.
_AUTHOR_HREF_RE = re.compile(r"/(?:author|authors|auteur|auteurs)/", re.I)


def scan_bylines(tree: HtmlElement) -> BylineMarkup:
    """Read the headline's region once (XPath does the walking: a Python loop over every
    element costs milliseconds) and keep what may hold the author or the dates."""
    found = BylineMarkup()
    for element in itertools.islice(_CANDIDATES(byline_region(tree)), REGION_ELEMENTS):
        tag = element.tag
        if tag in _SKIP_TAGS:
            continue
        get = element.get
        if (
            get("itemprop") == "author"
            or get("rel") == "author"
            or (tag == "a" and _AUTHOR_HREF_RE.search(get("href") or ""))
        ):
            found.declared.extend(_DECLARED_NAME(element) or [element])
        marks = f"{get('class', '')} {get('id', '')}".lower()
        if len(marks) == 1 and tag != "time":
            continue
        if len(found.date_texts) < MAX_CANDIDATES and (
            tag == "time" or _DATE_CLASS_RE.search(marks)
        ):
            text = short_text(element)
            if text:
                found.date_texts.append(text)
        if (
            tag not in _CONTAINER_TAGS
            and len(found.classed) < MAX_CANDIDATES
            and (
                _AUTHOR_CLASS_RE.search(marks)
                # "Written by <span>Name</span>": the label says it, whatever the class
                or BYLINE_LABEL_START_RE.match(element.text or "")
            )
            and "comment" not in marks  # a reader's name under a comment
        ):
            found.classed.append(element)
    return found


#: ``Publié le``, ``Published``, ``Posted on``: the date after it is the publication.
PUBLISHED_LABEL_RE = re.compile(
    r"\b(?:publié|publiée|publication|mis en ligne|posté|published|posted|first published|"
    r"created)\b\s*(?:le|on|:)?",
    re.I,
)
#: ``Mis à jour le``, ``Updated``, ``Last modified``: the date after it is the update.
UPDATED_LABEL_RE = re.compile(
    r"\b(?:mis à jour|mise à jour|màj|actualisé|actualisée|modifié|modifiée|updated|"
    r"last updated|last modified|modified|revised)\b\s*(?:le|on|:)?",
    re.I,
)


def normalize_space(text: str | None) -> str:
    """``text`` with every run of white space one space, trimmed (None is empty)."""
    return _WS_RE.sub(" ", text or "").strip()


def plain_text(text: str | None) -> str:
    """``text`` with HTML entities decoded (bylines often come double-escaped), spaces folded."""
    return normalize_space(unescape(text or ""))


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN_RE.findall(text.casefold()) if len(t) > 2 and t != "the"}


def names_site(value: str, site_names: Iterable[str]) -> bool:
    """The value is the site's or publication's name: all its words are the site's
    (``The Commercial Appeal`` for ``Memphis Commercial Appeal``), or the host's name
    glued (``ServiceTitan`` for servicetitan.com)."""
    words = _tokens(value)
    if not words:
        return False
    glued = "".join(_TOKEN_RE.findall(value.casefold()))
    for site in site_names:
        site_words = _tokens(site)
        if site_words and (words <= site_words or glued == "".join(sorted(site_words))):
            return True
    return False


def _cut_date(value: str) -> str:
    for pattern in (DAY_MONTH_YEAR_RE, MONTH_DAY_YEAR_RE):
        match = pattern.search(value)
        if match:
            value = value[: match.start()]
    return value


def _is_name(chunk: str, *, handle_ok: bool) -> bool:
    words = chunk.split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return False
    if len(words) == 1 and handle_ok and _HANDLE_RE.match(words[0]):
        return True
    capitalised = 0
    for word in words:
        if _NAME_WORD_RE.match(word):
            capitalised += 1
        elif word.casefold() not in _PARTICLES and word.casefold() not in ("dr", "dr."):
            return False
    return capitalised >= 1


def clean_author(
    value: str | None,
    site_names: Sequence[str] = (),
    *,
    handle_ok: bool = False,
    declared: bool = False,
) -> str | None:
    """A byline's value reduced to the author's name(s), or ``None`` when it names no one.

    ``handle_ok``: the markup says this is the author (``rel=author``, a ``username`` class),
    so a one-word handle such as ``jdoe`` is accepted as well. ``declared``: the value comes
    from a field that only ever holds authors (JSON-LD ``author``, ``<meta name=author>``), so
    it need not have a person's name shape (``The Currency editors``), only not be a
    sentence, an address or a generic word.
    """
    text = plain_text(value)
    if not text or len(text) > MAX_BYLINE_CHARS or _EMAIL_OR_URL_RE.search(text):
        return None
    text = BYLINE_LABEL_RE.sub("", text, count=1)
    text = _cut_date(text)
    end = _NAME_END_RE.search(text)
    if end:
        text = text[: end.start()]
    text = text.strip(" \t,;:.-–—|•·'\"")
    if not text:
        return None
    chunks = [c for c in _NAME_SPLIT_RE.split(text) if c]
    # Trailing roles and the publication's own name: "Jane Doe, Staff Writer, The Daily".
    for i in range(1, len(chunks)):
        if _tokens(chunks[i]) & ROLE_WORDS or names_site(chunks[i], site_names):
            chunks = chunks[:i]
            text = text[: text.find(chunks[-1]) + len(chunks[-1])]
            break
    if len(text) > MAX_AUTHOR_CHARS or len(chunks) > MAX_AUTHORS:
        return None
    if text.casefold() in GENERIC_AUTHORS or any(c.casefold() in GENERIC_AUTHORS for c in chunks):
        return None
    if _tokens(text) & ACCOUNT_WORDS:
        return None
    if any(all(w.casefold().rstrip(".") in _CALENDAR_WORDS for w in c.split()) for c in chunks):
        return None  # "Apr", "Monday": a date's remains
    if declared:
        if any(len(c.split()) > MAX_NAME_WORDS for c in chunks):
            return None
    elif len(chunks) == 1 and " " not in text and len(text) > 3 and text.isupper():
        return None  # "SECTIONS", "MENU": a label in capitals, not a name
    elif not all(_is_name(c, handle_ok=handle_ok and len(chunks) == 1) for c in chunks):
        return None
    return text.strip(" ,;")


def name_segments(element: HtmlElement) -> str | None:
    """The names an element's text pieces give, label and trailing pieces left out.

    A byline is usually built of separate elements: ``<span>By</span><a>Jane Doe</a>
    <span>Senior Writer</span><time>May 5</time>``. Its pieces are read in order: label
    pieces (``By``, ``Author``, ``Posted by:``) are skipped, the first other piece is the name,
    and further names are taken only after an explicit joiner (``,``, ``and``, ``&``), so
    a job title or a date that merely follows the name is not glued to it.
    """
    parts: list[str] = []
    expecting = True
    size = 0
    for piece in element.itertext():
        size += len(piece)
        if size > MAX_BYLINE_CHARS * 4:
            return None
        text = plain_text(piece)
        if not text:
            continue
        if expecting:
            if LABEL_ONLY_RE.match(text):
                continue
            parts.append(text)
            expecting = False
        elif JOINER_RE.match(text):
            parts.append(text)
            expecting = True
        else:
            break
    joined = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", " ".join(parts)).strip(" ,;&")
    return joined or None


def _first_author(
    elements: Iterable[HtmlElement], site_names: Sequence[str], *, handle_ok: bool
) -> str | None:
    for element in elements:
        text = element.get("content") or short_text(element)
        if not text:
            continue
        # "By X" inside an author element says outright that X is the author.
        label = BYLINE_LABEL_RE.match(text)
        labelled = label is not None and label.end() > 0
        pieces = None if element.get("content") or len(element) == 0 else name_segments(element)
        for candidate in (pieces, text):
            name = (
                clean_author(candidate, site_names, handle_ok=handle_ok, declared=labelled)
                if candidate
                else None
            )
            if name:
                return name
    return None


def markup_author(markup: BylineMarkup, site_names: Sequence[str] = ()) -> str | None:
    """The author the visible markup names: microdata and ``rel=author`` first, then
    author/byline/username classes, each in document order (a byline comes before the
    related articles and the comments)."""
    return (
        _first_author(markup.declared, site_names, handle_ok=True)
        or _first_author(markup.classed, site_names, handle_ok=False)
        or author_in_lines(markup.date_texts, MAX_CANDIDATES, site_names)
    )


def author_in_lines(
    lines: Sequence[str], window: int, site_names: Sequence[str] = ()
) -> str | None:
    """A ``Par X`` / ``By X`` / ``Written by X`` line among the first lines of the text."""
    for line in lines[:window]:
        if len(line) <= MAX_BYLINE_CHARS and BYLINE_LINE_RE.match(line):
            name = clean_author(line, site_names)
            if name:
                return name
    return None


def labelled_dates(
    texts: Iterable[str], language: str | None
) -> tuple[datetime | None, datetime | None]:
    """(published, updated) from byline texts: ``Publié le ...`` / ``Mis à jour le ...``;
    a date with no label in a byline counts as the publication."""
    published = updated = unlabelled = None
    for text in texts:
        if len(text) > MAX_BYLINE_CHARS or not any(c.isdigit() for c in text):
            continue
        spans = sorted(
            [(m.end(), "published") for m in PUBLISHED_LABEL_RE.finditer(text)]
            + [(m.end(), "updated") for m in UPDATED_LABEL_RE.finditer(text)]
        )
        if not spans and unlabelled is None:
            unlabelled = parse_date(text, language)
        for i, (start, label) in enumerate(spans):
            stop = spans[i + 1][0] if i + 1 < len(spans) else len(text)
            found = parse_date(text[start:stop], language)
            if found is None:
                continue
            if label == "published" and published is None:
                published = found
            elif label == "updated" and updated is None:
                updated = found
        if published is not None and updated is not None:
            break
    return published or unlabelled, updated
