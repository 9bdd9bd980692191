"""Raw pages stored straight into ``raw_pages``, for tests of ``pitboard clean`` that need much
work to clean (an interrupt, a database restart) without crawling it first."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from etl.clean.records import RawPage
from etl.store.raw_pages import save_raw_pages


def store_pages(engine: Engine, n: int, site: str = "sample-en") -> None:
    """``n`` distinct article pages of ``site``, waiting to be cleaned."""
    now = datetime.now(UTC)
    pages = []
    for i in range(n):
        words = " ".join(f"word{(i * 7 + k) % 997}" for k in range(120))
        body = (
            f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            + "".join(f"<p>Story {i}, part {k}: the car number {i} {words}.</p>" for k in range(8))
            + "</article></body></html>"
        ).encode()
        url = f"http://127.0.0.1:9/news/2025/01/01/story-{i}"
        pages.append(RawPage(site, url, url, 200, {"Content-Type": "text/html"}, body, now))
    with engine.begin() as conn:
        save_raw_pages(conn, pages)
