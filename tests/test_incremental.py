"""Incremental crawling: a re-crawl revalidates what it has, loads nothing twice, finds changes.

The sample sites are crawled over real HTTP by the spider process (as the flow runs it) into
the real PostgreSQL; the server's request log says what the crawler asked for. Tests that
switch editions serve their own sites, so the session's shared site stays at edition 1.
"""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from etl.clean_stored import CleanRunStats, clean_stored_pages
from etl.dedup.urls import normalize_url
from etl.store.models import ArticleRow, ArticleVersionRow, RawPageRow
from flows.spider_process import run_spider
from samplesite import serve_sample_sites
from samplesite.server import LoggedRequest, ServedSites
from tests.conftest import SAMPLE_SITES as SITES

# Every test runs spiders over HTTP, some against sites served here (not by `served`).
pytestmark = pytest.mark.network


def crawl_and_clean(database_url: str, engine: Engine, served: ServedSites) -> CleanRunStats:
    for site in SITES:
        run_spider(site, database_url=database_url, base_url=served.base_url(site))
    return clean_stored_pages(engine, workers=1)


def article_paths(served: ServedSites, edition: int = 1) -> set[tuple[str, str]]:
    """(site, path) of every reachable article of an edition, without a trailing slash."""
    return {
        (t.site, t.path.rstrip("/"))
        for t in served.truth(edition)
        if t.kind == "article" and t.reachable
    }


def requests_for(requests: list[LoggedRequest], paths: set[tuple[str, str]]) -> list[LoggedRequest]:
    return [r for r in requests if (r.site, urlsplit(r.path).path.rstrip("/")) in paths]


def cleaned_times(engine: Engine) -> dict[str, datetime | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(RawPageRow.url, RawPageRow.cleaned_at)).tuples().all())


def test_a_second_crawl_of_an_unchanged_site_only_revalidates_known_articles_and_loads_nothing(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    started = time.perf_counter()
    first = crawl_and_clean(database_url, engine, served)
    first_seconds = time.perf_counter() - started
    assert first.load.new > 0
    known = article_paths(served)
    served.clear_log()

    started = time.perf_counter()
    second = crawl_and_clean(database_url, engine, served)
    second_seconds = time.perf_counter() - started
    log = served.requests

    for_known = requests_for(log, known)
    assert [r.path for r in for_known if not r.conditional] == []
    assert all(r.status == 304 for r in for_known)
    assert (second.load.new, second.load.updated) == (0, 0)
    print(
        f"first crawl+clean {first_seconds:.2f}s, second {second_seconds:.2f}s; second crawl: "
        f"{len(log)} requests, {len(for_known)} for {len(known)} known articles (all conditional)"
    )


def test_pages_answered_not_modified_cost_no_cleaning_work(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    crawl_and_clean(database_url, engine, served)
    before = cleaned_times(engine)
    assert before and all(at is not None for at in before.values())
    served.clear_log()

    second = crawl_and_clean(database_url, engine, served)
    not_modified = {served.url(r.site, r.path) for r in served.requests if r.status == 304}
    assert not_modified, "the re-crawl revalidated stored pages"
    after = cleaned_times(engine)
    assert {url: after[url] for url in not_modified if url in before} == {
        url: before[url] for url in not_modified if url in before
    }
    assert not_modified & before.keys()
    assert second.pages == 0


def test_after_an_edition_the_recrawl_finds_new_articles_and_keeps_earlier_texts(
    database_url: str, engine: Engine
) -> None:
    with serve_sample_sites(articles=30, seed=5) as served:
        crawl_and_clean(database_url, engine, served)
        served.set_edition(2)
        second = crawl_and_clean(database_url, engine, served)
        first_truth = {t.url: t for t in served.truth(1) if t.kind == "article" and t.reachable}
        truth = [t for t in served.truth(2) if t.kind == "article" and t.reachable]

    added = [normalize_url(t.url) for t in truth if t.url not in first_truth]
    edited = [t for t in truth if t.edited and t.url in first_truth]
    assert added, "edition 2 publishes new articles"
    assert edited, "edition 2 edits published articles"
    assert second.load.new >= len(added)
    assert second.load.updated == len(edited)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(ArticleRow.url, ArticleRow.text)).tuples().all())
        ids = dict(conn.execute(select(ArticleRow.url, ArticleRow.id)).tuples().all())
        versions = conn.execute(select(ArticleVersionRow.article_id, ArticleVersionRow.text)).all()
    assert [url for url in added if url not in stored] == []
    earlier = {article_id: text for article_id, text in versions}
    assert len(versions) == len(edited)
    for page in edited:
        url = normalize_url(page.url)
        assert stored[url] == page.text
        assert earlier[ids[url]] == first_truth[page.url].text
