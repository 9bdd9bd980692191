"""The ``pitboard`` command line, run in-process against the test database and sample sites."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crawler.registry import real_sites
from etl.store.models import ArticleRow, RawPageRow
from flows.cli import main
from samplesite.server import ServedSites


def test_sites_lists_every_real_site(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites"]) == 0
    out = capsys.readouterr().out
    assert all(site.name in out for site in real_sites())
    assert "sample-fr" in out


def test_db_status_says_the_schema_is_current(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", database_url, "db", "status"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_a_url_that_is_not_postgresql_is_refused_clearly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["--database-url", "sqlite:///x.db", "db", "status"]) == 2
    assert "needs PostgreSQL" in caplog.text


def test_crawl_with_max_pages_then_clean_loads_articles(
    database_url: str, engine: Engine, served: ServedSites, capsys: pytest.CaptureFixture[str]
) -> None:
    base = served.base_url("sample-en")
    args = ["--database-url", database_url]
    assert main([*args, "crawl", "sample-en", "--base-url", base, "--max-pages", "15"]) == 0
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(RawPageRow))
    # At most N: pages still in flight when the crawl closes are not stored.
    assert stored == 15

    assert main([*args, "clean"]) == 0
    assert "cleaned" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ArticleRow)) > 0


def test_psql_passes_its_options_through(
    database_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", database_url, "psql", "-At", "-c", "SELECT 40 + 2"]) == 0
    assert "42" in capfd.readouterr().out


@pytest.mark.faults
def test_psql_gets_the_password_through_the_environment_not_its_command_line() -> None:
    """Issue 15, finding 6: ``pitboard psql`` put the password on psql's command line."""
    from sqlalchemy import make_url

    from flows.cli.database import psql_invocation

    url = make_url("postgresql+psycopg2://pitboard:s3cret@db.example:5433/pitboard")
    command, env = psql_invocation(url, "/usr/bin/psql", ["-c", "SELECT 1"])
    assert not any("s3cret" in part for part in command)
    assert command == [
        "/usr/bin/psql",
        "postgresql://pitboard@db.example:5433/pitboard",
        "-c",
        "SELECT 1",
    ]
    assert env["PGPASSWORD"] == "s3cret"
