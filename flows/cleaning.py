"""Where the flows' cleaning runs: local worker processes, or a Dask cluster through Prefect.

``clean_stage`` is what the flows call. With ``PITBOARD_DASK_ADDRESS`` unset it is
``etl.clean_stored.clean_stored_pages`` on its local process pool. With an address, the same
function runs with each batch submitted as the Prefect task ``clean-batch`` to Prefect's
``DaskTaskRunner`` (prefect-dask): the cluster's workers run ``etl.clean_stored.clean_batch``,
the function the local processes run (and ``profile-sample`` tasks clean the sites' profile
samples), and the calling process reads the pages, learns the site profiles from the samples'
evidence and loads every batch in its transaction exactly as without Dask. Only the
cleaning, the CPU-bound part, moves.

Addresses: ``tcp://HOST:8786`` (a running ``dask scheduler``, with ``dask worker`` processes
anywhere that can import Pitboard), or ``local`` / ``local:N`` for a ``distributed.LocalCluster``
of N single-threaded worker processes (default: as many as the local pool would use), started
for the stage and stopped after it. prefect-dask is imported only when an address is set.
The workers report their task runs to the Prefect server, so Dask needs ``PREFECT_API_URL``:
with Prefect's temporary server each worker process would try to start one of its own.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from prefect import task
from prefect.cache_policies import NO_CACHE

from etl.clean.boilerplate import SiteProfile
from etl.clean.cleaner import Prepared
from etl.clean.records import RawPage
from etl.clean_stored import (
    BatchResult,
    CleanRunStats,
    PageVersion,
    SampledPage,
    Workers,
    clean_batch,
    clean_stored_pages,
    default_workers,
    local_workers,
    sample_evidence,
)
from etl.store.settings import load_settings

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

LOCAL = "local"
BATCH_SIZE = 200  # pages per batch: clean_stored_pages' unit of work


# A batch's 200 pages are its inputs: hashing them for a cache key (Prefect's default policy)
# would cost more than cleaning them, and a cleaned batch is never wanted twice.
@task(name="clean-batch", cache_policy=NO_CACHE, persist_result=False)
def clean_batch_task(
    pages: Sequence[RawPage],
    profiles: Mapping[str, SiteProfile | None],
    prepared: Mapping[PageVersion, Prepared] | None = None,
) -> BatchResult:
    """Clean one batch on whichever worker the task runner chose."""
    return clean_batch(pages, profiles, prepared)


@task(name="profile-sample", cache_policy=NO_CACHE, persist_result=False)
def profile_sample_task(pages: Sequence[RawPage]) -> list[SampledPage]:
    """Clean part of a site's profile sample on whichever worker the task runner chose."""
    return sample_evidence(pages)


def dask_task_runner(address: str) -> DaskTaskRunner:
    """Prefect's Dask task runner for ``address`` (see the module docstring)."""
    from prefect_dask import DaskTaskRunner

    if address == LOCAL or address.startswith(f"{LOCAL}:"):
        count = address.partition(":")[2]
        workers = int(count) if count else default_workers()
        if workers < 1:
            raise ValueError(f"PITBOARD_DASK_ADDRESS={address!r}: want local:N with N >= 1")
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,  # cleaning holds the GIL: one batch per process
                "processes": True,
                "dashboard_address": None,
            },
        )
    return DaskTaskRunner(address=address)


class DaskNeedsPrefectServer(RuntimeError):
    """Dask workers run Prefect task runs: each would otherwise start a temporary server of
    its own, and time out doing so."""


class DaskWorkers(NamedTuple):
    """What ``clean_stored_pages`` needs to clean on a Dask cluster."""

    submit: Callable[..., Any]  # a SubmitBatch: one clean-batch task run per call
    submit_sample: Callable[..., Any]  # a SubmitSample: one profile-sample task run per call
    threads: int


@contextmanager
def dask_submitter(address: str, *, warm_up: bool = False) -> Iterator[DaskWorkers]:
    """Submitters of batches and profile samples to the Dask cluster at ``address``, and its
    thread count, for as long as the block lasts. ``warm_up``: every worker imports the
    cleaning code first (benchmarks; a flow lets the first batch pay for it)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise DaskNeedsPrefectServer(
            f"PITBOARD_DASK_ADDRESS={address!r} needs a Prefect server that the Dask workers "
            "report to: set PREFECT_API_URL (see README, Scaling out)"
        )
    with dask_task_runner(address) as runner:

        def submit(
            pages: Sequence[RawPage],
            profiles: Mapping[str, SiteProfile | None],
            prepared: Mapping[PageVersion, Prepared],
        ) -> Any:
            parameters = {"pages": pages, "profiles": profiles, "prepared": prepared}
            return runner.submit(clean_batch_task, parameters)

        def submit_sample(pages: Sequence[RawPage]) -> Any:
            return runner.submit(profile_sample_task, {"pages": pages})

        if warm_up:
            runner.client.run(importlib.import_module, "etl.clean_stored")
        threads = sum(runner.client.nthreads().values())
        yield DaskWorkers(submit, submit_sample, max(1, threads))


def clean_stage(
    engine: Engine,
    sites: Sequence[str] | None = None,
    *,
    everything: bool = False,
    progress: Callable[[CleanRunStats], None] | None = None,
    dask_address: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> CleanRunStats:
    """Clean and load the stored pages waiting (or all, with ``everything``), on the Dask
    cluster of ``dask_address`` (default: ``PITBOARD_DASK_ADDRESS``) or locally."""
    address = dask_address or load_settings().dask_address
    if not address:
        return clean_stored_pages(
            engine, sites, everything=everything, progress=progress, batch_size=batch_size
        )
    with dask_submitter(address) as dask:
        log.info("cleaning on the Dask cluster %s: %d worker threads", address, dask.threads)
        return clean_stored_pages(
            engine,
            sites,
            everything=everything,
            progress=progress,
            batch_size=batch_size,
            submit=dask.submit,
            submit_sample=dask.submit_sample,
            workers=dask.threads,
        )


@contextmanager
def cleaning_workers(dask_address: str | None = None) -> Iterator[Workers]:
    """Workers for the cleaning runs of a whole flow run, which share them (the sites' runs
    overlap with their crawls and with each other): the Dask cluster of ``dask_address``
    (default: ``PITBOARD_DASK_ADDRESS``), else a local pool of ``default_workers()``
    processes."""
    address = dask_address or load_settings().dask_address
    if not address:
        with local_workers() as workers:
            yield workers
        return
    with dask_submitter(address) as dask:
        log.info("cleaning on the Dask cluster %s: %d worker threads", address, dask.threads)
        yield Workers(dask.submit, dask.submit_sample, dask.threads, split=False)
