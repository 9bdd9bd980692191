"""Database connections: the configured PostgreSQL, or an embedded one started on demand.

Pitboard must run on a machine with nothing installed but Python. When no
``PITBOARD_DATABASE_URL`` is set, it starts PostgreSQL from the ``pgserver`` wheel in a data
directory under ``PITBOARD_HOME``; the data survives between runs, and the server stops when
the last Pitboard process using it exits.
"""

from __future__ import annotations

import atexit
import logging
import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import URL, Engine

from etl.store.settings import load_settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "pitboard"


class DatabaseConfigError(RuntimeError):
    """The configured database URL cannot be used; the message says how to fix it."""


# What PostgreSQL says when the URL itself is wrong: retrying cannot help, the user must fix it.
_CONFIGURATION_MESSAGES = (
    "password authentication failed",
    "does not exist",  # database "x" / role "x" does not exist
    "no password supplied",
    "no pg_hba.conf entry",
    "invalid dsn",
    "could not translate host name",
)


def is_configuration_error(exc: BaseException) -> bool:
    """True for a database error no retry can fix (unknown database or role, bad password,
    unknown host): it should fail at once with its message, not be retried like a refused or
    dropped connection."""
    if isinstance(exc, DatabaseConfigError):
        return True
    message = str(getattr(exc, "orig", None) or exc).lower()
    return any(text in message for text in _CONFIGURATION_MESSAGES)


def database_error_line(exc: BaseException) -> str:
    """One line for a person: what the database said (first line, no SQL, no traceback)."""
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def normalize_database_url(url: str) -> str:
    """Make ``url`` use psycopg2, the driver Pitboard ships.

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3, which is not installed, so a
    bare URL is pinned to psycopg2 rather than failing later with an import error.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise DatabaseConfigError(
            f"PITBOARD_DATABASE_URL is not a database URL: {url!r} "
            "(expected postgresql+psycopg2://user:password@host:5432/dbname)"
        ) from exc
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseConfigError(
            f"Pitboard needs PostgreSQL, got {parsed.get_backend_name()!r} in {url!r}"
        )
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def _embedded_pgdata() -> Path:
    home = load_settings().home
    home.mkdir(parents=True, exist_ok=True)
    return home / "pgdata"


@lru_cache(maxsize=1)
def embedded_database_url() -> str:
    """Start (or join) the embedded PostgreSQL and return a psycopg2 URL to its database."""
    # pgserver decides where its lock file lives when it is imported; without a runtime dir it
    # would pick /run/user/<uid>, which does not exist for root on most servers.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = load_settings().home / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call
    import pgserver  # imported late: it starts nothing, but it is only needed here

    pgdata = _embedded_pgdata()
    log.info("using embedded PostgreSQL in %s", pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # atexit runs last-registered first: close our connections before pgserver stops the
    # server, or the pool's final rollback meets a closed socket and logs a traceback.
    atexit.register(dispose_engines)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
    return normalize_database_url(server.get_uri(database=EMBEDDED_DATABASE))


def resolve_database_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else ``PITBOARD_DATABASE_URL``, else the embedded database."""
    chosen = url or load_settings().database_url
    if chosen:
        return normalize_database_url(chosen)
    return embedded_database_url()


_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        # values_plus_batch: executemany UPDATEs go out in pages, not one round trip per row.
        engine = _ENGINES[url] = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            executemany_mode="values_plus_batch",
        )
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of this process (before a fork or at exit)."""
    for engine in _ENGINES.values():
        engine.dispose()


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine for ``url`` (see resolve_database_url); one per URL per process."""
    return _engine_for(resolve_database_url(url))


def describe(url: str | URL) -> str:
    """The URL with its password hidden, for logs and messages."""
    return make_url(str(url)).render_as_string(hide_password=True)
