"""``pitboard db`` and ``pitboard psql``: Pitboard's database itself."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from flows.cli.common import open_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from flows.cli.common import Subparsers

PSQL = "psql"


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    p = sub.add_parser(
        PSQL,
        help="open psql on Pitboard's database (args go to psql)",
        description="Open psql on Pitboard's database (the embedded one included). Every "
        "argument after `psql` goes to psql itself, e.g. -c SQL, -f FILE, -At; "
        "`pitboard psql -?` shows psql's own help.",
    )
    p.add_argument(
        "psql_args", nargs=argparse.REMAINDER, metavar="ARGS", help="psql's options, as given"
    )
    p.set_defaults(func=cmd_psql)

    p = sub.add_parser(
        "db",
        help="database schema: status or upgrade",
        description="`db status` prints the schema's revision and exits 1 when it is behind "
        "the code's; `db upgrade` applies the missing migrations (every command also does).",
    )
    p.add_argument(
        "action",
        choices=["upgrade", "status"],
        help="status: show the revision (exit code 1 when behind); upgrade: apply migrations",
    )
    p.set_defaults(func=cmd_db)


def split_psql_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """``argv`` cut after ``psql``: psql's own options (-c, -f ...) go to psql untouched, in
    order, rather than through argparse, which would take them for Pitboard's."""
    if PSQL not in argv:
        return argv, []
    at = argv.index(PSQL)
    if "--help" in argv[at + 1 :]:  # Pitboard's help for the command; psql's own is `-?`
        return [*argv[: at + 1], "--help"], []
    return argv[: at + 1], argv[at + 1 :]


def cmd_db(args: argparse.Namespace) -> int:
    from etl.store.database import describe, get_engine
    from etl.store.migrate import current_revision, head_revision, upgrade

    engine = get_engine(args.database_url)
    if args.action == "upgrade":
        upgrade(engine)
    current, head = current_revision(engine), head_revision()
    state = "up to date" if current == head else "behind: run `pitboard db upgrade`"
    print(f"{describe(engine.url)}\nrevision {current or '(empty)'} (head {head}): {state}")
    return 0 if current == head else 1


def psql_invocation(url: URL, psql: str, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    """psql's command line and environment for the database at ``url``: the password goes in
    PGPASSWORD, never on the command line, where any user of the machine could read it
    (``ps``, /proc/PID/cmdline)."""
    import os

    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    from sqlalchemy.engine import URL

    # ``URL.set(password=None)`` keeps the password: build the URL without one.
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    libpq_url = bare.render_as_string(hide_password=False)
    return [psql, libpq_url, *extra], env


def cmd_psql(args: argparse.Namespace) -> int:
    import shutil
    import subprocess
    from pathlib import Path

    engine = open_engine(args)
    psql = shutil.which("psql")
    if psql is None:  # the embedded server's wheel carries a psql of its own
        import pgserver

        psql = str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")
    command, env = psql_invocation(engine.url, psql, args.psql_args)
    return subprocess.call(command, env=env)
