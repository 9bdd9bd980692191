"""Cross-process locks held in PostgreSQL, so two runs of one site never overlap.

A session-level advisory lock belongs to one connection: it is released when the holder
closes that connection, and also when the holder dies, so a crashed run never leaves a
site locked. That is why :func:`site_lock`, alone in storage, takes the engine rather than the
caller's connection: the lock needs a connection of its own, held (outside any transaction)
for as long as the run lasts, while the run's work commits on other connections.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine


class SiteBusy(RuntimeError):
    """Another run holds the site's lock."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (advisory locks take bigint keys)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def site_lock(engine: Engine, site: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the lock of ``site`` for the block; wait up to ``wait_seconds``, then SiteBusy."""
    key = lock_key(f"pitboard-site:{site}")
    deadline = time.monotonic() + wait_seconds
    with engine.connect() as conn:
        while not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
            conn.rollback()
            if time.monotonic() >= deadline:
                raise SiteBusy(f"{site} is already being crawled by another run")
            time.sleep(min(2.0, max(0.05, deadline - time.monotonic())))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
