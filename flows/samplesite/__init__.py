"""Deterministic sample news sites (French and English endurance racing) with their truth.

``build_sample_sites`` makes the sites (pure, no I/O); ``serve_sample_sites`` serves them on
127.0.0.1 for tests, benches and ``pitboard demo``. See ``generator`` for what is planted.
"""

from flows.samplesite.generator import build_sample_sites
from flows.samplesite.model import PageTruth, Response
from flows.samplesite.server import LoggedRequest, ServedSites, serve_sample_sites
from flows.samplesite.site import SampleSite

__all__ = [
    "LoggedRequest",
    "PageTruth",
    "Response",
    "SampleSite",
    "ServedSites",
    "build_sample_sites",
    "serve_sample_sites",
]
