"""Database errors reach the user as one line (issue 15, finding 5): a database that does not
answer gave a 115-line SQLAlchemy traceback in ``db status``, ``search`` and ``crawl``, and an
unknown database or role was retried as if it were transient."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from etl.store.database import is_configuration_error

COMMANDS = [
    ["db", "status"],
    ["search", "x"],
    ["crawl", "sample-en", "--base-url", "http://127.0.0.1:9"],
    ["clean"],  # it waits for a database that goes away mid-run, not for one that never answered
]


def pitboard(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        check=False,
    )


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@pytest.mark.faults
@pytest.mark.db
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_unreachable_database_is_one_line_and_exit_code_1(command: list[str]) -> None:
    done = pitboard(f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/x", *command)
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) <= 3, done.stderr
    assert len(errors) == 1 and "cannot reach the database" in errors[0]


@pytest.mark.db
@pytest.mark.parametrize("command", [["db", "status"], ["clean"]], ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("user", "database", "said"),
    [("postgres", "pitboard_no_such_db", "does not exist"), ("no_such_role", "postgres", "role")],
)
def test_an_unknown_database_or_role_fails_at_once_with_exit_code_2(
    admin_url: str, user: str, database: str, said: str, command: list[str]
) -> None:
    from sqlalchemy import make_url

    url = make_url(admin_url).set(username=user, database=database)
    done = pitboard(url.render_as_string(hide_password=False), *command)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert said in done.stderr and "PITBOARD_DATABASE_URL" in done.stderr


@pytest.mark.db
def test_configuration_errors_are_told_from_transient_ones(admin_url: str) -> None:
    from sqlalchemy import make_url

    def error_of(url: str) -> OperationalError:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with pytest.raises(OperationalError) as caught, engine.connect():
                pass
        finally:
            engine.dispose()
        return caught.value

    base = make_url(admin_url)
    unknown = error_of(base.set(database="pitboard_no_such_db").render_as_string(False))
    refused = error_of(base.set(host="127.0.0.1", port=closed_port()).render_as_string(False))
    assert is_configuration_error(unknown)
    assert not is_configuration_error(refused)


def test_an_interrupt_exits_with_128_plus_its_signal() -> None:
    import signal

    from prefect.exceptions import TerminationSignal

    from flows.cli.common import Terminated, interrupt_exit_code

    assert interrupt_exit_code(KeyboardInterrupt()) == 130
    assert interrupt_exit_code(Terminated()) == 143
    assert interrupt_exit_code(TerminationSignal(signal.SIGTERM)) == 143  # Prefect's own
    assert interrupt_exit_code(ValueError("a bug")) is None
    assert interrupt_exit_code(OSError(4, "interrupted system call")) is None
