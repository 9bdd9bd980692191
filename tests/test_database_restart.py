"""A database restart in the middle of a run (issue 15, finding 3): the site's lease is kept, the
run's pages are all stored once, and ``crawl_runs`` says how the flow ended. The restart is done
on a PostgreSQL the test starts itself (tests/own_postgres.py), never the machine's shared one."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from etl.store.models import ArticleRow, CrawlRunRow, RawPageRow
from flows.crawl_and_clean import crawl_and_clean
from samplesite.server import ServedSites
from tests.own_postgres import OwnPostgres

pytestmark = [pytest.mark.faults, pytest.mark.db, pytest.mark.usefixtures("prefect_harness")]


def counts(engine: Engine) -> tuple[int, int, int]:
    """(raw pages, articles, distinct article URLs)."""
    with engine.connect() as conn:
        pages = conn.scalar(select(func.count()).select_from(RawPageRow))
        articles = conn.scalar(select(func.count()).select_from(ArticleRow))
        urls = conn.scalar(select(func.count(func.distinct(ArticleRow.url))))
    return int(pages or 0), int(articles or 0), int(urls or 0)


def restart_when_crawling(
    pg: OwnPostgres, engine: Engine, done: threading.Event, restarts: list[float]
) -> None:
    """Restart the server once the crawl has stored its first pages; note when."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not done.is_set():
        try:
            if counts(engine)[0] > 0:
                pg.restart()
                restarts.append(time.monotonic())
                return
        except Exception:
            pass
        time.sleep(0.05)


def test_a_restart_mid_run_loses_nothing_and_the_run_says_how_it_ended(
    database_url: str, engine: Engine, served: ServedSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_urls = {"sample-en": served.base_url("sample-en")}
    # What the run must store: the same crawl into the suite's database, untouched.
    monkeypatch.setenv("PITBOARD_DATABASE_URL", database_url)
    crawl_and_clean(sites=["sample-en"], base_urls=base_urls)
    expected = counts(engine)

    from etl.store.scratch import scratch_database

    with OwnPostgres() as pg, scratch_database(pg.admin_url, "pitboard_restart") as url:
        own = create_engine(url, pool_pre_ping=True)
        monkeypatch.setenv("PITBOARD_DATABASE_URL", url)
        done, restarts = threading.Event(), []
        restarter = threading.Thread(target=restart_when_crawling, args=(pg, own, done, restarts))
        restarter.start()
        try:
            rows = crawl_and_clean(sites=["sample-en"], base_urls=base_urls)
            ended = time.monotonic()
        finally:
            done.set()
            restarter.join(60)
        assert restarts and restarts[0] < ended  # restarted while the run was going on
        assert [row.status for row in rows] == ["completed"]
        assert counts(own) == expected  # nothing lost, nothing twice
        with own.connect() as conn:
            runs = conn.execute(select(CrawlRunRow.status, CrawlRunRow.finished_at)).all()
        assert [status for status, _ in runs] == ["completed"] and runs[0][1] is not None
        own.dispose()
