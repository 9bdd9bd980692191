"""A database restart in the middle of a run (issue 15, finding 3): the site's lease is kept, the
run's pages are all stored once, and ``crawl_runs`` says how the flow ended; ``pitboard clean``
waits for the database to come back and finishes, loading what a clean without a restart loads.
The restart is done on a PostgreSQL the test starts itself (tests/own_postgres.py), never the
machine's shared one."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from etl.store.models import ArticleRow, CrawlRunRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.crawl_and_clean import crawl_and_clean
from samplesite.server import ServedSites
from tests.interrupting import start_pitboard, wait_for
from tests.own_postgres import OwnPostgres
from tests.stored_pages import store_pages

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


# Enough pages for several loads of 1,000 (etl.clean_stored.LOAD_BATCH): the database goes away
# after the first one, while pages are still being read, cleaned and loaded.
PAGES_TO_CLEAN = 2500
AWAY_SECONDS = 6.0  # longer than the cleaning of a batch: a read or a load meets the outage


def articles_table(engine: Engine) -> list[tuple[object, ...]]:
    """The articles as a reader sees them (no ids or load times), in URL order."""
    columns = (ArticleRow.site, ArticleRow.url, ArticleRow.kind, ArticleRow.title)
    more = (ArticleRow.text, ArticleRow.content_hash, ArticleRow.duplicate_of.is_(None))
    query = select(*columns, *more).order_by(ArticleRow.url)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_pitboard_clean_waits_through_a_restart_and_loads_what_a_clean_run_loads(
    engine: Engine, database_url: str
) -> None:
    """Restarting the database during `pitboard clean` ended it with exit code 1 (a raw
    OperationalError, found by the issue): now each refused or dropped connection is retried,
    one WARNING line each, and the run finishes with nothing lost and nothing twice."""
    store_pages(engine, PAGES_TO_CLEAN)
    control = start_pitboard(database_url, "clean", "--workers", "2")
    assert control.wait(600) == 0, control.stdout.read() if control.stdout else ""
    expected = articles_table(engine)
    assert len(expected) == PAGES_TO_CLEAN

    with OwnPostgres() as pg, scratch_database(pg.admin_url, "pitboard_restart") as url:
        own = create_engine(url, pool_pre_ping=True)
        store_pages(own, PAGES_TO_CLEAN)
        proc = start_pitboard(url, "clean", "--workers", "2")
        try:
            wait_for(lambda: counts(own)[1] > 0 or proc.poll() is not None, 300, "a first load")
            own.dispose()  # its connections die with the server
            pg.stop("fast")  # closes every connection, as a crash or an upgrade would
            still_cleaning = proc.poll() is None
            time.sleep(AWAY_SECONDS)
            pg.start()
            code = proc.wait(600)
        finally:
            if proc.poll() is None:
                proc.kill()
        output = proc.stdout.read() if proc.stdout else ""
        assert still_cleaning, "the restart came after the clean had finished"
        assert code == 0, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        waits = [line for line in output.splitlines() if "does not answer" in line]
        assert waits and all(" WARNING " in line for line in waits), output[-3000:]
        assert articles_table(own) == expected  # nothing lost, nothing twice, the same rows
        with own.connect() as conn:
            runs = list(conn.scalars(select(CrawlRunRow.status)))
            waiting = conn.scalar(select(func.count()).where(RawPageRow.cleaned_at.is_(None)))
        assert (runs, waiting) == (["completed"], 0)
        own.dispose()
