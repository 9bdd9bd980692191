"""The sample sites: deterministic, consistent with their truth, and served like real sites."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from html import escape
from itertools import pairwise
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from samplesite import build_sample_sites, serve_sample_sites
from samplesite.site import SampleSite

SMALL = 60
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def sites() -> dict[str, SampleSite]:
    return build_sample_sites(articles=SMALL, seed=7)


@pytest.fixture(scope="module")
def served():
    with serve_sample_sites(articles=30, seed=3) as served:
        yield served


def links_of(site: SampleSite, target: str, body: bytes, content_type: str) -> list[str]:
    """Site-relative targets linked from a page (HTML hrefs, sitemap locs, feed links)."""
    found: list[str] = []
    if content_type.startswith("text/html"):
        tree = lxml.html.fromstring(body)
        found = [h for h in tree.xpath("//a/@href")]
    elif "xml" in content_type:
        root = ET.fromstring(body)
        found = [e.text or "" for e in root.iter() if e.tag.endswith(("loc", "link", "guid"))]
    elif content_type.startswith("text/plain"):
        found = re.findall(r"^Sitemap: (\S+)", body.decode(), flags=re.M)
    local = []
    for href in found:
        url = urljoin(site.url(target), href)
        if url.startswith(site.base_url + "/"):
            local.append(url[len(site.base_url) :])
    return local


def crawl(site: SampleSite, *, obey_robots: bool, edition: int = 1) -> dict[str, int]:
    """Every target reachable from the start paths (robots.txt included), with its status."""
    robots = RobotFileParser()
    robots.parse(site.render("/robots.txt").body.decode().splitlines())
    seen: dict[str, int] = {}
    queue = deque(["/robots.txt", *site.start_paths])
    while queue:
        target = queue.popleft()
        if target in seen:
            continue
        if obey_robots and not robots.can_fetch("pitboard", site.url(target)):
            continue
        response = site.render(target, edition=edition)
        seen[target] = response.status
        if response.status == 301:
            queue.append(response.headers["Location"][len(site.base_url) :])
        elif response.status == 200:
            content_type = response.headers["Content-Type"]
            queue.extend(links_of(site, target, response.body, content_type))
    return seen


def assert_crawl_matches_truth(site: SampleSite, edition: int = 1) -> None:
    """Only the planted dead link is broken, and a robots-obeying crawl reaches exactly the
    pages the truth calls reachable (variants counted as their canonical page)."""
    truths = list(site.truth(edition))
    canonical = {t.path: t.path for t in truths}
    canonical.update({v: t.path for t in truths for v in t.variants})
    statuses = crawl(site, obey_robots=False, edition=edition)
    assert {t for t, s in statuses.items() if s == 404} == {site.planted.dead}
    crawled = crawl(site, obey_robots=True, edition=edition)
    assert {canonical[t] for t in crawled if t in canonical} == {
        t.path for t in truths if t.reachable
    }


def fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(sites) -> None:
    again = build_sample_sites(articles=SMALL, seed=7)
    other = build_sample_sites(articles=SMALL, seed=8)
    fr = sites["sample-fr"]
    paths = ["/", "/actualites/page/2/", "/sitemap.xml", "/feed/"]
    paths += [fr.article_path(a) for a in fr.articles[::7]]
    for path in paths:
        assert fr.render(path).body == again["sample-fr"].render(path).body
    assert fr.render("/").body != other["sample-fr"].render("/").body


def test_same_seed_gives_the_same_bytes_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import hashlib\n"
        "from samplesite import build_sample_sites\n"
        "h = hashlib.sha256()\n"
        "for s in build_sample_sites(articles=12, seed=5).values():\n"
        "    for t in s.truth(2):\n"
        "        h.update(s.render(t.path, edition=2).body + repr(t).encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


# --- truth consistency -------------------------------------------------------------------------


def test_every_internal_link_resolves_except_the_planted_dead_one(sites) -> None:
    for site in sites.values():
        statuses = crawl(site, obey_robots=False)
        broken = {t for t, status in statuses.items() if status == 404}
        assert broken == {site.planted.dead}
        assert {t for t, s in statuses.items() if s == 301} == {site.planted.redirect_from}


def test_reachable_flags_match_a_crawl_that_obeys_robots(sites) -> None:
    for site in sites.values():
        assert_crawl_matches_truth(site)
        unreachable = {t.path for t in site.truth() if not t.reachable}
        assert unreachable == set(site.planted.drafts)


def test_drafts_are_disallowed_by_robots_but_linked_from_the_home_page(sites) -> None:
    for site in sites.values():
        robots = RobotFileParser()
        robots.parse(site.render("/robots.txt").body.decode().splitlines())
        home_links = links_of(site, "/", site.render("/").body, "text/html")
        for path in site.planted.drafts:
            assert path in home_links
            assert not robots.can_fetch("pitboard", site.url(path))
            assert site.render(path).status == 200


def test_article_pages_contain_every_truth_paragraph_in_order(sites) -> None:
    for site in sites.values():
        for truth in site.truth():
            if truth.kind not in ("article", "gallery"):
                continue
            html = site.render(truth.path).text
            position = 0
            for paragraph in truth.paragraphs:
                position = html.find(escape(paragraph, quote=False), position)
                assert position != -1, (truth.path, paragraph)
            assert len(set(truth.paragraphs)) == len(truth.paragraphs)
            assert 4 <= len(truth.paragraphs) <= 12 or truth.kind == "gallery"


def test_truth_entities_are_named_in_the_text(sites) -> None:
    formats = ("#{n}", "n°{n}", "No. {n}")
    for site in sites.values():
        for truth in site.truth():
            if truth.kind != "article":
                continue
            text = truth.text
            assert all(m in text for m in truth.manufacturers), truth.path
            assert all(c in text for c in truth.classes), truth.path
            for number in truth.car_numbers:
                assert any(f.format(n=number) in text for f in formats), (truth.path, number)
            assert truth.published is not None and truth.published.tzinfo is not None


def test_articles_span_several_years_and_carry_the_seed_noise(sites) -> None:
    fr = sites["sample-fr"]
    years = {t.published.year for t in fr.truth() if t.kind == "article"}
    assert len(years) >= 5
    pages = [fr.render(t.path).text for t in fr.truth() if t.kind == "article"]
    assert any("Lire aussi :" in p for p in pages) and any("À lire aussi" in p for p in pages)
    assert any("Galerie : " in p for p in pages)
    assert any(re.search(r"<p>[A-Z]\.[A-Z]\., [^<]+ - ", p) for p in pages)
    en_pages = [sites["sample-en"].render(t.path).text for t in sites["sample-en"].truth()]
    assert any("Read more" in p for p in en_pages) and any("Gallery: " in p for p in en_pages)


def test_listing_teasers_are_cut_and_thumbnails_live_on_another_host(sites) -> None:
    for site in sites.values():
        tree = lxml.html.fromstring(site.render(site.shape.listing_prefix).body)
        excerpts = tree.xpath("//p[@class='teaser-excerpt']/text()")
        assert excerpts and all(e.endswith(site.style.ellipsis) for e in excerpts)
        images = tree.xpath("//article[@class='teaser']//img/@src")
        assert images and all(urlsplit(i).netloc != urlsplit(site.base_url).netloc for i in images)


def test_republished_copies_are_near_duplicates_of_their_originals(sites) -> None:
    def shingles(text: str) -> set[str]:
        words = re.findall(r"\w+", text.lower())
        return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}

    truth = {(t.site, t.path): t for s in sites.values() for t in s.truth()}
    copies = [t for t in truth.values() if t.republished_from is not None]
    assert len(copies) >= 4 and {c.site for c in copies} == {"sample-fr", "sample-en"}
    for copy in copies:
        original = truth[copy.republished_from]
        assert original.site != copy.site and original.republished_from is None
        a, b = shingles(copy.text), shingles(original.text)
        assert len(a & b) / len(a | b) > 0.6
        assert copy.text != original.text
    articles = [t for t in truth.values() if t.kind == "article" and t.republished_from is None]
    for first, second in pairwise(articles[:200]):
        a, b = shingles(first.text), shingles(second.text)
        assert len(a & b) / len(a | b) < 0.45


def test_latin1_article_has_no_charset_anywhere(sites) -> None:
    fr = sites["sample-fr"]
    response = fr.render(fr.planted.latin1)
    assert response.headers["Content-Type"] == "text/html"
    assert b"charset" not in response.body.lower()
    truth = fr.page_truth(fr.planted.latin1)
    assert truth is not None and truth.encoding == "iso-8859-1"
    text = response.body.decode("iso-8859-1")
    assert all(escape(p, quote=False) in text for p in truth.paragraphs)
    assert re.search(r"[éèàêç]", text)


# --- editions ----------------------------------------------------------------------------------


def test_edition_two_changes_only_the_planted_article_pages(sites) -> None:
    for site in sites.values():
        first = {t.path: t for t in site.truth(1) if t.kind in ("article", "gallery")}
        second = {t.path: t for t in site.truth(2) if t.kind in ("article", "gallery")}
        assert set(second) - set(first) == set(site.planted.added)
        changed = {
            p for p in first if site.render(p, edition=1).body != site.render(p, edition=2).body
        }
        assert changed == set(site.planted.edited)
        for path in site.planted.edited:
            assert second[path].paragraphs != first[path].paragraphs and second[path].edited
            assert second[path].updated > (first[path].updated or first[path].published)
        for path in site.planted.added:
            assert site.render(path, edition=1).status == 404
            assert site.render(path, edition=2).status == 200


# --- over HTTP ---------------------------------------------------------------------------------


def test_robots_txt_disallows_drafts_and_names_the_sitemaps(served) -> None:
    for name, site in served.sites.items():
        status, _, body = fetch(served.url(name, "/robots.txt"))
        text = body.decode()
        assert status == 200 and f"Disallow: {site.shape.drafts_prefix}" in text
        assert f"Sitemap: {served.base_url(name)}/sitemap.xml" in text


def test_sitemap_index_points_to_a_news_sitemap_and_article_sitemaps(served) -> None:
    for name in served.sites:
        _, _, body = fetch(served.url(name, "/sitemap.xml"))
        index = ET.fromstring(body)
        assert index.tag == f"{SITEMAP_NS}sitemapindex"
        locs = [e.findtext(f"{SITEMAP_NS}loc") for e in index]
        assert all(e.findtext(f"{SITEMAP_NS}lastmod") for e in index)
        news = ET.fromstring(fetch(next(u for u in locs if "news" in u))[2])
        assert news.find(f"{SITEMAP_NS}url/{NEWS_NS}news/{NEWS_NS}title") is not None
        articles = ET.fromstring(fetch(next(u for u in locs if "articles" in u))[2])
        article_truths = [t for t in served.truth() if t.site == name and t.kind == "article"]
        listed = {u.findtext(f"{SITEMAP_NS}loc") for u in articles}
        assert listed == {t.url for t in article_truths if t.reachable}


def test_feed_parses_and_links_the_latest_articles_with_tracking(served) -> None:
    for name, site in served.sites.items():
        status, headers, body = fetch(served.url(name, site.feed_path))
        assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
        items = ET.fromstring(body).findall("channel/item")
        assert len(items) == min(20, len(site.visible(1)))
        assert all("utm_" in i.findtext("link") or "clid=" in i.findtext("link") for i in items)


def test_latin1_page_is_served_without_charset(served) -> None:
    fr = served.sites["sample-fr"]
    status, headers, body = fetch(served.url("sample-fr", fr.planted.latin1))
    assert status == 200 and headers["Content-Type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert fr.page_truth(fr.planted.latin1).title in body.decode("iso-8859-1")


def test_old_url_redirects_permanently_and_dead_link_is_404(served) -> None:
    for name, site in served.sites.items():
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(served.url(name, site.planted.redirect_from), timeout=10)
        assert caught.value.code == 301
        assert caught.value.headers["Location"] == served.url(name, site.planted.redirect_to)
        assert fetch(served.url(name, site.planted.dead))[0] == 404


def test_url_variants_serve_identical_bytes_with_a_canonical_link(served) -> None:
    for name in served.sites:
        truth = next(t for t in served.truth() if t.site == name and t.kind == "article")
        bodies = {fetch(u)[2] for u in (truth.url, *truth.variant_urls)}
        assert len(bodies) == 1
        canonical = lxml.html.fromstring(bodies.pop()).xpath("//link[@rel='canonical']/@href")
        assert canonical == [truth.url]


def test_conditional_requests_get_304_and_are_logged(served) -> None:
    served.clear_log()
    truth = next(t for t in served.truth() if t.kind == "article")
    status, headers, _ = fetch(truth.url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(truth.url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(truth.url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    log = served.requests
    assert [(r.status, r.conditional) for r in log] == [(200, False), (304, True), (304, True)]
    assert log[1].headers["If-None-Match"] == headers["ETag"]
    served.clear_log()
    assert served.requests == []


def test_switching_to_edition_two_changes_only_planted_pages(served) -> None:
    site = served.sites["sample-en"]
    edited, other = site.planted.edited[0], site.article_path(site.articles[0])
    before = {p: fetch(served.url("sample-en", p))[1]["ETag"] for p in (edited, other)}
    added = served.url("sample-en", site.planted.added[0])
    assert fetch(added)[0] == 404
    served.set_edition(2)
    try:
        status, _, _ = fetch(served.url("sample-en", edited), {"If-None-Match": before[edited]})
        assert status == 200
        status, _, _ = fetch(served.url("sample-en", other), {"If-None-Match": before[other]})
        assert status == 304
        assert fetch(added)[0] == 200
    finally:
        served.set_edition(1)


def test_a_tiny_site_is_consistent_in_both_editions() -> None:
    for site in build_sample_sites(articles=6, seed=1).values():
        for edition in (1, 2):
            assert_crawl_matches_truth(site, edition)


def test_page_truth_finds_a_page_by_any_of_its_variants(sites) -> None:
    site = sites["sample-en"]
    truth = next(t for t in site.truth() if t.kind == "article")
    assert all(site.page_truth(v) == truth for v in truth.variants)
    assert site.page_truth("/tag/wec/").kind == "listing"
    assert site.page_truth("/no/such/page") is None


def test_concurrent_requests_and_head_are_served(served) -> None:
    urls = [t.url for t in served.truth() if t.kind in ("article", "listing")][:40]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda u: fetch(u)[0], urls))
    assert statuses == [200] * len(urls)
    request = urllib.request.Request(urls[0], method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        assert int(response.headers["Content-Length"]) > 0


def test_path_patterns_tell_articles_and_galleries_apart(sites) -> None:
    for site in sites.values():
        for truth in site.truth():
            if truth.status != 200:  # the dead link looks like a deleted article, on purpose
                continue
            paths = (truth.path, site.twin_path(truth.path))
            is_article = [bool(re.match(site.article_path_regex, p)) for p in paths]
            is_gallery = [bool(re.match(site.gallery_path_regex, p)) for p in paths]
            assert is_article == [truth.kind == "article" and truth.reachable] * 2, truth.path
            assert is_gallery == [truth.kind == "gallery"] * 2, truth.path


def test_without_a_port_every_site_is_served_on_a_port_the_os_picks(monkeypatch) -> None:
    """Not the first site's port + 1, which another program may hold (a flaky suite)."""
    import samplesite.server as server

    wanted: list[int] = []
    real = server.ThreadingHTTPServer

    def recording(address: tuple[str, int], handler: type) -> server.ThreadingHTTPServer:
        wanted.append(address[1])
        return real(address, handler)

    monkeypatch.setattr(server, "ThreadingHTTPServer", recording)
    with serve_sample_sites(articles=6) as served:
        ports = {urlsplit(served.base_url(name)).port for name in served.sites}
    assert wanted == [0] * len(served.sites)
    assert len(ports) == len(served.sites)
