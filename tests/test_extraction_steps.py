"""The cleaning chain's named steps before the rules: restructure's fixes, the extraction and its
fallbacks, each reporting under its name what it did (``restructure:<step>``, ``extract:<how>``)."""

from __future__ import annotations

import lxml.html
import pytest

from etl.clean import extract
from etl.clean.cleaner import clean_page
from etl.clean.extract import (
    extract_main_text,
    fast_is_doubtful,
    fast_is_thin,
    fast_lines,
    link_texts,
    page_running_chars,
    page_text_chars,
    readability_lines,
)
from etl.clean.restructure import prepare_for_extraction
from etl.clean.rules import RuleContext, apply_rules

PROSE = (
    "The leading car pitted under the safety car and rejoined third, then spent the next two "
    "hours reeling in the two prototypes ahead of it before the rain came back."
)


def _paragraphs(count: int) -> str:
    """Distinct paragraphs (trafilatura drops a paragraph repeated word for word)."""
    return "".join(f"<p>Lap {i}. {PROSE}</p>" for i in range(count))


def _page(body: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><head><title>T</title></head><body>{body}</body></html>")


def test_restructure_counts_each_step_that_changed_the_tree() -> None:
    tree = _page(
        "<script>var a = 1;</script><p>Text <span class='tooltip'>card</span></p>"
        "<blockquote class='twitter-tweet'><p>A driver's tweet</p></blockquote>"
        "<table><tr><td><p>A layout cell</p></td></tr></table>"
    )
    done = prepare_for_extraction(tree)
    assert done == {
        "restructure:strip-invisible": 1,
        "restructure:drop-popups": 1,
        "restructure:keep-embedded-posts": 1,
        "restructure:unwrap-layout-tables": 1,
    }


def test_page_running_text_leaves_out_teasers_and_excerpts() -> None:
    tree = _page(
        f"<p>{PROSE}</p>"
        f"<p><a href='/a'>{PROSE[:90]}</a> and a few words</p>"  # a linked teaser
        f"<p>{PROSE[:120]}...</p>"  # an excerpt cut off
        "<p>Too short.</p>"
    )
    assert page_running_chars(tree) == len(PROSE)


def test_fast_result_is_doubted_when_empty_or_much_shorter_than_the_page() -> None:
    assert fast_is_doubtful([], 0)
    assert fast_is_doubtful([PROSE], 10 * len(PROSE))
    assert not fast_is_doubtful([PROSE], len(PROSE))


def test_page_text_counts_what_the_body_shows_and_not_its_scripts() -> None:
    tree = _page("<div>Twelve chars<br>and more</div><script>var x = 'hidden';</script>")
    assert page_text_chars(tree) == len("Twelve chars") + len("and more")


def test_a_short_fast_result_is_thin_only_beside_much_more_page_text() -> None:
    assert fast_is_thin(500, 10_000)
    assert not fast_is_thin(500, 2_000)  # a short page: the result holds a quarter of it
    assert not fast_is_thin(5_000, 100_000)  # long enough whatever the page holds


def test_the_fast_path_keeps_a_list_inside_a_table_cell() -> None:
    """Recall mode: trafilatura's balanced fast mode drops lists in table cells."""
    item = "First point of the list, a sentence of its own here."
    tree = _page(
        f"<article><h1>Title</h1>{_paragraphs(4)}"
        f"<table><tr><td><ul><li>{item}</li></ul></td><td>x</td></tr></table></article>"
    )
    lines, _ = fast_lines(tree, None)
    assert any(item in line for line in lines)


def test_a_body_outside_paragraphs_is_recovered_when_the_fast_result_is_thin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no <p> at all: the running-text measure sees nothing, the page's whole text does
    tree = _page("<div class='post'>" + "<br>".join(f"Lap {i}. {PROSE}" for i in range(20)))
    assert page_running_chars(tree) == 0
    monkeypatch.setattr(extract, "fast_lines", lambda tree, url: (["A short menu line"], ["p"]))
    extracted = extract_main_text(tree, None)
    assert extracted.method.startswith("fallback-")
    assert sum(PROSE in line for line in extracted.lines) == 20


def test_a_short_fast_result_on_a_short_page_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _page(f"<div>{PROSE}</div><div>Contact</div>")
    monkeypatch.setattr(extract, "fast_lines", lambda tree, url: ([PROSE], ["p"]))
    assert extract_main_text(tree, None).method == "fast"


def test_a_good_fast_extraction_is_kept() -> None:
    tree = _page(f"<article><h1>Title</h1>{_paragraphs(4)}</article>")
    extracted = extract_main_text(tree, None)
    assert extracted.method == "fast"
    assert sum(PROSE in line for line in extracted.lines) == 4


def test_a_fast_extraction_that_lost_the_body_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _page(f"<div>{_paragraphs(5)}</div>")
    monkeypatch.setattr(extract, "fast_lines", lambda tree, url: (["Menu"], ["p"]))
    extracted = extract_main_text(tree, None)
    assert extracted.method.startswith("fallback-")
    assert sum(PROSE in line for line in extracted.lines) == 5


def test_readability_lines_keep_the_kind_of_block() -> None:
    tree = _page(
        f"<div class='article'><h2>Section</h2>{''.join(f'<p>{PROSE}</p>' for _ in range(3))}"
        "<ul><li>One point of the list made here</li></ul></div>"
    )
    lines, tags, running = readability_lines(tree)
    assert (lines[0], tags[0]) == ("Section", "head")
    assert lines.count(PROSE) == 3
    assert running == 3 * len(PROSE)


def test_in_page_anchors_are_not_link_texts() -> None:
    tree = _page(
        "<a href='#costs'>How much does it cost to remodel</a>"
        "<a href='/other'>Another article on another page</a>"
    )
    assert link_texts(tree) == ["another article on another page"]


def test_repeated_caption_leaves_repeated_headings_and_sentences() -> None:
    lines = ["Pros", PROSE, "Pros", "Why it stands out:", "Why it stands out:", "2017 - A gallery"]
    lines += [PROSE + " Again.", "2017 - A gallery"]
    tags = ["head", "p", "head", "p", "p", "p", "p", "p"]
    log: list[tuple[str, str]] = []
    kept, removed = apply_rules(lines, RuleContext(), tags=tags, trace=log)
    assert kept.count("Pros") == 2 and kept.count("Why it stands out:") == 2
    assert "2017 - A gallery" not in kept
    assert removed["repeated-caption"] == 2
    assert log == [("repeated-caption", "2017 - A gallery")] * 2


def test_a_second_copy_of_the_body_is_removed_and_a_repeated_sentence_kept() -> None:
    body = [f"Lap {i}. {PROSE}" for i in range(3)]
    quote = "He said it was the hardest stint of his career."
    lines = ["Title", *body, quote, "In the pits", *body[1:], "At the finish", quote]
    kept, removed = apply_rules(lines, RuleContext())
    # the repeated run went; the lone repeated sentence stays
    assert kept == ["Title", *body, quote, "In the pits", "At the finish", quote]
    assert removed["repeated-block"] == 2


def test_a_repeated_run_of_short_lines_is_not_a_second_body() -> None:
    lines = [PROSE, "Pros", "Fast", PROSE + " Again.", "Pros", "Fast"]
    kept, removed = apply_rules(lines, RuleContext(), tags=["p", "head", "list"] * 2)
    assert removed["repeated-block"] == 0 and kept.count("Pros") == 2


@pytest.mark.parametrize(
    "line",
    [
        "Sign up for our newsletter to get the latest news",
        "Get the race reports delivered to your inbox",
        "This site uses cookies to improve your experience",
        "Reproduction interdite sans autorisation",
        "Please enable JavaScript to view the comments",
        # letters re.I matches but str.lower does not produce: the phrase test must see them
        "\u017fubscribe to our newsletter",
        "Get it in your \u0130nbox",
    ],
)
def test_furniture_a_line_holds_further_in_is_removed(line: str) -> None:
    kept, removed = apply_rules([PROSE, line], RuleContext())
    assert kept == [PROSE] and removed["furniture"] == 1


def test_a_sentence_about_cookies_is_not_furniture() -> None:
    line = "The team baked cookies for the marshals, who stood in the rain for six hours."
    kept, removed = apply_rules([PROSE, line], RuleContext())
    assert kept == [PROSE, line] and removed["furniture"] == 0


def test_a_cleaned_page_names_its_extraction_and_tree_fixes() -> None:
    body = (
        "<html><head><title>Race report</title><script>x()</script></head><body><article>"
        f"<h1>Race report</h1>{_paragraphs(4)}</article></body></html>"
    )
    page = clean_page(body, "https://example.com/2024/05/race-report")
    assert page.removed["extract:fast"] == 1
    assert page.removed["restructure:strip-invisible"] == 1
