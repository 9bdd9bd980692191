"""Pitboard's configuration: every environment variable it reads, with its default, read here only.

=============================== ====================================== ===========================
variable                        default                                what it sets
=============================== ====================================== ===========================
PITBOARD_DATABASE_URL           unset: the embedded PostgreSQL         SQLAlchemy URL (psycopg2)
PITBOARD_DASK_ADDRESS           unset: local worker processes          the Dask scheduler the
                                                                       flows clean on
                                                                       (tcp://HOST:8786), or
                                                                       ``local``/``local:N``: a
                                                                       LocalCluster of N workers
PITBOARD_HOME                   $XDG_DATA_HOME/pitboard, else          the embedded database, the
                                ~/.local/share/pitboard                user's site files (sites.d/)
                                                                       and other state
PITBOARD_REDIS_URL              unset: each spider process crawls      Redis URL: every spider
                                alone, Redis is not needed             process of a site shares
                                                                       one frontier (scrapy-redis)
PITBOARD_NEAR_DUP_THRESHOLD     0.5                                    similarity from which a
                                                                       text copies another
PITBOARD_SITES                  empty: every real site                 sites ``pitboard serve``
                                                                       schedules (space separated)
PITBOARD_SITES_FILE             unset: none                            one more TOML file of site
                                                                       descriptions (besides
                                                                       $PITBOARD_HOME/sites.d/)
PITBOARD_USER_AGENT             Pitboard/0.1 (+https://github.com/...) the crawler's User-Agent
PREFECT_API_URL                 unset: a temporary local server        the Prefect server (needed
                                                                       by ``pitboard serve``)
=============================== ====================================== ===========================

Code that needs a value calls :func:`load_settings` rather than reading ``os.environ``. Each call
reads the environment afresh, so a variable set by a test or by a command (``pitboard serve``
exports ``--database-url`` for its flow runs) is seen by the next call. Setting variables for
other programs (Prefect's own, pgserver's ``XDG_RUNTIME_DIR``, a child process's environment) is
not configuration of Pitboard and stays where it is needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATABASE_URL_ENV = "PITBOARD_DATABASE_URL"
DASK_ADDRESS_ENV = "PITBOARD_DASK_ADDRESS"
HOME_ENV = "PITBOARD_HOME"
NEAR_DUP_THRESHOLD_ENV = "PITBOARD_NEAR_DUP_THRESHOLD"
REDIS_URL_ENV = "PITBOARD_REDIS_URL"
SITES_ENV = "PITBOARD_SITES"
SITES_FILE_ENV = "PITBOARD_SITES_FILE"
USER_AGENT_ENV = "PITBOARD_USER_AGENT"
PREFECT_API_URL_ENV = "PREFECT_API_URL"

# An honest User-Agent that says who we are and where to complain.
DEFAULT_USER_AGENT = "Pitboard/0.1 (+https://github.com/pitboard/pitboard)"
# Estimated Jaccard similarity of the shingle sets from which a text is a copy of another.
# Measured with bench/dedup.py --thresholds on 10,000 sample-site articles (200 republished
# copies): precision and recall are both 1.0 from 0.3 to 0.6; 0.2 links distinct articles and
# 0.7 misses copies. 0.5 sits in the middle of that range.
DEFAULT_NEAR_DUP_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Settings:
    """Pitboard's configuration at one moment; the module docstring lists variables and defaults.

    The near-duplicate threshold is kept as written and checked when it is read, so that a bad
    value fails the cleaning that uses it, not every command that reads some other setting.
    """

    database_url: str | None  # None: the embedded PostgreSQL
    home: Path
    near_dup_threshold_text: str  # as written; empty means the default
    sites: tuple[str, ...]  # empty: every real site
    sites_file: Path | None  # one more file of site descriptions
    user_agent: str
    prefect_api_url: str | None  # None: Prefect starts a temporary local server
    redis_url: str | None = None  # None: no shared frontier, each spider process its own
    dask_address: str | None = None  # None: the flows clean in local worker processes

    @property
    def near_dup_threshold(self) -> float:
        """The similarity from which a text is a near-duplicate; ValueError when out of range."""
        if not self.near_dup_threshold_text:
            return DEFAULT_NEAR_DUP_THRESHOLD
        threshold = float(self.near_dup_threshold_text)
        if not 0.0 < threshold <= 1.0:
            raise ValueError(
                f"{NEAR_DUP_THRESHOLD_ENV} must be in (0, 1], got {self.near_dup_threshold_text!r}"
            )
        return threshold

    @property
    def sites_dir(self) -> Path:
        """Where a user's site files live (``*.toml``, read in name order)."""
        return self.home / "sites.d"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings ``environ`` (default: this process's environment) gives, blank meaning unset."""
    env = os.environ if environ is None else environ

    def value(name: str) -> str:
        return env.get(name, "").strip()

    return Settings(
        database_url=value(DATABASE_URL_ENV) or None,
        home=_home(value(HOME_ENV), value("XDG_DATA_HOME")),
        near_dup_threshold_text=value(NEAR_DUP_THRESHOLD_ENV),
        sites=tuple(value(SITES_ENV).split()),
        sites_file=Path(value(SITES_FILE_ENV)).expanduser() if value(SITES_FILE_ENV) else None,
        user_agent=value(USER_AGENT_ENV) or DEFAULT_USER_AGENT,
        prefect_api_url=value(PREFECT_API_URL_ENV) or None,
        redis_url=value(REDIS_URL_ENV) or None,
        dask_address=value(DASK_ADDRESS_ENV) or None,
    )


def _home(home: str, xdg_data_home: str) -> Path:
    if home:
        return Path(home).expanduser()
    base = Path(xdg_data_home).expanduser() if xdg_data_home else Path.home() / ".local" / "share"
    return base / "pitboard"
