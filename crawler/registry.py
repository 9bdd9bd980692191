"""Every site Pitboard knows, gathered from where descriptions live, in this order:

1. the shipped file ``crawler/data/sites.toml`` (the real sites);
2. the sample sites, built in code from ``samplesite.shapes`` (``crawler.sites``);
3. the user's files, ``$PITBOARD_HOME/sites.d/*.toml``, in name order;
4. ``$PITBOARD_SITES_FILE``, when set.

A name defined twice is refused (SiteFileError naming both places): a user's file never
silently replaces a built-in site. The files are read afresh by each call (they are small), so a
site added by ``pitboard sites add`` is known to the next command without a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from crawler.site_files import SiteFileError, read_site_file
from crawler.sites import SAMPLE_EN, SAMPLE_FR, SiteDescription
from etl.store.settings import Settings, load_settings

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "sites.toml"
SHIPPED_SOURCE = "crawler/data/sites.toml (built in)"


def user_site_files(settings: Settings | None = None) -> list[Path]:
    """The user's site files, in the order they are read."""
    settings = settings or load_settings()
    files = sorted(settings.sites_dir.glob("*.toml")) if settings.sites_dir.is_dir() else []
    if settings.sites_file is not None:
        files.append(settings.sites_file)
    return files


def _described(settings: Settings) -> Iterator[SiteDescription]:
    for site in read_site_file(SHIPPED_FILE):
        yield replace(site, source=SHIPPED_SOURCE)
    yield from (SAMPLE_FR, SAMPLE_EN)
    for path in user_site_files(settings):
        yield from read_site_file(path)


def all_sites(settings: Settings | None = None) -> dict[str, SiteDescription]:
    """Every known site by name, built-in ones first; SiteFileError when a file is wrong."""
    sites: dict[str, SiteDescription] = {}
    for site in _described(settings or load_settings()):
        if site.name in sites:
            raise SiteFileError(
                f"{site.source}: site {site.name!r}: already defined in {sites[site.name].source}"
                " (choose another name)"
            )
        sites[site.name] = site
    return sites


def real_sites(settings: Settings | None = None) -> list[SiteDescription]:
    """The sites on the internet (the user's included), in registry order."""
    return [site for site in all_sites(settings).values() if not site.sample]


def sample_sites(settings: Settings | None = None) -> list[SiteDescription]:
    """The generated sites, whose address is given at run time."""
    return [site for site in all_sites(settings).values() if site.sample]


def get_site(name: str, settings: Settings | None = None) -> SiteDescription:
    """The description named ``name``; KeyError names the known sites."""
    sites = all_sites(settings)
    try:
        return sites[name]
    except KeyError:
        raise KeyError(f"unknown site {name!r}; known: {', '.join(sites)}") from None
