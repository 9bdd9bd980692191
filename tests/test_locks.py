"""Each site's crawl lock is a lease row (etl.store.locks): one holder at a time, renewed while it
runs, taken over when its holder died, and kept across a database restart (issue 15, finding 3).
The restart is done on a PostgreSQL the test starts itself (tests/own_postgres.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.engine import Engine

from etl.store.locks import (
    LeaseLost,
    SiteBusy,
    SiteLease,
    holder_died,
    lease_holder,
    site_lock,
    take_lease,
    this_host,
)
from etl.store.models import CrawlRunRow, SiteLeaseRow
from etl.store.runs import finish_run, mark_interrupted, start_run
from etl.store.scratch import scratch_database
from etl.store.search import stats
from tests.own_postgres import OwnPostgres


def test_a_holder_is_dead_only_when_it_names_a_missing_process_of_this_host() -> None:
    assert holder_died("box:123:ab", host="box", alive=lambda pid: False)
    assert not holder_died("box:123:ab", host="box", alive=lambda pid: True)
    assert not holder_died("other:123:ab", host="box", alive=lambda pid: False)
    assert not holder_died("garbage", host="box", alive=lambda pid: False)
    assert not holder_died(f"{this_host()}:{os.getpid()}:x")
    # The same host name in another pid namespace (another container): not judged from here.
    assert not holder_died(f"{os.uname().nodename}/1:{os.getpid() + 10**6}:x")


def test_one_holder_at_a_time_until_released(engine: Engine) -> None:
    with site_lock(engine, "sample-en") as lease:
        with pytest.raises(SiteBusy, match="already being crawled"):
            SiteLease(engine, "sample-en").acquire()
        with engine.connect() as conn:
            assert lease_holder(conn, "sample-en") == lease.holder
        SiteLease(engine, "sample-fr").acquire().release()  # other sites are free
    with site_lock(engine, "sample-en"):  # released: free again
        pass


def test_an_expired_lease_is_taken_and_its_old_holder_knows_it_lost_it(engine: Engine):
    first = SiteLease(engine, "sample-en", seconds=60, renew_seconds=3600).acquire()
    with engine.begin() as conn:  # its holder stopped renewing long ago
        conn.execute(
            update(SiteLeaseRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    second = SiteLease(engine, "sample-en").acquire()
    with pytest.raises(LeaseLost, match="taken by"):
        first.ensure()
    first.release()  # releases nothing of the new holder's
    with engine.connect() as conn:
        assert lease_holder(conn, "sample-en") == second.holder
    second.release()


def test_the_lease_of_a_killed_process_is_taken_over_at_once(engine: Engine) -> None:
    # A real process takes the lease (60 s long) and is killed: no release, no expiry yet.
    code = (
        "import sys, time; from sqlalchemy import create_engine;"
        "from etl.store.locks import SiteLease;"
        "SiteLease(create_engine(sys.argv[1]), 'sample-en').acquire(); print('held', flush=True);"
        "time.sleep(600)"
    )
    url = engine.url.render_as_string(hide_password=False)
    with subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(SiteBusy):
            SiteLease(engine, "sample-en").acquire()
        holder.kill()
        holder.wait()
    with site_lock(engine, "sample-en") as lease, engine.connect() as conn:
        assert lease_holder(conn, "sample-en") == lease.holder


def test_the_heartbeat_keeps_renewing(engine: Engine) -> None:
    lease = SiteLease(engine, "sample-en", seconds=3, renew_seconds=0.5).acquire()
    try:
        time.sleep(4)  # longer than the lease: only renewals keep it
        with engine.connect() as conn:
            assert lease_holder(conn, "sample-en") == lease.holder
            assert not take_lease(conn, "sample-en", "someone:1:else", 60)
    finally:
        lease.release()


def test_a_dead_run_is_interrupted_by_the_next_and_never_shown_running(engine: Engine):
    with engine.begin() as conn:
        dead = start_run(conn, "sample-en")  # its process died: no lease, no end
        done = start_run(conn, "sample-fr")
        finish_run(conn, done, "completed")
    with engine.connect() as conn:
        shown = {r["site"]: r for r in stats(conn).last_runs}
    assert shown["sample-en"]["status"] == "interrupted"
    assert shown["sample-fr"]["status"] == "completed"
    with site_lock(engine, "sample-en"), engine.connect() as conn:
        live = start_run(conn, "sample-en")  # a live run holding the lease shows as running
        conn.commit()
        assert {r["site"]: r["status"] for r in stats(conn).last_runs}["sample-en"] == "running"
        assert mark_interrupted(conn, "sample-en", "died") == [dead, live]
        conn.commit()
    with engine.connect() as conn:
        row = conn.execute(select(CrawlRunRow).where(CrawlRunRow.id == dead)).one()
    assert (row.status, row.error) == ("interrupted", "died") and row.finished_at is not None


@pytest.mark.db
@pytest.mark.faults
def test_the_lease_survives_a_database_restart_and_is_renewed_after_it() -> None:
    with OwnPostgres() as pg, scratch_database(pg.admin_url, "pitboard_restart") as url:
        engine = create_engine(url, pool_pre_ping=True)
        lease = SiteLease(engine, "sample-en", seconds=20, renew_seconds=0.5).acquire()
        try:
            with engine.connect() as conn:
                before = conn.scalar(select(SiteLeaseRow.expires_at))
            restarted = threading.Thread(target=pg.restart)
            restarted.start()
            restarted.join(60)
            # The lease is a row: after the restart nobody else can take it...
            with pytest.raises(SiteBusy):
                SiteLease(engine, "sample-en").acquire()
            # ...its holder goes on renewing it, and holds it before work continues.
            time.sleep(1.5)
            lease.ensure()
            with engine.connect() as conn:
                after = conn.scalar(select(SiteLeaseRow.expires_at))
                assert lease_holder(conn, "sample-en") == lease.holder
            assert after > before
            # While the database is down, work waits for it, and the lease is kept.
            pg.stop()
            threading.Timer(2.0, pg.start).start()
            lease.ensure(patience=30)
        finally:
            lease.release()  # no exception, even after the restarts
        with engine.connect() as conn:
            assert lease_holder(conn, "sample-en") is None
        engine.dispose()
