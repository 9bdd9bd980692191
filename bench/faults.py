"""Faults: what each one costs in pages. One row per fault, nothing mocked.

For every fault the crawl and the loader are built to survive, this runs the real thing - the
spider subprocess against the test suite's hostile HTTP server (``tests/hostile_server.py``,
127.0.0.1), a PostgreSQL restarted under a running crawl and stopped for a few seconds under a
running ``pitboard clean`` (a server of this script's own, ``tests/own_postgres.py``), and
SIGTERM / SIGKILL sent to ``pitboard crawl``, ``clean``, ``run`` and ``serve`` processes (``serve``
against a Prefect server of its own, ``tests/prefect_server.py``), each followed by the re-run an
operator would do - and prints, per fault:

- expected: the pages (or articles, for the cleaning faults) the fault concerns;
- stored: of those, the ones in ``raw_pages`` (``articles``);
- failed: of those, the ones in ``fetch_failures`` with the reason the fault should give;
- lost: expected pages neither stored nor recorded as failed (must be 0);
- duplicated: rows beyond one per URL identity (must be 0).

Scratch databases are created on ``--database-url`` (default: the PostgreSQL on 127.0.0.1:5432)
and dropped at the end. Run: ``.venv/bin/python bench/faults.py``; exit code 1 if any fault lost
or duplicated a page.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.dedup.urls import url_identity  # noqa: E402
from etl.store.models import ArticleRow, CrawlRunRow, FetchFailureRow, RawPageRow  # noqa: E402
from etl.store.scratch import scratch_database  # noqa: E402
from flows.spider_process import SpiderFailed, run_spider  # noqa: E402
from samplesite import serve_sample_sites  # noqa: E402
from tests.hostile_server import (  # noqa: E402
    CRAWL_SETTINGS,
    FAULTS,
    GOOD,
    HOSTILE_LINKS,
    LONG_PAUSE,
    POLITENESS,
    RATE_LIMITED,
    HostileServer,
    slow_story,
)
from tests.interrupting import descendants, gone_within, start_pitboard, wait_for  # noqa: E402
from tests.own_postgres import OwnPostgres  # noqa: E402
from tests.prefect_server import own_prefect_server  # noqa: E402
from tests.stored_pages import store_pages  # noqa: E402

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
SLOW_PAGES = 80


@dataclass(frozen=True, slots=True)
class Row:
    fault: str
    expected: int
    stored: int
    failed: int
    lost: int
    duplicated: int
    note: str = ""


# --- what the database holds ------------------------------------------------------------------


def stored_urls(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(RawPageRow.url)))


def failures(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(FetchFailureRow.url, FetchFailureRow.reason)).all())


def duplicated_pages(engine: Engine) -> int:
    urls = stored_urls(engine)
    return len(urls) - len({url_identity(u) or u for u in urls})


def page_of(url: str) -> str:
    """A page's path and query as its URL identity spells them: ``/a/`` and ``/a`` are one."""
    parts = urlsplit(url_identity(url) or url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def stored_pages(engine: Engine) -> set[str]:
    """The pages ``raw_pages`` holds, by the URL that answered: a page fetched through a link
    that redirects to it (``/index.php?id=N``) or under another spelling (``/a/``) is the same
    page - which spelling a crawl meets first depends on the order of its fetches."""
    with engine.connect() as conn:
        return {page_of(url) for url in conn.scalars(select(RawPageRow.final_url))}


def page_row(
    fault: str, engine: Engine, expected: Iterable[str], reason: str | None = None, note: str = ""
) -> Row:
    """The row of a crawl fault: ``expected`` pages (path and query), a page failed when
    recorded with ``reason``."""
    wanted = {page_of(path) if "://" in path else path for path in expected}
    stored = stored_pages(engine) & wanted
    failed = {page_of(u) for u, r in failures(engine).items() if r == reason} & wanted
    lost = len(wanted - stored - failed)
    return Row(fault, len(wanted), len(stored), len(failed), lost, duplicated_pages(engine), note)


def article_row(fault: str, engine: Engine, expected: int, note: str = "") -> Row:
    with engine.connect() as conn:
        urls = list(conn.scalars(select(ArticleRow.url)))
    stored = len(set(urls))
    return Row(fault, expected, stored, 0, max(0, expected - stored), len(urls) - stored, note)


# --- the faults -------------------------------------------------------------------------------


def hostile_server_rows(admin_url: str) -> list[Row]:
    """Every hostile page in one crawl, one row per reason; 429s; unparsable links."""
    rows = []
    with (
        scratch_database(admin_url, "pitboard_faults") as url,
        HostileServer(links=[*GOOD, *FAULTS, *HOSTILE_LINKS, *POLITENESS]) as server,
    ):
        engine = create_engine(url)
        settings = {**CRAWL_SETTINGS, "RETRY_TIMES": "2", "PITBOARD_RETRY_AFTER_MAX": "10"}
        run = run_spider("sample-en", database_url=url, base_url=server.base_url, settings=settings)
        rows.append(page_row("none (control: good pages)", engine, GOOD))
        for reason in dict.fromkeys(FAULTS.values()):
            paths = [p for p, r in FAULTS.items() if r == reason]
            names = ", ".join(p.rsplit("/", 1)[1].rsplit("-", 1)[0] for p in paths)
            rows.append(page_row(f"{reason} ({names})", engine, paths, reason))
        rows.append(page_row("429 Retry-After: 2 (retried after it)", engine, [RATE_LIMITED], None))
        rows.append(
            page_row("429 Retry-After: 3600 (over the cap)", engine, [LONG_PAUSE], "http_error")
        )
        invalid = int(run.stats.get("pitboard/invalid_urls", 0) or 0)
        rows.append(
            Row(
                "unparsable links (no URL identity)",
                len(HOSTILE_LINKS),
                0,
                0,
                0,
                duplicated_pages(engine),
                f"{invalid} dropped and counted as pitboard/invalid_urls, no page to fetch",
            )
        )
        engine.dispose()
    return rows


def unreachable_rows(admin_url: str) -> list[Row]:
    rows = []
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    for reason, base in (
        ("connection_refused", f"http://127.0.0.1:{port}"),
        ("dns", "http://pitboard-bench.invalid"),
    ):
        with scratch_database(admin_url, "pitboard_faults") as url:
            engine = create_engine(url)
            # "no page could be fetched": the crawl says so (SpiderFailed), and records why.
            with suppress(SpiderFailed):
                run_spider("sample-en", database_url=url, base_url=base, settings=CRAWL_SETTINGS)
            rows.append(page_row(f"{reason} (the whole site)", engine, ["/"], reason))
            engine.dispose()
    return rows


def restart_when(
    condition: Callable[[], bool], pg: OwnPostgres, done: list[float], away: float = 0.0
) -> None:
    """Once ``condition`` holds, stop the server (closing every connection), wait ``away``
    seconds (every connection meanwhile refused) and start it again."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if condition():
                pg.stop("fast")
                time.sleep(away)
                pg.start()
                done.append(time.monotonic())
                return
        except Exception:
            pass
        time.sleep(0.05)


# The sample site answers its 116 requests in about a second, stored in two batches of 100 at
# most: paced, and in batches of 10, the crawl writes while the server restarts (the undisturbed
# crawl is run the same way).
PACED = {"DOWNLOAD_DELAY": "0.05", "PITBOARD_BATCH_SIZE": "10"}
CRAWL_AWAY_SECONDS = 3.0  # a fast restart of this small server takes 0.2 s: no write meets it


def database_restart_rows(admin_url: str, articles: int) -> list[Row]:
    """The database stopped and started again in the middle of a crawl."""
    rows = []
    with serve_sample_sites(articles=articles, seed=5) as served:
        base = served.base_url("sample-en")
        # What an undisturbed crawl stores: the expected pages.
        with scratch_database(admin_url, "pitboard_faults") as url:
            engine = create_engine(url)
            run_spider("sample-en", database_url=url, base_url=base, settings=PACED)
            expected_pages = stored_pages(engine)
            engine.dispose()
        with OwnPostgres() as pg, scratch_database(pg.admin_url, "pitboard_faults") as url:
            engine = create_engine(url, pool_pre_ping=True)
            restarts: list[float] = []

            def crawling() -> bool:
                return len(stored_urls(engine)) > 0

            watcher = threading.Thread(
                target=restart_when, args=(crawling, pg, restarts, CRAWL_AWAY_SECONDS)
            )
            watcher.start()
            run = run_spider("sample-en", database_url=url, base_url=base, settings=PACED)
            watcher.join(120)
            waits = int(run.stats.get("pitboard/database_retries", 0) or 0)
            rows.append(
                page_row(
                    f"database stopped {CRAWL_AWAY_SECONDS:.0f} s mid-crawl",
                    engine,
                    expected_pages,
                    note=f"{len(restarts)} restart, {waits} batch writes waited for it",
                )
            )
            engine.dispose()
    return rows


AWAY_SECONDS = 6.0  # longer than the cleaning of a batch: reads and loads meet the outage


def clean_through_an_outage(pages_to_clean: int) -> Row:
    """``pitboard clean`` as a process, the database stopped for ``AWAY_SECONDS`` once the
    first batch of 1,000 is loaded (every reconnect meanwhile refused), then started again."""
    with OwnPostgres() as pg, scratch_database(pg.admin_url, "pitboard_faults") as url:
        engine = create_engine(url, pool_pre_ping=True)
        store_pages(engine, pages_to_clean)
        proc = start_pitboard(url, "clean", "--workers", "2")

        def articles_loaded() -> bool:
            with engine.connect() as conn:
                return bool(conn.scalar(select(ArticleRow.id).limit(1)))

        wait_for(lambda: proc.poll() is not None or articles_loaded(), 300, "a first load")
        engine.dispose()
        during = "during" if proc.poll() is None else "AFTER"
        pg.stop("fast")
        time.sleep(AWAY_SECONDS)
        pg.start()
        code = proc.wait(600)
        output = proc.stdout.read() if proc.stdout else ""
        waits = sum("does not answer" in line for line in output.splitlines())
        note = f"stopped {AWAY_SECONDS:.0f} s {during} the clean; exit {code}, {waits} retries"
        label = f"database stopped {AWAY_SECONDS:.0f} s under pitboard clean"
        row = article_row(label, engine, pages_to_clean, note)
        engine.dispose()
    return row


def interrupted_command(
    admin_url: str,
    label: str,
    command: list[str],
    signum: int,
    ready: Callable[[Engine], bool],
    row: Callable[[Engine], Row],
    prepare: Callable[[Engine], None] | None = None,
    env: dict[str, str] | None = None,
    rerun: list[str] | None = None,
) -> Row:
    """``command`` signalled once ``ready``, then run again to the end (or ``rerun``, for a
    command that never ends by itself); the row ``row`` says."""
    with scratch_database(admin_url, "pitboard_faults") as url:
        engine = create_engine(url)
        if prepare is not None:
            prepare(engine)
        proc = start_pitboard(url, *command, env=env)
        wait_for(lambda: ready(engine), 300, "work to be under way")
        children = descendants(proc.pid)
        sent = time.monotonic()
        proc.send_signal(signum)
        code = proc.wait(60)
        seconds = time.monotonic() - sent
        left = gone_within(children, 15)
        again = start_pitboard(url, *(rerun or command), env=env)
        rerun_code = again.wait(900)
        result = row(engine)
        with engine.connect() as conn:
            runs = list(conn.scalars(select(CrawlRunRow.status).order_by(CrawlRunRow.id)))
        note = f"exit {code} after {seconds:.1f}s, {len(left)} child(ren) left; re-run exit "
        note += f"{rerun_code}" + (f"; runs {'/'.join(runs)}" if runs else "")
        engine.dispose()
    return Row(label, result.expected, result.stored, result.failed, result.lost,
               result.duplicated, note)  # fmt: skip


def interrupt_rows(admin_url: str, pages_to_clean: int) -> list[Row]:
    rows = []
    slow = [slow_story(i) for i in range(SLOW_PAGES)]
    with HostileServer(links=slow) as server:
        crawl = ["crawl", "sample-en", "--base-url", server.base_url]
        for signum in (signal.SIGTERM, signal.SIGKILL):
            rows.append(
                interrupted_command(
                    admin_url,
                    f"{signal.Signals(signum).name} to pitboard crawl, then re-run",
                    crawl,
                    signum,
                    lambda e: len(stored_urls(e)) > 0,
                    lambda e: page_row("", e, ["/", *slow]),
                )
            )
        home = tempfile.mkdtemp(prefix="pitboard-bench-prefect-")
        site = f"sample-en={server.base_url}"
        rows.append(
            interrupted_command(
                admin_url,
                "SIGTERM to pitboard run, then re-run",
                ["run", "sample-en", "--base-url", site],
                signal.SIGTERM,
                lambda e: len(stored_urls(e)) > 0,
                lambda e: page_row("", e, ["/", *slow]),
                env={"PREFECT_HOME": home, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            )
        )

        with own_prefect_server(Path(tempfile.mkdtemp(prefix="pitboard-bench-serve-"))) as env:
            for signum in (signal.SIGINT, signal.SIGTERM):
                rows.append(
                    interrupted_command(
                        admin_url,
                        f"{signal.Signals(signum).name} to pitboard serve, then pitboard run",
                        ["serve", "sample-en", "--interval", "5", "--base-url", site],
                        signum,
                        lambda e: len(stored_urls(e)) > 0,
                        lambda e: page_row("", e, ["/", *slow]),
                        env=env,
                        rerun=["run", "sample-en", "--base-url", site],
                    )
                )

    def some_articles(engine: Engine) -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(select(ArticleRow.id).limit(1)))

    for signum in (signal.SIGTERM, signal.SIGKILL):
        rows.append(
            interrupted_command(
                admin_url,
                f"{signal.Signals(signum).name} to pitboard clean, then re-run",
                ["clean", "--workers", "2"],
                signum,
                some_articles,
                lambda e: article_row("", e, pages_to_clean),
                prepare=lambda e: store_pages(e, pages_to_clean),
            )
        )
    return rows


# --- report -----------------------------------------------------------------------------------


def print_rows(rows: list[Row]) -> None:
    width = max(len(r.fault) for r in rows)
    head = f"{'fault':<{width}}  expected  stored  failed  lost  duplicated  note"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.fault:<{width}}  {r.expected:>8}  {r.stored:>6}  {r.failed:>6}  {r.lost:>4}  "
            f"{r.duplicated:>10}  {r.note}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--articles", type=int, default=60, help="sample-site articles")
    parser.add_argument("--pages-to-clean", type=int, default=2500)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.monotonic()
    rows = hostile_server_rows(args.database_url)
    rows += unreachable_rows(args.database_url)
    rows += database_restart_rows(args.database_url, args.articles)
    rows.append(clean_through_an_outage(args.pages_to_clean))
    rows += interrupt_rows(args.database_url, args.pages_to_clean)
    print_rows(rows)
    bad = [r.fault for r in rows if r.lost or r.duplicated]
    print(f"\n{len(rows)} faults in {time.monotonic() - started:.0f}s; lost or duplicated: "
          f"{', '.join(bad) or 'none'}")  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
