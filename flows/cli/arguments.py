"""Checks of command-line values that every command shares: counts, sites and their addresses.

argparse reports a bad ``type=`` value itself (one line, exit code 2); the checks that need the
site registry raise :class:`~flows.cli.common.UsageError`, which ``flows.cli.main`` reports the
same way. Both happen before any work starts, so a mistake never leaves a half-done run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from flows.cli.common import UsageError


def positive_int(value: str) -> int:
    """An ``int`` of at least 1 (``--max-pages``, ``--articles``...): 0 or -1 never means
    "unlimited", which leaving the option out already says."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def port_number(value: str) -> int:
    """A TCP port to listen on (1-65535)."""
    number = positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {number}")
    return number


def known_site_names() -> list[str]:
    from crawler.registry import all_sites

    return list(all_sites())


def check_sites(names: Sequence[str]) -> None:
    """UsageError naming those of ``names`` Pitboard does not know, with the valid names."""
    known = known_site_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        label = "unknown site" if len(unknown) == 1 else "unknown sites"
        raise UsageError(
            f"{label}: {', '.join(unknown)} (known: {', '.join(known)}; "
            "`pitboard sites` describes them)"
        )


def parse_base_urls(values: Sequence[str] | None, sites: Sequence[str]) -> dict[str, str]:
    """``--base-url`` values as a site -> address mapping.

    Each value is ``SITE=URL``, or a bare ``URL`` when exactly one site is named (as
    ``pitboard crawl SITE --base-url URL``). UsageError names a value that is neither.
    """
    base_urls: dict[str, str] = {}
    for value in values or []:
        site, sep, url = value.partition("=")
        if sep and "://" not in site:
            if not site or not url:
                raise UsageError(f"--base-url expects SITE=URL or URL, got {value!r}")
            base_urls[site] = url
        elif len(sites) == 1:
            base_urls[sites[0]] = value
        else:
            raise UsageError(
                f"--base-url {value}: with several sites, say which one: --base-url SITE={value}"
            )
    for url in base_urls.values():
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {url!r}: write the address as http://HOST:PORT")
    return base_urls


def check_bound(sites: Sequence[str], base_urls: dict[str, str]) -> None:
    """UsageError when a site served at an address known only at run time (a sample site) has
    none in ``base_urls``."""
    from crawler.registry import all_sites

    known = all_sites()
    unbound = [s for s in sites if known[s].base_url is None and s not in base_urls]
    if not unbound:
        return
    from flows.samples import SAMPLE_PORT, SAMPLE_SITES

    def address(site: str) -> str:
        if site in SAMPLE_SITES:
            return f"http://127.0.0.1:{SAMPLE_PORT + SAMPLE_SITES.index(site)}"
        return "http://HOST:PORT"

    if len(unbound) == 1 and len(sites) == 1:
        how = f"--base-url {address(unbound[0])}"
    else:
        how = " ".join(f"--base-url {s}={address(s)}" for s in unbound)
    served = " after `pitboard samples serve`" if set(unbound) <= set(SAMPLE_SITES) else ""
    raise UsageError(f"{', '.join(unbound)} has no fixed address: pass {how}{served}")
