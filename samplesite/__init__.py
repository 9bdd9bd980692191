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
``model.PageTruth``; the URL shapes in ``shapes``. ``python -m samplesite --articles 50`` serves
until Ctrl-C.

The names below are loaded on first use: the crawler reads ``samplesite.shapes`` and must not pay
for importing the generator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samplesite.generator import build_sample_sites
    from samplesite.model import PageTruth, Response
    from samplesite.server import LoggedRequest, ServedSites, serve_sample_sites
    from samplesite.site import SampleSite

_HOMES = {
    "LoggedRequest": "samplesite.server",
    "PageTruth": "samplesite.model",
    "Response": "samplesite.model",
    "SampleSite": "samplesite.site",
    "ServedSites": "samplesite.server",
    "build_sample_sites": "samplesite.generator",
    "serve_sample_sites": "samplesite.server",
}

__all__ = [
    "LoggedRequest",
    "PageTruth",
    "Response",
    "SampleSite",
    "ServedSites",
    "build_sample_sites",
    "serve_sample_sites",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
