"""Property-based tests of URL identity (etl.dedup.urls) over arbitrary text and URL-shaped input.

A link is hostile input: whatever a page, sitemap, feed or redirect names, identity never
raises, is deterministic and idempotent, and the spider (which requests a canonical URL through
Scrapy, then stores the URL Scrapy sent) and the loader (which names the story by the stored
URL) reach the same identity.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scrapy import Request

from etl.clean.listing import absolute_url
from etl.dedup.urls import canonical_url, identity_of_canonical, normalize_url, url_identity

pytestmark = pytest.mark.faults  # hostile input (issue 15)

PIECES = [
    *"aZ09/?#&=.%:;~-_+@[]! \t\n",
    "é",
    "\x00",
    "%zz",
    "%20",
    "%C3%A9",
    "utm_source=",
    "fbclid",
    "..",
    "//",
]
SCHEMES = ["http://", "https://", "HTTP://", "ftp://", "", "A://", "javascript:"]
HOSTS = [
    "example.com",
    "Example.COM:80",
    "example.com:443",
    "[::1]:8080",
    "[::1]",
    "[2001:DB8::1]:80",
    "127.0.0.1:8123",
    "bücher.example",
    "user@example.com",
    "ex:abc",
    "example.com:99999",
    "[",
    "",
]

url_like = st.builds(
    lambda scheme, host, tail: scheme + host + tail,
    st.sampled_from(SCHEMES),
    st.sampled_from(HOSTS),
    st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
)
any_text = st.one_of(st.text(max_size=60), url_like)
many = settings(max_examples=600, deadline=None)


@many
@given(any_text)
@example("http://example.com:99999/x")
@example("A://[")
@example("http://ex:abc/")
def test_identity_never_raises_and_is_deterministic(url: str) -> None:
    canonical = canonical_url(url)
    identity = url_identity(url)
    assert canonical_url(url) == canonical
    assert url_identity(url) == identity
    assert (canonical is None) == (identity is None)
    if canonical is not None:
        assert identity_of_canonical(canonical) == identity


@many
@given(any_text)
@example("http://[::1]:8080/")
@example("http://example.com?\tutm_source=")
@example("http://example.com/?utm%5Fsource=x&a=1")
def test_identity_and_canonical_spelling_are_idempotent(url: str) -> None:
    canonical, identity = canonical_url(url), url_identity(url)
    if canonical is None or identity is None:
        return
    assert canonical_url(canonical) == canonical
    assert url_identity(canonical) == identity
    assert url_identity(identity) == identity


def test_spider_and_loader_name_a_link_with_a_space_before_its_fragment_alike() -> None:
    """Issue 15, finding 8 (b): the spider's identity of ``http://example.com/? #0`` kept the
    space of its query (``?+=``), the loader's dropped it: a teaser or canonical link naming the
    page and the page as fetched were two stories."""
    link = "http://example.com/? #0"
    spider = url_identity(link)  # request fingerprints, known pages, link following
    canonical = canonical_url(link)
    assert canonical is not None
    stored = Request(canonical).url  # what is fetched, and stored in raw_pages
    assert (normalize_url(link), normalize_url(stored)) == (spider, spider)


@pytest.mark.parametrize(
    "link", ["http://example.com/?a=1&\tutm_source=x", "http://example.com/?a=1&utm%5Fsource=x"]
)
def test_a_tracking_parameter_spelled_with_a_tab_or_an_escape_is_dropped_once(link: str) -> None:
    """Found by the property below on main: the tracking parameter survived in the link's
    identity (found before w3lib removed the tab or the escape), and was dropped from the
    identity of the URL requested for it, so the page fetched was another story than the link."""
    canonical = canonical_url(link)
    assert canonical is not None
    sent = Request(canonical).url
    assert url_identity(link) == normalize_url(sent) == url_identity(canonical)
    assert url_identity(link) == "http://example.com/?a=1"


@many
@given(url_like.filter(lambda u: u.lower().startswith(("http://", "https://"))))
@example("http://example.com/? #0")
@example("http://[::1]:8080/news/?b=2&a=1#x")
@example("http://example.com?\tutm_source=")
def test_spider_and_loader_agree_on_every_url(url: str) -> None:
    """The loader names a story by a link (a teaser, a canonical link) or by the stored URL; the
    spider requests ``canonical_url(link)`` through Scrapy, which may escape it again, and
    stores the URL Scrapy sent: every way must reach the spider's identity of the link."""
    assert normalize_url(url) == url_identity(url)
    canonical = canonical_url(url)
    if canonical is None:
        return
    try:
        sent = Request(canonical).url
    except ValueError:  # no host: Scrapy refuses it, and so nothing is stored
        return
    assert normalize_url(sent) == url_identity(url)
    assert url_identity(sent) == url_identity(canonical)


BASES = [
    "http://example.com/news/2024/story?page=2#top",
    "https://Example.COM:8443/a/b/",
    "http://user@example.com",
    "http://[::1]:8080/x/y;p?q",
    "http://example.com:99999/x",
    "ftp://example.com/dir/",
    "relative/path",
]


@many
@given(
    st.sampled_from(BASES),
    st.lists(st.sampled_from(PIECES), max_size=14).map(lambda tail: "/" + "".join(tail)),
)
@example("http://example.com/a/b", "/x/../y?q#f")
@example("http://example.com/a/b", "//other.example/x")
def test_absolute_url_is_urljoin(base: str, href: str) -> None:
    """Links starting with '/' are resolved on the page's origin and remembered across pages:
    the same URL as urljoin gives, or the same ValueError."""
    try:
        expected: str | type[ValueError] = urljoin(base, href)
    except ValueError:
        expected = ValueError
    try:
        found: str | type[ValueError] = absolute_url(base, href)
    except ValueError:
        found = ValueError
    assert found == expected
