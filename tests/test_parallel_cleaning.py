"""Cleaning on worker processes loads exactly what cleaning in one process loads.

The pages are the sample sites' own responses (``SampleSite.render``, no crawl), stored with the
crawler's upsert. The local pool cleans each site's profile sample in parts and each batch in
one part per worker; neither may change a single stored row.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context

import pytest
from sqlalchemy.engine import Engine

from etl.clean.records import RawPage
from etl.clean_stored import _parts, clean_stored_pages, sample_evidence, site_profile
from etl.store.raw_pages import save_raw_pages
from samplesite import build_sample_sites
from tests.test_dask_cleaning import _forget_cleaning, _snapshot

pytestmark = pytest.mark.db


def _store_sample_sites(engine: Engine, articles: int = 40) -> int:
    pages = []
    now = datetime.now(UTC)
    for name, site in build_sample_sites(articles).items():
        for truth in site.truth():
            path = truth.url.removeprefix(site.base_url)
            response = site.render(path)
            pages.append(
                RawPage(
                    name,
                    truth.url,
                    truth.url,
                    response.status,
                    response.headers,
                    response.body,
                    now,
                )
            )
    with engine.begin() as conn:
        save_raw_pages(conn, pages)
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
            here = site_profile(engine, site)
            parts = site_profile(
                engine, site, submit=lambda pages: pool.submit(sample_evidence, pages), parts=4
            )
            assert here is not None and here.pages > 20 and here.known_titles
            assert parts == here


def test_a_batch_is_cut_into_one_part_per_worker_in_order() -> None:
    batch = list(range(7))
    assert _parts(batch, 2) == [[0, 1, 2, 3], [4, 5, 6]]  # type: ignore[arg-type]
    assert _parts(batch, 3) == [[0, 1, 2], [3, 4, 5], [6]]  # type: ignore[arg-type]
    assert _parts(batch[:1], 2) == [[0]]  # type: ignore[arg-type]
