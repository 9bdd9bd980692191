"""Run one Scrapy spider in a child process.

Twisted's reactor cannot be restarted inside one process, and inside a Prefect task it fights
Prefect's logging; ``python -m scrapy crawl`` in a subprocess has neither problem and costs
about a second and a half. The child writes raw pages straight to the database.

What the parent learns about the crawl comes from the child's exit code and the stats file it
writes (``crawler.extensions.StatsFile``), read into :class:`SpiderRun`. Its log is for people:
the parent sets a log format that starts each record with its level and logger name, so a caller
can choose which lines to show without reading their text.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from etl.store.settings import REDIS_URL_ENV

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The child's log format: the record's level and logger for the parent to read, then the line as
# Scrapy's default LOG_FORMAT prints it, which is what a person is shown.
LOG_FIELDS = "\t"
CHILD_LOG_FORMAT = LOG_FIELDS.join(
    ("%(levelname)s", "%(name)s", "%(asctime)s [%(name)s] %(levelname)s: %(message)s")
)
_LEVELS = logging.getLevelNamesMapping()
# What a person watching a crawl wants of a spider's log at INFO: the progress and Pitboard lines
# of these loggers; not Scrapy's start-up dumps of settings and components, nor a line per
# ignored URL (all still shown with ``pitboard -v``).
PROGRESS_LOGGERS = ("crawler.", "scrapy.core.engine", "scrapy.extensions.logstats")


class SpiderFailed(RuntimeError):
    """The spider process exited with an error; the message carries its last log lines."""


class SpiderStopped(RuntimeError):
    """The crawl was stopped by an interrupt of this process (``stop_spiders``): not a failure
    to retry."""


# Seconds a spider is given to close gracefully (its pipeline writes what it holds) once asked
# to stop, before it is killed: an interrupted command must end within 10 s.
STOP_GRACE_SECONDS = 5.0
_live: set[subprocess.Popen[str]] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


def stop_spiders(grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop every spider process this process runs (an interrupt: SIGINT, SIGTERM), and refuse
    new ones. Each gets SIGTERM (Scrapy closes gracefully, storing what it fetched) and is killed
    if it is still running ``grace`` seconds later."""
    _stopping.set()
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the spider's log, with the level and logger of the record it belongs to.

    A record's further lines (a traceback, a dumped dict) carry that record's level; lines
    written before any record (Python failing to start) have level NOTSET and no logger.
    """

    level: int
    logger: str
    text: str  # as Scrapy prints it by default


def read_log_lines(lines: Iterable[str]) -> Iterator[LogLine]:
    """The child's output (in CHILD_LOG_FORMAT) as LogLines, line ends stripped."""
    level, logger = logging.NOTSET, ""
    for line in lines:
        text = line.rstrip()
        fields = text.split(LOG_FIELDS, 2)
        if len(fields) == 3 and fields[0] in _LEVELS:
            level, logger, text = _LEVELS[fields[0]], fields[1], fields[2]
        yield LogLine(level, logger, text)


def is_progress_line(line: LogLine) -> bool:
    """Whether ``line`` is one of the INFO lines worth showing a person (PROGRESS_LOGGERS)."""
    return logging.INFO <= line.level < logging.ERROR and line.logger.startswith(PROGRESS_LOGGERS)


@dataclass(frozen=True, slots=True)
class SpiderRun:
    site: str
    returncode: int
    seconds: float
    log_tail: list[str]
    stats: dict[str, object] = field(default_factory=dict)

    def _count(self, name: str) -> int:
        value = self.stats.get(name, 0)
        return int(value) if isinstance(value, int | float) else 0

    @property
    def responses(self) -> int:
        return self._count("downloader/response_count")

    @property
    def not_modified(self) -> int:
        return self._count("downloader/response_status_count/304")

    @property
    def download_errors(self) -> int:
        return self._count("downloader/exception_count")

    @property
    def peak_rss_mib(self) -> float | None:
        """The spider process's peak resident memory, when its platform reports one."""
        peak = self.stats.get("pitboard/peak_rss_mib")
        return float(peak) if isinstance(peak, int | float) else None

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", ""))


def _stop(proc: subprocess.Popen[str], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM (Scrapy closes gracefully), then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def spider_command(
    site: str,
    *,
    base_url: str | None = None,
    max_pages: int | None = None,
    log_level: str = "INFO",
    settings: dict[str, str] | None = None,
) -> list[str]:
    """The ``scrapy crawl`` command line for ``site``."""
    command = [sys.executable, "-m", "scrapy", "crawl", site, "-s", f"LOG_LEVEL={log_level}"]
    command += ["-s", f"LOG_FORMAT={CHILD_LOG_FORMAT}"]
    if base_url:
        command += ["-a", f"base_url={base_url}"]
    if max_pages is not None:  # 0: no cap; None: the site's, else PITBOARD_MAX_PAGES
        command += ["-a", f"max_pages={max_pages}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def run_spider(
    site: str,
    *,
    database_url: str,
    base_url: str | None = None,
    max_pages: int | None = None,
    settings: dict[str, str] | None = None,
    on_line: Callable[[LogLine], None] | None = None,
    timeout: float | None = None,
) -> SpiderRun:
    """Crawl ``site`` in a child process, streaming its log lines to ``on_line``.

    Raises SpiderFailed when the process exits non-zero or runs past ``timeout`` seconds.
    """
    env = dict(os.environ)
    env["PITBOARD_DATABASE_URL"] = database_url
    env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    # The child must import this checkout's packages even when run from elsewhere.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    stats_file = Path(tempfile.mkstemp(prefix=f"pitboard-{site}-", suffix=".json")[1])
    settings = {**(settings or {}), "PITBOARD_STATS_FILE": str(stats_file)}
    try:
        return _run(site, env, settings, base_url, max_pages, on_line, timeout, stats_file)
    finally:
        stats_file.unlink(missing_ok=True)


def _run(
    site: str,
    env: dict[str, str],
    settings: dict[str, str],
    base_url: str | None,
    max_pages: int | None,
    on_line: Callable[[LogLine], None] | None,
    timeout: float | None,
    stats_file: Path,
) -> SpiderRun:
    if _stopping.is_set():
        raise SpiderStopped(f"{site}: not started, this process is stopping")
    # The child watches this process and stops if it dies (crawler.extensions.ParentWatch).
    settings = {**settings, "PITBOARD_PARENT_PID": str(os.getpid())}
    command = spider_command(site, base_url=base_url, max_pages=max_pages, settings=settings)
    log.info("crawling %s", site)
    log.debug("spider command: %s", shlex.join(command[1:]))
    started = time.monotonic()
    tail: list[str] = []
    with subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        with _live_lock:
            _live.add(proc)
        try:
            for line in read_log_lines(proc.stdout):
                tail = [*tail[-39:], line.text]
                if on_line is not None:
                    on_line(line)
                if timeout is not None and time.monotonic() - started > timeout:
                    _stop(proc)
                    raise SpiderFailed(f"{site}: crawl exceeded {timeout:.0f}s and was stopped")
        except BaseException:  # an interrupt of this process, or a failing on_line
            _stop(proc)
            raise
        finally:
            with _live_lock:
                _live.discard(proc)
        returncode = proc.wait()
    seconds = time.monotonic() - started
    if _stopping.is_set():
        raise SpiderStopped(f"{site}: crawl stopped by an interrupt after {seconds:.1f}s")
    if returncode != 0:
        raise SpiderFailed(
            f"{site}: scrapy exited with {returncode}; last lines:\n" + "\n".join(tail[-15:])
        )
    try:
        stats = json.loads(stats_file.read_text() or "{}")
    except (OSError, ValueError):
        stats = {}
    run = SpiderRun(site, returncode, seconds, tail, stats)
    if run.finish_reason == "pitboard_storage_failed":
        raise SpiderFailed(f"{site}: the database refused the fetched pages; see the log above")
    if stats and run.responses == 0:
        if run.download_errors == 0 and env.get(REDIS_URL_ENV):
            # One of several workers on a shared frontier, started when the others had taken
            # every request: nothing was tried, so nothing failed.
            log.info("%s: the shared frontier had no request left for this worker", site)
            return run
        raise SpiderFailed(
            f"{site}: no page could be fetched ({run.download_errors} download errors): "
            "is the site reachable from here?"
        )
    return run
