"""Deterministic sample news sites (French and English endurance racing) with their truth.

Used by the tests, the benches and ``pitboard demo``::

    sites = build_sample_sites(articles=200, seed=7)  # pure: {"sample-fr": ..., "sample-en": ...}
    response = sites["sample-fr"].render("/actualites/page/2/")    # status, headers, body bytes
    with serve_sample_sites(articles=200, seed=7) as served:        # 127.0.0.1, free ports
        served.base_url("sample-fr")                                # 'http://127.0.0.1:PORT'
        for page in served.truth():                                 # PageTruth, absolute URLs
            ...
        served.requests; served.clear_log(); served.set_edition(2)

What each site holds and plants is described in ``generator``; the truth fields in
``model.PageTruth``. ``python -m samplesite --articles 50`` serves until Ctrl-C.
"""

from samplesite.generator import build_sample_sites
from samplesite.model import PageTruth, Response
from samplesite.server import LoggedRequest, ServedSites, serve_sample_sites
from samplesite.site import SampleSite

__all__ = [
    "LoggedRequest",
    "PageTruth",
    "Response",
    "SampleSite",
    "ServedSites",
    "build_sample_sites",
    "serve_sample_sites",
]
