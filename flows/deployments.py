"""Pitboard's scheduled deployments: one crawl per site on its own cadence, and a nightly re-clean.

Declared in Python (``to_deployment`` + ``serve``) rather than in a ``prefect.yaml``, so the
schedules come straight from the site descriptions and adding a site adds its deployment.
``serve`` runs the flows in this process's machine; it needs a real Prefect server
(``PREFECT_API_URL``): the temporary one a bare flow run starts cannot schedule anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crawler.registry import get_site, real_sites

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

RECLEAN_DEPLOYMENT = "nightly-reclean"
# After the night's hourly crawls have settled, before the morning's news.
RECLEAN_CRON = "30 3 * * *"


def crawl_deployment_name(site: str) -> str:
    """The deployment that crawls ``site`` (``crawl-<site>``)."""
    return f"crawl-{site}"


def build_deployments(
    sites: Sequence[str] | None = None,
    *,
    interval: float | None = None,
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
) -> list[RunnerDeployment]:
    """One ``crawl_and_clean`` deployment per site plus the nightly ``reclean``.

    Each crawl runs on its site's ``cadence`` cron unless ``interval`` (seconds) is given, which
    is for demos and tests against the sample sites. ``concurrency_limit=1`` keeps Prefect from
    starting a site's run while the previous one is still going (the flow's PostgreSQL lock is
    the second line of defence, for runs started outside these deployments). The database is
    never a parameter (Prefect stores parameters in clear): the flows read
    PITBOARD_DATABASE_URL from the serving process's environment.
    """
    from prefect.deployments.runner import EntrypointType

    from flows.crawl_and_clean import crawl_and_clean, reclean

    names = list(sites) if sites else [site.name for site in real_sites()]
    # A module path, not a file path: the flows are found wherever the package is installed.
    common: dict[str, Any] = {"entrypoint_type": EntrypointType.MODULE_PATH, "concurrency_limit": 1}
    deployments = []
    for name in names:
        site = get_site(name)
        parameters: dict[str, Any] = {"sites": [name]}
        if base_urls and name in base_urls:
            parameters["base_urls"] = {name: base_urls[name]}
        if max_pages is not None:
            parameters["max_pages"] = max_pages
        schedule: dict[str, Any] = (
            {"interval": interval} if interval is not None else {"cron": site.cadence}
        )
        deployments.append(
            crawl_and_clean.to_deployment(
                name=crawl_deployment_name(name),
                parameters=parameters,
                tags=["pitboard", "crawl", f"site:{name}"],
                description=f"Crawl {name} ({site.language}), then clean and load what it fetched.",
                **schedule,
                **common,
            )
        )
    reclean_parameters: dict[str, Any] = {"everything": True}
    deployments.append(
        reclean.to_deployment(
            name=RECLEAN_DEPLOYMENT,
            cron=RECLEAN_CRON,
            parameters=reclean_parameters,
            tags=["pitboard", "reclean"],
            description="Clean every stored page again with the current rules, without crawling.",
            **common,
        )
    )
    return deployments


def serve_deployments(
    sites: Sequence[str] | None = None,
    *,
    interval: float | None = None,
    base_urls: dict[str, str] | None = None,
    max_pages: int | None = None,
) -> None:
    """Register the deployments with the Prefect server; run their scheduled flows until stopped.

    Stopped by SIGINT or SIGTERM, it first stops the flow runs in progress (each records its
    sites 'interrupted'), then raises the interrupt as the process's own handlers do
    (``flows.interruptible_runner``): ``pitboard serve`` exits 130 / 143 as every command.
    """
    from flows.interruptible_runner import InterruptibleRunner, serve

    runner = InterruptibleRunner(pause_on_shutdown=True)
    for deployment in build_deployments(
        sites, interval=interval, base_urls=base_urls, max_pages=max_pages
    ):
        runner.add_deployment(deployment)
    serve(runner)
