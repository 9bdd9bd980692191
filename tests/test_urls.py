"""URL identity (etl.dedup.urls): one spelling per page, the same for the crawler and the loader.

The expected values are what the crawler's own copy of these functions returned before the
crawler and the loader shared one module: request URLs, fingerprints and stored identities
must not move.
"""

from __future__ import annotations

import pytest

from etl.dedup.urls import (
    canonical_url,
    identity_of_canonical,
    normalize_url,
    same_site,
    url_identity,
)

TRACKING_NAMES = [
    "utm_source",
    "UTM_Medium",
    "utm_campaign",
    "Utm_Term",
    "utm_content",
    "utm_id",
    "FBCLID",
    "gclid",
    "DClid",
    "gbraid",
    "wbraid",
    "MSCLKID",
    "mc_cid",
    "MC_EID",
    "igshid",
    "yclid",
    "_ga",
    "_GL",
    "ref_src",
    "CmpId",
    "xtor",
    "at_medium",
    "AT_CAMPAIGN",
]

# The identity of a page, and spellings of it met in links, sitemaps and redirects.
SAME_PAGE = {
    "http://example.com/news/a-1": [
        "http://example.com/news/a-1?FBCLID=x",
        "http://example.com/news/a-1?_GL=x",
        "http://example.com/news/a-1?utm_source=x&utm_medium=y#top",
        "http://example.com/news/a-1#top",
        "http://example.com/news/a-1/#",
        "http://example.com/news/a-1/",
        "http://example.com/news/a-1//",
        "http://example.com:80/news/a-1",
        "http://example.com/news/a-1?",
        "http://example.com/news/a-1/?",
        "http://example.com/./news/../news/a-1",
        "  http://example.com/news/a-1/  ",
        "\thttp://example.com/news/a-1?utm_source=x\n",
    ],
    "http://example.com/news/a-1?b=1&page=2": [
        "http://example.com/news/a-1/?page=2&UTM_Medium=x&b=1",
        "http://example.com/news/a-1?b=1&page=2&gclid=1",
    ],
    "https://example.com/news/a-1?page=3": [
        "https://example.com/news/a-1?UTM_SOURCE=a&Utm_Medium=b&page=3",
        "https://example.com:443/news/a-1/?page=3",
    ],
    "http://example.com/news/a-1?a=1": ["http://example.com/news/a-1?fbclid=&a=1"],
    "http://example.com/news/a-1?page=2": ["http://example.com/news/a-1?utm_source=x&page=2#c"],
    "http://example.com/news/a-1?utm_=1": ["http://example.com/news/a-1?utm_=1"],
    "http://example.com/news/a-1?xutm_source=1": ["http://example.com/news/a-1?xutm_source=1"],
    "http://example.com/": [
        "http://example.com",
        "http://example.com/",
        "http://example.com//",
        "http://example.com:80/",
        "http://example.com/?",
        "http://example.com/#frag",
    ],
    "http://example.com:443/news": ["http://example.com:443/news"],
    "http://example.com:8080/News": ["http://Example.COM:8080/News/"],
    "http://example.com/news": [
        "http://user@example.com:80/news/",
        "http://example.com/news/a-1/..",
    ],
    "http://example.com/news/a-1?a=1&b=2": [
        "http://example.com/news/a-1?b=2&a=1",
        "http://example.com/news/a-1?a=1&&b=2",
    ],
    "http://example.com/search?q=daytona&q=le+mans": [
        "http://example.com/search?q=le+mans&q=daytona",
    ],
    "http://example.com/news/a-1?a=1%3Bb%3D2": ["http://example.com/news/a-1?a=1;b=2"],
    "http://example.com/news/caf%C3%A9": [
        "http://example.com/news/caf%c3%a9",
        "http://example.com/news/café",
    ],
    "http://example.com/news/~user": ["http://example.com/news/%7Euser"],
    "http://example.com/news/a-1?q=+x": ["http://example.com/news/a-1?q=%20x"],
    "http://example.com/News/A-1": ["HTTP://EXAMPLE.COM/News/A-1"],
    "https://www.example.com/": ["HTTPS://WWW.Example.com:443/"],
    "http://xn--bcher-kva.example/news": [
        "http://bücher.example/news/",
        "http://BÜCHER.example/news/?utm_source=x",
    ],
    "http://xn--r8jz45g.xn--zckzah/%E8%A8%98%E4%BA%8B": ["http://例え.テスト/記事"],
    # A space before the fragment belongs to the query or the path, as a browser reads it.
    "http://example.com/?+=": ["http://example.com/? #0"],
    "http://example.com/news/%20": ["http://example.com/news/ #0"],
}
SPELLINGS = [(spelling, page) for page, spellings in SAME_PAGE.items() for spelling in spellings]

# What is requested keeps the trailing slash and an explicit port, as the site linked them.
REQUESTED_AS = {
    "http://example.com/news/a-1/": "http://example.com/news/a-1/?utm_source=x#top",
    "http://example.com//": "http://example.com//",
    "http://example.com:80/": "http://example.com:80/",
    "https://example.com:443/news/": "https://example.com:443/news/",
    "http://user@example.com:80/news/": "http://user@example.com:80/news/",
    "http://example.com/news/": "http://example.com/news/a-1/..",
    "http://xn--bcher-kva.example/news/": "http://BÜCHER.example/news/?utm_source=x",
}

# Every spelling above and then some: what the crawler and the loader must agree on.
VARIED = [
    *(spelling for spelling, _ in SPELLINGS),
    *REQUESTED_AS.values(),
    *(f"http://example.com/news/a-1?{name}=x" for name in TRACKING_NAMES),
    *(f"http://example.com/news/a-1/?page=2&{name}=x&b=1#top" for name in TRACKING_NAMES),
    "http://example.com/news/a-1?utm_source=x%26y",
    "http://example.com/news/a-1?a=1&a=2&utm_source=z",
    "http://example.com/news/a-1?fbclid",
    "http://example.com/news?a #0",
    "http://example.com/news?a=1 #0",
    "http://example.com/news/a b",
    "http://example.com/news/a-1?a=%zz",
    "https://example.com:80/news",
    "http://127.0.0.1:8123/news/?page=2",
    "http://[::1]:8080/news/",
    "ftp://example.com/file/",
    "/relative/path/",
]


@pytest.mark.parametrize(("spelling", "identity"), SPELLINGS)
def test_every_spelling_of_a_page_has_its_identity(spelling: str, identity: str) -> None:
    assert url_identity(spelling) == identity
    assert identity_of_canonical(canonical_url(spelling)) == identity


@pytest.mark.parametrize(("requested", "spelling"), REQUESTED_AS.items())
def test_a_request_keeps_the_slash_and_port_the_site_used(requested: str, spelling: str) -> None:
    assert canonical_url(spelling) == requested


@pytest.mark.parametrize("name", TRACKING_NAMES)
def test_every_tracking_parameter_is_dropped_in_any_case(name: str) -> None:
    assert url_identity(f"http://example.com/a/?{name}=1&page=2") == "http://example.com/a?page=2"


def test_the_loader_and_the_crawler_name_a_page_alike() -> None:
    assert [normalize_url(u) for u in VARIED] == [url_identity(u) for u in VARIED]


UNPARSABLE = [
    "http://[::1",
    "http://example.com:99999/news",
    "http://example.com:99999/x",
    "http://example.com:abc/news",
    "http://ex:abc/",
    "A://[",
    "http://[::1]:65536/",
]


@pytest.mark.parametrize("url", UNPARSABLE)
def test_an_unparsable_url_has_no_identity_and_raises_nothing(url: str) -> None:
    """Finding 1 of issue 15: these raised ValueError, and one such link stopped every load."""
    for identity in (canonical_url, url_identity, normalize_url):
        assert identity(url) is None
    assert not same_site(url, "http://example.com/")


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://[::1]:8080/news/", "http://[::1]:8080/news"),
        ("http://[::1]:80/news", "http://[::1]/news"),
        ("https://[2001:DB8::1]/a/?utm_source=x", "https://[2001:db8::1]/a"),
    ],
)
def test_an_ipv6_host_keeps_its_brackets(url: str, identity: str) -> None:
    """Finding 1 of issue 15: ``http://[::1]:8080/`` became ``http://::1:8080/``, which raised."""
    assert url_identity(url) == identity
    assert url_identity(identity) == identity


def test_same_site_means_same_host_and_port() -> None:
    assert same_site("http://example.com/a", "http://EXAMPLE.com/b")
    assert not same_site("http://example.com/a", "http://example.com:80/b")
    assert not same_site("http://127.0.0.1:8123/a", "http://127.0.0.1:8124/a")
