"""URL identity: the one spelling under which Pitboard requests, fingerprints and stores a page.

The same article is linked as ``/slug``, ``/slug/``, ``/slug?utm_source=x`` or ``/slug#top``;
all of them must be fetched once and name one row. w3lib (Scrapy's own URL library) does the
RFC work - case, percent-encoding, query order, IDN; this module adds what identity needs on top:
tracking parameters, default ports and the trailing slash. The crawler (request fingerprints,
conditional requests, link following) and the loader share it, so the URL a page was requested
under and the URL its article is stored under cannot drift apart.

Never raises on what a page links to: a link is hostile input. A URL that cannot be parsed
(a port out of range or not a number, a broken IPv6 host, an unencodable host name) has no
identity: ``canonical_url`` and ``url_identity`` return None, and the caller drops it and
counts it (the spider's ``pitboard/invalid_urls`` stat, the loader's ``invalid_urls``).

Kept light (``re``, ``urllib``, w3lib): the spider process imports it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Parameters that say where a click came from, never which page it is.
TRACKING_PARAMETER = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_ga|_gl|ref_src|cmpid|xtor|at_medium|at_campaign)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


# Memoised: a crawl meets one URL several times over (the link, the request's fingerprint, its
# conditional-request lookup, the stored page's identity), and w3lib's canonicalisation was a
# tenth of a spider's CPU (cProfile, 2,640 responses: 23,476 calls). Only URLs of a sane length:
# a hostile page's megabyte-long links must not stay in memory.
MEMOISED_URL_CHARS = 2048


def canonical_url(url: str) -> str | None:
    """``url`` as Pitboard requests it: no fragment, no tracking parameters, query sorted and
    percent-encoding normalised (w3lib), host in lower case. The trailing slash is kept: some
    servers answer only the spelling they link to.
    None for a URL that cannot be parsed (a bad port, a broken IPv6 host) or has no host: it
    names no page."""
    if len(url) <= MEMOISED_URL_CHARS:
        return _remembered_canonical_url(url)
    return _canonical_url(url)


def _canonical_url(url: str) -> str | None:
    try:
        canonical = _canonical(url)
        parts = urlsplit(canonical)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError:  # UnicodeError (an unencodable host) is a ValueError too
        return None
    if not parts.hostname:  # ``a:////0``, ``mailto:x``: no host, no page of any site
        return None
    return canonical


_remembered_canonical_url = lru_cache(maxsize=1 << 15)(_canonical_url)


def _canonical(url: str) -> str:
    # Tracking parameters are found in the canonical spelling, where w3lib has already dropped
    # the tabs and newlines a URL may hold and decoded what needs no escape: found in the raw
    # link, ``?\tutm_source=`` or ``?utm%5Fsource=`` kept theirs, and the URL requested (and
    # stored) lost it when named again - two identities for one link.
    canonical = canonicalize_url(url.strip(), keep_fragments=False)
    query = urlsplit(canonical).query
    if query:
        names = {kv.split("=", 1)[0] for kv in query.split("&") if kv}
        tracking = [name for name in names if TRACKING_PARAMETER.match(name)]
        if tracking:
            cleaned = url_query_cleaner(canonical, tracking, remove=True, keep_fragments=False)
            canonical = canonicalize_url(cleaned, keep_fragments=False)
    return canonical


def url_identity(url: str) -> str | None:
    """What makes two URLs the same page: ``canonical_url`` without the trailing slash (except
    the root's) and without a default port. None for a URL ``canonical_url`` refuses."""
    canonical = canonical_url(url)
    return None if canonical is None else identity_of_canonical(canonical)


def identity_of_canonical(url: str) -> str:
    """``url_identity`` of a URL already passed through ``canonical_url`` (saves a second
    canonicalisation on the hot path of link following)."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets, or its port could not be told apart
        host = f"[{host}]"
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


# The loader's name for the identity an article is stored under: the crawler's, by definition.
normalize_url = url_identity


def same_site(url: str, other: str) -> bool:
    """True when both URLs share host and port (a canonical link must not leave the site)."""
    try:
        a, b = urlsplit(url), urlsplit(other)
        return (a.hostname or "").lower() == (b.hostname or "").lower() and a.port == b.port
    except ValueError:  # a link that cannot be parsed is on no site
        return False
