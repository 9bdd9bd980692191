"""Throwaway databases: created on a server, optionally migrated, dropped on the way out.

The test suite and every benchmark need a database of their own beside the user's, on the same
PostgreSQL server, that disappears however the run ends (``DROP ... WITH (FORCE)`` closes the
connections a failed run left open).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

from etl.store.database import normalize_database_url
from etl.store.migrate import upgrade


@contextmanager
def scratch_database(
    admin_url: str, prefix: str = "pitboard_scratch", *, migrate: bool = True
) -> Iterator[str]:
    """Yield the URL of a new database on the server of ``admin_url`` (any database there the
    user may create databases from), at the head revision unless ``migrate`` is False."""
    admin_url = normalize_database_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # pre-ping: the server may have restarted meanwhile (the fault tests restart their own).
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            if migrate:
                engine = create_engine(url)
                try:
                    upgrade(engine)
                finally:
                    engine.dispose()
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
