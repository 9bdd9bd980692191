"""URL identity: the one spelling under which Pitboard stores a page.

The same article is linked as ``/slug``, ``/slug/``, ``/slug?utm_source=x`` or ``/slug#top``;
all of them must name one row. w3lib (Scrapy's own URL library) does the RFC work - case,
percent-encoding, query order; this module adds what identity needs on top: tracking
parameters, default ports and the trailing slash.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Parameters that say where a click came from, never which page it is.
TRACKING_PARAMETER = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_ga|_gl|ref_src|cmpid|xtor|at_medium|at_campaign)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def strip_tracking(url: str) -> str:
    """``url`` without its tracking parameters (and without its fragment)."""
    parts = urlsplit(url)
    if not parts.query:
        return urlunsplit(parts._replace(fragment=""))
    names = {kv.split("=", 1)[0] for kv in parts.query.split("&") if kv}
    tracking = [name for name in names if TRACKING_PARAMETER.match(name)]
    if not tracking:
        return urlunsplit(parts._replace(fragment=""))
    return url_query_cleaner(url, tracking, remove=True, keep_fragments=False)


def normalize_url(url: str) -> str:
    """The identity of ``url``: lower-case scheme and host, no default port, no fragment, no
    tracking parameters, sorted query, no trailing slash (except the root)."""
    canonical = canonicalize_url(strip_tracking(url.strip()))
    parts = urlsplit(canonical)
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(parts.scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def same_site(url: str, other: str) -> bool:
    """True when both URLs share host and port (a canonical link must not leave the site)."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and a.port == b.port
