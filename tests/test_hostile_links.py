"""Hostile links never stop loading (issue 15, finding 1).

A listing linking to ``http://example.com:99999/x`` made ``pitboard clean`` fail with
ValueError from URL normalisation, and its whole batch - up to 1,000 pages of any site - stayed
unloaded on every re-run. Here real pages with such links go through the real clean-and-load
stage into PostgreSQL: the batch loads, the bad links are dropped and counted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl.clean.cleaner import clean_page
from etl.clean.records import CleanedPage, PageMetadata, RawPage, Teaser
from etl.clean_stored import clean_stored_pages
from etl.store.articles import CleanedRecord, load_cleaned
from etl.store.models import ArticleRow, ListingTeaserRow, RawPageRow
from etl.store.raw_pages import save_raw_pages

pytestmark = pytest.mark.faults  # hostile input (issue 15)

HOSTILE = ["http://example.com:99999/x", "A://[", "http://ex:abc/", "http://[::1"]
T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(url: str, body: bytes) -> RawPage:
    return RawPage("site-a", url, url, 200, HTML, body, T0)


def test_a_listing_with_hostile_teaser_links_loads_and_counts_them(engine: Engine) -> None:
    with engine.begin() as conn:
        save_raw_pages(
            conn, [RawPage("site-a", "http://a.test/l", "http://a.test/l", 200, {}, b"x", T0)]
        )
        raw_id = conn.scalar(select(RawPageRow.id))
    teasers = [Teaser(url, f"T {i}") for i, url in enumerate(HOSTILE)]
    teasers.append(Teaser("http://a.test/good", "Good"))
    listing = CleanedPage(url="http://a.test/l", kind="listing", teasers=teasers)
    story = CleanedPage(
        url="http://a.test/s",
        kind="article",
        metadata=PageMetadata(title="S", canonical_url="http://a.test:99999/s"),
        text="A story whose canonical link is broken.",
    )
    with engine.begin() as conn:
        stats = load_cleaned(
            conn,
            [
                CleanedRecord(raw_id, "site-a", "http://a.test/l", listing),
                CleanedRecord(raw_id, "site-a", "http://a.test/s/", story),
            ],
        )
    assert (stats.new, stats.invalid_urls) == (1, len(HOSTILE))
    with engine.connect() as conn:
        assert conn.scalars(select(ListingTeaserRow.target_url)).all() == ["http://a.test/good"]
        assert conn.scalars(select(ArticleRow.url)).all() == ["http://a.test/s"]


def test_pages_linking_everywhere_hostile_clean_and_load(engine: Engine) -> None:
    links = "".join(
        f'<li><article><h2><a href="{u}">Teaser number {i} about the race</a></h2>'
        f"<p>Excerpt {i} of a teaser.</p></article></li>"
        for i, u in enumerate([*HOSTILE * 3, "http://[::1]:8080/news/a-1", "/news/ok"])
    )
    listing = f"<html><head><title>News</title></head><body><ul>{links}</ul></body></html>"
    article = (
        '<html><head><link rel="canonical" href="http://a.test:99999/story">'
        '<meta property="og:type" content="article"><title>Story</title></head><body><article>'
        "<h1>Story</h1>"
        + "<p>The race ran for twenty-four hours at Le Mans.</p>" * 8
        + "</article>"
        + "".join(f'<a href="{u}">x</a>' for u in HOSTILE)
        + "</body></html>"
    )
    headers = {"Content-Type": "text/html; charset=utf-8"}
    pages = [
        RawPage(
            "site-a", "http://a.test/news", "http://a.test/news", 200, headers, listing.encode(), T0
        ),
        RawPage(
            "site-a",
            "http://a.test/story",
            "http://a.test/story",
            200,
            headers,
            article.encode(),
            T0,
        ),
    ]
    with engine.begin() as conn:
        save_raw_pages(conn, pages)
    stats = clean_stored_pages(engine, workers=1)
    assert (stats.pages, stats.failed) == (2, 0)
    with engine.connect() as conn:
        waiting = conn.scalar(select(func.count()).where(RawPageRow.cleaned_at.is_(None)))
        assert waiting == 0
        assert conn.scalars(select(ArticleRow.url)).all() == ["http://a.test/story"]
        targets = set(conn.scalars(select(ListingTeaserRow.target_url)))
    assert stats.kinds == {"listing": 1, "article": 1}
    assert targets == {"http://a.test/news/ok", "http://[::1]:8080/news/a-1"}
    assert stats.load.invalid_urls >= len(HOSTILE)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_an_undeclared_article_with_hostile_title_links_stays_an_article(hostile: str) -> None:
    """The page-kind signals resolve every title-long link of a page that does not declare
    itself an article: one link urljoin cannot parse made the whole page 'other'."""
    report = "<p>" + "Toyota won the Six Hours of Spa after a late shower caught the field. " * 3
    body = (
        "<html><head><title>Spa report</title></head><body><article><h1>Spa report</h1>"
        + (report + "</p>") * 6
        + f'</article><aside><a href="{hostile}">Another story with a title long enough</a>'
        + "</aside></body></html>"
    )
    cleaned = clean_page(body.encode(), "https://site.example/2024/05/spa-report")
    assert cleaned.kind == "article"
    assert cleaned.text.startswith("Toyota won the Six Hours of Spa")
