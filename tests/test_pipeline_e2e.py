"""The whole chain on the sample sites, over real HTTP into the real PostgreSQL.

Spiders run as child processes (as the flow runs them) against the generated French and
English sites served on 127.0.0.1; the stored pages are cleaned and loaded; the result is
compared with the generator's truth.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl.clean.evaluation import score_corpus, score_page
from etl.clean_stored import CleanRunStats, clean_stored_pages
from etl.dedup.urls import normalize_url
from etl.store.models import ArticleRow, RawPageRow
from flows.spider_process import run_spider
from samplesite.server import ServedSites
from tests.conftest import SAMPLE_SITES as SITES


def crawl_and_clean(database_url: str, engine: Engine, served: ServedSites) -> CleanRunStats:
    for site in SITES:
        run_spider(site, database_url=database_url, base_url=served.base_url(site))
    return clean_stored_pages(engine, workers=1)


def stored_articles(engine: Engine) -> Counter[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, ArticleRow.kind)).all()
    return Counter((url, kind) for url, kind in rows)


def test_every_reachable_article_is_loaded_once_and_a_rerun_adds_nothing(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    first = crawl_and_clean(database_url, engine, served)
    assert first.failed == 0
    truth = list(served.truth())
    stored = stored_articles(engine)
    stored_urls = Counter(url for url, _ in stored.elements())

    expected = [t for t in truth if t.kind in ("article", "gallery") and t.reachable]
    assert expected, "the sample site has reachable articles"
    missing = [t.url for t in expected if stored[(normalize_url(t.url), t.kind)] != 1]
    assert missing == []
    assert all(count == 1 for count in stored_urls.values())

    listings = {normalize_url(t.url) for t in truth if t.kind == "listing"}
    assert listings, "the sample site has listing pages"
    assert listings.isdisjoint(stored_urls)
    hidden = {normalize_url(t.url) for t in truth if not t.reachable}
    assert hidden, "robots.txt hides some articles"
    assert hidden.isdisjoint(stored_urls)
    assert sum(stored.values()) == len(expected)

    with engine.connect() as conn:
        raw_before = conn.scalar(select(func.count()).select_from(RawPageRow))
    second = crawl_and_clean(database_url, engine, served)
    assert (second.load.new, second.load.updated) == (0, 0)
    assert stored_articles(engine) == stored
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RawPageRow)) == raw_before


def test_a_page_served_in_latin1_without_charset_keeps_its_accents(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    crawl_and_clean(database_url, engine, served)
    latin1 = [t for t in served.truth() if t.encoding.lower() in ("iso-8859-1", "latin-1")]
    assert latin1, "the sample site plants a latin-1 page"
    with engine.connect() as conn:
        for page in latin1:
            title, text = conn.execute(
                select(ArticleRow.title, ArticleRow.text).where(
                    ArticleRow.url == normalize_url(page.url)
                )
            ).one()
            assert title == page.title
            assert page.paragraphs[-1] in text


def test_republished_copies_are_linked_to_their_originals_and_nothing_else_is(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    crawl_and_clean(database_url, engine, served)
    truth = [t for t in served.truth() if t.kind == "article" and t.reachable]
    url_of = {(t.site, t.path): normalize_url(t.url) for t in truth}
    expected = {
        normalize_url(t.url): url_of[t.republished_from] for t in truth if t.republished_from
    }
    assert expected, "the sample sites plant republished copies"
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.id, ArticleRow.url, ArticleRow.duplicate_of)).all()
    url_by_id = {row.id: row.url for row in rows}
    found = {row.url: url_by_id[row.duplicate_of] for row in rows if row.duplicate_of}
    true_links = set(found.items()) & set(expected.items())
    precision = len(true_links) / len(found) if found else 0.0
    recall = len(true_links) / len(expected)
    print(f"near-duplicates on the sample sites: precision {precision:.3f}, recall {recall:.3f}")
    assert (precision, recall) == (1.0, 1.0)


def test_loaded_texts_match_the_generators_paragraphs(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    crawl_and_clean(database_url, engine, served)
    truth = {
        normalize_url(t.url): t
        for t in served.truth()
        if t.kind in ("article", "gallery") and t.reachable
    }
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, ArticleRow.text)).all()
    scores = [score_page(text, truth[url].text) for url, text in rows]
    corpus = score_corpus(scores)
    print(
        f"sample-site body text: P {corpus.precision:.3f} R {corpus.recall:.3f} F1 {corpus.f1:.3f}"
    )
    assert corpus.f1 >= 0.99
    assert min(s.f1 for s in scores) >= 0.9
