"""The site registry: every site is a description, Scrapy lists them all, and the sample sites'
descriptions match what the generator actually serves. No site is named by hand here: the real
sites are whatever the shipped file describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.registry import SHIPPED_FILE, all_sites, real_sites, sample_sites
from crawler.site_files import read_site_file
from crawler.sites import SiteDescription, sample_site
from etl.dedup.urls import canonical_url, url_identity
from samplesite import SampleSite, build_sample_sites
from samplesite.shapes import SHAPES

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
SITES = all_sites()
SHIPPED = {site.name for site in read_site_file(SHIPPED_FILE)}


@pytest.fixture(autouse=True)
def no_user_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in sites only: the user's own site files stay out of these tests."""
    monkeypatch.setenv("PITBOARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PITBOARD_SITES_FILE", raising=False)


def test_scrapy_list_names_every_described_site() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(result.stdout.split()) == set(all_sites()) == SHIPPED | set(SHAPES)


def test_real_sites_have_their_own_https_address_and_domain() -> None:
    assert SHIPPED and {site.name for site in real_sites()} == SHIPPED
    for site in real_sites():
        assert site.base_url is not None and site.base_url.startswith("https://")
        assert site.is_on_site(site.absolute("/")), site.name
        assert site.article_patterns and site.follow_patterns, site.name


def test_every_cadence_is_a_five_field_cron_expression() -> None:
    for site in SITES.values():
        assert len(site.cadence.split()) == 5, site.name


@pytest.mark.parametrize(
    ("site", "path"),
    [
        ("dailysportscar", "/2026/06/11/aitken-edges-out-vanthoor-to-put-38-jota-cadillac.html"),
        ("sportscar365", "/super-gt/fraga-leaves-hospital-after-airborne-fuji-crash/"),
        ("sportscar365", "/sro/world-challenge-europe/gold-cup-audi-wins-crazy-race/"),
        ("fiawec", "/en/news/vincent-vosse-our-goal-is-to-fight-at-the-front/8301"),
        ("europeanlemansseries", "/en/news/all-change-at-spa-francorchamps-61df2080cd/11259"),
        ("24h-lemans", "/en/news/landmarks-of-the-24-hours-of-le-mans-circuit-57442"),
    ],
)
def test_real_article_addresses_are_recognised_as_articles(site: str, path: str) -> None:
    description = SITES[site]
    assert description.is_article(description.absolute(path))


def test_listing_and_tag_pages_of_real_sites_are_not_articles() -> None:
    s365 = SITES["sportscar365"]
    assert not s365.is_article(s365.absolute("/category/imsa/"))
    assert not s365.is_article(s365.absolute("/tag/porsche/"))
    assert s365.should_follow(s365.absolute("/page/2/"))


def test_a_sample_site_is_bound_to_its_run_time_address_port_included() -> None:
    site = SITES["sample-fr"].bind(BASE)
    assert site.base_url == BASE
    assert site.is_on_site(f"{BASE}/actualites/")
    assert not site.is_on_site("http://127.0.0.1:9999/actualites/")
    assert not site.is_on_site("http://localhost:8123/wp-content/uploads/a.jpg")


def generated() -> dict[str, SampleSite]:
    return build_sample_sites(articles=24, seed=11)


def described(name: str) -> SiteDescription:
    """A sample site described from the generator's URL shapes, as the registry describes it."""
    return sample_site(SHAPES[name]).bind(BASE)


@pytest.mark.parametrize("name", ["sample-fr", "sample-en"])
def test_the_registry_describes_the_sample_sites_from_their_shapes(name: str) -> None:
    assert set(SHAPES) == {s.name for s in sample_sites()}
    assert SITES[name] == sample_site(SHAPES[name])


@pytest.mark.parametrize("name", ["sample-fr", "sample-en"])
def test_sample_discovery_points_are_those_of_the_generator(name: str) -> None:
    site = generated()[name]
    description = sample_site(SHAPES[name])
    assert set(description.start_paths + description.sitemap_paths + description.feed_paths) == (
        set(site.start_paths)
    )
    assert description.feed_paths == (site.feed_path,)
    assert description.sitemap_paths == (site.sitemap_path,)


@pytest.mark.parametrize("name", ["sample-fr", "sample-en"])
def test_sample_articles_are_recognised_and_listings_followed(name: str) -> None:
    site = generated()[name]
    site.base_url = BASE
    description = described(name)
    truths = list(site.truth())
    articles = [t for t in truths if t.kind == "article" and t.reachable]
    assert articles
    for truth in articles:
        assert description.is_article(truth.url), truth.path
        for variant in truth.variant_urls:
            assert description.should_follow(canonical_url(variant)), variant
    for truth in truths:
        if truth.kind in ("listing", "gallery") and truth.reachable:
            assert description.should_follow(truth.url), truth.path
            assert not description.is_article(truth.url), truth.path


@pytest.mark.parametrize("name", ["sample-fr", "sample-en"])
def test_drafts_are_left_to_robots_txt_not_to_the_description(name: str) -> None:
    # The crawl tests check robots.txt obedience: the description must not hide the drafts.
    site = generated()[name]
    site.base_url = BASE
    drafts = [t for t in site.truth() if not t.reachable and t.kind == "article"]
    assert drafts
    assert all(described(name).should_follow(t.url) for t in drafts)
    assert not any(described(name).is_denied(t.url) for t in drafts)


def test_sample_sites_are_the_only_ones_without_an_address() -> None:
    assert {s.name for s in sample_sites()} == {"sample-fr", "sample-en"}
    assert all(s.base_url is None for s in sample_sites())


def test_tracking_parameters_and_fragments_never_reach_a_request() -> None:
    url = f"{BASE}/news/a-1?utm_source=rss&utm_medium=feed&fbclid=IwAR9&gclid=Cj0&page=2#top"
    assert canonical_url(url) == f"{BASE}/news/a-1?page=2"


def test_one_page_has_one_identity_whatever_the_spelling() -> None:
    spellings = [
        "http://Example.com:80/news/a-1/",
        "http://example.com/news/a-1?utm_source=newsletter",
        "http://example.com/news/a-1#comments",
        "http://example.com/news/a-1",
    ]
    assert {url_identity(u) for u in spellings} == {"http://example.com/news/a-1"}
    assert url_identity("http://example.com/news/a-1?b=2&a=1") == url_identity(
        "http://example.com/news/a-1?a=1&b=2"
    )
