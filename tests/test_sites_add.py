"""``pitboard sites add`` from a base URL alone, then a crawl and cleaning of the site it wrote,
measured against the hand-written description of the same sample site (over real HTTP into the
real PostgreSQL); and ``pitboard sites check``, which stores nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from crawler.registry import all_sites
from etl.clean_stored import clean_stored_pages
from etl.dedup.urls import normalize_url
from etl.store.models import ArticleRow, RawPageRow
from flows.cli import main
from flows.spider_process import run_spider
from samplesite.server import ServedSites
from samplesite.shapes import SHAPES
from tests.conftest import TABLES


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PITBOARD_HOME of the test's own (the spider processes inherit it)."""
    monkeypatch.setenv("PITBOARD_HOME", str(tmp_path))
    monkeypatch.delenv("PITBOARD_SITES_FILE", raising=False)
    return tmp_path


def crawl_and_clean(site: str, database_url: str, engine: Engine, base_url: str | None) -> None:
    run_spider(site, database_url=database_url, base_url=base_url)
    stats = clean_stored_pages(engine, [site], workers=1)
    assert stats.failed == 0


def stored(engine: Engine, site: str) -> dict[str, str]:
    """{url: kind} of the articles and galleries stored for ``site``."""
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, ArticleRow.kind).where(ArticleRow.site == site))
        return dict(rows.all())


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@pytest.mark.parametrize("sample", sorted(SHAPES))
def test_a_site_added_from_its_base_url_alone_is_crawled_as_well_as_its_description(
    sample: str,
    home: Path,
    database_url: str,
    engine: Engine,
    served: ServedSites,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = served.base_url(sample)
    crawl_and_clean(sample, database_url, engine, base)
    by_hand = stored(engine, sample)
    assert by_hand, "the hand-written description stores articles"
    empty(engine)

    added = f"added-{sample}"
    assert main(["sites", "add", base, "--name", added]) == 0
    out = capsys.readouterr().out
    written = home / "sites.d" / f"{added}.toml"
    assert f"wrote {written}" in out
    table = tomllib.loads(written.read_text())["sites"][added]
    shape = SHAPES[sample]
    assert table["base_url"] == base
    assert set(shape.sitemap_paths) <= set(table["sitemap_paths"])
    assert "/sitemap-news.xml" in table["sitemap_paths"]  # robots.txt names the news sitemap
    assert table["feed_paths"] == list(shape.feed_paths)
    assert table["languages"] == [shape.language]
    assert added in all_sites()

    crawl_and_clean(added, database_url, engine, None)
    found = stored(engine, added)
    missed = sorted(set(by_hand) - set(found))
    assert len(missed) <= len(by_hand) // 100, missed  # at least 99% of the articles
    truth = list(served.sites[sample].truth())
    listings = {normalize_url(t.url) for t in truth if t.kind == "listing"}
    assert listings and listings.isdisjoint(found)
    galleries = {normalize_url(t.url) for t in truth if t.kind == "gallery" and t.reachable}
    assert galleries and all(found.get(url) == "gallery" for url in galleries)
    extra = sorted(set(found) - set(by_hand))
    print(f"{sample}: hand-written {len(by_hand)}, added {len(found)}, missed {len(missed)}")
    print(f"{sample}: stored only by the added site: {extra}")


def test_adding_a_known_site_again_is_refused_in_one_line(
    home: Path, served: ServedSites, capsys: pytest.CaptureFixture[str]
) -> None:
    base = served.base_url("sample-en")
    assert main(["sites", "add", base, "--name", "mine"]) == 0
    capsys.readouterr()
    before = (home / "sites.d" / "mine.toml").read_text()
    for again in (["sites", "add", base], ["sites", "add", base + "/news/", "--name", "other"]):
        assert main(again) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "already known as site 'mine'" in err, err
    assert main(["sites", "add", "http://127.0.0.1:9/", "--name", "mine"]) == 2
    assert "site 'mine' already exists" in capsys.readouterr().err
    assert sorted(p.name for p in (home / "sites.d").iterdir()) == ["mine.toml"]
    assert (home / "sites.d" / "mine.toml").read_text() == before


@pytest.mark.network
def test_an_unreachable_site_is_refused_in_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:  # a free port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["sites", "add", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"cannot reach http://127.0.0.1:{port}" in err, err
    assert not (home / "sites.d").exists() or not list((home / "sites.d").iterdir())
    assert main(["sites", "add", "www.example.com"]) == 2
    assert "has no scheme" in capsys.readouterr().err


def test_sites_check_shows_kinds_titles_and_words_and_stores_nothing(
    home: Path, engine: Engine, served: ServedSites, capsys: pytest.CaptureFixture[str]
) -> None:
    base = served.base_url("sample-fr")
    # 20 pages: more than the site has listings and galleries, so some are articles whatever
    # order the crawl fetched them in (under load, the listings' next pages may come first)
    assert main(["sites", "check", "sample-fr", "--base-url", base, "--pages", "20"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "20 pages checked, nothing stored"
    rows = out[1:-1]
    assert len(rows) == 20
    kinds = {row.split()[0] for row in rows}
    assert kinds <= {"article", "listing", "gallery", "other", "HTTP"}
    assert "listing" in kinds  # the home page comes first
    assert all(base in row for row in rows)
    article_rows = [row for row in rows if row.startswith("article")]
    assert article_rows and all(int(row.split()[1]) > 50 for row in article_rows)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RawPageRow)) == 0


def test_sites_lists_each_site_with_where_it_came_from(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "sites.d").mkdir()
    (home / "sites.d" / "mine.toml").write_text(
        '[sites.mine]\nbase_url = "https://news.example.org"\n'
    )
    assert main(["sites"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert set(lines) == set(all_sites())
    assert str(home / "sites.d" / "mine.toml") in lines["mine"]
    assert all("(built in)" in line for name, line in lines.items() if name != "mine")
