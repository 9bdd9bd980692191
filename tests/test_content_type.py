"""One "is this HTML" check: what the spider stores is what the cleaner cleans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from etl.clean.content_type import is_html
from etl.clean.records import RawPage
from etl.clean_stored import is_cleanable

HTML_BODY = b"<!DOCTYPE html><html><body><p>Le Mans</p></body></html>"


@pytest.mark.parametrize(
    ("headers", "body", "html"),
    [
        ({"Content-Type": "text/html"}, b"", True),
        ({"Content-Type": "text/html; charset=utf-8"}, b"", True),
        ({"content-type": "TEXT/HTML ; Charset=ISO-8859-1"}, b"", True),
        ({"Content-Type": "application/xhtml+xml"}, b"", True),
        ({"CONTENT-TYPE": "application/xhtml+xml; charset=utf-8"}, b"", True),
        ({"Content-Type": "application/xhtml"}, HTML_BODY, False),
        ({"Content-Type": "text/htmlx"}, HTML_BODY, False),
        ({"Content-Type": "text/plain; charset=utf-8"}, HTML_BODY, False),
        ({"Content-Type": "application/pdf"}, b"%PDF-1.7", False),
        ({}, HTML_BODY, True),
        ({}, b"\n  <html lang='fr'><body></body></html>", True),
        ({}, b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>", True),
        ({}, b"%PDF-1.7", False),
        ({}, b"\xff\xd8\xff\xe0 JFIF", False),
        ({}, b"", False),
    ],
)
def test_html_by_its_declared_type_or_else_by_its_first_bytes(
    headers: dict[str, str], body: bytes, html: bool
) -> None:
    assert is_html(headers, body) is html


def page(status: int, headers: dict[str, str], body: bytes) -> RawPage:
    url = "http://127.0.0.1:8123/news/a-1"
    return RawPage("sample-en", url, url, status, headers, body, datetime(2025, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/xhtml+xml; charset=utf-8"},
        {"Content-Type": "application/xhtml"},
        {"Content-Type": "text/plain"},
        {},
    ],
)
def test_a_stored_page_is_cleaned_exactly_when_the_spider_took_it_for_html(
    headers: dict[str, str],
) -> None:
    assert is_cleanable(page(200, headers, HTML_BODY)) is is_html(headers, HTML_BODY)


def test_only_a_successful_response_with_a_body_is_cleaned() -> None:
    html = {"Content-Type": "text/html"}
    assert is_cleanable(page(200, html, HTML_BODY))
    assert not is_cleanable(page(404, html, HTML_BODY))
    assert not is_cleanable(page(200, html, b""))
