"""Why a request failed, in the words of ``fetch_failures.reason`` (etl.store.fetch_failures).

Scrapy reports a failed download as an exception in the request's errback: its own
(``DownloadTimeoutError``, ``DownloadCancelledError`` for a body over DOWNLOAD_MAXSIZE...),
Twisted's, or ``IgnoreRequest`` from a middleware. ``failure_reason`` maps each to the one
reason a person reads in ``pitboard stats``; ``None`` means nothing failed (robots.txt forbade
the page, or it was not modified since our copy). Pure: the spider calls it from its errback.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.internet.defer import CancelledError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL this request already went through."""


class OffSiteRedirect(IgnoreRequest):
    """A redirect that leaves the site."""


class InvalidRedirect(IgnoreRequest):
    """A redirect to a URL that cannot be parsed."""


_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((RedirectLoop,), "redirect_loop"),
    ((OffSiteRedirect,), "offsite_redirect"),
    ((InvalidRedirect,), "invalid_redirect"),
    ((HttpError,), "http_error"),
    ((DownloadCancelledError, CancelledError), "too_large"),
    (
        (
            DownloadTimeoutError,
            twisted_errors.TimeoutError,
            twisted_errors.TCPTimedOutError,
        ),
        "timed_out",
    ),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "dns"),
    (
        (DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError),
        "connection_refused",
    ),
    (
        (
            ResponseDataLossError,
            DownloadFailedError,
            ResponseFailed,
            ResponseNeverReceived,
            twisted_errors.ConnectionLost,
            twisted_errors.ConnectionDone,
        ),
        "connection_lost",
    ),
)


def failure_reason(exc: BaseException) -> str | None:
    """The ``fetch_failures`` reason for a request's failure, or None when nothing failed."""
    for types, reason in _BY_TYPE:
        if isinstance(exc, types):
            return reason
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "max redirections reached" in message:
            return "redirect_loop"
        if "during decompression" in message:  # HttpCompressionMiddleware's size limit
            return "decompression_limit"
        return None  # robots.txt, not modified: the page did not fail
    return "download_error"
