"""A Prefect server of a test's own, and long-running commands beside it.

``pitboard serve`` and Prefect workers need a real server (the temporary one a bare flow run
starts cannot schedule anything): these helpers start ``prefect server start`` on a free port
with its SQLite database under a temporary PREFECT_HOME, talk to its API, and run a command in
its own session that is stopped with everything it started. The ``prefect_env`` fixture
(tests/conftest.py) is built on them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.own_postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_SECONDS = 90


class NotReady(AssertionError):
    """What a test waited for did not happen (in time, or before its process exited)."""


def api_call(api_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (no body) or POST a JSON body to the Prefect API; None while it does not answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        api_url + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_while_running(
    condition: Callable[[], Any], seconds: float, what: str, process: subprocess.Popen[Any]
) -> None:
    """Poll ``condition`` until true; fail after ``seconds`` or when ``process`` has exited."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise NotReady(f"{what}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise NotReady(f"{what}: not within {seconds} s")
        time.sleep(1)


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a process started in its own session, with everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@contextmanager
def running(
    command: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running from the repository root in its own session, its output in
    ``log_path``; stopped with everything it started on exit."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop(process)


@contextmanager
def own_prefect_server(home: Path) -> Iterator[dict[str, str]]:
    """A Prefect server with its state under ``home``; yields the environment of a process
    that uses it (this one's, with PREFECT_API_URL and PREFECT_HOME set, no other PREFECT_*)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    api_url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    with running([*command, "--port", str(port)], env, home / "server.log") as server:
        wait_while_running(
            lambda: api_call(api_url, "/health") is True,
            SERVER_START_SECONDS,
            "Prefect server healthy",
            server,
        )
        yield env | {"PREFECT_API_URL": api_url}
