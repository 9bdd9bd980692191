"""A new user's first hour, through the real ``pitboard`` command (a child process each time).

Every mistake is one line on stderr saying what to fix, exit code 2, no traceback; every piece of
work ends with one line saying what it did and one naming the next command.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl.store.models import ArticleRow, CrawlRunRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.cli import main
from samplesite.server import ServedSites

ROOT = Path(__file__).resolve().parent.parent
# Nothing listens there: a command that refuses its arguments must do so before any work.
NO_DATABASE = "postgresql+psycopg2://nobody@127.0.0.1:9/none"


def pitboard(
    *args: str,
    database_url: str = NO_DATABASE,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``pitboard ARGS`` in a child process, with its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITBOARD_DATABASE")} | (
        env or {}
    )
    env["PITBOARD_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_refused(result: subprocess.CompletedProcess[str], *wanted: str) -> None:
    """Exit code 2, one line on stderr holding every ``wanted`` text, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in wanted:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ("crawl", "nosuchsite"),
        ("search", "--site", "nosuchsite", "Toyota"),
        ("clean", "--site", "nosuchsite"),
        ("run", "nosuchsite"),
        ("sites", "check", "nosuchsite"),
    ],
    ids=lambda args: " ".join(args[:1]),
)
def test_an_unknown_site_is_refused_with_the_valid_names(args: tuple[str, ...]) -> None:
    assert_refused(pitboard(*args), "unknown site: nosuchsite", "sample-en", "fiawec")


def test_version_names_the_installed_package() -> None:
    result = pitboard("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"pitboard {version('pitboard')}"


@pytest.mark.parametrize(
    "args",
    [
        ("crawl", "fiawec", "--max-pages", "0"),
        ("crawl", "fiawec", "--max-pages", "-1"),
        ("run", "fiawec", "--max-pages", "0"),
        ("serve", "fiawec", "--max-pages", "-1"),
    ],
    ids=lambda args: " ".join(args),
)
def test_max_pages_below_one_is_refused(args: tuple[str, ...]) -> None:
    result = pitboard(*args)
    assert result.returncode == 2
    assert "--max-pages: must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sample_site_without_an_address_says_to_pass_base_url() -> None:
    assert_refused(
        pitboard("crawl", "sample-en"),
        "--base-url http://127.0.0.1:8001",
        "pitboard samples serve",
    )
    assert_refused(pitboard("run", "sample-en", "sample-fr"), "--base-url sample-fr=")


def test_psql_help_is_pitboards() -> None:
    result = pitboard("psql", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: pitboard psql")
    assert "psql's own help" in result.stdout


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("crawl", "the site to crawl"),
        ("show", "an article's id"),
        ("db", "exit code 1 when behind"),
        ("run", "where the site is served"),
    ],
)
def test_every_argument_has_help(command: str, text: str) -> None:
    result = pitboard(command, "--help")
    assert result.returncode == 0
    assert text in " ".join(result.stdout.split())


def test_db_status_exits_1_when_the_schema_is_behind(admin_url: str) -> None:
    with scratch_database(admin_url, "pitboard_behind", migrate=False) as url:
        behind = pitboard("db", "status", database_url=url)
        assert behind.returncode == 1, behind.stderr
        assert "behind: run `pitboard db upgrade`" in behind.stdout
        assert pitboard("db", "upgrade", database_url=url).returncode == 0
        current = pitboard("db", "status", database_url=url)
        assert current.returncode == 0
        assert "up to date" in current.stdout


def test_crawl_stores_at_most_max_pages_and_records_its_run(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    base = served.base_url("sample-en")
    result = pitboard(
        "crawl", "sample-en", "--base-url", base, "--max-pages", "10", database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(RawPageRow))
        run = conn.execute(select(CrawlRunRow)).one()
    assert stored == 10
    assert (run.site, run.status, run.fetched) == ("sample-en", "completed", 10)
    summary, following = result.stdout.strip().splitlines()[-2:]
    assert re.match(r"crawled sample-en: 10 pages stored or refreshed \(\d+ responses\)", summary)
    assert following == "next: pitboard clean --site sample-en"
    # Scrapy's settings and components dumps are not shown without -v.
    assert "Overridden settings" not in result.stderr
    assert "Enabled downloader middlewares" not in result.stderr


def test_clean_records_one_run_per_site_that_stats_shows(
    database_url: str, engine: Engine, served: ServedSites
) -> None:
    for site in ("sample-fr", "sample-en"):
        crawl = pitboard(
            "crawl", site, "--base-url", served.base_url(site), database_url=database_url
        )
        assert crawl.returncode == 0, crawl.stderr
    result = pitboard("clean", database_url=database_url)
    assert result.returncode == 0, result.stderr
    summary, following = result.stdout.strip().splitlines()[-2:]
    match = re.match(
        r"cleaned (\d+) pages \(.*\): articles (\d+) new, 0 updated, \d+ unchanged, "
        r"(\d+) duplicates; 0 failed; [\d.]+s$",
        summary,
    )
    assert match, summary
    assert following.startswith("next: pitboard search")
    with engine.connect() as conn:
        cleans = conn.execute(select(CrawlRunRow).where(CrawlRunRow.cleaned > 0)).all()
        stored = conn.scalar(select(func.count()).select_from(ArticleRow))
        copies = conn.scalar(
            select(func.count()).select_from(ArticleRow).where(ArticleRow.duplicate_of.is_not(None))
        )
    assert sorted(run.site for run in cleans) == ["sample-en", "sample-fr"]
    assert sum(run.new for run in cleans) == int(match.group(2)) == stored
    assert sum(run.duplicates for run in cleans) == int(match.group(3))
    # The copies stored with duplicate_of are among the duplicates the runs counted.
    assert 0 < copies <= int(match.group(3))

    stats = pitboard("stats", database_url=database_url)
    assert stats.returncode == 0, stats.stderr
    assert f"{copies} republished copies" in stats.stdout
    out = stats.stdout.splitlines()
    runs_table = out[out.index("last crawl per site") :]
    runs_table = runs_table[: runs_table.index("")] if "" in runs_table else runs_table
    rows = [line.split() for line in runs_table[1:]]
    last = {row[0]: row for row in rows if row and row[0].startswith("sample-")}
    assert set(last) == {"sample-en", "sample-fr"}
    assert sum(int(row[-2]) for row in last.values()) == int(match.group(3))


def free_port_pair() -> int:
    """A port P such that P and P + 1 are both free on 127.0.0.1 just now."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.mark.network
def test_samples_serve_keeps_the_sites_on_their_ports_until_stopped(tmp_path: Path) -> None:
    port = free_port_pair()
    command = [sys.executable, "-m", "flows.cli", "samples", "serve", "--port", str(port)]
    with subprocess.Popen(
        [*command, "--articles", "8"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as serving:
        try:
            assert serving.stdout is not None
            lines = [serving.stdout.readline() for _ in range(3)]
            assert lines[0].split() == ["sample-fr", f"http://127.0.0.1:{port}/"]
            assert lines[1].split() == ["sample-en", f"http://127.0.0.1:{port + 1}/"]
            assert f"--base-url http://127.0.0.1:{port + 1}" in lines[2]
            with urllib.request.urlopen(f"http://127.0.0.1:{port + 1}/robots.txt") as answer:
                assert b"Sitemap:" in answer.read()
            # A second server on the same ports is refused in one line.
            assert_refused(pitboard("samples", "serve", "--port", str(port)), f":{port}", "--port")
        finally:
            serving.send_signal(signal.SIGINT)
            serving.wait(timeout=30)
    assert serving.returncode == 0


@pytest.mark.prefect  # the command's own temporary Prefect server
def test_run_a_sample_site_with_base_url_loads_articles_and_logs_quietly(
    database_url: str, engine: Engine, served: ServedSites, tmp_path: Path
) -> None:
    base = served.base_url("sample-en")
    result = pitboard(
        "run",
        "sample-en",
        "--base-url",
        base,
        database_url=database_url,
        env={"PREFECT_HOME": str(tmp_path / "prefect")},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip().splitlines()
    assert re.match(r"1 site\(s\): \d+ pages fetched, \d+ cleaned; articles [1-9]\d* new", out[-2])
    assert out[-1].startswith("next: pitboard search --site sample-en")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ArticleRow)) > 0
    # What a person reads: no Scrapy dumps, no Prefect timeout warning, no telemetry error.
    for noise in ("Overridden settings", "worker thread", "telemetry", "LOG_FORMAT", "Traceback"):
        assert noise not in result.stderr, noise


@pytest.mark.network
def test_progress_is_drawn_on_a_terminal_and_not_in_a_pipe(
    database_url: str, served: ServedSites
) -> None:
    base = served.base_url("sample-en")
    args = ("crawl", "sample-en", "--base-url", base, "--max-pages", "30")
    piped = pitboard(*args, database_url=database_url)
    assert piped.returncode == 0, piped.stderr
    assert "pages/s" not in piped.stderr + piped.stdout
    # The same command with stderr on a pseudo-terminal draws the display there.
    leader, follower = pty.openpty()
    env = {**os.environ, "PITBOARD_DATABASE_URL": database_url, "COLUMNS": "120"}
    with subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    ) as process:
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            drawn += chunk
        assert process.wait(timeout=300) == 0
    os.close(leader)
    assert b"crawling sample-en" in drawn and b"pages/s" in drawn


def test_a_second_demo_serves_the_same_urls_and_stores_nothing_twice(
    database_url: str, engine: Engine, prefect_harness: None
) -> None:
    port = free_port_pair()
    args = ["--database-url", database_url, "demo", "--articles", "8", "--port", str(port)]
    counts = []
    for _ in range(2):
        assert main(args) == 0
        with engine.connect() as conn:
            urls = set(conn.scalars(select(RawPageRow.url)))
            articles = conn.scalar(select(func.count()).select_from(ArticleRow))
        counts.append((urls, articles))
    assert counts[0] == counts[1]
    assert all(f"127.0.0.1:{port}" in url or f"127.0.0.1:{port + 1}" in url for url in urls)
