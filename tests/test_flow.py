"""The crawl_and_clean Prefect flow, run on a real (temporary) Prefect server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from etl.store.locks import site_lock
from etl.store.models import ArticleRow, CrawlRunRow
from flows.crawl_and_clean import CrawlFailed, crawl_and_clean
from samplesite.server import ServedSites
from tests.conftest import SAMPLE_SITES
from tests.tcp_proxy import FlakyProxy

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(autouse=True)
def flows_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The flows read the database from their settings (never a parameter): point them here."""
    monkeypatch.setenv("PITBOARD_DATABASE_URL", database_url)
    return database_url


def articles_per_url(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, func.count()).group_by(ArticleRow.url)).all()
    return dict(rows)


def test_flow_loads_the_sample_sites_and_records_each_sites_run(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    base_urls = {site: served.base_url(site) for site in SAMPLE_SITES}
    result = crawl_and_clean(sites=SAMPLE_SITES, base_urls=base_urls)

    rows = {row.site: row for row in result}
    assert set(rows) == set(SAMPLE_SITES)
    with Session(engine) as session:
        runs = session.scalars(select(CrawlRunRow)).all()
        loaded = session.scalar(select(func.count()).select_from(ArticleRow))
    assert sorted(run.site for run in runs) == sorted(SAMPLE_SITES)
    assert all(run.status == "completed" and run.finished_at for run in runs)
    assert all(run.fetched > 0 and run.new > 0 for run in runs)
    assert sum(run.new for run in runs) == loaded


def test_a_second_run_of_a_site_is_refused_while_the_first_holds_it(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    with site_lock(engine, "sample-fr"), pytest.raises(CrawlFailed, match="already being"):
        crawl_and_clean(
            sites=["sample-fr"],
            base_urls={"sample-fr": served.base_url("sample-fr")},
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ArticleRow)) == 0


@pytest.mark.faults
def test_a_database_refusing_the_first_connections_is_retried_and_loads_once(
    database_url: str, engine: Engine, served: ServedSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(database_url)
    with FlakyProxy(url.host or "127.0.0.1", url.port or 5432, refuse=2) as proxy:
        flaky = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        monkeypatch.setenv("PITBOARD_DATABASE_URL", flaky)
        crawl_and_clean(sites=["sample-en"], base_urls={"sample-en": served.base_url("sample-en")})
        assert proxy.refused == 2
    counts = articles_per_url(engine)
    assert counts, "articles were loaded"
    assert set(counts.values()) == {1}


def test_no_flow_or_task_takes_the_database_url_as_a_parameter() -> None:
    """Issue 15, finding 6: Prefect stores every flow (and task) parameter in clear in its own
    database, so the URL - password included - must not be one."""
    import inspect

    from flows import crawl_and_clean as module

    callables = [module.crawl_and_clean, module.reclean, module.prepare_database]
    callables += [module.crawl_site, module.clean_pages]
    for item in callables:
        names = set(inspect.signature(item.fn).parameters)
        assert not names & {"database_url", "url", "dsn", "password"}, (item.name, names)


def test_a_flow_run_stores_no_secret_in_its_parameters(
    database_url: str, served: ServedSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow run Prefect records for a crawl holds no database URL, whatever its password."""
    import asyncio

    from prefect.client.orchestration import get_client

    secret = "s3cret-pw-for-the-test"
    monkeypatch.setenv(
        "PITBOARD_DATABASE_URL", make_url(database_url).set(password=secret).render_as_string(False)
    )
    crawl_and_clean(sites=["sample-en"], base_urls={"sample-en": served.base_url("sample-en")})

    async def recorded() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return [repr(run.parameters) for run in runs]

    parameters = asyncio.run(recorded())
    assert parameters
    assert not any(secret in p or "postgresql" in p for p in parameters)


def test_a_run_whose_process_died_is_recorded_interrupted_by_the_next_run(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    """Issue 15, finding 4: a run killed without a chance to record its end stayed 'running'
    forever; the site's next run, holding the site's lease, records it as interrupted."""
    from etl.store.runs import start_run

    with engine.begin() as conn:
        dead = start_run(conn, "sample-en", "a-flow-run-that-was-killed")
    crawl_and_clean(sites=["sample-en"], base_urls={"sample-en": served.base_url("sample-en")})
    with Session(engine) as session:
        runs = {run.id: run for run in session.scalars(select(CrawlRunRow))}
    assert runs[dead].status == "interrupted" and runs[dead].finished_at is not None
    assert "next run" in (runs[dead].error or "")
    assert [run.status for run in runs.values() if run.id != dead] == ["completed"]
