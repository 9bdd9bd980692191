"""Each site's crawl lock, as a lease row in PostgreSQL, so two runs of one site never overlap.

The lock used to be a session advisory lock, which belongs to one connection: a database restart
dropped it silently, the retried crawl ran unlocked, and releasing it raised. A lease is a row of
``site_leases`` (holder, expiry on the database's clock): it survives a restart, and its holder
renews it from a heartbeat thread every ``RENEW_SECONDS`` - reconnecting as needed - and checks
it again before each stage of work (:meth:`SiteLease.ensure`). A holder that dies stops renewing;
the lease frees when it expires (``LEASE_SECONDS``), or at once when the holder was a process of
this host that no longer exists. Taking, renewing and releasing are single statements, so two
runs racing for a free lease cannot both win.

Like every storage function, the statements take the caller's connection; :class:`SiteLease`
alone takes the engine, since its heartbeat needs connections of its own for as long as the run
lasts, while the run's work commits on others.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Self

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from etl.store.models import SiteLeaseRow

log = logging.getLogger(__name__)

# A lease not renewed for this long is free: a dead holder on another host blocks its site at
# most this long. Renewed four times as often, so a database restart of up to ~45 s costs the
# holder nothing.
LEASE_SECONDS = 60.0
RENEW_SECONDS = 15.0


class SiteBusy(RuntimeError):
    """Another run holds the site's lock."""


class LeaseLost(RuntimeError):
    """The lease expired while its holder could not renew it, and another run took it."""


def this_host() -> str:
    """Where this process's pid means something: the host name, plus the pid namespace on
    Linux (two containers may share a host name, never a pid namespace)."""
    try:
        namespace = f"/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        namespace = ""
    return socket.gethostname().replace(":", "_") + namespace


def new_holder() -> str:
    """This run's name in ``site_leases.holder``: host, process id and a random tag (a process
    may hold several leases, one per site, each under the same name)."""
    return f"{this_host()}:{os.getpid()}:{secrets.token_hex(4)}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def holder_died(
    holder: str, host: str | None = None, alive: Callable[[int], bool] = pid_alive
) -> bool:
    """True when ``holder`` names a process of this host (``host``, default ``this_host()``)
    that no longer exists."""
    name, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if name != (host or this_host()) or not pid_text.isdigit():
        return False
    return not alive(int(pid_text))


def take_lease(
    conn: Connection, site: str, holder: str, seconds: float, *, replacing: str | None = None
) -> bool:
    """Take or renew ``site``'s lease for ``seconds``: True when ``holder`` holds it now (it was
    free, expired, already its own, or held by ``replacing``, a holder known to be dead)."""
    stmt = insert(SiteLeaseRow).values(
        site=site,
        holder=holder,
        acquired_at=func.now(),
        expires_at=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds),
    )
    current = SiteLeaseRow.__table__.c
    renewable = (
        (current.holder == stmt.excluded.holder)
        | (current.expires_at <= func.now())
        | (current.holder == (replacing or ""))
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SiteLeaseRow.site],
        set_={
            "holder": stmt.excluded.holder,
            "acquired_at": case(
                (current.holder == stmt.excluded.holder, current.acquired_at),
                else_=stmt.excluded.acquired_at,
            ),
            "expires_at": stmt.excluded.expires_at,
        },
        where=renewable,
    ).returning(SiteLeaseRow.holder)
    return conn.scalar(stmt) == holder


def lease_holder(conn: Connection, site: str) -> str | None:
    """Who holds ``site``'s lease now (None: nobody, or the lease expired)."""
    return conn.scalar(
        select(SiteLeaseRow.holder).where(
            SiteLeaseRow.site == site, SiteLeaseRow.expires_at > func.now()
        )
    )


def leased_sites(conn: Connection) -> set[str]:
    """The sites whose lease is held now: a run of any other site is not running."""
    return set(conn.scalars(select(SiteLeaseRow.site).where(SiteLeaseRow.expires_at > func.now())))


def release_lease(conn: Connection, site: str, holder: str) -> None:
    conn.execute(
        delete(SiteLeaseRow).where(SiteLeaseRow.site == site, SiteLeaseRow.holder == holder)
    )


class SiteLease:
    """``site``'s lease, held by this run from :meth:`acquire` to :meth:`release`."""

    def __init__(
        self,
        engine: Engine,
        site: str,
        *,
        holder: str | None = None,
        seconds: float = LEASE_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        self.engine, self.site = engine, site
        self.holder = holder or new_holder()
        self.seconds, self.renew_seconds = seconds, renew_seconds
        self.lost: LeaseLost | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _take(self, replacing: str | None = None) -> bool:
        with self.engine.begin() as conn:
            return take_lease(conn, self.site, self.holder, self.seconds, replacing=replacing)

    def acquire(self, wait_seconds: float = 0.0) -> Self:
        """Take the lease, waiting up to ``wait_seconds`` for it; SiteBusy after that."""
        deadline = time.monotonic() + wait_seconds
        while not self._take():
            with self.engine.connect() as conn:
                other = lease_holder(conn, self.site)
            if other is not None and holder_died(other) and self._take(replacing=other):
                log.warning("%s: took over the lease of %s, a process that died", self.site, other)
                break
            if time.monotonic() >= deadline:
                raise SiteBusy(f"{self.site} is already being crawled by another run ({other})")
            time.sleep(min(2.0, max(0.05, deadline - time.monotonic())))
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"lease-{self.site}", daemon=True
        )
        self._heartbeat.start()
        return self

    def renew(self) -> None:
        """Renew the lease now (taking it again if it expired and nobody took it);
        LeaseLost if another run holds it."""
        if self.lost is not None:
            raise self.lost
        if not self._take():
            with self.engine.connect() as conn:
                other = lease_holder(conn, self.site)
            self.lost = LeaseLost(f"{self.site}: the site's lock was taken by {other}")
            raise self.lost

    def ensure(self, patience: float | None = None) -> None:
        """Hold the lease before work continues: renew it, waiting up to ``patience`` seconds
        (default: the lease's length) for a database that does not answer (restarting)."""
        deadline = time.monotonic() + (self.seconds if patience is None else patience)
        delay = 0.5
        while True:
            try:
                return self.renew()
            except OperationalError:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("%s: cannot renew the site's lock yet; retrying", self.site)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _beat(self) -> None:
        failing = False
        while not self._stop.wait(self.renew_seconds):
            try:
                self.renew()
            except LeaseLost as exc:
                log.error("%s", exc)
                return
            except OperationalError as exc:  # a database restarting: keep trying
                if not failing:
                    log.warning("%s: cannot renew the site's lock: %s", self.site, exc.orig)
                failing = True
                continue
            except Exception:
                log.exception("%s: renewing the site's lock failed", self.site)
                continue
            if failing:
                log.info("%s: the site's lock is renewed again", self.site)
            failing = False

    def release(self, attempts: int = 3) -> None:
        """Stop renewing and free the lease. A database that does not answer is not an error
        of the run: the lease then frees when it expires."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(5)
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    release_lease(conn, self.site, self.holder)
                return
            except OperationalError as exc:
                if attempt == attempts - 1:
                    log.warning(
                        "%s: could not release the site's lock (%s); it frees in %.0f s",
                        self.site,
                        exc.orig,
                        self.seconds,
                    )
                else:
                    time.sleep(1.0)


@contextmanager
def site_lock(engine: Engine, site: str, *, wait_seconds: float = 0.0) -> Iterator[SiteLease]:
    """Hold ``site``'s lease for the block; wait up to ``wait_seconds``, then SiteBusy."""
    lease = SiteLease(engine, site).acquire(wait_seconds)
    try:
        yield lease
    finally:
        lease.release()
