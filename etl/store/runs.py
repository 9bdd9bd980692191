"""The ``crawl_runs`` table: one row per site per run, written as the run starts and ends.

A run that dies without finishing stays 'running' with no end time, which ``pitboard stats``
shows as such: a person sees the crash instead of a silently missing run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from etl.store.models import CrawlRunRow

COUNTS = ("fetched", "cleaned", "new", "updated", "duplicates", "failed")


def start_run(engine: Engine, site: str, flow_run_id: str | None = None) -> int:
    with engine.begin() as conn:
        return conn.scalar(
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


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    counts: dict[str, int] | None = None,
    error: str | None = None,
) -> None:
    values = {k: int(v) for k, v in (counts or {}).items() if k in COUNTS}
    with engine.begin() as conn:
        conn.execute(
            update(CrawlRunRow)
            .where(CrawlRunRow.id == run_id)
            .values(status=status, finished_at=datetime.now(UTC), error=error, **values)
        )


def last_runs(engine: Engine) -> list[CrawlRunRow]:
    """The latest run of every site, newest first."""
    latest = (
        select(CrawlRunRow)
        .distinct(CrawlRunRow.site)
        .order_by(CrawlRunRow.site, CrawlRunRow.started_at.desc())
        .subquery()
    )
    row = aliased(CrawlRunRow, latest)
    with Session(engine) as session:
        return list(session.scalars(select(row).order_by(row.started_at.desc())))
