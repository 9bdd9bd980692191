"""Metadata: what a page says about itself, in French and English, with time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from etl.clean.cleaner import clean_page
from etl.clean.dates import date_in_url, parse_date, parse_iso
from etl.clean.metadata import extract_metadata, guess_language, read_dateline
from etl.clean.parse import parse_html

PARIS_SUMMER = timezone(timedelta(hours=2))
PARIS = ZoneInfo("Europe/Paris")


def metadata_of(head: str, body: str = "<p>Texte.</p>", lang: str = "fr"):
    tree = parse_html(f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>')
    assert tree is not None
    return extract_metadata(tree, "https://example.org/a/1")


# --- dates ---------------------------------------------------------------------------------------


def test_iso_stamp_keeps_its_offset() -> None:
    assert parse_iso("2017-06-17T15:00:00+02:00") == datetime(2017, 6, 17, 15, tzinfo=PARIS_SUMMER)


def test_iso_stamp_in_utc() -> None:
    assert parse_iso("2019-11-19T10:02:00Z") == datetime(2019, 11, 19, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("22 janvier 2018 à 0:13", datetime(2018, 1, 22, 0, 13)),
        ("samedi 17 juin 2017 à 15h00", datetime(2017, 6, 17, 15, 0)),
        ("1er août 2019", datetime(2019, 8, 1)),
        ("Publié le 13 déc. 2020 18h30", datetime(2020, 12, 13, 18, 30)),
    ],
)
def test_french_dates(written: str, expected: datetime) -> None:
    assert parse_date(written, "fr") == expected


def test_french_numeric_date_is_day_first() -> None:
    assert parse_date("13/06/2017 18h30", "fr") == datetime(2017, 6, 13, 18, 30)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("November 20, 2019", datetime(2019, 11, 20)),
        ("Nov. 19, 2019 10:02 a.m.", datetime(2019, 11, 19, 10, 2)),
        ("June 18, 2017 3:45 pm", datetime(2017, 6, 18, 15, 45)),
    ],
)
def test_english_dates(written: str, expected: datetime) -> None:
    assert parse_date(written, "en") == expected


def test_english_date_with_a_zone_abbreviation() -> None:
    found = parse_date("November 20, 2019 - 11:28 EST", "en")
    assert found == datetime(2019, 11, 20, 11, 28, tzinfo=timezone(timedelta(hours=-5)))


def test_american_numeric_date_with_time_and_zone_first() -> None:
    found = parse_date("5:45 AM PST 11/19/2019", "en")
    assert found == datetime(2019, 11, 19, 5, 45, tzinfo=timezone(timedelta(hours=-8)))


def test_text_without_a_date() -> None:
    assert parse_date("Dan Cammish s'impose au Mans", "fr") is None


# --- page metadata -------------------------------------------------------------------------------


def test_title_prefers_the_headline_over_the_title_tag() -> None:
    meta = metadata_of(
        "<title>Le Mans : Toyota en pole | Endurance Info</title>"
        '<meta property="og:title" content="Le Mans : Toyota en pole">'
    )
    assert meta.title == "Le Mans : Toyota en pole"


def test_title_tag_loses_the_site_name() -> None:
    meta = metadata_of("<title>Toyota en pole au Mans | Endurance Info</title>")
    assert meta.title == "Toyota en pole au Mans"


def test_open_graph_and_article_meta() -> None:
    meta = metadata_of(
        '<meta property="og:type" content="article">'
        '<meta property="og:image" content="https://cdn.example.org/lead.jpg">'
        '<meta property="article:published_time" content="2017-06-17T15:00:00+02:00">'
        '<meta property="article:modified_time" content="2017-06-18T09:30:00+02:00">'
        '<meta property="article:tag" content="WEC"><meta property="article:tag" content="LMP2">'
        '<meta name="author" content="Gilles Naud">'
        '<link rel="canonical" href="https://example.org/a/1-canonical">'
    )
    assert meta.og_type == "article"
    assert meta.image == "https://cdn.example.org/lead.jpg"
    assert meta.published_at == datetime(2017, 6, 17, 15, tzinfo=PARIS_SUMMER)
    assert meta.updated_at == datetime(2017, 6, 18, 9, 30, tzinfo=PARIS_SUMMER)
    assert meta.tags == ["WEC", "LMP2"]
    assert meta.author == "Gilles Naud"
    assert meta.canonical_url == "https://example.org/a/1-canonical"


def test_json_ld_news_article() -> None:
    meta = metadata_of(
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Endurance Info"},'
        '{"@type": "NewsArticle", "headline": "Victoire de Porsche",'
        '"datePublished": "2019-11-19T10:02:00Z", "dateModified": "2019-11-20T08:00:00Z",'
        '"author": [{"@type": "Person", "name": "Anne Dupont"}], "keywords": ["WEC", "Porsche"],'
        '"image": {"@type": "ImageObject", "url": "https://cdn.example.org/p.jpg"}}]}</script>'
    )
    assert meta.title == "Victoire de Porsche"
    assert meta.author == "Anne Dupont"
    assert meta.published_at == datetime(2019, 11, 19, 10, 2, tzinfo=UTC)
    assert meta.updated_at == datetime(2019, 11, 20, 8, 0, tzinfo=UTC)
    assert meta.tags == ["WEC", "Porsche"]
    assert meta.image == "https://cdn.example.org/p.jpg"
    assert "newsarticle" in meta.ld_types


def test_broken_json_ld_is_ignored() -> None:
    meta = metadata_of('<script type="application/ld+json">{"@type": "NewsArt</script>')
    assert meta.ld_types == set()


def test_visible_time_element_gives_the_date() -> None:
    meta = metadata_of("", '<time datetime="2021-04-02T21:08:00+02:00">2 avril 2021</time>')
    assert meta.published_at == datetime(2021, 4, 2, 21, 8, tzinfo=PARIS_SUMMER)


def test_byline_markup_gives_the_author() -> None:
    meta = metadata_of(
        "", '<p class="byline">Par <a rel="author" href="/a/">Julien Ducasse</a></p>'
    )
    assert meta.author == "Julien Ducasse"


def test_declared_language_is_reduced_to_its_code() -> None:
    assert metadata_of("", lang="en-GB").language == "en"


def test_language_guessed_from_words_when_undeclared() -> None:
    french = "Le pilote de la voiture a pris la tête de la course dans le dernier tour " * 3
    english = "The driver of the car took the lead of the race in the final lap and won " * 3
    assert guess_language(french) == "fr"
    assert guess_language(english) == "en"


# --- datelines -----------------------------------------------------------------------------------


def test_dateline_initials_and_place() -> None:
    dateline = read_dateline("G.N., Le Mans - C'était probablement l'un des plus hauts lieux")
    assert dateline is not None
    assert (dateline.initials, dateline.place) == ("G.N.", "Le Mans")


def test_dateline_with_a_hyphenated_place() -> None:
    dateline = read_dateline("J.-P. M., Spa-Francorchamps – La course a commencé")
    assert dateline is not None
    assert (dateline.initials, dateline.place) == ("J.-P.M.", "Spa-Francorchamps")


def test_agency_dateline_gives_the_place() -> None:
    dateline = read_dateline("LE MANS (AFP) - Toyota a remporté")
    assert dateline is not None
    assert dateline.place == "Le Mans"


def test_ordinary_sentence_is_not_a_dateline() -> None:
    assert read_dateline("Dan Cammish, Le Mans winner, said - nothing") is None


def test_date_written_in_the_byline_when_the_markup_declares_none() -> None:
    paragraph = (
        "La course a tenu toutes ses promesses jusqu'au drapeau à damier, au terme de six heures."
    )
    html = (
        '<html lang="fr"><body><article><h1>Victoire de Porsche</h1>'
        "<p>Publié le 22 janvier 2018 à 0:13</p>"
        f"<p>{paragraph}</p><p>{paragraph.replace('six', 'huit')}</p></article></body></html>"
    )
    page = clean_page(html.encode(), "https://example.org/a/2")
    # A French page's zoneless time is Paris time, not UTC.
    assert page.metadata.published_at == datetime(2018, 1, 22, 0, 13, tzinfo=PARIS)
    assert "Publié le" not in page.text


def test_date_in_the_address_when_the_page_states_none() -> None:
    assert date_in_url("https://www.nytimes.com/2019/11/19/opinion/x.html") == datetime(
        2019, 11, 19
    )
    assert date_in_url("https://example.org/actualites/page/3/") is None


def test_title_entities_are_decoded_and_the_site_name_dropped() -> None:
    meta = metadata_of(
        '<meta property="og:site_name" content="Sportsnet.ca">'
        '<meta property="og:title" content="&amp;#8216;Nadal&amp;#8217; keeps Spain alive - '
        'Sportsnet.ca">'
    )
    assert meta.title == "‘Nadal’ keeps Spain alive"
