"""A load killed with SIGKILL half-way and run again leaves every article exactly once.

Sample-site article pages are stored as raw pages (rendered without HTTP), then the real
cleaner (``clean_stored_pages``) runs in a child process in small batches; the child is
killed once some batches are committed, and the cleaner is run again to completion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl.clean.records import RawPage
from etl.clean_stored import clean_stored_pages
from etl.dedup.urls import normalize_url
from etl.store.models import ArticleRow, RawPageRow
from etl.store.raw_pages import save_raw_pages
from samplesite import build_sample_sites

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 5
# The child cleans in small batches and says how many pages it has loaded after each one.
CHILD = """
import sys
from sqlalchemy import create_engine
from etl.clean_stored import clean_stored_pages

engine = create_engine(sys.argv[1])
clean_stored_pages(
    engine, workers=1, batch_size=int(sys.argv[2]), load_batch_size=int(sys.argv[2]),
    progress=lambda stats: print(stats.pages, flush=True),
)
"""


def store_article_pages(engine: Engine) -> set[str]:
    """Store every sample article and gallery page as fetched; return their story URLs."""
    now = datetime.now(UTC)
    pages, urls = [], set()
    for site in build_sample_sites(articles=30, seed=3).values():
        for truth in site.truth():
            if truth.kind not in ("article", "gallery") or truth.status != 200:
                continue
            response = site.render(truth.path)
            url = site.url(truth.path)
            pages.append(
                RawPage(site.name, url, url, 200, dict(response.headers), response.body, now)
            )
            urls.add(normalize_url(url))
    with engine.begin() as conn:
        save_raw_pages(conn, pages)
    return urls


def counts(engine: Engine) -> tuple[int, int]:
    """(articles stored, raw pages marked cleaned)."""
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(ArticleRow))
        cleaned = conn.scalar(
            select(func.count()).select_from(RawPageRow).where(RawPageRow.cleaned_at.isnot(None))
        )
    return articles or 0, cleaned or 0


def kill_half_way(database_url: str, pages: int) -> int:
    """Run the cleaner in a child and SIGKILL it once half the pages are loaded; return how
    many pages it had reported loaded."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(BATCH_SIZE)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    assert child.stdout is not None
    loaded = 0
    try:
        for line in child.stdout:
            loaded = int(line)
            if loaded >= pages // 2:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(30)
        child.stdout.close()
    return loaded


@pytest.mark.faults
def test_a_load_killed_half_way_and_run_again_stores_every_article_once(
    database_url: str, engine: Engine
) -> None:
    expected = store_article_pages(engine)
    assert len(expected) > 8 * BATCH_SIZE, "enough batches to kill the load in the middle"

    loaded = kill_half_way(database_url, len(expected))
    articles, cleaned = counts(engine)
    assert len(expected) // 2 <= loaded < len(expected)
    assert 0 < cleaned < len(expected), "the kill left the load unfinished"
    assert articles == cleaned, "no batch is half-stored: its articles and marks go together"

    rerun = clean_stored_pages(engine, workers=1, batch_size=BATCH_SIZE, load_batch_size=BATCH_SIZE)
    assert rerun.pages == len(expected) - cleaned

    with engine.connect() as conn:
        urls = conn.scalars(select(ArticleRow.url)).all()
    assert len(urls) == len(set(urls)) == len(expected)
    assert set(urls) == expected
    assert counts(engine) == (len(expected), len(expected))
