"""Page kinds come from the page itself: structure, teasers, captions, declared types."""

from __future__ import annotations

from etl.clean.classify import Classification, classify_page, find_teasers
from etl.clean.cleaner import clean_page
from etl.clean.extract import extract_lines
from etl.clean.listing import has_pagination
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
    url = "https://example.org/actualites/la-toyota-gagne-aux-24-heures/"
    assert classify(page(body, head), url).kind == "article"


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


# --- teaser blocks found by structure alone (etl/clean/listing.py) ---------------------------


def card(n: int, image_attribute: str = "src") -> str:
    """A card as an unknown theme writes it: no heading, made-up class names, a lazy image."""
    return (
        f'<div class="q{n % 3}x zz-item"><a href="/node/{n}"><img {image_attribute}="/img/{n}.jpg" '
        f'alt=""></a><div class="t9"><a href="/node/{n}">Victoire de la voiture {n} aux 6 Heures'
        f'</a></div><div class="s3">Résumé de la course {n}, un week-end agité pour tous les '
        "équipages engagés.</div></div>"
    )


def grid(count: int, image_attribute: str = "src") -> str:
    """Cards laid out in rows of three: one parent per row, so no parent holds four."""
    rows = [
        '<div class="r0w">'
        + "".join(card(n, image_attribute) for n in range(i, min(i + 3, count)))
        + "</div>"
        for i in range(0, count, 3)
    ]
    return '<section class="v-grid">' + "".join(rows) + "</section>"


def test_a_grid_in_rows_of_three_cards_is_a_listing_whatever_the_class_names() -> None:
    result = classify(page("<h1>Actualités</h1>" + grid(9)), "https://example.org/actualites/")
    assert result.kind == "listing"
    assert len(result.teasers) == 9
    first = result.teasers[0]
    assert first.url == "https://example.org/node/0"
    assert first.title == "Victoire de la voiture 0 aux 6 Heures"
    assert first.excerpt.startswith("Résumé de la course 0")
    assert first.image == "https://example.org/img/0.jpg"


def test_a_lazy_loaded_teaser_image_is_read_from_its_data_attribute() -> None:
    result = classify(page(grid(6, "data-src")), "https://example.org/tag/wec/")
    assert result.kind == "listing"
    assert result.teasers[0].image == "https://example.org/img/0.jpg"


def test_an_article_with_a_grid_of_related_stories_at_its_foot_stays_an_article() -> None:
    paragraphs = "".join(f"<p>{PARAGRAPH} {n}</p><p>{SECOND_PARAGRAPH}</p>" for n in range(3))
    body = f"<article><h1>La Toyota gagne</h1>{paragraphs}</article>{grid(6)}"
    assert classify(page(body)).kind == "article"


def test_short_titles_with_a_price_beside_them_are_entries() -> None:
    items = "".join(
        f'<li class="p"><a href="/p/{n}"><img src="/c{n}.jpg" alt="">Casque {n}</a>'
        f"<span>Prix : {100 + n} €, livraison offerte</span></li>"
        for n in range(8)
    )
    result = classify(page(f"<h1>Casques</h1><ul>{items}</ul>"))
    assert result.kind == "listing"
    assert result.teasers[0].title == "Casque 0"


def test_a_menu_of_short_links_is_not_a_listing() -> None:
    menu = "".join(f'<li><a href="/s/{n}">WEC {n}</a></li>' for n in range(10))
    assert classify(page(f"<ul>{menu}</ul>" + article_body())).kind == "article"


def test_a_layout_that_has_a_sidebar_is_not_the_sidebar() -> None:
    # the main column's wrapper says what it holds (``has-sidebar``), not what it is
    cards = "".join(teaser(n) for n in range(8))
    wrapped = f'<div class="layout has-sidebar"><div class="stack">{cards}</div></div>'
    assert classify(page("<h1>Actualités</h1>" + wrapped)).kind == "listing"
    sidebar = f'<div class="layout sidebar"><div class="stack">{cards}</div></div>'
    assert classify(page(article_body() + sidebar)).kind == "article"


def test_pagination_from_rel_next_or_page_numbers() -> None:
    with_rel = parse_html('<html><head><link rel="next" href="/p/2"></head><body></body></html>')
    numbers = "".join(f'<li><a href="/page/{n}">{n}</a></li>' for n in range(1, 5))
    with_numbers = parse_html(f"<html><body><ul>{numbers}</ul></body></html>")
    lone = parse_html('<html><body><p><a href="/x">2</a> tours</p></body></html>')
    assert with_rel is not None and with_numbers is not None and lone is not None
    assert has_pagination(with_rel)
    assert has_pagination(with_numbers)
    assert not has_pagination(lone)


def test_a_doubtful_page_keeps_its_text_as_an_article_and_the_doubt_is_recorded() -> None:
    # as many teaser cards as running text: not sure enough to empty the page
    paragraphs = f"<p>{PARAGRAPH}</p><p>{SECOND_PARAGRAPH}</p><p>{PARAGRAPH}</p>"
    html = page(f"<article><h1>La Toyota gagne</h1>{paragraphs}</article>{grid(6)}")
    url = "https://example.org/actualites/la-toyota-gagne-au-mans/"
    result = classify(html, url)
    assert result.kind == "article"
    assert result.doubt == "kind-doubt:listing"
    cleaned = clean_page(html, url)
    assert cleaned.kind == "article"
    assert cleaned.text
    assert cleaned.removed["kind-doubt:listing"] == 1
