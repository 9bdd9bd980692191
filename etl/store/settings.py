"""Configuration read from the environment, with the documented defaults in one place.

- PITBOARD_DATABASE_URL: SQLAlchemy URL (psycopg2 driver); unset means the embedded PostgreSQL.
- PITBOARD_HOME (default ~/.local/share/pitboard): the embedded database and other state.
"""

from __future__ import annotations

import os
from pathlib import Path


def database_url_from_env() -> str | None:
    """The configured database URL, or None when Pitboard should use its embedded PostgreSQL."""
    value = os.environ.get("PITBOARD_DATABASE_URL", "").strip()
    return value or None


def pitboard_home() -> Path:
    """Where Pitboard keeps its own state (the embedded database lives under it)."""
    value = os.environ.get("PITBOARD_HOME", "").strip()
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "pitboard"
