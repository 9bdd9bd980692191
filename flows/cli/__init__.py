"""The ``pitboard`` command line: one module per command group, each registering its commands.

Every command that touches the database resolves it the same way (``--database-url``, else
PITBOARD_DATABASE_URL, else the embedded PostgreSQL) and upgrades an out-of-date schema before it
starts (``flows.cli.common.open_engine``). A command that cannot do its work raises
``CommandError``; :func:`main` reports it as the ``pitboard`` logger's error and turns it into the
exit code. Heavy imports (Prefect, Scrapy) happen inside the commands that need them, so
``pitboard --help`` is quick.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from flows.cli import database, pipeline, query, samples, serve, sites
from flows.cli.common import CommandError, interrupt_exit_code, log, on_sigterm

__all__ = ["build_parser", "main"]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "pgserver", "httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _reaches_stderr(logger: logging.Logger) -> bool:
    """Whether some handler writes ``logger``'s errors to this process's stderr."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if (
                isinstance(handler, logging.StreamHandler)
                and handler.stream is sys.stderr
                and handler.level <= logging.ERROR
            ):
                return True
        current = current.parent if current.propagate else None
    return False


def _report(command: str, message: str) -> None:
    """Log the error; print it too when logging does not show it on stderr.

    The second case is ``main`` called by a program (a test) whose own logging was set up first,
    so that ``_setup_logging`` changed nothing: the user must see the error all the same.
    """
    log.error("%s", message)
    if not _reaches_stderr(log):
        print(f"pitboard {command}: {message}", file=sys.stderr)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pitboard")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pitboard",
        description="Crawl, clean and load endurance-racing news into PostgreSQL.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: $PITBOARD_DATABASE_URL, else the embedded PostgreSQL)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="debug logging (the spider's whole log included)",
    )
    parser.add_argument("--version", action="version", version=f"pitboard {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (pipeline, sites, samples, database, query, serve):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv, psql_args = database.split_psql_arguments(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    if args.command == database.PSQL:
        args.psql_args = psql_args
    _setup_logging(args.verbose)
    from sqlalchemy.exc import OperationalError

    from crawler.site_files import SiteFileError
    from etl.store.database import (
        DatabaseConfigError,
        database_error_line,
        is_configuration_error,
    )

    # SIGTERM stops a command as Ctrl-C does (KeyboardInterrupt): committed work is kept, the
    # run is recorded as interrupted, child processes are stopped; exit code 143 (130: SIGINT).
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        _report(args.command, str(exc))
        return exc.exit_code
    except (DatabaseConfigError, SiteFileError) as exc:
        _report(args.command, str(exc))
        return 2
    except OperationalError as exc:
        # One line saying what the database said, not SQLAlchemy's 100-line traceback (-v has it).
        if args.verbose:
            log.exception("database error")
        if is_configuration_error(exc):
            _report(
                args.command,
                f"{database_error_line(exc)} (check --database-url or PITBOARD_DATABASE_URL)",
            )
            return 2
        _report(args.command, f"cannot reach the database: {database_error_line(exc)}")
        return 1
    except BaseException as exc:
        code = interrupt_exit_code(exc)
        if code is None:
            raise
        if args.verbose:
            log.exception("interrupted")
        log.warning("interrupted: work committed so far is kept; run the command again to resume")
        return code
