"""A PostgreSQL server of the test's own, for faults that restart or stop the database.

The machine's shared server (127.0.0.1:5432) is never restarted by a test. This one is a new
cluster (``initdb``) in a temporary directory, on a free port of 127.0.0.1, started and stopped
with ``pg_ctl`` from the newest /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root:
as root, the cluster belongs to the ``postgres`` system user and every command runs through
``runuser -u postgres``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType


def postgres_bin() -> Path | None:
    """The directory of the newest installed PostgreSQL's programs, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4])
    )
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


class OwnPostgres:
    """``with OwnPostgres() as pg:`` a running server; ``pg.admin_url``, ``pg.restart()``."""

    def __init__(self) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL server programs in /usr/lib/postgresql/*/bin")
        self.bin = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pitboard-own-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.admin_url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def __enter__(self) -> OwnPostgres:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (closing every connection, as a crash or an upgrade would) and start again."""
        self.stop("fast")
        self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
