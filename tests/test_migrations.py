"""The Alembic revisions: they build the schema the models describe, and they undo cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from etl.store.migrate import alembic_config, current_revision, head_revision, upgrade
from etl.store.models import Base


def test_head_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    engine = create_engine(database_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"raw_pages", "articles", "article_versions"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_every_table_view_and_column_has_a_comment(database_url: str) -> None:
    """What the README promises: `\\d+ TABLE` explains every column (Alembic's table aside)."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        missing = (
            conn.exec_driver_sql(
                "SELECT c.relname || coalesce('.' || a.attname, '') FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                "AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') "
                "AND c.relname <> 'alembic_version' "
                "AND (a.attname IS NOT NULL OR obj_description(c.oid, 'pg_class') IS NULL)"
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert missing == []


def test_alembic_runs_from_the_repository_root(database_url: str) -> None:
    """`alembic upgrade head` / `alembic current`, as the README says, on PITBOARD_DATABASE_URL."""
    env = {**os.environ, "PITBOARD_DATABASE_URL": database_url}
    alembic = [sys.executable, "-m", "alembic"]
    root = Path(__file__).resolve().parent.parent
    for arguments in (["upgrade", "head"], ["current"]):
        result = subprocess.run(
            [*alembic, *arguments], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == head_revision()
