"""Waiting for a database that does not answer, and telling that apart from one that says no.

A restart, a failover or a dropped network link refuses or drops connections for a few seconds;
work that was under way should wait and go on, not die with what it had not yet loaded. An
unknown database or role, a wrong password or an unknown host is a mistake no wait can fix
(``etl.store.database.is_configuration_error``): it fails at once, and so does any other error
(a constraint, a bug). Each wait is one WARNING line saying what waits, what the database said
and for how long, with the delay doubling from ``FIRST_DELAY_SECONDS`` to ``MAX_DELAY_SECONDS``
until ``PATIENCE_SECONDS`` have gone by; then the last error is raised.

What is retried must be safe to run again: a read, or a whole transaction (``engine.begin()``
inside ``action``), which the server rolled back when the connection dropped, or committed - a
commit whose answer was lost is done again, so it must be idempotent, as the loaders are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg2
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from etl.store.database import database_error_line, is_configuration_error

log = logging.getLogger(__name__)

T = TypeVar("T")

# A fast restart of PostgreSQL takes a second or two, a crash recovery or a failover tens of
# seconds; a database away for more than a minute is down, and the command says so.
PATIENCE_SECONDS = 60.0
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0

# Raised by SQLAlchemy (connect, execute), or by psycopg2 itself where Pitboard uses the driver's
# connection directly (COPY, etl.store.pg_copy).
_CONNECTION_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)


def is_transient(exc: BaseException) -> bool:
    """True for a refused or dropped connection (and the like: the server starting up or shutting
    down, a deadlock): an error that a wait may fix. False for a configuration error."""
    if is_configuration_error(exc):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _CONNECTION_ERRORS)


def patiently(
    what: str,
    action: Callable[[], T],
    *,
    patience: float = PATIENCE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``action()``, run again while it fails with a transient database error, for up to
    ``patience`` seconds; ``what`` names it in the log (``loading 1000 cleaned pages``)."""
    deadline = time.monotonic() + patience
    delay = FIRST_DELAY_SECONDS
    while True:
        try:
            return action()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning(
                "the database does not answer (%s): %s; retrying in %.1f s",
                what,
                database_error_line(exc),
                delay,
            )
        sleep(delay)
        delay = min(2 * delay, MAX_DELAY_SECONDS)
