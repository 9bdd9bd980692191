"""Decode raw bytes and parse them once into an lxml tree that every later step shares.

Pages arrive exactly as fetched: often UTF-8, sometimes ISO-8859-1 or Windows-1252 with no
charset header and no ``<meta charset>``, occasionally binary junk or nothing at all. Decoding
tries, in order: a BOM, the document's own declaration (XML prolog or ``<meta>`` charset in its
first 4 KiB, latin-1 read as Windows-1252 as browsers do), a strict UTF-8 decode, and finally
Windows-1252 with replacement characters, which accepts any bytes. There is no statistical
charset detection. Parsing never raises: a page that cannot be read (empty, mostly control
bytes, unparseable) becomes ``None`` and the caller records it as kind ``other``.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

#: Bytes past this are dropped before parsing: no news article is longer, and an unbounded
#: body (a video, a dump) must not hold a worker's memory or time hostage.
MAX_BODY_BYTES = 8 * 1024 * 1024

#: The declaration must sit near the top of the document to count, as in browsers.
DECLARATION_WINDOW = 4096

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: A page mostly made of these control bytes is not text, whatever its headers say.
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))

_PARSER = etree.HTMLParser(
    encoding="utf-8",
    collect_ids=False,
    default_doctype=False,
    remove_comments=True,
    remove_pis=True,
)
#: Every node is an ``HtmlElement`` (``text_content``, ``drop_tree``...), chosen in C. The
#: ``lxml.html`` parser picks each element's class in a Python method (``FormElement`` for a
#: ``<form>``, ``InputElement``...), called whenever a node gets a Python proxy - over a million
#: times on 300 pages, as trafilatura and the classifier walk the tree - about a tenth of the
#: cleaning time. Nothing in cleaning uses the form classes' extras.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)


def declared_encoding(head: bytes) -> str | None:
    """The charset a page declares for itself (BOM, XML prolog or ``<meta>``), if usable."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    match = _XML_ENCODING_RE.search(head) or _META_CHARSET_RE.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # Pages labelled latin-1 are in practice Windows-1252 (browsers treat them so).
    return "cp1252" if codec in ("latin_1", "iso8859-1", "ascii") else codec


def looks_binary(body: bytes) -> bool:
    """True when the start of the body is mostly control bytes: an image, a PDF, an archive."""
    sample = body[:2048]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls / len(sample) > 0.05


def decode_body(body: bytes | str) -> str:
    """Turn fetched bytes into text: the declared encoding, else UTF-8, else Windows-1252."""
    return _decode(body)[0]


def _decode(body: bytes | str) -> tuple[str, str | None]:
    """The text and the codec that decoded it (``None`` for a ``str`` body)."""
    if isinstance(body, str):
        return body[:MAX_BODY_BYTES], None
    body = body[:MAX_BODY_BYTES]
    declared = declared_encoding(body[:DECLARATION_WINDOW])
    if declared:
        try:
            return body.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common: fall through to UTF-8, then Windows-1252
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Undeclared and not UTF-8: for European news this is nearly always Windows-1252, which
    # decodes every byte; charset detection is slower and often wrong on short French pages.
    return body.decode("cp1252", errors="replace"), "cp1252"


def parse_html(body: bytes | str) -> HtmlElement | None:
    """Parse a page once; ``None`` for empty, binary or unparseable input. Never raises."""
    try:
        if isinstance(body, bytes) and not body.startswith(_UTF16_BOMS) and looks_binary(body):
            return None
        text, codec = _decode(body)
        if not text.strip():
            return None
        # Bytes that decoded as UTF-8 are already what the parser reads: encoding the text
        # again would give them back byte for byte (most pages; about 0.5 ms each).
        if codec == "utf-8" and isinstance(body, bytes):
            data = body[:MAX_BODY_BYTES]
        else:
            data = text.encode("utf-8", errors="replace")
        tree = etree.fromstring(data, _PARSER)
    except (etree.LxmlError, ValueError, TypeError):
        return None
    if tree is None or not isinstance(tree, HtmlElement):
        return None
    return tree
