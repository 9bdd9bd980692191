"""The throttle: a 304 may lower AutoThrottle's delay as a 200 does; nothing else changes.

Driven through Scrapy's own delay policy with a real downloader slot. If Scrapy renames the
policy method this extension overrides, these tests fail rather than the override going dead.
"""

from __future__ import annotations

import pytest
from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.throttle import RevalidationAwareThrottle

URL = "http://127.0.0.1:8123/news/page/2/"
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 8.0,
    "AUTOTHROTTLE_MAX_DELAY": 0.05,
    "DOWNLOAD_DELAY": 0.0,
}


def throttle(cls: type[AutoThrottle]) -> AutoThrottle:
    extension = cls.from_crawler(get_crawler(settings_dict=SETTINGS))
    # What _spider_opened sets, without an engine to hand the start delay to.
    extension.mindelay = extension._min_delay()
    extension.maxdelay = extension._max_delay()
    return extension


def delay_after(cls: type[AutoThrottle], status: int, answers: int = 20) -> float:
    """The slot's delay after one slow sitemap (0.1 s) then ``answers`` fast (2 ms) answers."""
    extension = throttle(cls)
    slot = Slot(concurrency=8, delay=0.0, jitter=0)
    extension._adjust_delay(slot, 0.1, Response(URL, status=200))
    for _ in range(answers):
        extension._adjust_delay(slot, 0.002, Response(URL, status=status))
    return slot.delay


def test_fast_304s_lower_the_delay_a_slow_200_raised() -> None:
    assert delay_after(AutoThrottle, 304) == pytest.approx(0.1 / 8)  # Scrapy's: stuck
    assert delay_after(RevalidationAwareThrottle, 304) == pytest.approx(0.002 / 8, rel=0.01)


def test_200s_behave_as_in_autothrottle() -> None:
    assert delay_after(RevalidationAwareThrottle, 200) == delay_after(AutoThrottle, 200)


def test_fast_errors_still_never_lower_the_delay() -> None:
    for status in (301, 404, 503):
        assert delay_after(RevalidationAwareThrottle, status) == pytest.approx(0.1 / 8)


def test_the_project_enables_it_in_place_of_autothrottle() -> None:
    from crawler import settings

    assert settings.EXTENSIONS["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "crawler.throttle.RevalidationAwareThrottle" in settings.EXTENSIONS
