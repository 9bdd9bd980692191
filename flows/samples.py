"""The sample sites as ``pitboard demo`` and ``pitboard samples serve`` serve them.

Both use one seed, one default size and one pair of ports, so the same URLs are served every
time: a second demo, or a crawl of ``samples serve``'s sites after a demo, finds the pages it
stored and stores nothing twice. A port another program holds is a UsageError-worthy mistake,
reported by :class:`SamplesUnavailable` with what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samplesite.server import ServedSites

SAMPLE_SITES = ("sample-fr", "sample-en")
SAMPLE_SEED = 2017
SAMPLE_ARTICLES = 40
# sample-fr on 8000, sample-en on 8001: the addresses the README's examples use.
SAMPLE_PORT = 8000


class SamplesUnavailable(RuntimeError):
    """The sample sites cannot be served on the ports asked for."""


@contextmanager
def serving_samples(
    articles: int = SAMPLE_ARTICLES, port: int = SAMPLE_PORT
) -> Iterator[ServedSites]:
    """The sample sites served on 127.0.0.1 from ``port`` on, until the block ends."""
    from samplesite.generator import MIN_ARTICLES, build_sample_sites
    from samplesite.server import PortInUse, ServedSites

    if articles < MIN_ARTICLES:
        raise SamplesUnavailable(f"--articles must be at least {MIN_ARTICLES}")
    served = ServedSites(build_sample_sites(articles=articles, seed=SAMPLE_SEED))
    try:
        served.start(port)
    except PortInUse as exc:
        raise SamplesUnavailable(
            f"{exc} (another `pitboard samples serve` or demo?): stop it, or pass --port N"
        ) from None
    try:
        yield served
    finally:
        served.stop()
