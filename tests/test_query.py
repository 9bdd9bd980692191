"""Querying the cleaned tables: `pitboard search`, `show` and `stats` on the sample sites' data.

The two sample sites are crawled and cleaned once for this module (edition 1, then edition 2
so some articles have earlier versions), with one crawl run recorded per site; every test only
reads that data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Connection

from etl.clean_stored import clean_stored_pages
from etl.store.models import RawPageRow
from etl.store.runs import finish_run, start_run
from etl.store.search import (
    SearchFilters,
    UnknownEntity,
    build_search_sql,
    prefer_newest_walk,
    resolve_entity,
    search,
    show,
    stats,
)
from flows.cli import main
from flows.spider_process import run_spider
from samplesite.server import ServedSites
from tests.conftest import SAMPLE_SITES, TABLES

METACHARACTERS = "'; DROP TABLE articles; -- & | ! ( ) : * \\"


def load_sample_sites(url: str, served: ServedSites) -> None:
    """Empty the database, then crawl and clean both sample sites in editions 1 and 2."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    for site in SAMPLE_SITES:
        with engine.begin() as conn:
            run = start_run(conn, site)
        run_spider(site, database_url=url, base_url=served.base_url(site))
        with engine.begin() as conn:
            finish_run(conn, run, "completed", {"fetched": 1})
    clean_stored_pages(engine, workers=1)
    edits = [t.updated for t in served.truth(2) if t.edited and t.updated is not None]
    with engine.begin() as conn:  # the first crawl happened before the edits (see test_incremental)
        conn.execute(update(RawPageRow).values(fetched_at=min(edits) - timedelta(minutes=1)))
    served.set_edition(2)
    try:
        for site in SAMPLE_SITES:
            run_spider(site, database_url=url, base_url=served.base_url(site))
    finally:
        served.set_edition(1)
    clean_stored_pages(engine, workers=1)
    engine.dispose()


@pytest.fixture(scope="module")
def loaded_url(test_database_url: str, served: ServedSites) -> str:
    """The session database holding the sample sites' articles (read-only for the module)."""
    load_sample_sites(test_database_url, served)
    return test_database_url


@pytest.fixture
def db(loaded_url: str) -> Iterator[Connection]:
    """A connection to the loaded database; its transaction is rolled back after the test."""
    engine = create_engine(loaded_url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def run_cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- search: matching -------------------------------------------------------------------


def test_an_unaccented_word_finds_its_accented_spelling(db: Connection) -> None:
    hits = search(db, "Portimao")
    assert hits and all("Portimão" in (h.title or "") + h.snippet for h in hits)
    assert {h.id for h in search(db, "resiste")} == {h.id for h in search(db, "résiste")} != set()


def test_the_snippet_keeps_the_accents_and_highlights_the_match(db: Connection) -> None:
    hit = search(db, "Portimao")[0]
    assert "**Portimão**" in hit.snippet


def test_french_words_match_their_other_forms(db: Connection) -> None:
    singular = search(db, "victoire", SearchFilters(language="fr", limit=100))
    plural = search(db, "victoires", SearchFilters(language="fr", limit=100))
    assert singular and {h.id for h in singular} == {h.id for h in plural}


def test_english_words_match_their_other_forms(db: Connection) -> None:
    english = SearchFilters(language="en", limit=100)
    hits = search(db, "win", english)
    assert any("**winning**" in h.snippet.lower() for h in hits)
    assert {h.id for h in hits} == {h.id for h in search(db, "wins", english)}


def test_results_are_ranked_best_first(db: Connection) -> None:
    hits = search(db, "Eurointernational", SearchFilters(limit=50))
    ranks = [h.rank for h in hits]
    assert len(hits) > 1 and ranks == sorted(ranks, reverse=True)


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("victoire", SearchFilters(rank_window=5)),
        ("Porsche", SearchFilters(rank_window=10, limit=5)),
        ("pole position", SearchFilters(language="fr", rank_window=8)),
        ("race -Ferrari", SearchFilters(kind="article", rank_window=5)),
    ],
)
def test_both_ways_of_collecting_the_newest_matches_agree(
    db: Connection, query: str, filters: SearchFilters
) -> None:
    """Walking the published_at index and sorting the GIN matches pick the same window."""
    results = []
    for newest_walk in (True, False):
        sql, params = build_search_sql(query, filters, newest_walk=newest_walk)
        results.append([(r.id, r.rank) for r in db.execute(text(sql), params)])
    assert results[0] and results[0] == results[1]


def test_the_walk_is_chosen_for_frequent_words_only() -> None:
    # 100k articles, a window of 500: the walk pays off from about 12% of the articles.
    assert prefer_newest_walk(40_000, 40_000, 100_000, 500)
    assert not prefer_newest_walk(7_000, 7_000, 100_000, 500)
    # A filter that thins the matches makes the walk longer, but the index still hands over
    # every article with the word: the walk stays the cheaper way for a frequent word.
    assert prefer_newest_walk(15_000, 40_000, 100_000, 500)
    assert not prefer_newest_walk(500, 40_000, 100_000, 500)
    assert prefer_newest_walk(10, 10, 0, 500), "no statistics: the planner decides"


def test_a_query_full_of_sql_metacharacters_is_only_text(db: Connection) -> None:
    assert isinstance(search(db, METACHARACTERS), list)
    assert db.scalar(text("SELECT count(*) FROM articles")) > 0


def test_a_query_of_stop_words_or_punctuation_finds_nothing(db: Connection) -> None:
    assert search(db, "the") == []
    assert search(db, "!!! ---") == []


def test_copies_are_left_out_unless_asked_for(db: Connection) -> None:
    copy_id, title = db.execute(
        text("SELECT id, title FROM articles WHERE duplicate_of IS NOT NULL LIMIT 1")
    ).one()
    query = f'"{title}"'
    assert copy_id not in {h.id for h in search(db, query, SearchFilters(limit=100))}
    everything = SearchFilters(limit=100, include_copies=True)
    assert copy_id in {h.id for h in search(db, query, everything)}


# --- search: filters --------------------------------------------------------------------


def test_site_filter(db: Connection) -> None:
    hits = search(db, "", SearchFilters(site="sample-en", limit=100))
    assert hits and {h.site for h in hits} == {"sample-en"}


def test_language_filter(db: Connection) -> None:
    hits = search(db, "Le Mans", SearchFilters(language="en", limit=100))
    assert hits and {h.language for h in hits} == {"en"}


def test_date_filters_include_both_days(db: Connection) -> None:
    hits = search(db, "", SearchFilters(limit=200))
    day = hits[len(hits) // 2].published_at.date()
    on_day = search(db, "", SearchFilters(since=day, until=day, limit=200))
    assert on_day and {h.published_at.date() for h in on_day} == {day}
    later = search(db, "", SearchFilters(since=day + timedelta(days=1), limit=200))
    assert all(h.published_at.date() > day for h in later)
    assert search(db, "", SearchFilters(until=date(1990, 1, 1))) == []


def test_series_and_class_filters_need_all_values(db: Connection) -> None:
    hits = search(db, "", SearchFilters(series=("WEC",), classes=("LMP2",), limit=100))
    assert hits and all("WEC" in h.series and "LMP2" in h.classes for h in hits)


def test_kind_filter(db: Connection) -> None:
    hits = search(db, "", SearchFilters(kind="gallery", limit=100))
    assert hits and {h.kind for h in hits} == {"gallery"}


def test_limit(db: Connection) -> None:
    assert len(search(db, "", SearchFilters(limit=3))) == 3


def test_entity_names_resolve_case_insensitively_or_list_the_valid_ones() -> None:
    assert resolve_entity("series", "wec") == "WEC"
    assert resolve_entity("classes", "lmp2 pro-am") == "LMP2 Pro-Am"
    with pytest.raises(UnknownEntity, match="Le Mans 24 Hours"):
        resolve_entity("series", "Formula 1")


# --- the CLI ----------------------------------------------------------------------------


def test_cli_search_prints_a_table_with_snippets(capsys, loaded_url: str) -> None:
    code, out, _ = run_cli(capsys, loaded_url, "search", "Portimao")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "published", "site", "lang", "rank", "title"]
    assert "**Portimão**" in out
    assert lines[-1].endswith(("result", "results"))


def test_cli_search_says_no_results(capsys, loaded_url: str) -> None:
    code, out, _ = run_cli(capsys, loaded_url, "search", "zzzqqxnothing")
    assert (code, out) == (0, "no results\n")


def test_cli_search_with_metacharacters_answers_cleanly(capsys, loaded_url: str) -> None:
    code, out, err = run_cli(capsys, loaded_url, "search", METACHARACTERS)
    assert code == 0 and "Traceback" not in err
    assert out == "no results\n" or out.splitlines()[-1].endswith("results")


def test_cli_search_jsonl(capsys, loaded_url: str) -> None:
    code, out, _ = run_cli(
        capsys, loaded_url, "search", "--series", "wec", "--class", "LMP2", "--format", "jsonl"
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows
    assert all("WEC" in r["series"] and "LMP2" in r["classes"] for r in rows)
    assert set(rows[0]) >= {"id", "title", "url", "published_at", "rank", "snippet"}


def test_cli_search_csv(capsys, loaded_url: str) -> None:
    code, out, _ = run_cli(
        capsys, loaded_url, "search", "Le Mans", "--lang", "fr", "--limit", "5", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and 0 < len(rows) <= 5
    assert {r["language"] for r in rows} == {"fr"} and all(r["rank"] for r in rows)


def test_cli_search_filters_by_site_kind_and_dates(capsys, loaded_url: str) -> None:
    args = ["--site", "sample-fr", "--kind", "article", "--since", "2020-01-01"]
    code, out, _ = run_cli(capsys, loaded_url, "search", *args, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows
    assert {(r["site"], r["kind"]) for r in rows} == {("sample-fr", "article")}
    assert min(r["published_at"] for r in rows) >= "2020-01-01"


def test_cli_rejects_an_unknown_series_with_the_valid_values(capsys, loaded_url: str) -> None:
    code, out, err = run_cli(capsys, loaded_url, "search", "--series", "F1")
    assert code == 2 and out == ""
    assert "unknown series 'F1'" in err and "WEC" in err


def test_cli_show_prints_metadata_text_copies_urls_and_versions(capsys, loaded_url: str) -> None:
    engine = create_engine(loaded_url)
    with engine.connect() as conn:
        original = conn.scalar(text("SELECT duplicate_of FROM articles WHERE duplicate_of > 0"))
        edited = conn.scalar(text("SELECT article_id FROM article_versions LIMIT 1"))
    engine.dispose()
    code, out, _ = run_cli(capsys, loaded_url, "show", str(original))
    assert code == 0 and f"id:            {original}" in out
    assert "copies: 0" not in out and "urls: " in out
    code, out, _ = run_cli(capsys, loaded_url, "show", str(edited))
    assert code == 0 and "earlier versions: 0" not in out and "  v1  " in out


def test_show_links_a_copy_to_its_original(db: Connection) -> None:
    copy_id, original_id = db.execute(
        text("SELECT id, duplicate_of FROM articles WHERE duplicate_of > 0 LIMIT 1")
    ).one()
    copy = show(db, copy_id)
    assert copy is not None and copy.original is not None and copy.original["id"] == original_id
    original = show(db, original_id)
    assert original is not None and copy_id in {c["id"] for c in original.copies}


def test_cli_show_of_a_missing_id(capsys, loaded_url: str) -> None:
    code, _, err = run_cli(capsys, loaded_url, "show", "999999")
    # An unknown id is the user's mistake, like an unknown site: exit code 2.
    assert code == 2 and "no article with id 999999" in err


def test_stats_count_what_is_stored(db: Connection) -> None:
    s = stats(db)
    total = db.scalar(text("SELECT count(*) FROM articles"))
    copies = db.scalar(text("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"))
    assert (s.total, s.duplicates, s.stories) == (total, copies, total - copies)
    assert copies > 0
    assert {site for site, _ in s.per_site} == set(SAMPLE_SITES)
    for counts in (s.per_site, s.per_kind, s.per_language, s.per_month):
        assert sum(n for _, n in counts) == total
    assert [r["site"] for r in s.last_runs] == sorted(SAMPLE_SITES)


def test_cli_stats(capsys, loaded_url: str) -> None:
    code, out, _ = run_cli(capsys, loaded_url, "stats")
    assert code == 0
    for heading in ("per site", "per kind", "per language", "per month", "last crawl per site"):
        assert heading in out
    assert "sample-fr" in out and "completed" in out and "duplicates" in out
