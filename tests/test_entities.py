"""Racing entities: what the gazetteer tags in French and English text, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.clean.entities import (
    GazetteerError,
    canonical_names,
    compile_gazetteer,
    tag_entities,
)
from etl.clean.records import RacingEntities
from samplesite import build_sample_sites
from samplesite.vocabulary import ENTRIES, SERIES_LABELS

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"  # a copy of ../shared/seeds


def series(text: str) -> set[str]:
    return set(tag_entities(None, text).series)


def classes(text: str) -> set[str]:
    return set(tag_entities(None, text).classes)


def makers(text: str) -> set[str]:
    return set(tag_entities(None, text).manufacturers)


def numbers(text: str) -> tuple[str, ...]:
    return tag_entities(None, text).car_numbers


# --- the seed pages ----------------------------------------------------------------------------


def test_seed_article_is_a_carrera_cup_support_race_at_the_24_hours() -> None:
    # A support race of the 24 Hours: the text names both, and both are tagged (the gazetteer
    # tags what a text names; it never infers a parent series).
    entities = tag_entities(None, (SEEDS / "article-page.txt").read_text(encoding="utf-8"), "fr")
    assert entities.series == ("Porsche Carrera Cup", "Le Mans 24 Hours")
    # "GTE Am" and "LM P1" are named; "911 GT3 Cup" is a car, not the GT3 class.
    assert entities.classes == ("LMGTE Am", "LMP1")
    assert entities.manufacturers == ("Porsche",)
    # 4'08"576, 13,625 km and 61 voitures are not car numbers.
    assert entities.car_numbers == ()


def test_seed_gallery_names_its_cars_classes_and_makers() -> None:
    entities = tag_entities(None, (SEEDS / "gallery-page.txt").read_text(encoding="utf-8"), "fr")
    assert entities.series == ("Le Mans 24 Hours",)
    assert entities.car_numbers == ("13", "8", "67")  # Rebellion n°13, TS050 n°8, Ford GT n°67
    assert set(entities.classes) == {"LMP2", "LMGTE", "LMGTE Pro"}
    assert set(entities.manufacturers) == {
        "ORECA",
        "Toyota",
        "Porsche",
        "Ferrari",
        "Rebellion",
        "Ford",
    }


# --- series ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le Championnat du Monde d'Endurance FIA reprend à Sebring.", "WEC"),
        ("Le championnat du monde d’endurance reprend.", "WEC"),
        ("The FIA World Endurance Championship heads to Fuji.", "WEC"),
        ("Le WEC à Spa.", "WEC"),
        ("La victoire aux 24 Heures du Mans.", "Le Mans 24 Hours"),
        ("Rendez-vous aux 24h du Mans.", "Le Mans 24 Hours"),
        ("He won the 24 Hours of Le Mans twice.", "Le Mans 24 Hours"),
        ("Ahead of the Le Mans 24 Hours, testing.", "Le Mans 24 Hours"),
        ("Les 24 Heures n'ont guère souri à Ferrari.", "Le Mans 24 Hours"),
        ("L'European Le Mans Series au Castellet.", "ELMS"),
        ("En ELMS, United Autosports gagne.", "ELMS"),
        ("L'Asian Le Mans Series est un pas de plus.", "Asian Le Mans Series"),
        ("The Michelin Le Mans Cup support race.", "Le Mans Cup"),
        ("IMSA WeatherTech SportsCar Championship at Daytona.", "IMSA"),
        ("The WeatherTech SportsCar Championship opener.", "IMSA"),
        ("GT World Challenge Europe at Monza.", "GT World Challenge"),
        ("Le Blancpain GT Series à Misano.", "GT World Challenge"),
        ("La Carrera Cup France à Nogaro.", "Porsche Carrera Cup"),
        ("The Porsche Mobil 1 Supercup in Monaco.", "Porsche Supercup"),
        ("Victory at the Rolex 24 at Daytona.", "Daytona 24 Hours"),
        ("Les 12 Heures de Sebring.", "Sebring 12 Hours"),
        ("Motul Petit Le Mans at Road Atlanta.", "Petit Le Mans"),
        ("Les 24 Heures de Spa approchent.", "Spa 24 Hours"),
        ("The Nurburgring 24h is next.", "Nurburgring 24 Hours"),
        ("Les 24 Heures du Nürburgring.", "Nurburgring 24 Hours"),
        ("The Bathurst 12 Hour opens the year.", "Bathurst 12 Hour"),
    ],
)
def test_series_are_tagged_by_their_canonical_name(text: str, expected: str) -> None:
    assert series(text) == {expected}


@pytest.mark.parametrize(
    "text",
    [
        "Il habite au Mans depuis dix ans.",  # a place is not a series
        "Le Mans, Spa, Daytona et Sebring sont des circuits.",
        "Les stratèges ont eu fort à faire tout au long des 24 heures de course.",
        "The wec.example.org address.",
        "The Supercup final was played in Athens.",  # football, not Porsche
    ],
)
def test_places_durations_and_lookalikes_are_not_series(text: str) -> None:
    assert series(text) == set()


def test_le_mans_inside_another_series_name_is_that_series_only() -> None:
    assert series("Asian Le Mans Series et European Le Mans Series.") == {
        "Asian Le Mans Series",
        "ELMS",
    }


def test_a_24_hours_race_elsewhere_is_not_le_mans() -> None:
    assert series("Les 24 Heures de Daytona puis les 24 Heures de Spa.") == {
        "Daytona 24 Hours",
        "Spa 24 Hours",
    }


# --- classes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Toyota domine en Hypercar.", {"Hypercar"}),
        ("The LMDh cars of Porsche and Cadillac.", {"LMDh"}),
        ("Le simulateur LM P1 de Porsche.", {"LMP1"}),
        ("The LMP1-H class.", {"LMP1"}),
        ("Trois LMP2s en tête.", {"LMP2"}),
        ("La catégorie LMP2 Pro-Am.", {"LMP2 Pro-Am", "LMP2"}),
        ("En LMP3, Ultimate s'impose.", {"LMP3"}),
        ("Victoire en LMGTE Pro.", {"LMGTE Pro"}),
        ("Les moins bonnes GTE Am sur la grille.", {"LMGTE Am"}),
        ("Bagarre épique en LMGTE !", {"LMGTE"}),
        ("The LMGT3 field at Qatar.", {"LMGT3"}),
        ("GTP and GTD Pro at Sebring.", {"GTP", "GTD Pro"}),
        ("Victory in GTD for Lexus.", {"GTD"}),
        ("The last DPi season.", {"DPi"}),
        ("Ferrari wins in GT3 at Spa.", {"GT3"}),
        ("Les GT4 en lever de rideau.", {"GT4"}),
    ],
)
def test_classes_are_tagged_by_their_canonical_name(text: str, expected: set[str]) -> None:
    assert classes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Les Porsche 911 GT3 Cup de front aux freinages.",
        "The Mercedes-AMG GT3 of Winward Racing.",
        "La Lamborghini Huracán GT3 de Grasser.",
        "The Lexus RC F GT3 led.",
        "Le Porsche 911 GT3 R de Wright Motorsports.",
        "La Ferrari 488 GTE d'AF Corse.",
        "An image at 300 dpi.",
    ],
)
def test_a_class_word_inside_a_car_name_is_not_the_class(text: str) -> None:
    assert classes(text) == set()


# --- manufacturers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La Toyota TS050 Hybrid n°8.", {"Toyota"}),
        ("Three Toyotas and two Porsches.", {"Toyota", "Porsche"}),
        ("La Ford GT n°67.", {"Ford"}),
        ("L'Alpine A424 n°36.", {"Alpine"}),
        ("Aston Martin Vantage AMR.", {"Aston Martin"}),
        ("La Mercedes-AMG GT3.", {"Mercedes"}),
        ("Corvette Racing and the Chevrolet Corvette C8.R.", {"Corvette"}),
        ("The Isotta Fraschini Tipo 6.", {"Isotta Fraschini"}),
        ("L'escadrille des ORECA 07 et une Oreca.", {"ORECA"}),
        ("Ligier JS P320, Duqueine D08 et Ginetta G61.", {"Ligier", "Duqueine", "Ginetta"}),
        ("Cette 919 Hybrid.", {"Porsche"}),
        ("Les 911 Cup ont parcouru les 13,625 km.", {"Porsche"}),
        ("The Genesis Magma Racing entry.", {"Genesis"}),
        ("Une Norma M30 en LMP3.", {"Norma"}),
        ("La Vaillante Rebellion n°13.", {"Rebellion"}),
        ("La Lamborghini Huracan.", {"Lamborghini"}),
    ],
)
def test_manufacturers_are_tagged_by_their_canonical_name(text: str, expected: set[str]) -> None:
    assert makers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Harrison Ford watched the start.",
        "President Gerald R. Ford visited.",
        "They crossed the ford at dawn.",
        "Alpine skiing and Alpine villages.",
        "Une vallée alpine.",
        "The Book of Genesis.",
        "Norma Jeane signed autographs.",
        "The Rebellion of 1837.",
        "Une corvette de la Marine nationale.",
    ],
)
def test_ambiguous_brand_words_are_not_manufacturers(text: str) -> None:
    assert makers(text) == set()


def test_a_series_named_after_a_maker_also_names_the_maker() -> None:
    entities = tag_entities(None, "La Porsche Carrera Cup au Mans.")
    assert entities.series == ("Porsche Carrera Cup",)
    assert entities.manufacturers == ("Porsche",)


# --- car numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The #17 ORECA led.", ("17",)),
        ("La # 17 en tête.", ("17",)),
        ("La Rebellion n°13.", ("13",)),
        ("La N°13 et la nº 7.", ("13", "7")),
        ("The no. 8 Toyota.", ("8",)),
        ("The No. 8 Toyota and the No.7.", ("8", "7")),
        ("La numéro 7 repart.", ("7",)),
        ("La voiture numéro 7 et la Toyota numéro 8.", ("7", "8")),
        ("La n°36 Alpine.", ("36",)),
        ("La Toyota n°8 s'est imposée.", ("8",)),
        ("The #08 car.", ("8",)),
        ("The Nos. 7 and 8 Toyotas.", ("7", "8")),
        ("Les n°7 et 8.", ("7", "8")),
        ("The #7, #8 and #9 cars.", ("7", "8", "9")),
        ("Glickenhaus #708 et #709.", ("708", "709")),
        ("The #8 Toyota, then the #7, then the #8 again.", ("8", "7")),
    ],
)
def test_car_numbers_are_bare_digits_in_first_seen_order(
    text: str, expected: tuple[str, ...]
) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "La pole en 4'08\"576.",
        "Le 24/06/2017 à 15h00.",
        "Après 367 tours, 61 voitures à l'arrivée.",
        "Winning is our No. 1 priority.",
        "He is the #1 fan of the team.",
        "Le numéro 1 mondial.",
        "Au n°12 rue de la Paix.",
        "Follow #24hLM and #WEC.",
        "The HTML entity &#39; is an apostrophe.",
        "C#7 is a language version.",
        "No 24 hours race is easy.",
        "Number 8 on the list.",
    ],
)
def test_counts_times_ranks_and_hashtags_are_not_car_numbers(text: str) -> None:
    assert numbers(text) == ()


def test_a_bare_number_after_et_stops_before_a_count() -> None:
    assert numbers("La n°8 et 3 autres voitures.") == ("8",)


# --- the whole record --------------------------------------------------------------------------


def test_title_is_read_before_the_text() -> None:
    entities = tag_entities("Toyota : la n°8 en Hypercar", "Ferrari et la n°50 en LMGT3.", "fr")
    assert entities == RacingEntities(
        series=(),
        classes=("Hypercar", "LMGT3"),
        manufacturers=("Toyota", "Ferrari"),
        car_numbers=("8", "50"),
    )


def test_entities_are_deduplicated_and_the_language_does_not_change_them() -> None:
    text = "WEC: the #8 Toyota beats the #7 Toyota. FIA WEC, Toyota, #8."
    assert tag_entities(None, text, "en") == tag_entities(None, text, "fr")
    assert tag_entities(None, text) == RacingEntities(
        series=("WEC",), classes=(), manufacturers=("Toyota",), car_numbers=("8", "7")
    )


def test_empty_text_has_no_entities() -> None:
    assert tag_entities(None, "") == RacingEntities()


# --- the gazetteer itself ----------------------------------------------------------------------


def test_canonical_names_cover_the_sample_generator_vocabulary() -> None:
    names = canonical_names()
    assert set(SERIES_LABELS) <= set(names["series"])
    assert {e.cls for e in ENTRIES if e.cls} <= set(names["classes"])
    assert {e.manufacturer for e in ENTRIES} <= set(names["manufacturers"])


def test_an_alias_claimed_by_two_entries_is_refused() -> None:
    data = {
        "manufacturers": [
            {"name": "Chevrolet", "aliases": ["Corvette"]},
            {"name": "Corvette", "aliases": ["corvette"]},
        ]
    }
    with pytest.raises(GazetteerError, match="claimed twice"):
        compile_gazetteer(data)


def test_an_unknown_rule_is_refused() -> None:
    data = {"classes": [{"name": "GT3", "aliases": ["GT3"], "rule": "no_such_rule"}]}
    with pytest.raises(GazetteerError, match="unknown rule"):
        compile_gazetteer(data)


# --- the sample sites' truth -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_truth():
    sites = build_sample_sites(articles=300, seed=7)
    return [t for s in sites.values() for t in s.truth() if t.kind in ("article", "gallery")]


FIELDS = ("series", "classes", "manufacturers", "car_numbers")


def test_every_sample_article_is_tagged_exactly_as_its_truth(sample_truth) -> None:
    articles = [t for t in sample_truth if t.kind == "article"]
    assert len(articles) > 500
    for truth in articles:
        tagged = tag_entities(truth.title, truth.text, truth.language)
        for field in FIELDS:
            assert set(getattr(tagged, field)) == set(getattr(truth, field)), (truth.path, field)


def test_sample_galleries_are_tagged_with_nothing_their_truth_lacks(sample_truth) -> None:
    # A gallery's truth lists every car drawn for it, even one a caption only names by its team
    # ("les mécaniciens de TF Sport"): the text cannot show those, so only extras are errors.
    galleries = [t for t in sample_truth if t.kind == "gallery"]
    assert galleries
    for truth in galleries:
        tagged = tag_entities(truth.title, truth.text, truth.language)
        for field in FIELDS:
            assert set(getattr(tagged, field)) <= set(getattr(truth, field)), (truth.path, field)
