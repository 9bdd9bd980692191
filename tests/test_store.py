"""The loaders against the real PostgreSQL: idempotent raw pages, articles stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from etl.clean.records import CleanedPage, PageMetadata, RawPage, Teaser
from etl.clean_stored import iter_pages_to_clean
from etl.store.articles import CleanedRecord, LoadStats, load_cleaned
from etl.store.models import (
    ArticleRow,
    ArticleUrlRow,
    ArticleVersionRow,
    ListingTeaserRow,
    RawPageRow,
)
from etl.store.raw_pages import save_raw_pages

T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def save(engine: Engine, pages: list[RawPage]) -> int:
    """Store raw pages as the crawler's pipeline does: one transaction per batch."""
    with engine.begin() as conn:
        return save_raw_pages(conn, pages)


def load(engine: Engine, records: list[CleanedRecord]) -> LoadStats:
    """Load cleaned records as the cleaning stage does: one transaction per batch."""
    with engine.begin() as conn:
        return load_cleaned(conn, records)


def raw(url: str, body: bytes = b"<html>x</html>", at: datetime = T0, status: int = 200) -> RawPage:
    return RawPage("site-a", url, url, status, {"Content-Type": "text/html"}, body, at)


def article(url: str, body: str, kind: str = "article", canonical: str | None = None):
    metadata = PageMetadata(title="T", canonical_url=canonical)
    return CleanedPage(url=url, kind=kind, metadata=metadata, text=body)  # type: ignore[arg-type]


def test_saving_the_same_pages_twice_stores_each_once(engine: Engine) -> None:
    pages = [raw("http://a.test/1"), raw("http://a.test/2")]
    assert save(engine, pages) == 2
    assert save(engine, pages) == 0
    with engine.connect() as conn:
        assert conn.scalar(select(RawPageRow.id).where(RawPageRow.url == "http://a.test/2"))
        assert len(conn.execute(select(RawPageRow.id)).all()) == 2


def test_a_url_two_sites_fetch_is_stored_under_each_and_cleaned_for_each(engine: Engine) -> None:
    page = raw("http://a.test/1")
    assert save(engine, [page]) == 1
    other = RawPage("site-b", page.url, page.url, 200, page.headers, page.body, T0)
    assert save(engine, [other]) == 1  # before: "0 new or changed", and site-b had no page
    assert save(engine, [page, other]) == 0
    assert [p.url for batch in iter_pages_to_clean(engine, ["site-b"]) for p in batch] == [page.url]
    with engine.connect() as conn:
        rows = conn.execute(select(RawPageRow.site, RawPageRow.url).order_by(RawPageRow.id)).all()
    assert rows == [("site-a", page.url), ("site-b", page.url)]


def test_unchanged_refetch_keeps_page_cleaned_but_changed_one_is_queued_again(
    engine: Engine,
) -> None:
    save(engine, [raw("http://a.test/1"), raw("http://a.test/2")])
    batches = list(iter_pages_to_clean(engine))
    load(
        engine,
        [
            CleanedRecord(p.id, p.site, p.final_url, article(p.url, f"text {p.id}"))
            for p in batches[0]
        ],
    )
    assert list(iter_pages_to_clean(engine)) == []

    later = T0 + timedelta(hours=1)
    changed = save(
        engine,
        [raw("http://a.test/1", at=later), raw("http://a.test/2", b"<html>new</html>", later)],
    )
    assert changed == 1
    queued = [p.url for batch in iter_pages_to_clean(engine) for p in batch]
    assert queued == ["http://a.test/2"]
    with engine.connect() as conn:
        fetched = conn.scalar(
            select(RawPageRow.fetched_at).where(RawPageRow.url == "http://a.test/1")
        )
    assert fetched == later


def test_articles_are_stored_once_by_url_and_by_text(engine: Engine) -> None:
    save(engine, [raw(f"http://a.test/{i}") for i in range(4)])
    ids = [p.id for batch in iter_pages_to_clean(engine) for p in batch]
    records = [
        CleanedRecord(ids[0], "site-a", "http://a.test/0", article("http://a.test/0", "Body one")),
        # same story under a tracking-parameter URL
        CleanedRecord(ids[1], "site-a", "http://a.test/0/?utm_source=x", article("u", "Body one")),
        # same text, other URL: an exact duplicate
        CleanedRecord(ids[2], "site-a", "http://a.test/2", article("u", "  body   ONE ")),
        # a listing never becomes an article
        CleanedRecord(ids[3], "site-a", "http://a.test/3", article("u", "teasers", "listing")),
    ]
    stats = load(engine, records)
    assert (stats.new, stats.duplicates, stats.not_articles) == (1, 2, 1)
    again = load(engine, records)
    assert (again.new, again.unchanged) == (0, 1)
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, ArticleRow.kind)).all()
    assert rows == [("http://a.test/0", "article")]


def test_changed_text_updates_the_article_in_place(engine: Engine) -> None:
    save(engine, [raw("http://a.test/1")])
    (page,) = next(iter_pages_to_clean(engine))
    load(engine, [CleanedRecord(page.id, page.site, page.url, article(page.url, "First"))])
    stats = load(engine, [CleanedRecord(page.id, page.site, page.url, article(page.url, "Second"))])
    assert stats.updated == 1
    with engine.connect() as conn:
        assert conn.execute(select(ArticleRow.text)).scalars().all() == ["Second"]
        versions = conn.execute(select(ArticleVersionRow.version, ArticleVersionRow.text)).all()
    assert versions == [(1, "First")]


def test_every_url_a_story_was_seen_under_points_to_it(engine: Engine) -> None:
    save(engine, [raw("http://a.test/1"), raw("http://a.test/1?utm_source=x&p=1")])
    first, second = next(iter_pages_to_clean(engine))
    load(
        engine,
        [
            CleanedRecord(first.id, "site-a", first.url, article(first.url, "Same body")),
            CleanedRecord(second.id, "site-a", second.url, article(second.url, "Same body")),
        ],
    )
    load(engine, [CleanedRecord(second.id, "site-a", second.url, article(second.url, "Same body"))])
    with engine.connect() as conn:
        (article_id,) = conn.execute(select(ArticleRow.id)).scalars().all()
        urls = conn.execute(select(ArticleUrlRow.url, ArticleUrlRow.article_id)).all()
    assert sorted(urls) == [("http://a.test/1", article_id), ("http://a.test/1?p=1", article_id)]


def test_listing_teasers_are_kept_as_hints(engine: Engine) -> None:
    save(engine, [raw("http://a.test/news/")])
    (page,) = next(iter_pages_to_clean(engine))
    listing = CleanedPage(
        url=page.url,
        kind="listing",
        teasers=[Teaser("http://a.test/story?utm_medium=x", "A story cut...", "It began...")],
    )
    for _ in range(2):
        load(engine, [CleanedRecord(page.id, page.site, page.url, listing)])
    with engine.connect() as conn:
        rows = conn.execute(select(ListingTeaserRow.target_url, ListingTeaserRow.title)).all()
        assert conn.scalar(select(ArticleRow.id)) is None
    assert rows == [("http://a.test/story", "A story cut...")]


def test_teasers_keep_every_character_and_a_listing_cleaned_again_updates_them(
    engine: Engine,
) -> None:
    save(engine, [raw("http://a.test/news/")])
    (page,) = next(iter_pages_to_clean(engine))
    odd = 'Tab\there, a \\ backslash,\nnew line, \r and "quotes" \\N'
    for title, excerpt, image in ((odd, "", None), ("Retitled", odd, "http://a.test/i.jpg")):
        listing = CleanedPage(
            url=page.url,
            kind="listing",
            teasers=[
                Teaser("http://a.test/story", title, excerpt, image),
                Teaser("http://a.test/other", "Other", "", None),
            ],
        )
        load(engine, [CleanedRecord(page.id, page.site, page.url, listing)])
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    ListingTeaserRow.target_url,
                    ListingTeaserRow.title,
                    ListingTeaserRow.excerpt,
                    ListingTeaserRow.image,
                ).order_by(ListingTeaserRow.id)
            ).all()
        assert rows == [
            ("http://a.test/story", title, excerpt, image),
            ("http://a.test/other", "Other", "", None),
        ]


def test_canonical_link_on_the_same_site_names_the_article(engine: Engine) -> None:
    save(engine, [raw("http://a.test/amp/1")])
    (page,) = next(iter_pages_to_clean(engine))
    cleaned = article(page.url, "Body", canonical="http://a.test/news/1/")
    load(engine, [CleanedRecord(page.id, page.site, page.final_url, cleaned)])
    with engine.connect() as conn:
        assert conn.scalar(select(ArticleRow.url)) == "http://a.test/news/1"


REPORT = (
    "Toyota won the Le Mans 24 Hours again on Sunday afternoon after a race of attrition in "
    "which the #8 car led for most of the night while its sister car lost two laps in the "
    "pits with a hybrid system problem that the team fixed in twelve minutes before dawn. "
    "Ferrari finished second and third after a late safety car bunched the field together."
)


def test_a_copy_loaded_before_its_original_ends_up_pointing_to_it(engine: Engine) -> None:
    save(engine, [raw("http://b.test/copy"), raw("http://a.test/original")])
    copy_page, original_page = next(iter_pages_to_clean(engine))
    copy = article(copy_page.url, "Republished. " + REPORT + " Source: press release.")
    copy.metadata.published_at = T0 + timedelta(days=1)
    original = article(original_page.url, REPORT)
    original.metadata.published_at = T0
    load(engine, [CleanedRecord(copy_page.id, "b", copy_page.url, copy)])
    stats = load(engine, [CleanedRecord(original_page.id, "a", original_page.url, original)])
    assert stats.near_duplicates == 1
    with engine.connect() as conn:
        rows = dict(conn.execute(select(ArticleRow.url, ArticleRow.duplicate_of)).tuples().all())
        ids = dict(conn.execute(select(ArticleRow.url, ArticleRow.id)).tuples().all())
    assert rows == {
        "http://a.test/original": None,
        "http://b.test/copy": ids["http://a.test/original"],
    }


def test_articles_keep_every_character_through_the_bulk_load(engine: Engine) -> None:
    """Articles travel by COPY: tabs, backslashes, quotes and braces must survive it."""
    save(engine, [raw("http://a.test/odd")])
    page = next(iter_pages_to_clean(engine))[0]
    body = 'Col1\tcol2 \\N \\ back\\slash\n\n"Quoted" {brace}, accents é 🏁\r\nend'
    cleaned = CleanedPage(
        url=page.url,
        kind="article",
        metadata=PageMetadata(
            title="Le \\titre\t",
            author=None,
            published_at=datetime(2024, 6, 15, 16, 0, tzinfo=UTC),
            tags=['a"b', "c,d", "{e}", "\\"],
        ),
        text=body,
    )
    load(engine, [CleanedRecord(page.id, page.site, page.final_url, cleaned)])
    with engine.connect() as conn:
        row = conn.execute(
            select(
                ArticleRow.title,
                ArticleRow.author,
                ArticleRow.text,
                ArticleRow.tags,
                ArticleRow.published_at,
            )
        ).one()
    assert (row.title, row.author, row.text, row.tags) == (
        "Le \\titre\t",
        None,
        body,
        ['a"b', "c,d", "{e}", "\\"],
    )
    assert row.published_at == datetime(2024, 6, 15, 16, 0, tzinfo=UTC)
