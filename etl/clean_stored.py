"""Clean stored raw pages and load the results: the step between the crawl and the tables.

It reads raw pages in id order, cleans each with ``etl.clean.cleaner.clean_page`` (pure, CPU-bound:
spread over worker processes when there is enough work) and loads every batch in its own
transaction, so an interrupted run loses at most one batch of work and a re-run resumes
where it stopped (a page is marked cleaned in the same transaction that stores its article).
A database that stops answering meanwhile (a restart) is waited for: each read and each load
is retried on a refused or dropped connection (``etl.store.patience``); a load is one
transaction, done again whole, and loading the same records twice stores them once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import active_children, get_context, parent_process
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import NamedTuple, Protocol

from sqlalchemy.engine import Engine

from etl.clean.boilerplate import SiteProfile
from etl.clean.cleaner import (
    Prepared,
    ProfileEvidence,
    clean_page,
    evidence_of,
    finish_page,
    prepare_page,
    profile_from_evidence,
)
from etl.clean.content_type import is_html
from etl.clean.records import CleanedPage, RawPage
from etl.store.articles import CleanedRecord, LoadStats, load_cleaned, with_identity
from etl.store.patience import patiently
from etl.store.raw_pages import (
    count_pages_to_clean,
    count_successful_pages,
    pages_to_clean,
    sample_pages,
)

log = logging.getLogger(__name__)

MIN_PROFILE_PAGES = 20


@dataclass(slots=True)
class CleanRunStats:
    """Counts of one cleaning run, for logs, Prefect artifacts and ``crawl_runs``."""

    pages: int = 0
    failed: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0  # of ``seconds``, the part spent writing to the database
    kinds: dict[str, int] = field(default_factory=dict)
    load: LoadStats = field(default_factory=LoadStats)

    def add(self, other: CleanRunStats) -> None:
        """Fold another run's counts into these (a command that cleans site after site)."""
        self.pages += other.pages
        self.failed += other.failed
        self.seconds += other.seconds
        self.load_seconds += other.load_seconds
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        self.load.add(other.load)

    def as_dict(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "failed": self.failed,
            "seconds": round(self.seconds, 2),
            "load_seconds": round(self.load_seconds, 2),
            "kinds": dict(self.kinds),
            **self.load.as_dict(),
        }


def is_cleanable(page: RawPage) -> bool:
    """Only successful HTML responses have an article to find; HTML as the spider judged it
    when it stored the page."""
    return page.status == 200 and bool(page.body) and is_html(page.headers, page.body)


def clean_one(
    page: RawPage, profile: SiteProfile | None = None, prepared: Prepared | None = None
) -> CleanedRecord:
    """Clean one stored page; a page that is not cleanable becomes kind 'other'.
    ``prepared``: the page as its profile sample left it (``sample_evidence``): only what the
    profile changes is done again."""
    if is_cleanable(page):
        if prepared is not None:
            cleaned = finish_page(prepared, site_profile=profile)
        else:
            cleaned = clean_page(page.body, page.final_url, site_profile=profile)
    else:
        cleaned = CleanedPage(url=page.final_url, kind="other")
    # The story's identity (hash, MinHash signature) is computed here, in the worker, so the
    # loader - one process for all workers - only writes.
    return with_identity(CleanedRecord(page.id, page.site, page.final_url, cleaned))


@dataclass(frozen=True, slots=True)
class BatchResult:
    records: list[CleanedRecord]
    failures: list[tuple[str, str]]  # (url, error): left uncleaned, retried by the next run


# A stored page as read: its id and when it was fetched (a re-fetch stores it anew).
PageVersion = tuple[int | None, datetime]


def page_version(page: RawPage) -> PageVersion:
    return page.id, page.fetched_at


def clean_batch(
    pages: Sequence[RawPage],
    profiles: Mapping[str, SiteProfile | None] | None = None,
    prepared: Mapping[PageVersion, Prepared] | None = None,
) -> BatchResult:
    """Clean one batch: the unit of work a worker (a local process or a Dask task) does.
    ``prepared``: pages of the batch that a profile sample prepared, by ``page_version``."""
    records, failures = [], []
    for page in pages:
        try:
            ready = prepared.get(page_version(page)) if prepared else None
            records.append(clean_one(page, (profiles or {}).get(page.site), ready))
        except Exception as exc:  # one bad page must not sink its batch
            failures.append((page.url, f"{type(exc).__name__}: {exc}"))
    return BatchResult(records, failures)


PROFILE_SAMPLE = 150
# While a crawl stores pages, how often a cleaning run that caught up looks for new ones.
ARRIVAL_POLL_SECONDS = 0.5


# A profile sample's page cleaned without the profile: what it tells the profile, and the page
# as far as the profile cannot change it, kept for its own cleaning later in the run.
SampledPage = tuple[ProfileEvidence, Prepared]


def sample_evidence(pages: Sequence[RawPage]) -> list[SampledPage]:
    """What a part of a profile sample tells (a worker's unit of work, as ``clean_batch``),
    with each page prepared (``etl.clean.cleaner.prepare_page``): the sample's pages are
    cleaned once more with the profile learned, and that cleaning then runs their rules only
    (the sample was 300 of a flow run's 5,271 pages cleaned twice on the sample sites)."""
    sampled = []
    for page in pages:
        prepared = prepare_page(page.body, page.final_url)
        sampled.append((evidence_of(finish_page(prepared)), prepared))
    return sampled


class EvidenceFuture(Protocol):
    def result(self) -> list[SampledPage]: ...


# Cleaning part of a profile sample elsewhere: pages -> a future of their evidence, in order.
SubmitSample = Callable[[Sequence[RawPage]], EvidenceFuture]


class ProfileSample(NamedTuple):
    """A site's profile as learned from its sample, and the sample's pages prepared (by
    ``page_version``) for their own cleaning."""

    profile: SiteProfile | None
    prepared: dict[PageVersion, Prepared]


def profile_sample(
    engine: Engine,
    site: str,
    sample: int = PROFILE_SAMPLE,
    *,
    submit: SubmitSample | None = None,
    parts: int = 1,
) -> ProfileSample:
    """Learn what recurs across ``site``'s pages from its latest stored pages.

    Lines that survive every generic rule yet repeat across a site's pages are its own
    chrome; learning them per run from the stored pages keeps no hand-kept list of strings.
    Too few pages say nothing reliable: then there is no profile.

    The sample is cleaned in this process, or in ``parts`` pieces by ``submit`` (the workers
    that clean the batches): every batch waits for its site's profile, so a sample cleaned
    in one process while the others wait bounded what more workers could gain.
    """

    def read() -> list[RawPage]:
        with engine.connect() as conn:
            return sample_pages(conn, site, sample)

    pages = [p for p in patiently(f"reading pages of {site}", read) if is_cleanable(p)]
    if len(pages) < MIN_PROFILE_PAGES:
        return ProfileSample(None, {})
    if submit is None or parts <= 1:
        sampled = sample_evidence(pages)
    else:
        size = -(-len(pages) // parts)
        futures = [submit(pages[i : i + size]) for i in range(0, len(pages), size)]
        sampled = [s for f in futures for s in f.result()]
    profile = profile_from_evidence(site, (evidence for evidence, _ in sampled))
    log.info(
        "%s: learned %d recurring lines from %d pages", site, len(profile.recurring), len(pages)
    )
    prepared = {page_version(p): ready for p, (_, ready) in zip(pages, sampled, strict=True)}
    return ProfileSample(profile, prepared)


def iter_pages_to_clean(
    engine: Engine,
    sites: Sequence[str] | None = None,
    *,
    everything: bool = False,
    batch_size: int = 200,
    arriving: threading.Event | None = None,
    poll_seconds: float = ARRIVAL_POLL_SECONDS,
    caught_up: Callable[[], None] | None = None,
) -> Iterator[list[RawPage]]:
    """Yield batches of stored pages waiting for cleaning (or all of them, to re-clean).

    Each batch is read on a connection of its own, by ascending id: no transaction stays open
    while a batch is cleaned, pages stored meanwhile are picked up, and memory stays bounded
    whatever the table size. With ``arriving`` (pages are still being stored: a crawl runs),
    a read that finds nothing new calls ``caught_up`` (the caller loads what it holds), waits
    ``poll_seconds`` and reads again, until the event is set and a read after it finds
    nothing.
    """
    last_id = 0

    def read() -> list[RawPage]:
        with engine.connect() as conn:
            return pages_to_clean(
                conn, sites, after_id=last_id, everything=everything, limit=batch_size
            )

    while True:
        done = arriving is None or arriving.is_set()  # before the read: nothing stored after
        batch = patiently("reading pages to clean", read)
        if batch:
            last_id = batch[-1].id or 0
            yield batch
        elif done:
            return
        else:
            assert arriving is not None
            if caught_up is not None:
                caught_up()
            arriving.wait(poll_seconds)


# What a cleaning worker needs imported before its first page, imported once in the fork server.
_WORKER_MODULES = ["etl.clean_stored"]


def worker_context() -> BaseContext:
    """How cleaning workers start: forked from multiprocessing's fork server, which imported
    the cleaning code once (about 1 CPU s a process) and stays for later pools of this process
    (``pitboard serve``'s next runs). Not forked from this process itself: it may hold threads
    (Prefect, database pools) that a fork would copy mid-step."""
    context = get_context("forkserver")
    context.set_forkserver_preload(_WORKER_MODULES)
    return context


def _worker_init() -> None:
    """Set up a cleaning worker: interrupts are the parent's to handle (it stops the workers),
    and a worker whose parent died (SIGKILL) exits at once instead of finishing a batch nobody
    will load. The parent's death is read from multiprocessing's sentinel of it, which a fork
    server's child has too (its parent process is the fork server, not the pool's owner)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _stop_workers(workers: Sequence[BaseProcess], grace: float = 3.0) -> None:
    """Terminate the pool's worker processes now (an interrupt: their batches are lost, not
    loaded, and cleaned again by the next run)."""
    for process in workers:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in workers:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()


class BatchFuture(Protocol):
    """What a submitted batch gives back: ``concurrent.futures.Future`` and Prefect's futures
    (``PrefectDaskFuture`` included) both have this."""

    def result(self) -> BatchResult: ...


# Cleaning a batch elsewhere: (pages, their sites' profiles, those of its pages a profile sample
# prepared) -> a future of its BatchResult.
SubmitBatch = Callable[
    [Sequence[RawPage], Mapping[str, SiteProfile | None], Mapping[PageVersion, Prepared]],
    BatchFuture,
]


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# Cleaned records are loaded this many at a time: the loader's cost per batch (a transaction,
# the near-duplicate probe, a dozen statements) made batches of 200 load 15% slower than
# batches of 1,000 (bench/load.py). An interrupted run re-cleans at most this many pages.
LOAD_BATCH = 1000


def clean_stored_pages(
    engine: Engine,
    sites: Sequence[str] | None = None,
    *,
    everything: bool = False,
    batch_size: int = 200,
    load_batch_size: int = LOAD_BATCH,
    workers: int | None = None,
    progress: Callable[[CleanRunStats], None] | None = None,
    submit: SubmitBatch | None = None,
    submit_sample: SubmitSample | None = None,
    arriving: threading.Event | None = None,
    split: bool | None = None,
) -> CleanRunStats:
    """Clean every stored page still waiting (or every page, with ``everything``) and load it.

    Pages are read ``batch_size`` at a time and loaded ``load_batch_size`` at a time, each
    load in its own transaction.

    Batches are cleaned in ``workers`` local processes (in this one when 1), or by ``submit``
    when given (``flows.cleaning``: Prefect tasks on a Dask cluster; a pool the caller
    shares), with ``workers`` then the number of processes that clean; ``submit_sample``
    cleans the sites' profile samples there too (else this process does). With local worker
    processes (``split``: by default when this run starts them), each batch read is cut into
    one part per worker (the unit of work): the last batch of a run keeps every worker busy
    rather than one. Not on Dask, where each part would be a Prefect task run of its own, whose
    cost outweighs the balance. Reading, profiles, the order of loading and the
    transactions are the same either way: only where ``clean_batch`` runs differs.

    ``arriving``: a crawl is still storing pages until this event is set (``flows``: cleaning
    overlapped with the crawl). Pages are taken as they are stored; a site's profile is
    learned once ``PROFILE_SAMPLE`` of its pages are there (or its crawl ended), as it would
    be from the pages of a finished crawl; when the event is set, what was stored meanwhile
    is taken, then the table is read once more from the start for the pages that a re-fetch
    queued again under an id already passed.
    """
    stats = CleanRunStats()
    started = time.perf_counter()
    workers = default_workers() if workers is None else workers
    pool_wanted = workers > 1 and not everything and submit is None and arriving is None
    if pool_wanted and _count_waiting(engine, sites) < 4 * batch_size:
        workers = 1  # starting worker processes costs more than a few batches take
    cut = submit is None if split is None else split
    loader = _BatchLoader(engine, stats, load_batch_size, progress)
    executor: Executor | None = None
    pending: list[BatchFuture] = []
    profiles: dict[str, SiteProfile | None] = {}
    # The profile samples' pages as far as they were cleaned, each given to its batch once.
    prepared: dict[PageVersion, Prepared] = {}
    others = set(active_children())  # child processes that are not this pool's

    def prepared_of(pages: list[RawPage]) -> dict[PageVersion, Prepared]:
        found = {}
        for page in pages:
            ready = prepared.pop(page_version(page), None)
            if ready is not None:
                found[page_version(page)] = ready
        return found

    def take(batch: list[RawPage]) -> None:
        nonlocal executor, submit, submit_sample
        if submit is None and workers > 1 and executor is None:
            executor = ProcessPoolExecutor(
                workers, mp_context=worker_context(), initializer=_worker_init
            )
            submit = _pool_submitter(executor)
            submit_sample = _pool_sample_submitter(executor)
        for site in {page.site for page in batch} - profiles.keys():
            if arriving is not None:
                _wait_for_sample(engine, site, arriving)
            parts = 2 * workers if cut else workers
            sample = profile_sample(engine, site, submit=submit_sample, parts=parts)
            profiles[site] = sample.profile
            prepared.update(sample.prepared)
        if submit is None:
            site_profiles = {p.site: profiles[p.site] for p in batch}
            loader.add(clean_batch(batch, site_profiles, prepared_of(batch)))
            return
        # The reader pages by id, so batches in flight are never read twice.
        for part in _parts(batch, workers) if cut else [batch]:
            pending.append(
                submit(part, {p.site: profiles[p.site] for p in part}, prepared_of(part))
            )
        while len(pending) > workers * 2:
            loader.add(pending.pop(0).result())

    def drain() -> None:
        while pending:
            loader.add(pending.pop(0).result())
        loader.flush()

    try:
        for batch in iter_pages_to_clean(
            engine,
            sites,
            everything=everything,
            batch_size=batch_size,
            arriving=arriving,
            caught_up=drain,  # what was cleaned is loaded while the crawl goes on
        ):
            take(batch)
        drain()
        if arriving is not None and not everything:
            # Everything taken is loaded (marked cleaned): this walk meets only pages queued
            # again behind the first one.
            for batch in iter_pages_to_clean(engine, sites, batch_size=batch_size):
                take(batch)
            drain()
    except BaseException:
        # Interrupted (SIGINT, SIGTERM) or failed: the workers stop now, not after their
        # batches. What was loaded is committed; the rest waits for the next run.
        if executor is not None:
            _stop_workers([p for p in active_children() if p not in others])
            executor.shutdown(wait=False, cancel_futures=True)
            executor = None
        raise
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _count_waiting(engine: Engine, sites: Sequence[str] | None) -> int:
    def count() -> int:
        with engine.connect() as conn:
            return count_pages_to_clean(conn, sites)

    return patiently("counting pages to clean", count)


def _wait_for_sample(engine: Engine, site: str, arriving: threading.Event) -> None:
    """While a crawl runs, wait until ``site`` has a full profile sample stored."""
    while not arriving.is_set():
        with engine.connect() as conn:
            if count_successful_pages(conn, site) >= PROFILE_SAMPLE:
                return
        arriving.wait(ARRIVAL_POLL_SECONDS)


class Workers(NamedTuple):
    """Cleaning workers that several ``clean_stored_pages`` runs share (one per site of a
    flow run): what each is given as ``submit``, ``submit_sample``, ``workers`` and ``split``."""

    submit: SubmitBatch
    submit_sample: SubmitSample
    workers: int
    split: bool  # local processes: batches cut into one part per worker (not on Dask)


@contextmanager
def local_workers(workers: int | None = None) -> Iterator[Workers]:
    """A local pool of ``workers`` cleaning processes (default: ``default_workers()``), started
    at once, for as long as the block lasts; stopped at once when the block is left by an
    exception."""
    count = default_workers() if workers is None else max(1, workers)
    others = set(active_children())
    executor = ProcessPoolExecutor(count, mp_context=worker_context(), initializer=_worker_init)
    # A pool starts a process when work is submitted and none is idle: the first work of a
    # flow run is its sites' profile samples, which every batch waits for, and starting the
    # processes then (the fork server's first start imports the cleaning code: about 1 CPU s)
    # put that on the critical path. Started now, they start while the spiders do.
    for _ in range(count):
        executor.submit(os.getpid)
    try:
        yield Workers(_pool_submitter(executor), _pool_sample_submitter(executor), count, True)
    except BaseException:
        _stop_workers([p for p in active_children() if p not in others])
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(cancel_futures=True)


def _parts(batch: list[RawPage], count: int) -> list[list[RawPage]]:
    """``batch`` cut into ``count`` parts of nearly equal size, in order."""
    size = -(-len(batch) // max(1, count))
    return [batch[i : i + size] for i in range(0, len(batch), size)]


def _pool_sample_submitter(executor: Executor) -> SubmitSample:
    def submit(pages: Sequence[RawPage]) -> EvidenceFuture:
        return executor.submit(sample_evidence, pages)

    return submit


def _pool_submitter(executor: Executor) -> SubmitBatch:
    def submit(
        pages: Sequence[RawPage],
        profiles: Mapping[str, SiteProfile | None],
        prepared: Mapping[PageVersion, Prepared],
    ) -> BatchFuture:
        return executor.submit(clean_batch, pages, profiles, prepared)

    return submit


class _BatchLoader:
    """Collects cleaned records and loads them ``size`` at a time into ``stats``."""

    def __init__(
        self,
        engine: Engine,
        stats: CleanRunStats,
        size: int,
        progress: Callable[[CleanRunStats], None] | None,
    ) -> None:
        self.engine, self.stats, self.size, self.progress = engine, stats, max(1, size), progress
        self.records: list[CleanedRecord] = []

    def add(self, result: BatchResult) -> None:
        for url, error in result.failures:
            log.error("could not clean %s (%s); it stays queued for the next run", url, error)
        self.stats.failed += len(result.failures)
        self.records += result.records
        if len(self.records) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.records:
            return
        records, self.records = self.records, []
        started = time.perf_counter()

        def load() -> LoadStats:
            with self.engine.begin() as conn:  # a batch is loaded whole or not at all
                return load_cleaned(conn, records)

        self.stats.load.add(patiently(f"loading {len(records)} cleaned pages", load))
        self.stats.load_seconds += time.perf_counter() - started
        self.stats.pages += len(records)
        for record in records:
            self.stats.kinds[record.page.kind] = self.stats.kinds.get(record.page.kind, 0) + 1
        if self.progress is not None:
            self.progress(self.stats)
