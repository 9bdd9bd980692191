"""The cleaning stage on a local Dask cluster loads exactly what the local process pool loads.

Both runs are ``flows.cleaning.clean_stage``, the function the flows call, over the same raw
pages: once on its process pool, once with ``PITBOARD_DASK_ADDRESS=local:2`` (Prefect's Dask
task runner on a LocalCluster of two worker processes). The articles tables are compared row
by row, every column but the ones a run stamps (ids, times) and the generated search vector.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.store.forget import forget_cleaning
from flows.cleaning import clean_stage
from flows.spider_process import run_spider
from samplesite.server import ServedSites
from tests.conftest import SAMPLE_SITES
from tests.stored_pages import store_pages

pytestmark = pytest.mark.prefect

SNAPSHOT = text(
    """
    SELECT a.site, a.url, r.url AS raw_page, a.kind, a.title, a.author, a.published_at,
           a.modified_at, a.language, a.image, a.tags, a.text, a.content_hash, a.place,
           a.credit, a.series, a.classes, a.manufacturers, a.car_numbers, o.url AS copy_of,
           ARRAY(SELECT u.url FROM article_urls u WHERE u.article_id = a.id ORDER BY u.url)
    FROM articles a
    LEFT JOIN articles o ON o.id = a.duplicate_of
    LEFT JOIN raw_pages r ON r.id = a.raw_page_id
    ORDER BY a.url
    """
)


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(SNAPSHOT)]


def _forget_cleaning(engine: Engine) -> None:
    with engine.begin() as conn:
        forget_cleaning(conn)


def test_cleaning_on_a_local_dask_cluster_loads_what_the_process_pool_loads(
    database_url: str,
    engine: Engine,
    served: ServedSites,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for site in SAMPLE_SITES:
        run_spider(site, database_url=database_url, base_url=served.base_url(site))
    monkeypatch.delenv("PITBOARD_DASK_ADDRESS", raising=False)

    # Batches of 40 pages: several per worker, so both workers take some and results come
    # back in another order than they were sent.
    pool = clean_stage(engine, everything=True, batch_size=40)
    on_pool = _snapshot(engine)
    _forget_cleaning(engine)
    monkeypatch.setenv("PITBOARD_DASK_ADDRESS", "local:2")
    dask = clean_stage(engine, everything=True, batch_size=40)
    on_dask = _snapshot(engine)

    assert pool.pages > 80 and pool.failed == 0
    assert pool.load.new > 20
    assert (dask.pages, dask.failed, dask.kinds, dask.load.as_dict()) == (
        pool.pages,
        pool.failed,
        pool.kinds,
        pool.load.as_dict(),
    )
    assert len(on_dask) == len(on_pool) == pool.load.new + pool.load.duplicates
    assert on_dask == on_pool
    # ... and the Dask run's batches were Prefect task runs, one per batch.
    assert _clean_batch_task_runs(expected=-(-pool.pages // 40)) == -(-pool.pages // 40)


def _clean_batch_task_runs(expected: int, wait_seconds: float = 20.0) -> int:
    """How many ``clean-batch`` task runs the Prefect server knows (they arrive as events)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    wanted = TaskRunFilter(name=TaskRunFilterName(like_="clean-batch"))
    deadline = time.monotonic() + wait_seconds
    with get_client(sync_client=True) as client:
        while True:
            count = len(client.read_task_runs(task_run_filter=wanted, limit=200))
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.5)


def test_pitboard_clean_cleans_on_the_dask_cluster_when_one_is_configured(
    database_url: str,
    engine: Engine,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``PITBOARD_DASK_ADDRESS`` moves ``pitboard clean``'s cleaning as it moves the flows':
    the same articles as local processes, and the batches were ``clean-batch`` task runs."""
    from flows.cli import main

    store_pages(engine, 120)
    args = ["--database-url", database_url, "clean"]
    monkeypatch.setenv("PITBOARD_DASK_ADDRESS", "local:2")
    assert main([*args, "--workers", "2"]) == 0  # --workers asks for local processes
    local = _snapshot(engine)
    before = _clean_batch_task_runs(expected=0, wait_seconds=0)
    _forget_cleaning(engine)

    assert main(args) == 0
    assert "cleaned 120" in capsys.readouterr().out
    assert len(local) == 120
    assert _snapshot(engine) == local
    assert _clean_batch_task_runs(expected=before + 1) > before


# The discard port: nothing answers there. With a server address set, the Prefect check passes
# and nothing is ever sent to it; the scheduler's connect timeout is cut to 2 s.
_NO_SERVER = ("local:2", {"restore_defaults": {"PREFECT_API_URL"}}, "PREFECT_API_URL")
_NO_SCHEDULER = (
    "tcp://127.0.0.1:9",
    {"updates": {"PREFECT_API_URL": "http://127.0.0.1:9/api"}},
    "tcp://127.0.0.1:9",
)


@pytest.mark.parametrize(
    ("address", "settings", "named"), [_NO_SERVER, _NO_SCHEDULER], ids=["no-server", "no-scheduler"]
)
def test_pitboard_clean_on_dask_it_cannot_use_says_what_to_fix_and_cleans_nothing(
    address: str,
    settings: dict[str, Any],
    named: str,
    database_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import dask.config
    import prefect.settings
    from prefect.settings import temporary_settings

    from flows.cli import main

    def setting(name: str) -> Any:
        return getattr(prefect.settings, name)

    store_pages(engine, 3)
    monkeypatch.setenv("PITBOARD_DASK_ADDRESS", address)
    updates = {setting(k): v for k, v in settings.get("updates", {}).items()}
    defaults = {setting(k) for k in settings.get("restore_defaults", ())}
    with (
        temporary_settings(updates=updates, restore_defaults=defaults),
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
    ):
        assert main(["--database-url", database_url, "clean"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert named in lines[0] and "--workers N" in lines[0]
    with engine.connect() as conn:  # nothing was cleaned: the pages still wait
        assert conn.scalar(text("SELECT count(*) FROM articles")) == 0
