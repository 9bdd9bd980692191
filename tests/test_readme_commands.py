"""Every shell command in README.md runs as written after ``make demo``, or is named here with
the reason it is not run by this test (and where else it is tested).

The README's sample-site addresses (``127.0.0.1:8000`` and ``:8001``, those of ``pitboard samples
serve``) become two free ports of this test's choosing; the database is the test database and
``PITBOARD_HOME`` / ``PREFECT_HOME`` are temporary directories. A command ending with ``&``
runs in the background until the end of the test, as in a shell.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli_first_hour import free_port_pair

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NEEDS_A_PREFECT_SERVER = "needs a Prefect server; tests/test_deployments.py runs it against one"
NOT_RUN = {
    "make demo": "what this test does first, as `pitboard demo --port P`",
    "make test": "runs this suite",
    "make lint": "the linters; run before every commit (`ruff check`, `ruff format --check`)",
    "make bench": "a benchmark of minutes, not a test",
    "make install": "would re-install the package this test is running",
    '.venv/bin/python -m pytest -m "not db and not network and not prefect"': "runs this suite",
    "git pull": "needs the network",
    "cp .env.example .env": "docker compose only; tests/test_deployments.py checks the files",
    "docker compose up -d": "Docker cannot run here; tests/test_deployments.py checks the file",
    "docker compose logs -f worker": "Docker cannot run here",
    "export PITBOARD_DATABASE_URL=postgresql+psycopg2://pitboard:secret@db.example:5432/pitboard": (
        "an example server that does not exist"
    ),
    "export PREFECT_API_URL=http://127.0.0.1:4200/api": NEEDS_A_PREFECT_SERVER,
    "PREFECT_SERVER_ANALYTICS_ENABLED=false prefect server start --host 127.0.0.1 --port 4200 &": (
        "tests/test_deployments.py starts one on a free port"
    ),
    "pitboard run sportscar365 --max-pages 200": "needs the internet",
    "pitboard serve": NEEDS_A_PREFECT_SERVER,
    "pitboard serve sportscar365 dailysportscar --max-pages 500": NEEDS_A_PREFECT_SERVER,
    "pitboard serve sample-en --interval 60 --base-url sample-en=http://127.0.0.1:8001": (
        NEEDS_A_PREFECT_SERVER
    ),
    "prefect work-pool create pitboard --type process": NEEDS_A_PREFECT_SERVER,
    "prefect --no-prompt deploy --all": NEEDS_A_PREFECT_SERVER,
    "prefect worker start --pool pitboard": NEEDS_A_PREFECT_SERVER,
    "prefect deployment run crawl_and_clean/crawl-sample-en": NEEDS_A_PREFECT_SERVER,
    "pitboard sites add https://www.example-racing.com": (
        "needs the internet; tests/test_sites_add.py adds sample sites by URL"
    ),
    "pitboard sites add https://www.example-racing.com --name exr": "needs the internet",
    "pitboard sites check exr --pages 20": "needs the internet (the site added above)",
    "pitboard crawl exr && pitboard clean --site exr": "needs the internet (the site added above)",
    "export PITBOARD_REDIS_URL=redis://redis.example:6379/0": "an example server",
    "pitboard crawl sportscar365": (
        "needs the internet; tests/test_shared_frontier.py runs two crawlers on one Redis frontier"
    ),
    "dask scheduler --port 8786 &": "tests/test_dask_cleaning.py runs a local Dask cluster",
    "dask worker tcp://sched.example:8786 --nworkers 2 --nthreads 1": "an example scheduler",
    "export PITBOARD_DASK_ADDRESS=tcp://sched.example:8786 "
    "PREFECT_API_URL=http://prefect.example:4200/api": "example servers that do not exist",
    "pitboard run sportscar365": "needs the internet",
}


def readme_commands() -> list[str]:
    """The command lines of the README's ``sh`` blocks, in order, without their comments."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def test_every_command_not_run_is_still_in_the_readme() -> None:
    assert set(NOT_RUN) - set(readme_commands()) == set()


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {seconds} s")


@pytest.mark.network
@pytest.mark.prefect  # `pitboard demo` and `pitboard run` start Prefect's temporary server
def test_every_readme_command_runs_as_written(database_url: str, tmp_path: Path) -> None:
    port = free_port_pair()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PITBOARD_", "PREFECT_API"))}
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PITBOARD_DATABASE_URL": database_url,
        "PITBOARD_HOME": str(tmp_path / "pitboard"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    work = tmp_path / "cwd"
    work.mkdir()

    def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    demo = shell(f"pitboard demo --port {port}", work)
    assert demo.returncode == 0, demo.stderr[-3000:]
    background: list[subprocess.Popen[bytes]] = []
    ran = []
    try:
        for command in readme_commands():
            if command in NOT_RUN:
                continue
            local = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            local = local.replace("127.0.0.1:8001", f"127.0.0.1:{port + 1}")
            if local == "pitboard samples serve &":
                local = f"pitboard samples serve --port {port} &"
            # Scrapy and Alembic read their configuration from the repository root.
            cwd = ROOT if local.startswith(("scrapy ", "alembic ")) else work
            if local.endswith("&"):
                background.append(
                    subprocess.Popen(
                        ["bash", "-c", f"exec {local.removesuffix('&').strip()}"],
                        cwd=cwd,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
                wait_for_port(port + 1, 60)
            else:
                result = shell(local, cwd)
                assert result.returncode == 0, f"{command}\n{result.stderr[-3000:]}"
                assert "Traceback" not in result.stderr, f"{command}\n{result.stderr[-3000:]}"
            ran.append(command)
    finally:
        for process in background:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)
    assert (work / "le-mans.csv").read_text().startswith("id,published_at,site")
    assert set(readme_commands()) - set(NOT_RUN) == set(ran)
