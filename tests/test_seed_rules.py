"""The rules of the seeds' README, checked on the three seed texts wrapped in HTML.

The seeds are tests/fixtures/seeds, a copy of ../shared/seeds kept in the repository so the
suite runs from any clone.

Each seed is what a naive extraction left of a real page; here it is put back into the plain
markup a page would carry (one ``<p>`` per line, a headline, links for teasers, figures for
photos), and the cleaned result must obey the README.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

from etl.clean.cleaner import clean_page
from etl.clean.records import CleanedPage

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"  # a copy of ../shared/seeds
ARTICLE_TITLE = "Porsche Carrera Cup : Dan Cammish s'impose au Mans"
CAPTION = "2017 - Porsche Carrera Cup Le Mans"
NOISE_LINES = ("Lire aussi:", CAPTION, f"Galerie: {CAPTION}")


def seed_lines(name: str) -> list[str]:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def spaced(text: str) -> str:
    """Whitespace as cleaning writes it: the seeds' no-break spaces become plain spaces."""
    return " ".join(text.split())


def page_html(title: str, body: str, *, lang: str = "fr") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | Endurance Info</title></head><body>"
        '<header><nav><a href="/">Accueil</a> <a href="/wec/">WEC</a></nav></header>'
        f"<main>{body}</main><footer><p>© Endurance Info</p></footer></body></html>"
    )


def article_html() -> str:
    """The article seed, every line a paragraph, the gallery embed and widget label included."""
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in seed_lines("article-page.txt"))
    return page_html(
        ARTICLE_TITLE, f"<article><h1>{escape(ARTICLE_TITLE)}</h1>{paragraphs}</article>"
    )


def index_html() -> str:
    """The index seed: a title line and an excerpt line per teaser, each title a link."""
    lines = iter(line for line in seed_lines("index-page.txt") if not line.startswith("!["))
    entries: list[tuple[str, str]] = []
    for title in lines:
        # an excerpt always ends cut off; the seed wraps one of them over several lines
        excerpt = [next(lines)]
        while not excerpt[-1].endswith(("...", "…")):
            excerpt.append(next(lines))
        entries.append((title, " ".join(excerpt)))
    teasers = []
    for n, (title, excerpt) in enumerate(entries):
        href = f"/actualites/interview-{n}/"
        teasers.append(
            f'<article class="post"><a href="{href}"><img src="https://cdn.example.net/{n}.jpg" '
            f'alt=""></a><h2><a href="{href}">{escape(title)}</a></h2><p>{escape(excerpt)}</p>'
            "</article>"
        )
    return page_html("Interviews", "<h1>Interviews</h1>" + "".join(teasers))


def gallery_html() -> str:
    """The gallery seed: title, standfirst, then one photo per caption."""
    title, standfirst, *captions = seed_lines("gallery-page.txt")
    figures = "".join(
        f'<figure><img src="https://cdn.example.net/p{n}.jpg" alt="">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
        for n, caption in enumerate(captions)
    )
    return page_html(title, f"<h1>{escape(title)}</h1><p>{escape(standfirst)}</p>{figures}")


@pytest.fixture(scope="module")
def article() -> CleanedPage:
    return clean_page(article_html().encode("utf-8"), "https://www.endurance-info.com/a/1")


@pytest.fixture(scope="module")
def index() -> CleanedPage:
    return clean_page(index_html().encode("utf-8"), "https://www.endurance-info.com/interviews/")


@pytest.fixture(scope="module")
def gallery() -> CleanedPage:
    return clean_page(gallery_html().encode("utf-8"), "https://www.endurance-info.com/g/2017/")


def test_article_is_an_article(article: CleanedPage) -> None:
    assert article.kind == "article"


def test_article_keeps_every_real_paragraph_in_order(article: CleanedPage) -> None:
    expected = [line for line in seed_lines("article-page.txt") if line not in NOISE_LINES]
    assert [spaced(p) for p in article.paragraphs] == [spaced(p) for p in expected]


def test_article_keeps_the_quotes(article: CleanedPage) -> None:
    assert any(p.startswith('"Gagner cette épreuve') for p in article.paragraphs)
    assert any(p.startswith('Il précise : "Nous ne sommes pas') for p in article.paragraphs)


def test_article_loses_the_related_widget_label(article: CleanedPage) -> None:
    assert "Lire aussi" not in article.text
    assert article.removed["related-widget"] == 2


def test_article_loses_the_repeated_gallery_caption(article: CleanedPage) -> None:
    assert CAPTION not in article.text
    assert article.removed["repeated-caption"] == 3


def test_article_loses_the_gallery_footer(article: CleanedPage) -> None:
    assert "Galerie" not in article.text
    assert article.removed["gallery-footer"] == 1


def test_dateline_stays_in_the_text(article: CleanedPage) -> None:
    assert article.paragraphs[0].startswith("G.N., Le Mans - C'était probablement")


def test_dateline_is_read_as_author_initials_and_place(article: CleanedPage) -> None:
    assert article.metadata.author == "G.N."
    assert article.place == "Le Mans"


def test_index_is_a_listing_never_an_article(index: CleanedPage) -> None:
    assert index.kind == "listing"
    assert index.text == ""


def test_index_keeps_its_teasers_as_links_with_titles(index: CleanedPage) -> None:
    assert len(index.teasers) == 10
    first = index.teasers[0]
    assert first.url == "https://www.endurance-info.com/actualites/interview-0/"
    assert first.title.startswith("Maxi Buhk (Strakka Racing)")
    assert first.excerpt.startswith("Maxi Buhk, pilote Mercedes en GT")
    assert index.teasers[1].title.endswith("vers Le...")


def test_gallery_is_a_gallery(gallery: CleanedPage) -> None:
    assert gallery.kind == "gallery"


def test_gallery_text_is_its_standfirst_then_its_captions(gallery: CleanedPage) -> None:
    _title, standfirst, *captions = seed_lines("gallery-page.txt")
    assert gallery.paragraphs == [standfirst, *captions]


def test_teasers_under_the_widget_label_go_with_it() -> None:
    """The seed's `Lire aussi:` with the teasers it labels put back (titles from the index)."""
    titles = seed_lines("index-page.txt")[2:5:2]  # two cut-off teaser titles of the index seed
    teasers = "".join(
        f'<p><a href="/actualites/{n}/">{escape(title)}</a></p>' for n, title in enumerate(titles)
    )
    html = article_html().replace("<p>Lire aussi:</p>", f"<p>Lire aussi:</p>{teasers}", 1)
    page = clean_page(html.encode("utf-8"), "https://www.endurance-info.com/a/1")
    assert "Matthieu Lahaye" not in page.text
    assert "Valentino Rossi" not in page.text
    assert page.removed["related-widget"] == 4
