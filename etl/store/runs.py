"""The ``crawl_runs`` table: one row per site per run, written as the run starts and ends.

Each function takes the caller's connection; the flow commits a run's row at its start (so a
crashed run stays visible) and again at its end.

A run stopped by SIGINT or SIGTERM records itself as 'interrupted'. A run whose process died
(SIGKILL, a crash) cannot: its row stays 'running' until the site's next run, which holds the
site's lease and so knows it is the only one running, marks it 'interrupted'
(:func:`mark_interrupted`). Meanwhile ``pitboard stats`` shows a 'running' row whose site's lease
is not held as 'interrupted' too: a person sees the crash, never a run that looks alive.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from etl.store.models import CrawlRunRow

COUNTS = ("fetched", "cleaned", "new", "updated", "duplicates", "failed")
#: Why :func:`mark_interrupted` ended a run: nobody else can say.
DIED = "its process stopped without recording the end (found by the site's next run)"


def start_run(conn: Connection, site: str, flow_run_id: str | None = None) -> int:
    """Record a run of ``site`` as running; return its id."""
    run_id = conn.scalar(
        insert(CrawlRunRow)
        .values(
            site=site,
            flow_run_id=flow_run_id,
            started_at=datetime.now(UTC),
            status="running",
            **dict.fromkeys(COUNTS, 0),
        )
        .returning(CrawlRunRow.id)
    )
    assert run_id is not None
    return int(run_id)


def finish_run(
    conn: Connection,
    run_id: int,
    status: str,
    counts: dict[str, int] | None = None,
    error: str | None = None,
) -> None:
    """Record how run ``run_id`` ended, with its counts (names from ``COUNTS``)."""
    values = {k: int(v) for k, v in (counts or {}).items() if k in COUNTS}
    conn.execute(
        update(CrawlRunRow)
        .where(CrawlRunRow.id == run_id)
        .values(status=status, finished_at=datetime.now(UTC), error=error, **values)
    )


def mark_interrupted(conn: Connection, site: str, reason: str) -> list[int]:
    """Record ``site``'s runs still 'running' as 'interrupted', with ``reason``; their ids.

    Called by a run that holds the site's lease: every run holds it while it runs, so a row
    still 'running' then belongs to a process that died (SIGKILL, a crash, a lost machine).
    """
    return list(
        conn.scalars(
            update(CrawlRunRow)
            .where(CrawlRunRow.site == site, CrawlRunRow.status == "running")
            .values(status="interrupted", finished_at=datetime.now(UTC), error=reason)
            .returning(CrawlRunRow.id)
        )
    )
