"""Bylines on markup nobody described: authors, text dates with the site's zone, photo credits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from etl.clean.bylines import clean_author
from etl.clean.cleaner import clean_page
from etl.clean.dates import parse_date
from etl.clean.metadata import extract_metadata
from etl.clean.parse import parse_html
from etl.clean.rules import credit_value

PARIS = ZoneInfo("Europe/Paris")
PARAGRAPHS = (
    "Samedi, en ouverture des 24 Heures du Mans, les 911 Cup ont parcouru les 13,625 km de la "
    "piste sarthoise devant un public venu en nombre dès le matin pour les voir.",
    "Le jeune Français, déjà très performant à Spa-Francorchamps, confirme au Mans son "
    "excellente pointe de vitesse devant deux Britanniques, Dan Cammish et Dino Zamparelli.",
    "Dans le dernier tour, le groupe de tête se resserrait encore, mais Dan Cammish s'imposait "
    "sur le Circuit des 24 Heures du Mans en devançant Dino Zamparelli et Alessio Rovera.",
)


def page_html(header: str = "", body_lines: str = "", head: str = "", lang: str = "fr") -> str:
    """An article whose header (title, byline) and body vary; the rest is the same."""
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<html lang="{lang}"><head><title>Cammish gagne | Endurance Info</title>{head}</head>'
        f"<body><article><header><h1>Cammish gagne</h1>{header}</header>"
        f"{body_lines}{paragraphs}</article>"
        '<section class="comments"><div class="comment-author">Jean Lecteur</div></section>'
        "</body></html>"
    )


def meta_of(html: str):
    tree = parse_html(html)
    assert tree is not None
    return extract_metadata(tree, "https://www.endurance-info.example/a/1")


# --- author values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("By Jane Doe | Staff writer", "Jane Doe"),
        ("Par Julien Ducasse, le 15 mai 2022 à 21h02", "Julien Ducasse"),
        ("Posted by BeauHD on Friday December 19, 2025 @08:00PM", "BeauHD"),
        ("Written by Dr Marna van der Merwe, Dr Dieter Veldsman, Erik van Vulpen",
         "Dr Marna van der Merwe, Dr Dieter Veldsman, Erik van Vulpen"),
        ("This post was written by Danielle Padula, Head of Marketing", "Danielle Padula"),
        ("Jane Doe, Senior Editor", "Jane Doe"),
        ("by Amanda · Dec 20, 2025 at 3:00 am", "Amanda"),
    ],
)  # fmt: skip
def test_byline_values_are_reduced_to_names(value: str, expected: str) -> None:
    assert clean_author(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Playful Void is a production of Idle Cartulary and we love it.",
        "jane.doe@example.org",
        "https://example.org/author/jane",
        "admin",
        "Posted by",
        "",
    ],
)
def test_values_that_name_no_one_are_rejected(value: str) -> None:
    assert clean_author(value) is None


def test_a_trailing_publication_name_is_dropped() -> None:
    value = "Manoj Jain and Jagpreet Chhatwal, The Commercial Appeal"
    assert clean_author(value, ["Memphis Commercial Appeal"]) == "Manoj Jain and Jagpreet Chhatwal"


# --- author sources -------------------------------------------------------------------------


def test_drupal_username_byline_with_a_french_date() -> None:
    meta = meta_of(
        page_html(
            '<div class="node__meta">Par <a class="username" href="/user/12">Gilles Naud</a>'
            " Publié le dimanche 15 mai 2022 à 21h02</div>"
        )
    )
    assert meta.author == "Gilles Naud"
    assert meta.published_at == datetime(2022, 5, 15, 21, 2, tzinfo=PARIS)


def test_rel_author_and_nested_itemprop_name() -> None:
    assert meta_of(page_html('<a rel="author" href="/a/">Anne Dupont</a>')).author == (
        "Anne Dupont"
    )
    nested = '<span itemprop="author"><span itemprop="name">Anne Dupont</span></span>'
    assert meta_of(page_html(nested)).author == "Anne Dupont"


def test_author_class_with_a_label_and_a_link_to_the_author_page() -> None:
    header = (
        '<div class="wp-block-post-author"><p class="wp-block-post-author__byline">Posted by:'
        '</p><p class="wp-block-post-author__name">Idle Cartulary</p></div>'
    )
    assert meta_of(page_html(header)).author == "Idle Cartulary"
    link = '<div class="entry-meta">by <a href="/author/amanda/">Amanda</a> · Dec 20, 2025</div>'
    assert meta_of(page_html(link)).author == "Amanda"


def test_a_readers_comment_is_not_the_author() -> None:
    assert meta_of(page_html()).author is None


@pytest.mark.parametrize(
    "ld_author",
    [
        '"Anne Dupont"',
        '{"@type": "Person", "name": "Anne Dupont"}',
        '[{"@type": "Person", "name": "Anne Dupont"}]',
    ],
)
def test_json_ld_author_as_string_object_or_list(ld_author: str) -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Cammish gagne",'
        f'"author": {ld_author}}}</script>'
    )
    assert meta_of(page_html(head=head)).author == "Anne Dupont"


def test_json_ld_author_given_by_id_in_the_graph() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": ['
        '{"@type": "Article", "headline": "Cammish gagne", "author": {"@id": "#p1"}},'
        '{"@type": "Person", "@id": "#p1", "name": "Anne Dupont"}]}</script>'
    )
    assert meta_of(page_html(head=head)).author == "Anne Dupont"


def test_meta_author_that_is_a_url_is_ignored() -> None:
    head = '<meta property="article:author" content="https://facebook.com/endurance">'
    assert meta_of(page_html(head=head)).author is None


def test_visible_byline_that_says_more_than_the_declared_name_wins() -> None:
    head = '<meta name="author" content="Marna van der Merwe">'
    header = (
        '<div class="hero-author">Written by <span>Dr Marna van der Merwe</span>, '
        "<span>Dr Dieter Veldsman</span></div>"
    )
    assert meta_of(page_html(header, head=head)).author == (
        "Dr Marna van der Merwe, Dr Dieter Veldsman"
    )


def test_a_by_line_in_the_text_names_the_author_before_dateline_initials() -> None:
    body = "<p>Par Gilles Naud</p><p>G.N., Le Mans - Samedi, les 911 Cup ont roulé.</p>"
    page = clean_page(page_html(body_lines=body).encode(), "https://example.org/a/3")
    assert page.metadata.author == "Gilles Naud"


# --- dates ----------------------------------------------------------------------------------


def test_time_written_apart_from_the_date() -> None:
    found = parse_date("Updated 2:32 pm EDT, May 15, 2022", "en")
    assert found == datetime(2022, 5, 15, 14, 32, tzinfo=timezone(timedelta(hours=-4)))


def test_update_line_gives_updated_at_and_keeps_the_publication() -> None:
    header = (
        '<p class="article-date">Publié le 15 mai 2022 à 14h32 - '
        "Mis à jour le 16 mai 2022 à 10h05</p>"
    )
    meta = meta_of(page_html(header))
    assert meta.published_at == datetime(2022, 5, 15, 14, 32, tzinfo=PARIS)
    assert meta.updated_at == datetime(2022, 5, 16, 10, 5, tzinfo=PARIS)


def test_declared_day_gets_the_time_of_the_byline() -> None:
    head = '<meta property="article:published_time" content="2022-05-15">'
    header = '<div class="date">Publié le dimanche 15 mai 2022 à 21h02</div>'
    assert meta_of(page_html(header, head=head)).published_at == datetime(
        2022, 5, 15, 21, 2, tzinfo=PARIS
    )


def test_english_page_without_a_zone_is_utc_and_a_declared_offset_wins() -> None:
    header = '<div class="post-meta">Published May 15, 2022 at 2:32 pm</div>'
    assert meta_of(page_html(header, lang="en")).published_at == datetime(
        2022, 5, 15, 14, 32, tzinfo=UTC
    )
    head = '<meta property="article:modified_time" content="2022-05-16T09:00:00-05:00">'
    assert meta_of(page_html(header, head=head, lang="en")).published_at == datetime(
        2022, 5, 15, 14, 32, tzinfo=timezone(timedelta(hours=-5))
    )


def test_modified_time_meta_gives_updated_at() -> None:
    head = '<meta property="article:modified_time" content="2022-05-16T09:00:00+02:00">'
    meta = meta_of(page_html(head=head))
    assert meta.updated_at == datetime(2022, 5, 16, 9, tzinfo=timezone(timedelta(hours=2)))


# --- photo credits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Crédit photo : DPPI", "DPPI"),
        ("Crédits photo : Frédéric Le Floc'h / DPPI", "Frédéric Le Floc'h / DPPI"),
        ("Photo : ACO", "ACO"),
        ("Photos : Getty Images", "Getty Images"),
        ("© ACO", "ACO"),
        ("(c) 2024 Reuters", "2024 Reuters"),
        ("Credit: AP Photo/John Doe", "AP Photo/John Doe"),
        ("Photo credit: Jane Doe", "Jane Doe"),
    ],
)
def test_credit_lines_give_their_value(line: str, expected: str) -> None:
    assert credit_value(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Galerie: 2017 - Porsche Carrera Cup Le Mans",
        "Credit card rates rose sharply in 2023.",
        "Copyright complexity in a fragmented world",
        "Photo: the car crossed the line after twenty-four hours of racing, and the whole team "
        "celebrated with champagne on the podium while fans watched in the rain.",
    ],
)
def test_lines_that_are_not_credits(line: str) -> None:
    assert credit_value(line) is None


def test_credit_line_is_removed_and_kept_as_the_credit() -> None:
    body = f"<p>{PARAGRAPHS[0]}</p><p>Crédit photo : DPPI</p>"
    page = clean_page(page_html(body_lines=body).encode(), "https://example.org/a/4")
    assert page.kind == "article"
    assert "Crédit photo" not in page.text
    assert page.removed["credit-line"] == 1
    assert page.metadata.credit == "DPPI"


# --- titles ---------------------------------------------------------------------------------


def test_visible_headline_wins_over_a_social_variant() -> None:
    html = (
        '<html lang="en"><head><title>Best laptops 2026: budget and more | PCWorld</title>'
        '<meta property="og:title" content="Buying a laptop? These are the best ones">'
        "</head><body><h1>Best laptops 2026: budget and more</h1></body></html>"
    )
    assert meta_of(html).title == "Best laptops 2026: budget and more"


def test_a_heading_no_title_repeats_is_not_the_title() -> None:
    html = (
        "<html><head><title>Actuary's Industry Choice | Smith</title></head>"
        "<body><h1>Our blog</h1></body></html>"
    )
    assert meta_of(html).title == "Actuary's Industry Choice"


def test_site_suffix_named_by_the_host_is_dropped() -> None:
    tree = parse_html(
        '<html><head><meta property="og:title" content="Grads Find No Jobs - Slashdot">'
        "</head><body></body></html>"
    )
    assert tree is not None
    meta = extract_metadata(tree, "https://developers.slashdot.org/story/1")
    assert meta.title == "Grads Find No Jobs"


def test_update_line_in_the_text_gives_updated_at() -> None:
    body = "<p>Publié le 15 mai 2022 à 14h32</p><p>Mis à jour le 16 mai 2022 à 10h05</p>"
    page = clean_page(page_html(body_lines=body).encode(), "https://example.org/a/5")
    assert page.metadata.published_at == datetime(2022, 5, 15, 14, 32, tzinfo=PARIS)
    assert page.metadata.updated_at == datetime(2022, 5, 16, 10, 5, tzinfo=PARIS)
    assert "Mis à jour" not in page.text
