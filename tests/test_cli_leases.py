"""``pitboard crawl`` and ``pitboard clean`` hold the site's lease as a flow run does.

Before, a command took none: a scheduled run of the same site started beside it (two crawls of
one site at once), took the command's live run for a dead one and recorded it 'interrupted',
and a command killed by SIGKILL left its row 'running' until a flow came by.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl.store.locks import lease_holder, site_lock
from etl.store.models import ArticleRow, CrawlRunRow
from etl.store.runs import DIED, start_run
from flows.cli import main
from flows.cli.pipeline import _site_lease
from samplesite.server import ServedSites
from tests.stored_pages import store_pages


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model)) or 0


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_clean_refuses_a_site_another_run_holds_then_cleans_it_once_free(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    store_pages(engine, 3)
    with site_lock(engine, "sample-en") as other:  # a scheduled run of the site, say
        assert main(["--database-url", database_url, "clean"]) == 1
        line = _one_line(capsys)
        assert "sample-en" in line and other.holder in line and "wait for it to end" in line
    assert (_count(engine, ArticleRow), _count(engine, CrawlRunRow)) == (0, 0)

    assert main(["--database-url", database_url, "clean"]) == 0
    assert _count(engine, ArticleRow) == 3
    with engine.connect() as conn:
        assert lease_holder(conn, "sample-en") is None  # released when the command ended


def test_crawl_refuses_a_site_another_run_holds_before_fetching_anything(
    database_url: str, engine: Engine, served: ServedSites, capsys: pytest.CaptureFixture[str]
) -> None:
    base = served.base_url("sample-en")
    served.clear_log()
    with site_lock(engine, "sample-en"):
        code = main(["--database-url", database_url, "crawl", "sample-en", "--base-url", base])
    assert code == 1
    assert "already being crawled" in _one_line(capsys)
    assert _count(engine, CrawlRunRow) == 0
    assert not served.requests


def test_a_command_records_the_dead_runs_of_its_site_interrupted(
    database_url: str, engine: Engine
) -> None:
    with engine.begin() as conn:
        dead = start_run(conn, "sample-en")  # a command killed by SIGKILL: no end recorded
    store_pages(engine, 2)
    assert main(["--database-url", database_url, "clean"]) == 0
    with engine.connect() as conn:
        rows = conn.execute(select(CrawlRunRow.id, CrawlRunRow.status, CrawlRunRow.error)).all()
    assert sorted(rows) == [(dead, "interrupted", DIED), (dead + 1, "completed", None)]


def test_crawlers_on_a_shared_frontier_take_no_lease(engine: Engine) -> None:
    """Several crawler processes share one site's frontier by design (PITBOARD_REDIS_URL)."""
    with site_lock(engine, "sample-en") as other:
        with _site_lease(engine, "sample-en", shared_frontier=True) as leased:
            assert leased is False
        with engine.connect() as conn:
            assert lease_holder(conn, "sample-en") == other.holder
