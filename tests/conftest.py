"""Fixtures shared by the whole suite: a real PostgreSQL database created and dropped here.

The suite uses the PostgreSQL at 127.0.0.1:5432 (override with PITBOARD_TEST_ADMIN_URL, a URL
to any database of a server where the user may create databases). When nothing listens there
it falls back to the embedded PostgreSQL that Pitboard itself ships, in a temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from samplesite.server import ServedSites

# Keep Pitboard and Prefect state of test runs away from the user's own.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

SAMPLE_SITES = ("sample-fr", "sample-en")
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "articles",
    "raw_pages",
    "article_urls",
    "article_versions",
    "listing_teasers",
    "crawl_runs",
    "near_dup_signatures",
    "near_dup_bands",
    "fetch_failures",
    "site_leases",
)


def _reachable(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("PITBOARD_TEST_ADMIN_URL", DEFAULT_ADMIN_URL)
    if _reachable(url):
        return url
    if "PITBOARD_TEST_ADMIN_URL" in os.environ:
        pytest.fail(f"PITBOARD_TEST_ADMIN_URL is set but unreachable: {url}")
    # Nothing listens on 5432: use the embedded server, as a user without PostgreSQL would.
    home = Path(tmp_path_factory.mktemp("pitboard-home"))
    os.environ["PITBOARD_HOME"] = str(home)
    from etl.store.database import embedded_database_url

    return embedded_database_url()


@pytest.fixture(scope="session")
def test_database_url(admin_url: str) -> Iterator[str]:
    """A database of its own for this test session, at the head migration; dropped at the end."""
    from etl.store.database import dispose_engines
    from etl.store.scratch import scratch_database

    with scratch_database(admin_url, "pitboard_test") as url:
        try:
            yield url
        finally:
            dispose_engines()


@pytest.fixture
def database_url(test_database_url: str) -> str:
    """The session's database, emptied before the test."""
    engine = create_engine(test_database_url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return test_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def served() -> Iterator[ServedSites]:
    """The French and English sample sites, served on 127.0.0.1 for the whole session."""
    from samplesite import serve_sample_sites

    with serve_sample_sites(articles=24, seed=11) as sites:
        yield sites


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A Prefect server of the test's own (SQLite under a temporary PREFECT_HOME), for commands
    that need a real one (``pitboard serve``, Prefect workers): the environment to run them in."""
    from tests.prefect_server import own_prefect_server

    with own_prefect_server(tmp_path) as env:
        yield env


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server and database for the flows run by the tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


# --- markers --------------------------------------------------------------------------------
# Each test is marked from the fixtures it uses, directly or through other fixtures, so a new
# test cannot forget its marks: `pytest -m "not db and not network and not prefect"` runs the
# pure tests only. Tests that start servers or subprocesses without these fixtures are marked
# in their own modules.
MARKS_BY_FIXTURE = {
    "db": frozenset({"admin_url", "test_database_url", "database_url", "engine"}),
    "network": frozenset({"served"}),
    "prefect": frozenset({"prefect_harness", "prefect_env"}),
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for mark, fixtures in MARKS_BY_FIXTURE.items():
            if used & fixtures:
                item.add_marker(mark)
