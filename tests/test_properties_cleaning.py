"""Property-based tests of cleaning (etl.clean.cleaner.clean_page) over arbitrary input.

``clean_page`` promises to never raise: a page is hostile input. Over arbitrary bytes, text
and HTML-shaped documents it returns a page, the same one every time, and cleaning the text it
kept (as a page of its own: its lines in one block) keeps that text: cleaning is idempotent
where it is defined. Where it is not: a page that declares itself an article is held to a lower
bar than its text alone, which declares nothing (etl.clean.classify), so the documents drawn
here declare nothing.
"""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.clean.cleaner import clean_page

pytestmark = pytest.mark.faults  # hostile input (issue 15)

URL = "http://a.test/news/2025/01/01/a-story"
TAGS = ["p", "div", "article", "main", "h1", "h2", "li", "ul", "a", "span", "script", "table"]
DIGIT_LINES = "\n".join(["1111111111 1111111111 1111111111"] * 3)
# Issue 15, finding 8: three lines of repeated digits, the first and last the same. The rules
# drop the repeated line (``repeated-caption``) and kept the short one, which as a page of its own
# is too short to be an article and cleaned to nothing.
LONG_DIGITS = " ".join(["1111111111"] * 10)
DEGENERATE = "<br>".join([LONG_DIGITS, "2222222222 2222222222", LONG_DIGITS])

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


@st.composite
def degenerate_pages(draw: st.DrawFn) -> str:
    """Pages of a few lines of repeated digits, some lines repeated: what the rules that drop
    repeated lines and the classifier's length bars meet at their edges."""
    token = st.builds(lambda d, n: d * n, st.sampled_from("0123456789"), st.integers(1, 60))
    line = st.lists(token, min_size=1, max_size=8).map(" ".join)
    lines = draw(st.lists(line, min_size=1, max_size=4))
    if draw(st.booleans()):  # one line again, somewhere
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(lines)))
    joiner = draw(st.sampled_from(["<br>", "\n", "</p><p>", "</div><div>"]))
    return f"<p>{joiner.join(lines)}</p>"


def as_page(text: str) -> str:
    """Cleaned text as a page of its own: its lines, each a line of one block.

    Not one ``<p>`` per line: trafilatura judges paragraphs anew (it drops one much like the
    paragraph before it), and lines that were lines of one block in the page were never judged
    so. Not plain text either: HTML makes one line of its newlines."""
    return "<p>" + "<br>".join(escape(line) for line in text.split("\n\n")) + "</p>"


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


def test_a_degenerate_page_cleans_to_text_that_cleans_to_itself() -> None:
    """Issue 15, finding 8 (a): the three lines of digits cleaned to one short line, which
    cleaned to nothing. What the rules leave is judged by the bar the page's own lines were
    judged by before them: too little text left, and the page is 'other', with no text."""
    cleaned = clean_page(DEGENERATE, URL)
    assert clean_page(as_page(cleaned.text), URL).text == cleaned.text
    assert (cleaned.kind, cleaned.text, cleaned.removed["repeated-caption"]) == ("other", "", 2)


@examples
@given(st.one_of(st.text(max_size=400), html_documents(), degenerate_pages()))
@example(DIGIT_LINES)
@example(DEGENERATE)
@example("\n".join(["0000000000000000000000000000000000000000"] * 3))
def test_cleaning_the_kept_text_again_keeps_it(body: str) -> None:
    """Whatever text cleaning keeps is kept again, whole, when cleaned as a page of its own."""
    text = clean_page(body, URL).text
    assert clean_page(as_page(text), URL).text == text
