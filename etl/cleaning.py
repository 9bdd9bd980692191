"""Entry point of the cleaning stage: one raw HTML page in, one CleanedPage out.

(Minimal first version: trafilatura extraction plus a page-kind guess. The cleaning
modules - classify, clean, metadata - deepen this.)
"""

from __future__ import annotations

import trafilatura

from etl.pages import CleanedPage


def clean_page(body: bytes | str, url: str) -> CleanedPage:
    """Extract and clean one page; never raises on bad HTML (returns kind 'other')."""
    doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, as_dict=True)
    if not doc:
        return CleanedPage(url=url, kind="other")
    text = doc.get("text") or ""
    return CleanedPage(
        url=url,
        kind="article" if text else "other",
        title=doc.get("title"),
        author=doc.get("author"),
        language=doc.get("language"),
        image=doc.get("image"),
        text=text.replace("\n", "\n\n"),
    )
