"""What every ``pitboard`` command shares: its logger, its database, Prefect's defaults and errors.

Each command group (``pipeline``, ``sites``, ``database``, ``query``, ``serve``) exposes
``register(subparsers)``; its commands take the parsed arguments and return an exit code, or raise
:class:`CommandError` for ``flows.cli.main`` to report. Heavy imports (SQLAlchemy, Prefect, Scrapy)
stay inside the commands, so that ``pitboard --help`` is quick.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

log = logging.getLogger("pitboard")


class CommandError(Exception):
    """The command could not do what was asked, for a reason the message gives.

    Commands raise it rather than print and return a code themselves, so that every error reaches
    the user the same way: one report by ``main``, no traceback, exit code ``exit_code``.
    """

    exit_code = 1


class UsageError(CommandError):
    """What was asked cannot be done as asked (an unknown site, a missing server address).

    Exit code 2, as for the command-line mistakes argparse reports itself.
    """

    exit_code = 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like SIGINT's KeyboardInterrupt, so that one path
    stops the work, keeps what was committed and records the run as interrupted."""

    signal = signal.SIGTERM


def on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def interrupt_exit_code(exc: BaseException) -> int | None:
    """The exit code of a command stopped by ``exc`` (128 + the signal: 130 for SIGINT, 143 for
    SIGTERM), or None when ``exc`` is not an interrupt. Prefect's own ``TerminationSignal``
    carries its signal too."""
    number = getattr(exc, "signal", None)
    if isinstance(number, int) and not isinstance(exc, Exception):
        return 128 + number
    if isinstance(exc, KeyboardInterrupt):
        return 128 + signal.SIGINT
    return None


def open_engine(args: argparse.Namespace) -> Engine:
    """The engine of the database ``--database-url`` names (else PITBOARD_DATABASE_URL, else the
    embedded PostgreSQL), its schema brought to the latest revision if it is behind."""
    from etl.store.database import describe, get_engine
    from etl.store.migrate import ensure_schema

    engine = get_engine(args.database_url)
    log.info("database: %s", describe(engine.url))
    if ensure_schema(engine):
        log.info("database schema upgraded to the latest revision")
    return engine


def use_database_url(args: argparse.Namespace) -> None:
    """Hand ``--database-url`` to the flows through the environment they read it from, never
    as a flow parameter (Prefect stores parameters in clear in its own database)."""
    from etl.store.settings import DATABASE_URL_ENV

    if args.database_url:
        os.environ[DATABASE_URL_ENV] = args.database_url


def guard_children() -> None:
    """Start this command's guardian (``flows.guardian``) before a flow runs: Prefect's
    temporary server is a child process that would outlive a command killed with SIGKILL."""
    from flows.guardian import start_guardian

    start_guardian()


def prefect_defaults() -> None:
    """Set defaults for Prefect's own settings; call before Prefect is first imported."""
    # No internet on many servers: Prefect's telemetry would log an error on every start.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The same for the client's own usage events (Prefect's documented opt-out).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The temporary server's first start migrates its database: on a busy two-core machine
    # that takes longer than Prefect's 20 s default, and the run would fail before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
