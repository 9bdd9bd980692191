"""Waiting for the database (etl.store.patience): a refused or dropped connection is retried with
a growing delay, one WARNING line each; a configuration error or a refused statement is not.
Real connections to the suite's PostgreSQL, cut by a real TCP proxy (tests/tcp_proxy.py)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from etl.store.patience import FIRST_DELAY_SECONDS, patiently
from tests.tcp_proxy import FlakyProxy

pytestmark = [pytest.mark.faults, pytest.mark.db]


def test_dropped_connections_are_retried_with_a_growing_delay_one_line_each(
    test_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(test_database_url)
    slept: list[float] = []
    with FlakyProxy(url.host or "127.0.0.1", url.port or 5432, refuse=3) as proxy:
        engine = create_engine(url.set(host="127.0.0.1", port=proxy.port))
        attempts = 0

        def select_one() -> int:
            nonlocal attempts
            attempts += 1
            with engine.connect() as conn:
                return int(conn.scalar(text("SELECT 1")))

        with caplog.at_level(logging.WARNING, logger="etl.store.patience"):
            assert patiently("a test query", select_one, sleep=slept.append) == 1
        engine.dispose()
    assert (proxy.refused, attempts) == (3, 4)
    assert slept == [FIRST_DELAY_SECONDS, 2 * FIRST_DELAY_SECONDS, 4 * FIRST_DELAY_SECONDS]
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(lines) == 3
    assert all("\n" not in line and line.startswith("the database does not answer (a test query)")
               for line in lines)  # fmt: skip


def test_patience_runs_out(test_database_url: str) -> None:
    url = make_url(test_database_url)
    with FlakyProxy(url.host or "127.0.0.1", url.port or 5432, refuse=1000) as proxy:
        engine = create_engine(url.set(host="127.0.0.1", port=proxy.port))

        def connect() -> None:
            with engine.connect():
                pass

        with pytest.raises(OperationalError):
            patiently("a test query", connect, patience=2.0)
        engine.dispose()
    assert 2 <= proxy.refused <= 3  # tries at 0, 0.5 and 1.5 s; the next would come at 3.5 s


@pytest.mark.parametrize("mistake", ["unknown database", "statement"])
def test_what_no_wait_can_fix_fails_at_once(test_database_url: str, mistake: str) -> None:
    url = make_url(test_database_url)
    if mistake == "unknown database":
        engine, statement, error = (
            create_engine(url.set(database="pitboard_no_such_db")),
            "SELECT 1",
            OperationalError,
        )
    else:
        engine, statement, error = create_engine(url), "SELEC 1", ProgrammingError
    slept: list[float] = []

    def run() -> None:
        with engine.connect() as conn:
            conn.execute(text(statement))

    with pytest.raises(error):
        patiently("a test query", run, sleep=slept.append)
    engine.dispose()
    assert slept == []
