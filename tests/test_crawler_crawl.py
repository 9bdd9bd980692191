"""Real crawls: ``python -m scrapy crawl sample-en -a base_url=...`` over HTTP into PostgreSQL.

A small site written here (in the sample-en site's shape, so the registered description applies)
plants one case per behaviour: an article named only by a news sitemap, one only by a gzipped
sitemap, one only by the feed, one only on page 2 of the listing, a robots-disallowed draft, an
old URL that redirects, a dead link, links with tracking parameters and slash variants, a PDF,
a page in ISO-8859-1 without a charset, a page slower than the download timeout, and a link to
another server on the same host. The server logs every request it answers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from etl.clean.records import RawPage
from etl.dedup.urls import normalize_url
from etl.store.scratch import scratch_database

# Every test crawls one of this module's HTTP servers with a scrapy subprocess.
pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parent.parent
SITE = "sample-en"

NEWS_SITEMAP = "/news/2025/01/01/only-in-news-sitemap-1"
GZIP_SITEMAP = "/news/2025/01/02/only-in-gzip-sitemap-2"
FEED_ONLY = "/news/2025/01/03/only-in-feed-3"
DRAFT = "/drafts/secret-plan-4"
OLD_URL = "/index.php?id=5"
MOVED = "/news/2025/01/05/moved-here-5"
DEAD = "/news/2015/03/02/dead-link-6"
PDF = "/news/2025/01/07/brochure-7"
LATIN1 = "/news/2025/01/08/latin1-8"
SLOW = "/news/2025/01/09/slow-9"
ELSEWHERE = "/news/2025/01/10/elsewhere-10"
TRACKED = "/news/2025/01/11/tracked-11"
LISTED = "/news/2025/01/12/listed-12"
PAGINATED = "/news/2025/01/13/paginated-13"
LATE = "/news/2025/01/14/published-later-14"
LATIN1_BODY = "<html><head><title>Génération</title></head><body><p>Été à Spa</p></body></html>"


@dataclass
class LoggedHit:
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class TinySite:
    """A news site in the sample-en shape; ``pages`` maps a request target to an answer."""

    other_base: str = ""
    base: str = ""
    hits: list[LoggedHit] = field(default_factory=list)
    extra_listed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, target: str) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(target).path
        if target == OLD_URL:
            return 301, {"Location": self.base + MOVED}, b""
        if path == SLOW:
            time.sleep(3)  # longer than the crawl's DOWNLOAD_TIMEOUT
        if path == PDF:
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.7 not a page"
        if path == LATIN1:
            return 200, {"Content-Type": "text/html"}, LATIN1_BODY.encode("iso-8859-1")
        pages = self.pages()
        if path not in pages:
            return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html>Not found</html>"
        content_type, body = pages[path]
        return 200, {"Content-Type": content_type}, body

    def pages(self) -> dict[str, tuple[str, bytes]]:
        b = self.base
        html = "text/html; charset=utf-8"

        def page(*links: str) -> tuple[str, bytes]:
            anchors = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
            return html, f"<html><body><ul>{anchors}</ul></body></html>".encode()

        def urlset(*paths: str) -> bytes:
            urls = "".join(f"<url><loc>{b}{p}</loc></url>" for p in paths)
            return (
                '<?xml version="1.0" encoding="UTF-8"?><urlset '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>"
            ).encode()

        listing = (
            "<html><body><div class='teasers'><p>Unclosed <b>markup"
            f'<a href="{LISTED}">Listed...</a>'
            + "".join(f'<a href="{p}">new</a>' for p in self.extra_listed)
            + f'<a href="{TRACKED}?utm_source=newsletter&utm_medium=email">Tracked...</a>'
            + '</td></tr><a rel="next" href="/news/page/2/">Next</a>\xa0'
        ).encode()
        articles = [NEWS_SITEMAP, GZIP_SITEMAP, FEED_ONLY, MOVED, TRACKED, LISTED, PAGINATED]
        return {
            "/robots.txt": (
                "text/plain",
                f"User-agent: *\nDisallow: /drafts/\n\nSitemap: {b}/sitemap.xml\n".encode(),
            ),
            "/sitemap.xml": (
                "application/xml",
                (
                    '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{b}/sitemap-news.xml</loc></sitemap>"
                    f"<sitemap><loc>{b}/sitemap-articles-1.xml.gz</loc></sitemap>"
                    "</sitemapindex>"
                ).encode(),
            ),
            "/sitemap-news.xml": ("application/xml", urlset(NEWS_SITEMAP)),
            "/sitemap-articles-1.xml.gz": (
                "application/x-gzip",
                gzip.compress(urlset(GZIP_SITEMAP)),
            ),
            "/rss.xml": (
                "application/rss+xml",
                (
                    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                    f"<item><title>f</title><link>{b}{FEED_ONLY}?utm_source=rss&amp;"
                    "utm_medium=feed</link></item></channel></rss>"
                ).encode(),
            ),
            "/": page(
                "/news/",
                DRAFT,
                OLD_URL,
                DEAD,
                f"{TRACKED}?utm_source=facebook&fbclid=IwAR1#comments",
                f"{TRACKED}/",
                PDF,
                LATIN1,
                SLOW,
                f"{self.other_base}{ELSEWHERE}",
            ),
            "/news/": (html, listing),
            "/news/page/2/": page(PAGINATED, "/news/"),
            DRAFT: page(),
            **{p: page("/", "/news/") for p in [*articles, *self.extra_listed]},
        }


def _serve(site: TinySite) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, headers, body = site.answer(self.path)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            with site.lock:
                site.hits.append(LoggedHit(self.path, status, dict(self.headers.items())))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status in (200, 304):
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the crawler gave up waiting (the slow page)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: ``site.hits`` is the log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def tiny() -> Iterator[tuple[TinySite, TinySite]]:
    """The site, and another site on the same host (another port) that it links to."""
    other = TinySite()
    other_server, other.base = _serve(other)
    site = TinySite(other_base=other.base)
    server, site.base = _serve(site)
    yield site, other
    for s in (server, other_server):
        s.shutdown()
        s.server_close()


def run_crawl(
    base_url: str, database_url: str, *args: str, site: str = SITE
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", site, "-a", f"base_url={base_url}"]
    command += ["-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0", *args]
    env = {**os.environ, "PITBOARD_DATABASE_URL": database_url}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def stored_rows(database_url: str) -> dict[str, RawPage]:
    """raw_pages by site-relative requested URL (path and query)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT site, url, final_url, status, headers, body, fetched_at FROM raw_pages"
                )
            ).all()
    finally:
        engine.dispose()
    out = {}
    for site, url, final_url, status, headers, body, fetched_at in rows:
        parts = urlsplit(url)
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        out[key] = RawPage(site, url, final_url, status, headers, bytes(body), fetched_at)
    return out


def empty_raw_pages(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE raw_pages RESTART IDENTITY CASCADE"))
    engine.dispose()


@dataclass(frozen=True)
class Crawl:
    process: subprocess.CompletedProcess[str]
    hits: list[LoggedHit]
    other_hits: list[LoggedHit]
    rows: dict[str, RawPage]

    def requested(self, path: str) -> int:
        return sum(1 for h in self.hits if urlsplit(h.path).path == path)


@pytest.fixture(scope="module")
def first_crawl(tiny: tuple[TinySite, TinySite], test_database_url: str) -> Crawl:
    site, other = tiny
    empty_raw_pages(test_database_url)
    process = run_crawl(site.base, test_database_url)
    return Crawl(process, list(site.hits), list(other.hits), stored_rows(test_database_url))


def test_the_crawl_ends_normally(first_crawl: Crawl) -> None:
    assert first_crawl.process.returncode == 0, first_crawl.process.stderr[-3000:]
    assert "'finish_reason': 'finished'" in first_crawl.process.stderr


def test_articles_named_only_by_robots_txt_sitemaps_are_stored(first_crawl: Crawl) -> None:
    # robots.txt names the sitemap index; it names a news sitemap and a gzipped one.
    assert first_crawl.rows[NEWS_SITEMAP].status == 200
    assert first_crawl.rows[GZIP_SITEMAP].status == 200


def test_an_article_named_only_by_the_feed_is_stored_without_its_tracking_parameters(
    first_crawl: Crawl,
) -> None:
    assert first_crawl.rows[FEED_ONLY].status == 200


def test_an_article_linked_only_from_page_two_of_the_listing_is_stored(first_crawl: Crawl) -> None:
    assert first_crawl.rows[PAGINATED].status == 200
    assert first_crawl.rows["/news/page/2/"].status == 200


def test_listings_and_the_home_page_are_stored_too(first_crawl: Crawl) -> None:
    assert {"/", "/news/", "/news/page/2/"} <= set(first_crawl.rows)


def test_robots_txt_is_obeyed(first_crawl: Crawl) -> None:
    assert first_crawl.requested(DRAFT) == 0
    assert DRAFT not in first_crawl.rows


def test_robots_sitemaps_and_feeds_are_read_but_not_stored(first_crawl: Crawl) -> None:
    assert first_crawl.requested("/robots.txt") == 1
    assert first_crawl.requested("/rss.xml") == 1
    assert not {"/robots.txt", "/sitemap.xml", "/sitemap-news.xml", "/rss.xml"} & set(
        first_crawl.rows
    )


def test_a_redirect_is_followed_and_stored_under_the_requested_url(first_crawl: Crawl) -> None:
    row = first_crawl.rows[OLD_URL]
    assert (row.status, urlsplit(row.final_url).path) == (200, MOVED)
    assert first_crawl.requested(MOVED) == 1


def test_a_dead_link_is_stored_with_its_404(first_crawl: Crawl) -> None:
    assert first_crawl.rows[DEAD].status == 404
    assert first_crawl.rows[DEAD].body == b"<html>Not found</html>"


def test_each_page_is_fetched_once_despite_tracking_parameters_and_slash_variants(
    first_crawl: Crawl,
) -> None:
    per_path = Counter(urlsplit(h.path).path.rstrip("/") or "/" for h in first_crawl.hits)
    assert per_path[TRACKED] == 1
    assert [p for p, n in per_path.items() if n > 1] == []
    assert not [h.path for h in first_crawl.hits if "utm_" in h.path or "fbclid" in h.path]
    assert [k for k in first_crawl.rows if k.startswith(TRACKED)] == [TRACKED]


def test_a_non_html_body_is_fetched_but_not_stored(first_crawl: Crawl) -> None:
    assert first_crawl.requested(PDF) == 1
    assert PDF not in first_crawl.rows
    assert "not HTML, not stored" in first_crawl.process.stderr


def test_a_page_in_latin1_without_charset_is_stored_byte_for_byte(first_crawl: Crawl) -> None:
    assert first_crawl.rows[LATIN1].body == LATIN1_BODY.encode("iso-8859-1")


def test_a_timeout_is_logged_and_the_crawl_goes_on(first_crawl: Crawl) -> None:
    assert SLOW not in first_crawl.rows
    assert f"could not fetch {first_crawl.rows['/'].url.rstrip('/')}{SLOW}" in (
        first_crawl.process.stderr
    )
    assert first_crawl.process.returncode == 0


def test_a_link_to_another_server_on_the_same_host_is_not_followed(first_crawl: Crawl) -> None:
    assert first_crawl.other_hits == []


def test_the_crawler_names_itself_honestly(first_crawl: Crawl) -> None:
    agents = {h.headers.get("User-Agent") for h in first_crawl.hits}
    assert agents == {"Pitboard/0.1 (+https://github.com/pitboard/pitboard)"}


def test_a_stored_page_is_what_the_server_sent(first_crawl: Crawl, tiny: tuple) -> None:
    site, _ = tiny
    row = first_crawl.rows[LISTED]
    assert row.site == SITE
    assert row.url == row.final_url == site.base + LISTED
    assert row.body == site.pages()[LISTED][1]
    assert row.headers["Content-Type"] == "text/html; charset=utf-8"
    assert row.headers["Etag"].startswith('"')
    assert row.fetched_at is not None


@dataclass(frozen=True)
class Recrawl:
    unchanged: Crawl
    with_new_article: Crawl


@pytest.fixture(scope="module")
def recrawls(
    first_crawl: Crawl, tiny: tuple[TinySite, TinySite], test_database_url: str
) -> Recrawl:
    site, _ = tiny
    site.hits.clear()
    process = run_crawl(site.base, test_database_url)
    unchanged = Crawl(process, list(site.hits), [], stored_rows(test_database_url))
    site.hits.clear()
    site.extra_listed.append(LATE)
    process = run_crawl(site.base, test_database_url)
    changed = Crawl(process, list(site.hits), [], stored_rows(test_database_url))
    return Recrawl(unchanged, changed)


def test_a_recrawl_revalidates_every_stored_page_instead_of_downloading_it(
    first_crawl: Crawl, recrawls: Recrawl
) -> None:
    again = recrawls.unchanged
    assert again.process.returncode == 0, again.process.stderr[-3000:]
    stored_200 = {
        k for k, row in first_crawl.rows.items() if row.status == 200 and row.url == row.final_url
    }
    stored_200.add(MOVED)  # stored under the old URL that redirects to it
    for hit in again.hits:
        if hit.path in stored_200:
            assert "If-None-Match" in hit.headers, hit.path
            assert hit.status == 304, hit.path


def test_a_recrawl_of_an_unchanged_site_stores_nothing_new(
    first_crawl: Crawl, recrawls: Recrawl
) -> None:
    again = recrawls.unchanged
    assert set(again.rows) == set(first_crawl.rows)
    assert again.rows[LISTED].fetched_at == first_crawl.rows[LISTED].fetched_at


def test_a_recrawl_still_finds_a_new_article(first_crawl: Crawl, recrawls: Recrawl) -> None:
    changed = recrawls.with_new_article
    assert changed.rows[LATE].status == 200
    assert changed.rows["/news/"].fetched_at != first_crawl.rows["/news/"].fetched_at
    assert changed.rows[PAGINATED].fetched_at == first_crawl.rows[PAGINATED].fetched_at


@pytest.mark.faults
def test_a_database_that_refuses_pages_stops_the_crawl(
    tiny: tuple[TinySite, TinySite], admin_url: str
) -> None:
    with scratch_database(admin_url, "pitboard_noschema", migrate=False) as no_tables:
        process = run_crawl(tiny[0].base, no_tables, "-s", "PITBOARD_BATCH_SIZE=1")
    assert "'finish_reason': 'pitboard_storage_failed'" in process.stderr
    assert "could not store 1 raw pages" in process.stderr


# --- the generated sample sites -------------------------------------------------------------


@pytest.mark.parametrize("name", ["sample-fr", "sample-en"])
def test_a_sample_site_crawl_stores_every_reachable_page_once_and_nothing_hidden(
    name: str, served, database_url: str
) -> None:
    process = run_crawl(served.base_url(name), database_url, site=name)
    assert process.returncode == 0, process.stderr[-3000:]
    rows = stored_rows(database_url)
    seen = Counter(normalize_url(r.final_url) for r in rows.values())
    truth = [t for t in served.truth() if t.site == name]
    wanted = [t for t in truth if t.reachable and t.kind in ("article", "gallery", "listing")]
    assert [t.path for t in wanted if seen[normalize_url(t.url)] != 1] == []
    hidden = {normalize_url(t.url) for t in truth if not t.reachable}
    assert hidden and not hidden & set(seen)


def test_max_pages_stores_at_most_that_many_pages(served, database_url: str) -> None:
    process = run_crawl(served.base_url("sample-en"), database_url, "-a", "max_pages=5")
    assert process.returncode == 0, process.stderr[-3000:]
    assert "'finish_reason': 'closespider_itemcount'" in process.stderr
    assert len(stored_rows(database_url)) == 5


def test_a_crawl_exports_its_pages_as_json_lines_like_any_scrapy_project(
    served, database_url: str, tmp_path: Path
) -> None:
    """The item is the raw-page record itself: Scrapy's feed exports write it as they are."""
    out = tmp_path / "pages.jsonl"
    process = run_crawl(served.base_url("sample-en"), database_url, "-o", str(out))
    assert process.returncode == 0, process.stderr[-3000:]
    assert "TypeError" not in process.stderr, process.stderr[-3000:]
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    rows = stored_rows(database_url)
    assert len(exported) == len(rows) > 20
    by_url = {page["url"]: page for page in exported}
    for row in rows.values():
        page = by_url[row.url]
        assert (page["site"], page["final_url"], page["status"]) == (
            row.site,
            row.final_url,
            row.status,
        )
        assert page["body"] == row.body.decode("utf-8", errors="replace")
