"""HTTP responses of the sample sites: validators (ETag, Last-Modified) and conditional 304s."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from samplesite.model import Response


def html_response(html: str, modified: datetime, latin1: bool = False) -> Response:
    """UTF-8 HTML with its charset declared; ``latin1``: ISO-8859-1 with no charset at all."""
    if latin1:
        body = html.encode("iso-8859-1", errors="xmlcharrefreplace")
        return ok(body, "text/html", modified)
    return ok(html.encode("utf-8"), "text/html; charset=utf-8", modified)


def xml_response(xml: str, modified: datetime) -> Response:
    return ok(xml.encode("utf-8"), "application/xml; charset=utf-8", modified)


def text_response(text: str, content_type: str, modified: datetime) -> Response:
    return ok(text.encode("utf-8"), content_type, modified)


def ok(body: bytes, content_type: str, modified: datetime) -> Response:
    etag = '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'
    return Response(
        200,
        {
            "Content-Type": content_type,
            "ETag": etag,
            "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
            "Cache-Control": "max-age=300",
        },
        body,
    )


def conditional(response: Response, headers: Mapping[str, str]) -> Response:
    """304 when the client's validators still match (If-None-Match wins over If-Modified-Since)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    keep = {
        k: v for k, v in response.headers.items() if k in ("ETag", "Last-Modified", "Cache-Control")
    }
    if (tags := lowered.get("if-none-match")) is not None:
        wanted = {t.strip() for t in tags.split(",")}
        if "*" in wanted or response.headers["ETag"] in wanted:
            return Response(304, keep, b"")
        return response
    if (since := lowered.get("if-modified-since")) is not None:
        try:
            since_at = parsedate_to_datetime(since)
            modified = parsedate_to_datetime(response.headers["Last-Modified"])
        except (TypeError, ValueError):
            return response
        if since_at.tzinfo is not None and modified <= since_at:
            return Response(304, keep, b"")
    return response
