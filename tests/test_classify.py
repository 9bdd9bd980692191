"""Page kinds come from the page itself: structure, teasers, captions, declared types."""

from __future__ import annotations

from etl.clean.classify import Classification, classify_page, find_teasers
from etl.clean.extract import extract_lines
from etl.clean.metadata import extract_metadata
from etl.clean.parse import parse_html

PARAGRAPH = (
    "La Toyota n°8 a pris la tête dès le premier virage et ne l'a plus quittée, malgré une "
    "neutralisation au milieu de la nuit et une pluie soudaine qui a piégé plusieurs concurrents "
    "dans les Hunaudières. Derrière, la lutte pour le podium a tenu le public en haleine."
)
SECOND_PARAGRAPH = (
    "Au petit matin, la Porsche n°6 a dû s'arrêter au stand pour changer son capot avant, "
    "perdant deux tours sur la tête de course. L'équipe a ensuite attaqué sans relâche pour "
    "revenir sur la troisième place, en vain : la Ferrari a tenu jusqu'au drapeau à damier."
)


def classify(html: str, url: str = "https://example.org/page") -> Classification:
    tree = parse_html(html)
    assert tree is not None
    return classify_page(tree, extract_metadata(tree, url), extract_lines(tree, url), url)


def page(body: str, head: str = "") -> str:
    return (
        f'<html lang="fr"><head><meta charset="utf-8"><title>Endurance</title>{head}</head>'
        '<body><nav><a href="/">Accueil</a><a href="/wec/">WEC</a></nav>'
        f"<main>{body}</main><footer><p>© Endurance</p></footer></body></html>"
    )


def teaser(n: int) -> str:
    return (
        f'<article class="teaser"><h2><a href="/actualites/course-{n}/">Course numéro {n} : '
        f"la Toyota s'impose encore une fois au...</a></h2><p>Nouvelle manche du WEC, et nouveau "
        f"scénario à suspense pour la course {n}. Les stratèges ont eu fort à faire...</p>"
        "</article>"
    )


def article_body(extra: str = "") -> str:
    paragraphs = f"<p>{PARAGRAPH}</p><p>{SECOND_PARAGRAPH}</p>"
    return f"<article><h1>La Toyota gagne</h1>{paragraphs}{extra}</article>"


def test_paragraphs_of_running_text_make_an_article() -> None:
    assert classify(page(article_body())).kind == "article"


def test_repeated_teaser_blocks_make_a_listing() -> None:
    result = classify(page("<h1>Actualités</h1>" + "".join(teaser(n) for n in range(8))))
    assert result.kind == "listing"
    assert len(result.teasers) == 8


def test_a_listing_is_a_listing_whatever_its_url() -> None:
    html = page("<h1>Actualités</h1>" + "".join(teaser(n) for n in range(8)))
    assert classify(html, "https://example.org/2019/06/17/la-toyota-gagne.html").kind == "listing"


def test_a_tag_page_with_two_teasers_is_a_listing() -> None:
    assert classify(page("<h1>Tag : Ford</h1>" + teaser(1) + teaser(2))).kind == "listing"


def test_teasers_carry_absolute_links_titles_and_excerpts() -> None:
    tree = parse_html(page("".join(teaser(n) for n in range(2))))
    assert tree is not None
    first = find_teasers(tree, "https://example.org/actualites/")[0]
    assert first.url == "https://example.org/actualites/course-0/"
    assert first.title == "Course numéro 0 : la Toyota s'impose encore une fois au..."
    assert first.excerpt.startswith("Nouvelle manche du WEC")


def test_teasers_in_a_related_widget_do_not_make_an_article_a_listing() -> None:
    related = '<aside class="related">' + "".join(teaser(n) for n in range(6)) + "</aside>"
    assert classify(page(article_body() + related)).kind == "article"


def test_an_article_with_teasers_below_it_stays_an_article() -> None:
    body = article_body() + "".join(teaser(n) for n in range(6))
    head = '<meta property="og:type" content="article">'
    assert classify(page(body, head)).kind == "article"


def test_captioned_photos_with_little_prose_make_a_gallery() -> None:
    figures = "".join(
        f'<figure><img src="/p{n}.jpg" alt=""><figcaption>Photo {n} : la Porsche n°{n} dans '
        "les Esses de la forêt.</figcaption></figure>"
        for n in range(6)
    )
    result = classify(page(f"<h1>Le Mans en images</h1><p>Retour en images.</p>{figures}"))
    assert result.kind == "gallery"
    assert len(result.captions) == 6


def test_declared_image_gallery_with_captions_is_a_gallery() -> None:
    head = '<script type="application/ld+json">{"@type": "ImageGallery"}</script>'
    figures = "".join(
        f'<figure><img src="/p{n}.jpg" alt=""><figcaption>Photo {n}</figcaption></figure>'
        for n in range(2)
    )
    body = f"<h1>Galerie</h1><p>{PARAGRAPH}</p>{figures}"
    assert classify(page(body, head)).kind == "gallery"


def test_an_article_with_one_gallery_embed_stays_an_article() -> None:
    embed = '<figure><img src="/p.jpg" alt=""><figcaption>2017 - Le Mans</figcaption></figure>'
    assert classify(page(article_body(embed * 3))).kind == "article"


def test_a_page_of_menus_only_is_other() -> None:
    assert classify(page("<h1>Ford</h1>")).kind == "other"


def test_an_empty_page_is_other() -> None:
    assert classify("<html><body></body></html>").kind == "other"


def test_a_results_table_without_long_paragraphs_stays_an_article() -> None:
    rows = "".join(
        f"<p>{n}. Pilote numéro {n} (Porsche 911 GT3 Cup) - {n + 20} tours</p>"
        for n in range(1, 21)
    )
    assert classify(page(f"<article><h1>Résultats de la course</h1>{rows}</article>")).kind == (
        "article"
    )


def test_a_brief_with_a_linked_headline_below_stays_an_article() -> None:
    brief = f"<article><h1>La Toyota gagne</h1><p>{PARAGRAPH}</p></article>"
    assert classify(page(brief + teaser(1))).kind == "article"
