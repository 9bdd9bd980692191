"""Is this body HTML? One answer for the spider (what to store) and the cleaner (what to clean).

Were the two to disagree, the crawl would store pages the cleaner skips, or drop pages it
would have cleaned. Kept free of imports beyond the standard library: the spider process
imports it, and must not pay for lxml or trafilatura.
"""

from __future__ import annotations

from collections.abc import Mapping

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


def is_html(headers: Mapping[str, str], body: bytes) -> bool:
    """True for an HTML body: by Content-Type, or by its first bytes when the type is missing
    (some servers send none). Header names match in any case, as HTTP says and as stored
    headers come."""
    declared = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if declared:
        return declared.split(";", 1)[0].strip().lower() in HTML_CONTENT_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
