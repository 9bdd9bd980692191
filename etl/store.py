"""Loaders: write pages and articles to PostgreSQL, idempotently.

(Interface stub: implemented in the next step.)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from etl.pages import RawPage


def save_raw_pages(engine: Engine, pages: Sequence[RawPage]) -> int:
    """Upsert fetched pages by URL in one transaction; return how many rows were new or changed."""
    raise NotImplementedError
