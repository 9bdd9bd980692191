"""Retries that wait as long as the server asks: ``Retry-After`` on 429 and 503.

Scrapy's RetryMiddleware (2.19) retries a 429 or a 503 at once, so a server that said "come back
in 2 seconds" got its three tries within a second. ``RetryAfterMiddleware`` replaces it
(same settings, same stats): a 429 or 503 carrying ``Retry-After`` (seconds or an HTTP date) is
retried after that long, up to ``PITBOARD_RETRY_AFTER_MAX`` seconds. A longer pause is not a
retry this run can honour politely: the request is not retried, the answer goes to the spider,
which records the page as failed (``http_error``) with the pause it was asked for. Only the
request that was answered waits; the crawl carries on with the others meanwhile.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

log = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})
# Set on a request whose Retry-After was over the cap: the pause asked for, in seconds.
REFUSED_META = "pitboard_retry_after_refused"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The pause a ``Retry-After`` value asks for, in seconds (0 for a date already past);
    None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before retrying a 429/503 that says Retry-After."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("PITBOARD_RETRY_AFTER_MAX", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            request.meta.get("dont_retry", False)
            or response.status not in self.retry_http_codes
            or response.status not in RETRY_AFTER_STATUSES
        ):
            return super().process_response(request, response)
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        assert stats is not None
        if wait > self.max_wait:
            stats.inc_value("pitboard/retry_after_over_cap")
            log.warning(
                "%s asks for a %.0f s pause (Retry-After), over the %.0f s cap: not retried",
                request.url,
                wait,
                self.max_wait,
            )
            request.meta[REFUSED_META] = wait
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        stats.inc_value("pitboard/retry_after_waits")
        stats.max_value("pitboard/retry_after_max_wait", wait)
        log.info("%s: retrying after %.1f s, as its Retry-After asks", request.url, wait)
        await sleep(wait)
        return retry
