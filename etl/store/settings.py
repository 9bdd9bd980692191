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
PITBOARD_MAX_PAGES              1000                                   responses a crawl of a
                                                                       site stops at (0: none);
                                                                       a site may set its own
PITBOARD_DEPTH_LIMIT            10                                     links followed from a
                                                                       start page, sitemap or
                                                                       feed (0: no limit)
PITBOARD_RETRY_AFTER_MAX        60                                     longest Retry-After (s)
                                                                       a 429/503 is retried
                                                                       after; longer: give up
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
MAX_PAGES_ENV = "PITBOARD_MAX_PAGES"
DEPTH_LIMIT_ENV = "PITBOARD_DEPTH_LIMIT"
RETRY_AFTER_MAX_ENV = "PITBOARD_RETRY_AFTER_MAX"
PREFECT_API_URL_ENV = "PREFECT_API_URL"

# An honest User-Agent that says who we are and where to complain.
DEFAULT_USER_AGENT = "Pitboard/0.1 (+https://github.com/pitboard/pitboard)"
# Estimated Jaccard similarity of the shingle sets from which a text is a copy of another.
# Measured with bench/dedup.py --thresholds on 10,000 sample-site articles (200 republished
# copies): precision and recall are both 1.0 from 0.3 to 0.6; 0.2 links distinct articles and
# 0.7 misses copies. 0.5 sits in the middle of that range.
DEFAULT_NEAR_DUP_THRESHOLD = 0.5
# Bounds of one crawl of a real site. 1,000 responses at the real sites' 2 s delay is about half
# an hour, inside the hourly cadence of the busiest sites; a first crawl of a large archive takes
# several runs (a re-run revalidates what it has and goes further).
DEFAULT_MAX_PAGES = 1000
# Home -> section -> nine pages of pagination -> article. Deeper is a calendar, a faceted search
# or an archive that sitemaps and feeds reach more cheaply.
DEFAULT_DEPTH_LIMIT = 10
# A server asking for more than a minute's pause is not asking for a retry in this run.
DEFAULT_RETRY_AFTER_MAX = 60.0


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
    max_pages_text: str = ""  # as written; empty means the default
    depth_limit_text: str = ""
    retry_after_max_text: str = ""
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

    @property
    def max_pages(self) -> int:
        """Responses one crawl of a site stops at (0: no cap); ValueError when not a count."""
        return int(_number(MAX_PAGES_ENV, self.max_pages_text, DEFAULT_MAX_PAGES))

    @property
    def depth_limit(self) -> int:
        """How many links deep a crawl follows (0: no limit); ValueError when not a count."""
        return int(_number(DEPTH_LIMIT_ENV, self.depth_limit_text, DEFAULT_DEPTH_LIMIT))

    @property
    def retry_after_max(self) -> float:
        """The longest Retry-After, in seconds, a crawl waits for; ValueError when negative."""
        return _number(
            RETRY_AFTER_MAX_ENV, self.retry_after_max_text, DEFAULT_RETRY_AFTER_MAX, real=True
        )


def _number(name: str, text: str, default: float, *, real: bool = False) -> float:
    """``text`` as a non-negative count (or number, with ``real``), ``default`` when empty."""
    if not text:
        return default
    try:
        value = float(text) if real else int(text)
    except ValueError:
        value = -1
    if not 0 <= value < float("inf"):  # NaN and infinity too
        kind = "a number of seconds" if real else "a whole number"
        raise ValueError(f"{name} must be {kind}, 0 or more, got {text!r}")
    return value


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
        max_pages_text=value(MAX_PAGES_ENV),
        depth_limit_text=value(DEPTH_LIMIT_ENV),
        retry_after_max_text=value(RETRY_AFTER_MAX_ENV),
        redis_url=value(REDIS_URL_ENV) or None,
        dask_address=value(DASK_ADDRESS_ENV) or None,
    )


def _home(home: str, xdg_data_home: str) -> Path:
    if home:
        return Path(home).expanduser()
    base = Path(xdg_data_home).expanduser() if xdg_data_home else Path.home() / ".local" / "share"
    return base / "pitboard"
