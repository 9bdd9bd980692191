"""``pitboard sites check NAME``: a few pages fetched the way a crawl would, judged, not stored.

The site's own spider runs in a child process (``flows.spider_process.run_spider``, as for a
crawl: robots.txt, sitemaps, feeds, start pages, the site's patterns and politeness) with the
raw-page pipeline replaced by ``crawler.check_pipeline.PageReportPipeline`` and conditional
requests off, so the database is never opened. The spider stops after N pages
(CLOSESPIDER_ITEMCOUNT); each is reported with the kind, title and word count cleaning gives it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flows.spider_process import run_spider


@dataclass(frozen=True, slots=True)
class CheckedPage:
    url: str
    status: int
    kind: str
    title: str
    words: int


def check_site(name: str, pages: int, *, base_url: str | None = None) -> list[CheckedPage]:
    """The first ``pages`` pages a crawl of ``name`` fetches, as cleaning would see them."""
    with tempfile.TemporaryDirectory(prefix="pitboard-check-") as directory:
        report = Path(directory) / "pages.jsonl"
        report.touch()
        settings = {
            "ITEM_PIPELINES": json.dumps({"crawler.check_pipeline.PageReportPipeline": 300}),
            "PITBOARD_CHECK_FILE": str(report),
            "PITBOARD_CHECK_PAGES": str(pages),
            "PITBOARD_CONDITIONAL_REQUESTS": "False",
            "CLOSESPIDER_ITEMCOUNT": str(pages),
        }
        # An empty database URL: nothing in this crawl opens the database.
        run_spider(name, database_url="", base_url=base_url, settings=settings)
        lines = report.read_text(encoding="utf-8").splitlines()
    return [CheckedPage(**json.loads(line)) for line in lines if line.strip()]


def format_checked(pages: list[CheckedPage]) -> str:
    """One line per page: kind, words kept, URL, title."""
    rows = [f"{'kind':<8} {'words':>6}  url  |  title"]
    for page in pages:
        kind = page.kind if page.status < 400 else f"HTTP {page.status}"
        rows.append(f"{kind:<8} {page.words:>6}  {page.url}  |  {page.title}")
    return "\n".join(rows)
