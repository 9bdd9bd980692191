"""Alembic environment: runs Pitboard's revisions against the URL the caller configured."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from etl.store.database import resolve_database_url
from etl.store.models import Base

config = context.config
target_metadata = Base.metadata
# The plain `alembic` command reads the root alembic.ini, logging sections included;
# etl.store.migrate's in-code configuration has no file and leaves logging to the caller.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    # `pitboard db upgrade` sets the URL on the config; the plain `alembic` command falls back to
    # PITBOARD_DATABASE_URL or the embedded database, like every other entry point.
    return config.get_main_option("sqlalchemy.url") or resolve_database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
