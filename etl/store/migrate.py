"""Schema migrations: bring a database to the head Alembic revision, or say it is behind."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed 64-bit number: serialises concurrent upgrades (two workers starting at once).
_MIGRATION_LOCK_ID = 0x70697462_6F617264 & 0x7FFFFFFFFFFFFFFF


def alembic_config() -> Config:
    """The Alembic configuration, built in code from the package's own migrations directory:
    an installed (non-editable) package has no alembic.ini, and the root one is for the plain
    ``alembic`` command run from a checkout."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no Alembic revisions found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every missing revision, holding an advisory lock so parallel callers take turns."""
    config = alembic_config()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> bool:
    """Upgrade ``engine``'s database if it is behind; return True when something was applied."""
    if is_up_to_date(engine):
        return False
    log.info("database schema is out of date: upgrading to %s", head_revision())
    upgrade(engine)
    return True
