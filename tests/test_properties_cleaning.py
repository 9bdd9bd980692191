"""Property-based tests of cleaning (etl.clean.cleaner.clean_page) over arbitrary input.

``clean_page`` promises to never raise: a page is hostile input. Over arbitrary bytes, text
and HTML-shaped documents it returns a page, the same one every time, and cleaning the text it
kept (as a page of its own) keeps that text: cleaning is idempotent where it is defined.
"""

from __future__ import annotations

from html import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.clean.cleaner import clean_page

URL = "http://a.test/news/2025/01/01/a-story"
TAGS = ["p", "div", "article", "main", "h1", "h2", "li", "ul", "a", "span", "script", "table"]
DIGIT_LINES = "\n".join(["1111111111 1111111111 1111111111"] * 3)

words = st.text(st.sampled_from("0123456789 abcdeéàLMP2-.,:'\""), max_size=80)


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    """Documents with a random shape: nested tags, attributes, text, broken pieces."""
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(
            st.sampled_from(
                ["", ' class="nav"', ' href="http://[::1"', ' href="/a/b"', ' itemprop="author"']
            )
        )
        text = escape(draw(words))
        closed = draw(st.booleans())
        parts.append(f"<{tag}{attrs}>{text}" + (f"</{tag}>" if closed else ""))
    head = escape(draw(words))
    garbage = draw(st.sampled_from(["", "<", "<!--", "&#xffffff;", "\x00", "<![CDATA["]))
    return f"<html><head><title>{head}</title></head><body>{''.join(parts)}{garbage}</body></html>"


bodies = st.one_of(st.binary(max_size=400), st.text(max_size=400), html_documents())
examples = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@examples
@given(bodies)
@example(b"\xff\xfe\x00<html>")
@example("")
@example(DIGIT_LINES)
def test_cleaning_never_raises_and_is_deterministic(body: bytes | str) -> None:
    first = clean_page(body, URL)
    again = clean_page(body, URL)
    assert first.kind in ("article", "gallery", "listing", "other")
    assert (first.kind, first.text, first.teasers, first.metadata) == (
        again.kind,
        again.text,
        again.teasers,
        again.metadata,
    )


@examples
@given(st.one_of(st.text(max_size=400), html_documents()))
@example(DIGIT_LINES)
@example("\n".join(["0000000000000000000000000000000000000000"] * 3))
def test_cleaning_the_kept_text_again_keeps_it(body: str) -> None:
    """Issue 15, finding 8: three lines of repeated digits cleaned to one, which cleaned to
    nothing. Whatever text cleaning keeps is kept again when cleaned as a page of its own."""
    text = clean_page(body, URL).text
    if not text:
        return
    assert clean_page(text, URL).text == text
