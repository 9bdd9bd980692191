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


def articles_per_url(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(ArticleRow.url, func.count()).group_by(ArticleRow.url)).all()
    return dict(rows)


def test_flow_loads_the_sample_sites_and_records_each_sites_run(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    base_urls = {site: served.base_url(site) for site in SAMPLE_SITES}
    result = crawl_and_clean(sites=SAMPLE_SITES, base_urls=base_urls, database_url=database_url)

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
            database_url=database_url,
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ArticleRow)) == 0


@pytest.mark.faults
def test_a_database_refusing_the_first_connections_is_retried_and_loads_once(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    url = make_url(database_url)
    with FlakyProxy(url.host or "127.0.0.1", url.port or 5432, refuse=2) as proxy:
        flaky = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        crawl_and_clean(
            sites=["sample-en"],
            base_urls={"sample-en": served.base_url("sample-en")},
            database_url=flaky,
        )
        assert proxy.refused == 2
    counts = articles_per_url(engine)
    assert counts, "articles were loaded"
    assert set(counts.values()) == {1}
