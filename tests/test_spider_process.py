"""Spiders run as child processes: their stats come back, and an unreachable site fails clearly."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from flows.spider_process import SpiderFailed, run_spider
from samplesite.server import ServedSites


def test_a_crawl_reports_its_scrapy_stats_and_its_own_peak_memory(
    database_url: str, served: ServedSites
) -> None:
    # Resident here when the child starts: the child's ru_maxrss would report at least this.
    ballast = b"x" * (600 * 2**20)
    run = run_spider("sample-en", database_url=database_url, base_url=served.base_url("sample-en"))
    del ballast
    assert run.finish_reason == "finished"
    assert run.responses > 20
    assert run.not_modified == 0
    assert run.peak_rss_mib is not None
    assert 20 < run.peak_rss_mib < 400, run.peak_rss_mib


@pytest.mark.network  # runs a spider, against a port nothing listens on
@pytest.mark.faults
def test_a_site_that_cannot_be_reached_fails_with_a_clear_message(database_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # Nothing listens on that port any more: every request is refused.
    with pytest.raises(SpiderFailed, match="no page could be fetched"):
        run_spider("sample-en", database_url=database_url, base_url=f"http://127.0.0.1:{port}")


@pytest.mark.network
@pytest.mark.faults
def test_on_a_shared_frontier_an_unreachable_site_still_fails(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that fetched nothing is excused only when it tried nothing (its peers had
    taken every request): refused connections are download errors, and fail the crawl."""
    import uuid

    monkeypatch.setenv("PITBOARD_REDIS_URL", "redis://127.0.0.1:6379/0")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    settings = {
        "PITBOARD_REDIS_KEY_PREFIX": f"pitboard-test-{uuid.uuid4().hex[:12]}",
        "PITBOARD_REDIS_IDLE_SECONDS": "1",
    }
    with pytest.raises(SpiderFailed, match="no page could be fetched"):
        run_spider(
            "sample-en",
            database_url=database_url,
            base_url=f"http://127.0.0.1:{port}",
            settings=settings,
        )


def test_the_spider_process_does_not_import_cleaning_or_dedup() -> None:
    """What a crawl imports it pays for at every start: datasketch alone brings scipy (~1 s)."""
    modules = [
        "crawler.settings",
        "crawler.spiders",
        "crawler.pipelines",
        "crawler.middlewares",
        "crawler.throttle",
        "crawler.extensions",
        "etl.store.raw_pages",
        "etl.store.database",
        "etl.store.models",
    ]
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(' '.join(m for m in ('datasketch', 'scipy', 'trafilatura', 'prefect') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
