"""Cleaning on worker processes loads exactly what cleaning in one process loads, and cleaning
while a crawl stores pages misses none of them.

The pages are the sample sites' own responses (``SampleSite.render``, no crawl), stored with the
crawler's upsert. The local pool cleans each site's profile sample in parts and each batch in
one part per worker; neither may change a single stored row. A "crawl" here is the test storing
pages while the cleaning runs in a thread, told the crawl ended by an event.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing import active_children, get_context
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import etl.clean_stored
from etl.clean.boilerplate import line_key
from etl.clean.cleaner import clean_page, finish_page, profile_evidence, profile_from_evidence
from etl.clean.records import RawPage
from etl.clean_stored import (
    PROFILE_SAMPLE,
    CleanRunStats,
    _parts,
    clean_stored_pages,
    is_cleanable,
    local_workers,
    profile_sample,
    sample_evidence,
)
from etl.store.raw_pages import save_raw_pages
from samplesite import build_sample_sites
from tests.conftest import SAMPLE_SITES
from tests.test_dask_cleaning import _forget_cleaning, _snapshot

pytestmark = pytest.mark.db


def _store_sample_sites(engine: Engine, articles: int = 40) -> int:
    pages = _sample_pages(articles)
    _store(engine, pages)
    return len(pages)


def test_worker_processes_load_what_one_process_loads(engine: Engine) -> None:
    stored = _store_sample_sites(engine)
    alone = clean_stored_pages(engine, everything=True, workers=1, batch_size=30)
    in_one = _snapshot(engine)
    _forget_cleaning(engine)
    # Batches of 30 on 2 workers: parts of 15, results loaded in the order they were read.
    pooled = clean_stored_pages(engine, everything=True, workers=2, batch_size=30)

    assert alone.pages == stored and alone.failed == 0 and alone.load.new > 40
    assert (pooled.pages, pooled.failed, pooled.kinds, pooled.load.as_dict()) == (
        alone.pages,
        alone.failed,
        alone.kinds,
        alone.load.as_dict(),
    )
    assert _snapshot(engine) == in_one


def test_a_profile_learned_in_parts_on_workers_is_the_one_learned_here(engine: Engine) -> None:
    _store_sample_sites(engine)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        for site in ("sample-en", "sample-fr"):
            here = profile_sample(engine, site).profile
            parts = profile_sample(
                engine, site, submit=lambda pages: pool.submit(sample_evidence, pages), parts=4
            ).profile
            assert here is not None and here.pages > 20 and here.known_titles
            assert parts == here


def test_a_batch_is_cut_into_one_part_per_worker_in_order() -> None:
    batch = list(range(7))
    assert _parts(batch, 2) == [[0, 1, 2, 3], [4, 5, 6]]  # type: ignore[arg-type]
    assert _parts(batch, 3) == [[0, 1, 2], [3, 4, 5], [6]]  # type: ignore[arg-type]
    assert _parts(batch[:1], 2) == [[0]]  # type: ignore[arg-type]


def _sample_pages(articles: int, sites: Collection[str] = SAMPLE_SITES) -> list[RawPage]:
    """Every page of the sample ``sites`` as fetched now, rendered without a server."""
    now = datetime.now(UTC)
    pages = []
    for name, site in build_sample_sites(articles).items():
        if name not in sites:
            continue
        for truth in site.truth():
            response = site.render(truth.url.removeprefix(site.base_url))
            fetched = (response.status, response.headers, response.body, now)
            pages.append(RawPage(name, truth.url, truth.url, *fetched))
    return pages


def _store(engine: Engine, pages: list[RawPage]) -> None:
    with engine.begin() as conn:
        save_raw_pages(conn, pages)


def _with_marker(body: bytes) -> bytes:
    """The page with a sentence added to the first paragraph of its article."""
    head, article, rest = body.partition(b"<article")
    return head + article + rest.replace(b"</p>", b" Pitboard-overlap-marker.</p>", 1)


def _wait_until(condition: Callable[[], bool], what: str, patience: float = 120.0) -> None:
    """Wait for the cleaning thread to reach a point (a synchronisation, not a timed check)."""
    deadline = time.monotonic() + patience
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


def test_cleaning_takes_pages_as_a_crawl_stores_them_and_misses_none(engine: Engine) -> None:
    pages = _sample_pages(120, sites=("sample-en",))
    first, rest = pages[:160], pages[160:]
    article = next(p for p in first if "/news/20" in p.url and p.status == 200)
    crawled = threading.Event()
    outcome: list[CleanRunStats | BaseException] = []

    def clean() -> None:
        try:
            outcome.append(
                clean_stored_pages(
                    engine, ["sample-en"], workers=1, batch_size=20, arriving=crawled
                )
            )
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    def cleaned(url: str) -> bool:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text("SELECT cleaned_at IS NOT NULL FROM raw_pages WHERE url = :u"), {"u": url}
                )
            )

    _store(engine, first)
    cleaner = threading.Thread(target=clean)
    cleaner.start()
    try:
        # The crawl is still running (the event is not set): the stored pages are cleaned.
        _wait_until(lambda: cleaned(first[-1].url), "the first pages cleaned during the crawl")
        assert not outcome, "the cleaning ended while the crawl was still running"
        # More pages arrive, and a page already cleaned is fetched again, changed: it is queued
        # again under its old id, behind where the cleaning has read.
        changed = RawPage(
            article.site,
            article.url,
            article.final_url,
            200,
            article.headers,
            _with_marker(article.body),
            article.fetched_at,
        )
        _store(engine, [*rest, changed])
    finally:
        crawled.set()
        cleaner.join()
    (stats,) = outcome
    assert isinstance(stats, CleanRunStats), stats
    assert stats.failed == 0
    assert stats.pages == len(pages) + 1  # every page once, the changed one twice
    with engine.connect() as conn:
        waiting = conn.scalar(text("SELECT count(*) FROM raw_pages WHERE cleaned_at IS NULL"))
        marked = conn.scalar(
            text("SELECT count(*) FROM articles WHERE text LIKE '%Pitboard-overlap-marker%'")
        )
    assert waiting == 0
    assert marked == 1
    overlapped = {row[1] for row in _snapshot(engine)}
    # A run over the same pages after the crawl loads the same articles.
    _forget_cleaning(engine)
    after = clean_stored_pages(engine, ["sample-en"], workers=1, batch_size=20)
    assert after.pages == len(pages)
    assert {row[1] for row in _snapshot(engine)} == overlapped
    # ... and a run with nothing stored since takes nothing.
    assert clean_stored_pages(engine, ["sample-en"], workers=1).pages == 0


def test_cleaning_of_a_crawl_that_stores_nothing_ends_with_it(engine: Engine) -> None:
    crawled = threading.Event()
    crawled.set()
    stats = clean_stored_pages(engine, ["sample-en"], workers=2, arriving=crawled)
    assert (stats.pages, stats.failed) == (0, 0)


def test_a_shared_pool_starts_its_workers_before_it_is_given_work() -> None:
    """A flow run's first work is its profile samples, which every batch waits for: the
    workers' start (the interpreter, the cleaning code) must not wait for it."""
    others = set(active_children())
    with local_workers(2):
        _wait_until(lambda: len(set(active_children()) - others) == 2, "both workers started")
    assert set(active_children()) <= others


def test_pools_fork_their_workers_from_one_server_that_imported_the_cleaning_code() -> None:
    """Each worker would otherwise import the cleaning code itself (about 1 CPU s); a
    process that runs flow after flow (``pitboard serve``) starts every later pool's workers
    from the same fork server."""
    parents = []
    for _ in range(2):
        with local_workers(2) as workers:
            futures = [workers.submit([], {}, {}) for _ in range(4)]
            assert all(f.result().records == [] for f in futures)
            pids = {p.pid for p in active_children()}
            parents.append({_parent_of(pid) for pid in pids} - {os.getpid()})
    server = parents[0]
    assert len(server) == 1 and parents[1] == server, "one fork server, shared by both pools"
    (server_pid,) = server
    assert "multiprocessing.forkserver" in _command_line(server_pid)
    assert "'etl.clean_stored'" in _command_line(server_pid), "it preloads the cleaning code"


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_a_sample_page_finished_from_its_preparation_is_the_page_cleaned_afresh() -> None:
    """The profile sample's pages are cleaned with the profile from what their sampling
    prepared: each must come out exactly as cleaning it from its body would give, and
    finishing one must not change the preparation (it is finished twice: without the
    profile for the evidence, then with it)."""
    pages = [p for p in _sample_pages(30, ["sample-fr"]) if is_cleanable(p)]
    sampled = sample_evidence(pages)
    learned = profile_from_evidence("sample-fr", (evidence for evidence, _ in sampled))
    # The sample sites' chrome is all taken by the generic rules: a recurring line is added,
    # one that articles hold, so that the profile changes what they keep.
    texts = [evidence[0] for evidence, _ in sampled if evidence[0]]
    line = next(line for text in texts for line in text.split("\n")[1:] if len(line) < 300)
    profile = replace(learned, recurring=frozenset({line_key(line)}))
    kinds, changed = set(), 0
    for page, (evidence, prepared) in zip(pages, sampled, strict=True):
        afresh = clean_page(page.body, page.final_url, site_profile=profile)
        assert finish_page(prepared, site_profile=profile) == afresh
        assert finish_page(prepared, site_profile=profile) == afresh  # not changed by the first
        assert evidence == profile_evidence(page.body, page.final_url)
        kinds.add(afresh.kind)
        changed += afresh != clean_page(page.body, page.final_url)
    assert {"article", "listing", "gallery"} <= kinds
    assert changed >= 1, "the profile changed some pages"


def test_the_profile_sample_is_not_cleaned_twice(engine: Engine, monkeypatch) -> None:
    stored = _store_sample_sites(engine, articles=30)
    fresh: list[str] = []
    original = etl.clean_stored.clean_page

    def counting(body: bytes, url: str, **kwargs: object) -> object:
        fresh.append(url)
        return original(body, url, **kwargs)

    monkeypatch.setattr(etl.clean_stored, "clean_page", counting)
    stats = clean_stored_pages(engine, workers=1, batch_size=50)
    assert stats.pages == stored and stats.failed == 0
    sampled = sum(min(PROFILE_SAMPLE, n) for n in _pages_per_site(engine).values())
    assert len(fresh) == stored - sampled, "every page cleaned from its body once, no more"


def _pages_per_site(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT site, count(*) FROM raw_pages GROUP BY site")).all()
    return {site: count for site, count in rows}
