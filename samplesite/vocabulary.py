"""Words, names and sentence templates of the sample sites, kept as data apart from the code.

Templates only name racing entities through slots ({car}, {team}, {cls}, {series}...), never in
their fixed text, so that the generator knows exactly which series, classes, manufacturers and
car numbers an article mentions: the truth lists them, and entity extraction is tested on it.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """One car as a team enters it: the unit an article talks about."""

    cls: str
    manufacturer: str
    model: str
    team: str
    numbers: tuple[int, ...]
    first_year: int
    last_year: int


# fmt: off
ENTRIES: tuple[Entry, ...] = (
    Entry("LMP1", "Toyota", "Toyota TS050 Hybrid", "Toyota Gazoo Racing", (7, 8), 2016, 2020),
    Entry("LMP1", "Porsche", "Porsche 919 Hybrid", "Porsche LMP Team", (1, 2), 2016, 2017),
    Entry("LMP1", "Audi", "Audi R18", "Audi Sport Team Joest", (7, 8), 2016, 2016),
    Entry("LMP1", "Rebellion", "Rebellion R13", "Rebellion Racing", (1, 3), 2018, 2020),
    Entry("Hypercar", "Toyota", "Toyota GR010 Hybrid", "Toyota Gazoo Racing", (7, 8), 2021, 2025),
    Entry("Hypercar", "Ferrari", "Ferrari 499P", "Ferrari AF Corse", (50, 51), 2023, 2025),
    Entry("Hypercar", "Peugeot", "Peugeot 9X8", "Peugeot TotalEnergies", (93, 94), 2022, 2025),
    Entry("Hypercar", "Glickenhaus", "Glickenhaus SCG 007", "Glickenhaus Racing", (708, 709),
          2021, 2023),
    Entry("LMDh", "Porsche", "Porsche 963", "Porsche Penske Motorsport", (5, 6), 2023, 2025),
    Entry("LMDh", "Cadillac", "Cadillac V-Series.R", "Cadillac Racing", (2, 3), 2023, 2025),
    Entry("LMDh", "BMW", "BMW M Hybrid V8", "BMW M Team WRT", (15, 20), 2024, 2025),
    Entry("LMDh", "Alpine", "Alpine A424", "Alpine Endurance Team", (35, 36), 2024, 2025),
    Entry("LMDh", "Lamborghini", "Lamborghini SC63", "Lamborghini Iron Lynx", (63,), 2024, 2024),
    Entry("LMP2", "ORECA", "ORECA 07", "United Autosports", (22, 23), 2016, 2025),
    Entry("LMP2", "ORECA", "ORECA 07", "Jota", (28, 38), 2016, 2025),
    Entry("LMP2", "ORECA", "ORECA 07", "IDEC Sport", (17, 48), 2016, 2025),
    Entry("LMP2", "ORECA", "ORECA 07", "Inter Europol Competition", (34, 43), 2019, 2025),
    Entry("LMP2", "ORECA", "ORECA 07", "Cool Racing", (37, 47), 2019, 2025),
    Entry("LMP2", "Ligier", "Ligier JS P217", "Panis Racing", (65,), 2017, 2019),
    Entry("LMP2", "Ligier", "Ligier JS P217", "Graff Racing", (39,), 2017, 2018),
    Entry("LMP2", "Dallara", "Dallara P217", "Racing Team Nederland", (29,), 2018, 2019),
    Entry("LMP3", "Ligier", "Ligier JS P320", "Ultimate", (17,), 2020, 2025),
    Entry("LMP3", "Ligier", "Ligier JS P3", "Eurointernational", (11,), 2016, 2019),
    Entry("LMP3", "Duqueine", "Duqueine D08", "DKR Engineering", (4,), 2021, 2025),
    Entry("LMP3", "Ginetta", "Ginetta G61-LT-P3", "CD Sport", (27,), 2021, 2024),
    Entry("LMGTE Pro", "Porsche", "Porsche 911 RSR", "Porsche GT Team", (91, 92), 2016, 2022),
    Entry("LMGTE Pro", "Ferrari", "Ferrari 488 GTE", "AF Corse", (51, 71), 2016, 2022),
    Entry("LMGTE Pro", "Ford", "Ford GT", "Ford Chip Ganassi Team UK", (66, 67), 2016, 2019),
    Entry("LMGTE Pro", "Aston Martin", "Aston Martin Vantage AMR", "Aston Martin Racing", (95, 97),
          2016, 2020),
    Entry("LMGTE Pro", "Corvette", "Corvette C8.R", "Corvette Racing", (63, 64), 2020, 2022),
    Entry("LMGTE Am", "Porsche", "Porsche 911 RSR", "Dempsey-Proton Racing", (77, 88), 2016, 2023),
    Entry("LMGTE Am", "Ferrari", "Ferrari 488 GTE", "Kessel Racing", (57,), 2019, 2023),
    Entry("LMGTE Am", "Aston Martin", "Aston Martin Vantage AMR", "TF Sport", (90,), 2016, 2023),
    Entry("LMGT3", "Porsche", "Porsche 911 GT3 R", "Manthey EMA", (91, 92), 2024, 2025),
    Entry("LMGT3", "Ferrari", "Ferrari 296 LMGT3", "Vista AF Corse", (54, 55), 2024, 2025),
    Entry("LMGT3", "BMW", "BMW M4 LMGT3", "Team WRT", (31, 46), 2024, 2025),
    Entry("LMGT3", "McLaren", "McLaren 720S LMGT3 Evo", "United Autosports", (59, 95), 2024, 2025),
    Entry("LMGT3", "Lexus", "Lexus RC F LMGT3", "Akkodis ASP Team", (78, 87), 2024, 2025),
    Entry("LMGT3", "Ford", "Ford Mustang LMGT3", "Proton Competition", (77, 88), 2024, 2025),
    Entry("GTP", "Porsche", "Porsche 963", "Porsche Penske Motorsport", (6, 7), 2023, 2025),
    Entry("GTP", "Cadillac", "Cadillac V-Series.R", "Action Express Racing", (31,), 2023, 2025),
    Entry("GTP", "Acura", "Acura ARX-06", "Meyer Shank Racing", (60, 93), 2023, 2025),
    Entry("GTP", "BMW", "BMW M Hybrid V8", "BMW M Team RLL", (24, 25), 2023, 2025),
    Entry("GTD", "Lexus", "Lexus RC F GT3", "Vasser Sullivan", (12, 14), 2017, 2025),
    Entry("GTD", "Porsche", "Porsche 911 GT3 R", "Wright Motorsports", (120,), 2017, 2025),
    Entry("GTD", "BMW", "BMW M4 GT3", "Turner Motorsport", (96,), 2017, 2025),
    Entry("GTD", "Mercedes", "Mercedes-AMG GT3", "Winward Racing", (57,), 2017, 2025),
    Entry("", "Audi", "Audi R8 LMS", "Saintéloc Racing", (25, 26), 2016, 2025),
    Entry("", "Mercedes", "Mercedes-AMG GT3", "AKKodis ASP", (87, 88), 2016, 2025),
    Entry("", "Lamborghini", "Lamborghini Huracán GT3", "Grasser Racing Team", (63,), 2016, 2025),
    Entry("", "BMW", "BMW M4 GT3", "Rowe Racing", (98, 99), 2016, 2025),
    Entry("", "Porsche", "Porsche 911 GT3 Cup", "Martinet by Alméras", (3, 5), 2016, 2025),
    Entry("", "Porsche", "Porsche 911 GT3 Cup", "CLRT", (9, 12), 2016, 2025),
    Entry("", "Porsche", "Porsche 911 GT3 Cup", "Pierre Martinet", (44,), 2016, 2025),
)
# fmt: on

# Series identifiers (the truth's canonical names) and, per language, how articles write them.
SERIES_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "WEC": {
        "fr": ("WEC", "FIA WEC", "Championnat du Monde d'Endurance FIA"),
        "en": ("WEC", "FIA WEC", "FIA World Endurance Championship"),
    },
    "Le Mans 24 Hours": {"fr": ("24 Heures du Mans",), "en": ("Le Mans 24 Hours",)},
    "ELMS": {"fr": ("ELMS", "European Le Mans Series"), "en": ("ELMS", "European Le Mans Series")},
    "Asian Le Mans Series": {"fr": ("Asian Le Mans Series",), "en": ("Asian Le Mans Series",)},
    "IMSA": {
        "fr": ("IMSA", "IMSA WeatherTech SportsCar Championship"),
        "en": ("IMSA", "IMSA WeatherTech SportsCar Championship"),
    },
    "GT World Challenge": {"fr": ("GT World Challenge",), "en": ("GT World Challenge",)},
    "Porsche Carrera Cup": {"fr": ("Porsche Carrera Cup",), "en": ("Porsche Carrera Cup",)},
}


def series_classes(series: str, year: int) -> tuple[str, ...]:
    """The classes a series ran in a given season, as the rule books had them."""
    if series in ("WEC", "Le Mans 24 Hours"):
        if year <= 2020:
            return ("LMP1", "LMP2", "LMGTE Pro", "LMGTE Am")
        if year <= 2022:
            return ("Hypercar", "LMP2", "LMGTE Pro", "LMGTE Am")
        if year == 2023:
            return ("Hypercar", "LMDh", "LMP2", "LMGTE Am")
        lmp2 = ("LMP2",) if series == "Le Mans 24 Hours" else ()
        return ("Hypercar", "LMDh", *lmp2, "LMGT3")
    if series == "ELMS":
        return ("LMP2", "LMP3", "LMGTE Am") if year <= 2023 else ("LMP2", "LMP3", "LMGT3")
    if series == "Asian Le Mans Series":
        return ("LMP2", "LMP3")
    if series == "IMSA":
        return ("LMP2", "GTD") if year <= 2022 else ("GTP", "LMP2", "GTD")
    return ()


# Classless series pick their cars by model instead.
CLASSLESS_MODELS: dict[str, tuple[str, ...]] = {
    "GT World Challenge": (
        "Audi R8 LMS",
        "Mercedes-AMG GT3",
        "Lamborghini Huracán GT3",
        "BMW M4 GT3",
    ),
    "Porsche Carrera Cup": ("Porsche 911 GT3 Cup",),
}

PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "WEC": {
        "fr": (
            "Spa-Francorchamps",
            "Sebring",
            "Fuji",
            "Bahreïn",
            "Monza",
            "Imola",
            "Portimão",
            "Interlagos",
            "Silverstone",
            "Austin",
            "Losail",
        ),
        "en": (
            "Spa-Francorchamps",
            "Sebring",
            "Fuji",
            "Bahrain",
            "Monza",
            "Imola",
            "Portimão",
            "Interlagos",
            "Silverstone",
            "Austin",
            "Losail",
        ),
    },
    "Le Mans 24 Hours": {"fr": ("Le Mans",), "en": ("Le Mans",)},
    "ELMS": {
        "fr": ("Le Castellet", "Barcelone", "Monza", "Spa-Francorchamps", "Portimão", "Imola"),
        "en": ("Paul Ricard", "Barcelona", "Monza", "Spa-Francorchamps", "Portimão", "Imola"),
    },
    "Asian Le Mans Series": {
        "fr": ("Sepang", "Dubaï", "Abu Dhabi", "Buriram", "Shanghai"),
        "en": ("Sepang", "Dubai", "Abu Dhabi", "Buriram", "Shanghai"),
    },
    "IMSA": {
        "fr": ("Daytona", "Sebring", "Watkins Glen", "Road Atlanta", "Long Beach", "Laguna Seca"),
        "en": ("Daytona", "Sebring", "Watkins Glen", "Road Atlanta", "Long Beach", "Laguna Seca"),
    },
    "GT World Challenge": {
        "fr": ("Spa-Francorchamps", "Monza", "Magny-Cours", "Misano", "Brands Hatch", "Zandvoort"),
        "en": ("Spa-Francorchamps", "Monza", "Magny-Cours", "Misano", "Brands Hatch", "Zandvoort"),
    },
    "Porsche Carrera Cup": {
        "fr": ("Le Mans", "Nogaro", "Magny-Cours", "Dijon", "Pau", "Lédenon"),
        "en": ("Le Mans", "Silverstone", "Donington Park", "Oulton Park", "Snetterton"),
    },
}

SERIES_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("WEC", 30),
    ("Le Mans 24 Hours", 20),
    ("ELMS", 14),
    ("Asian Le Mans Series", 6),
    ("IMSA", 14),
    ("GT World Challenge", 10),
    ("Porsche Carrera Cup", 6),
)

DRIVERS: tuple[str, ...] = (
    "Sébastien Buemi",
    "Brendon Hartley",
    "Kamui Kobayashi",
    "José María López",
    "Mike Conway",
    "Antonio Fuoco",
    "Miguel Molina",
    "Nicklas Nielsen",
    "Alessandro Pier Guidi",
    "James Calado",
    "Antonio Giovinazzi",
    "Kévin Estre",
    "Laurens Vanthoor",
    "André Lotterer",
    "Matt Campbell",
    "Michael Christensen",
    "Frédéric Makowiecki",
    "Earl Bamber",
    "Alex Lynn",
    "Sébastien Bourdais",
    "Renger van der Zande",
    "Jean-Éric Vergne",
    "Paul di Resta",
    "Loïc Duval",
    "Mikkel Jensen",
    "Nico Müller",
    "Nicolas Lapierre",
    "Matthieu Vaxivière",
    "Charles Milesi",
    "Paul-Loup Chatin",
    "Ferdinand Habsburg",
    "Mick Schumacher",
    "Dries Vanthoor",
    "Raffaele Marciello",
    "Sheldon van der Linde",
    "Robin Frijns",
    "René Rast",
    "Will Stevens",
    "Norman Nato",
    "Jean-Karl Vernay",
    "Filipe Albuquerque",
    "Phil Hanson",
    "Oliver Jarvis",
    "Tom Blomqvist",
    "Felipe Nasr",
    "Nick Tandy",
    "Pipo Derani",
    "Jack Aitken",
    "Ricky Taylor",
    "Jordan Taylor",
    "Matthieu Lahaye",
    "François Heriau",
    "Jean-Baptiste Lahaye",
    "Nicolas Minassian",
    "Paul Lafargue",
    "Florian Latorre",
    "Dino Zamparelli",
    "Dan Cammish",
    "Ayhancan Güven",
    "Valentin Hasse-Clot",
    "Vincent Beltoise",
    "Christophe Lapierre",
    "Julien Andlauer",
    "Mathieu Jaminet",
    "Thomas Laurent",
    "Tristan Vautier",
    "Gabriel Aubry",
    "Patrick Pilet",
    "Nicky Catsburg",
    "Ben Keating",
    "Harry Tincknell",
    "Richard Westbrook",
    "Olivier Pla",
    "Stéphane Richelmi",
    "Pierre Ragues",
    "Simon Gachet",
    "Matthieu Vaxiviere",
    "Côme Ledogar",
)

AUTHORS: dict[str, tuple[str, ...]] = {
    "fr": (
        "Gilles Nérot",
        "Laurent Mercier",
        "Sophie Garnier",
        "Julien Ducasse",
        "Claire Montbrun",
        "Thibault Rivière",
        "Hélène Ferrand",
        "Marc Delaunay",
    ),
    "en": (
        "James Whitfield",
        "Rachel Holt",
        "Daniel Pryce",
        "Emma Kirkwood",
        "Tom Ashcroft",
        "Laura Bennett",
        "Chris McAllister",
        "Nina Sorensen",
    ),
}

# --- sentence templates ---------------------------------------------------------------------
# Slots: {series} {place} {year} {car} {team} {driver} {driver2} {cls} {time} {laps} {gap}
# {pos} {hours}. {car} renders as the model plus a car number (#17, n°17, No. 17), with its
# article in English ('the No. 8 Toyota ...'); {carx} is the same without the article.

FR = {
    "months": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "titles": (
        "{series} : {team} s'impose à {place}",
        "{place} : {car} signe la pole position en {cls}",
        "{driver} ({team}) : « {short} »",
        "{series} {year} : {team} domine les essais libres à {place}",
        "{cls} : victoire de {team} à {place} après une course à rebondissements",
        "{place} : {driver} et {team} frappent fort en {cls}",
        "{series} : {car} résiste jusqu'au bout à {place}",
        "Entretien avec {driver} : « {short} »",
        "{series} : {team} confirme {driver} pour la saison {year}",
    ),
    "short": (
        "Une victoire spéciale",
        "On savait que ce serait dur",
        "Tellement facile de commettre une petite erreur",
        "Un rêve de gosse qui se réalise",
        "Nous reviendrons plus forts",
        "La voiture était parfaite",
        "Quelle belle aventure humaine",
        "Le rythme était là, pas la chance",
    ),
    "opening": (
        "C'était l'un des rendez-vous les plus attendus de la saison {year} de {series}. "
        "À {place}, le plateau s'annonçait dense et les écarts minimes dès les premiers essais.",
        "Le {series} faisait étape à {place} ce week-end pour une manche qui promettait "
        "beaucoup. Sous un ciel changeant, les équipes ont dû composer avec une piste en "
        "constante évolution.",
        "Nouvelle manche du {series} {year} à {place}, et nouveau scénario à suspense. Les "
        "stratèges ont eu fort à faire tout au long des {hours} heures de course.",
        "Rendez-vous majeur du calendrier {year}, l'épreuve de {place} comptant pour le {series} "
        "a tenu toutes ses promesses devant des tribunes bien garnies.",
        "Week-end chargé à {place}, où le {series} disputait sa manche {year}. Entre les essais "
        "perturbés par le vent et une course disputée de bout en bout, les équipes n'ont pas "
        "chômé.",
        "Les écuries du {series} avaient rendez-vous à {place} pour une épreuve de {hours} heures "
        "très attendue. Dès le départ, le rythme imposé en tête a donné le ton.",
        "À {place}, le {series} {year} a livré un nouveau chapitre riche en rebondissements, "
        "sous une chaleur écrasante qui a mis les organismes et les pneumatiques à rude épreuve.",
    ),
    "entry": (
        "{team} a placé {car} en tête de la catégorie {cls} grâce à un tour bouclé en {time}.",
        "En {cls}, {car} de {team} s'est longtemps montrée la plus rapide, {driver} signant {time} "
        "dans son relais.",
        "{driver} a offert à {team} une belle satisfaction en {cls} : {car} termine à la {pos} "
        "place après {laps} tours.",
        "Chez {team}, {car} a connu une course plus compliquée en {cls}, reléguée à {gap} "
        "secondes des leaders après un arrêt imprévu.",
        "La catégorie {cls} a souri à {team}, dont {car} a mené plus de la moitié de la course "
        "avec {driver} et {driver2}.",
    ),
    "entry_nocls": (
        "{team} a placé {car} en tête grâce à un tour bouclé en {time}.",
        "{driver} a offert à {team} une belle satisfaction : {car} termine à la {pos} place "
        "après {laps} tours.",
        "Chez {team}, {car} a connu une course plus compliquée, reléguée à {gap} secondes des "
        "leaders après un arrêt imprévu.",
    ),
    "race": (
        "Dans les derniers tours, {driver} a repris {gap} secondes à ses poursuivants.",
        "Après un long moment sous voiture de sécurité au {laps}e tour, le peloton a été "
        "relâché, offrant au public de {place} un spectacle remarquable.",
        "{driver} a dû observer un arrêt supplémentaire pour changer de pneumatiques, perdant "
        "{gap} secondes dans l'opération.",
        "Les écarts sont restés minimes jusqu'à l'arrivée, {driver} et {driver2} se tenant en "
        "moins d'une seconde pendant plusieurs relais.",
        "{team} a misé sur une stratégie audacieuse en prolongeant le relais de {driver}.",
        "La chaleur a rendu le travail des mécaniciens de {team} encore plus difficile dans les "
        "stands.",
        "Au terme de {laps} tours, {driver} a franchi la ligne avec le sourire.",
        "Un accrochage au freinage de la première chicane a coûté cher à {driver}, contraint "
        "de repasser par la voie des stands.",
        "La pluie s'est invitée sur {place} en milieu de course, provoquant une valse des "
        "pneumatiques.",
        "{driver2} a réalisé un relais de nuit remarquable, le meilleur tour en {time} à la clé.",
        "Les commissaires ont infligé une pénalité de cinq secondes à {team} pour une "
        "infraction lors d'un arrêt au stand.",
        "Le public, venu en nombre, a salué la remontée de {driver} depuis le fond de la grille.",
        "Dans les longues lignes droites de {place}, l'aspiration a permis à {driver} de signer "
        "plusieurs dépassements spectaculaires.",
        "Avec ce résultat, {team} resserre encore le classement du championnat avant la "
        "prochaine manche.",
    ),
    "quote": (
        "« La course a été dure. Il a fallu se battre jusqu'au bout et ne jamais rien lâcher »,",
        "« Nous avions une voiture rapide, mais la stratégie ne nous a pas souri »,",
        "« C'est un résultat qui récompense le travail de toute l'équipe depuis l'hiver »,",
        '"Gagner ici est quelque chose de spécial dans une carrière",',
        '"Nous ne sommes pas des pilotes qui rêvent de F1, nous sommes dans la filière Endurance",',
        "« Le trafic a été très difficile à gérer, surtout en fin de relais »,",
        "\"J'ai réussi à prendre l'aspiration pour passer en tête, puis à défendre ma position\",",
        "« Il faudra analyser les données avant la prochaine course, mais le potentiel est là »,",
    ),
    "quote_tail": (
        "commentait {driver}.",
        "confiait {driver} à l'arrivée.",
        "expliquait {driver}.",
        "soulignait {driver} en conférence de presse.",
    ),
    "quote_more": (
        "{driver} précise : « Tout a été fantastique, nous avons vécu une expérience "
        "exceptionnelle et j'espère qu'elle va perdurer. »",
        "Et {driver} d'ajouter : \"Le premier objectif est rempli, le prochain est de conquérir "
        'le titre."',
        "{driver} conclut : « Nous allons continuer à travailler, rien n'est acquis. »",
    ),
    "gallery_title": (
        "Carte(s) postale(s) : {place} {year}",
        "Retour en images : {place} {year}",
        "{place} {year} : les plus belles photos",
    ),
    "gallery_standfirst": (
        "Après l'une des éditions les plus imprévisibles et palpitantes de ces dernières années, "
        "retour en images sur quelques-uns des grands moments de cette semaine {year} à {place}.",
        "Notre photographe était à {place} pour cette manche {year} du {series} : voici sa "
        "sélection.",
    ),
    "caption": (
        "{car} de {team} dans la lumière du petit matin.",
        "Photo de famille de l'escadrille de {team} avant le départ.",
        "Toujours aussi populaire, {driver} s'est prêté au jeu des dédicaces.",
        "{car} a tourné au cauchemar après l'arrivée.",
        "Une semaine très dure pour les mécaniciens de {team}.",
        "Le crépuscule ou l'aube sur {place}, un rêve de photographe...",
        "La voie des stands de {place} à vol d'oiseau...",
        "Bagarre épique en {cls} !",
        "Sa remontée a conduit {car} en huitième position.",
        "Les spectateurs ont répondu présents par milliers à {place} pour la visite des stands.",
    ),
    "related": ("Lire aussi :", "À lire aussi"),
    "gallery_footer": "Galerie : ",
    "gallery_link": "Voir la galerie",
    "source_footer": ("Source : communiqué", "Source : communiqué de presse"),
    "update": "Mise à jour : {driver} a finalement été confirmé au volant pour la manche suivante, "
    "a annoncé {team} dans la soirée.",
    "edit_sentence": "Les commissaires ont depuis rectifié le classement après vérification.",
    "rewrite_opening": "Communiqué. ",
}

EN = {
    "months": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "titles": (
        "{series}: {team} wins at {place}",
        "{place}: {car} takes {cls} pole",
        '{driver} ({team}): "{short}"',
        "{series} {year}: {team} tops practice at {place}",
        "{cls}: {team} victorious at {place} after a dramatic race",
        "{place}: {driver} and {team} strike in {cls}",
        "{series}: {car} holds on at {place}",
        'Q&A with {driver}: "{short}"',
        "{series}: {team} confirms {driver} for {year}",
    ),
    "short": (
        "A special win",
        "We knew it would be tough",
        "So easy to make a small mistake",
        "A childhood dream come true",
        "We will come back stronger",
        "The car was perfect",
        "What a human adventure",
        "The pace was there, the luck was not",
    ),
    "opening": (
        "It was one of the most anticipated events of the {year} {series} season. At {place}, "
        "the field was deep and the gaps tiny from the very first practice session.",
        "{series} visited {place} this weekend for a round that promised plenty. Under changing "
        "skies, the teams had to deal with a track that kept evolving.",
        "Another round of the {year} {series} at {place}, and another nail-biting script. "
        "Strategists were busy throughout the {hours} hours of racing.",
        "A highlight of the {year} calendar, the {place} round of {series} lived up to its "
        "billing in front of packed grandstands.",
        "A busy weekend at {place}, where {series} held its {year} round. Between windy practice "
        "sessions and a race fought from start to finish, nobody had time to rest.",
        "The {series} teams headed to {place} for a much-anticipated {hours}-hour race. From the "
        "start, the pace set at the front set the tone.",
        "At {place}, the {year} {series} delivered another chapter full of twists, in scorching "
        "heat that tested drivers and tyres alike.",
    ),
    "entry": (
        "{team} put {car} on top of {cls} with a lap of {time}.",
        "In {cls}, {team}'s {carx} was the quickest for long stretches, {driver} setting a {time} "
        "during his stint.",
        "{driver} gave {team} a strong result in {cls}: {car} finished {pos} after {laps} laps.",
        "{team} had a tougher race in {cls}, with {car} dropping to {gap} seconds off the lead "
        "after an unscheduled stop.",
        "{cls} went the way of {team}, whose {carx} led more than half the race with {driver} "
        "and {driver2}.",
    ),
    "entry_nocls": (
        "{team} put {car} on top with a lap of {time}.",
        "{driver} gave {team} a strong result: {car} finished {pos} after {laps} laps.",
        "{team} had a tougher race, with {car} dropping to {gap} seconds off the lead after an "
        "unscheduled stop.",
    ),
    "race": (
        "In the closing laps, {driver} clawed back {gap} seconds on the chasing pack.",
        "After a long safety car period on lap {laps}, the field was released and the {place} "
        "crowd was treated to a remarkable show.",
        "{driver} had to make an extra stop for fresh tyres, losing {gap} seconds in the process.",
        "The gaps stayed tiny until the flag, {driver} and {driver2} running within a second of "
        "each other for several stints.",
        "{team} gambled on a bold strategy by double-stinting {driver}.",
        "The heat made the {team} mechanics' work in the pit lane even harder.",
        "After {laps} laps, {driver} crossed the line with a smile.",
        "Contact under braking for the first chicane cost {driver} dearly, forcing a trip "
        "through the pit lane.",
        "Rain arrived at {place} mid-race and triggered a flurry of tyre changes.",
        "{driver2} produced a superb night stint, with a best lap of {time}.",
        "The stewards handed {team} a five-second penalty for a pit-stop infringement.",
        "The large crowd cheered {driver}'s climb from the back of the grid.",
        "Down the long straights of {place}, the slipstream allowed {driver} several spectacular "
        "passes.",
        "With this result, {team} tightens the championship standings again ahead of the next "
        "round.",
    ),
    "quote": (
        '"The race was hard. We had to fight until the very end and never give up,"',
        '"We had a fast car, but the strategy did not work out for us,"',
        '"This result rewards the work of the whole team since the winter,"',
        '"Winning here is something special in a career,"',
        '"We are not drivers dreaming of F1, we are endurance people,"',
        '"Traffic was very hard to manage, especially at the end of a stint,"',
        '"I managed to get the tow to take the lead, then defend my position,"',
        '"We will have to look at the data before the next race, but the potential is there,"',
    ),
    "quote_tail": (
        "said {driver}.",
        "{driver} told reporters.",
        "explained {driver}.",
        "{driver} said after the race.",
    ),
    "quote_more": (
        '{driver} added: "Everything was fantastic, we lived an exceptional experience and I hope '
        'it continues."',
        '"The first goal is achieved, the next one is to win the title," {driver} continued.',
        '{driver} concluded: "We will keep working, nothing is given."',
    ),
    "gallery_title": (
        "Postcards from {place} {year}",
        "In pictures: {place} {year}",
        "{place} {year}: the best photos",
    ),
    "gallery_standfirst": (
        "After one of the most unpredictable and thrilling editions in recent years, a look back "
        "in pictures at some of the big moments of this {year} week at {place}.",
        "Our photographer was at {place} for this {year} round of {series}: here is his pick.",
    ),
    "caption": (
        "{car} of {team} in the early morning light.",
        "Family photo of the {team} squadron before the start.",
        "As popular as ever, {driver} signed autographs for the fans.",
        "{car} saw its dream turn into a nightmare after the finish.",
        "A very hard week for the {team} mechanics.",
        "Dusk or dawn at {place}, a photographer's dream...",
        "The {place} pit lane from above...",
        "Epic battle in {cls}!",
        "A strong recovery took {car} to eighth place.",
        "Fans turned out in their thousands at {place} for the pit walk.",
    ),
    "related": ("Read more", "Related"),
    "gallery_footer": "Gallery: ",
    "gallery_link": "View the gallery",
    "source_footer": ("Source: press release", "Source: team press release"),
    "update": "Update: {team} confirmed later in the evening that {driver} will race again at "
    "the next round.",
    "edit_sentence": "The stewards have since amended the classification after a review.",
    "rewrite_opening": "Press release. ",
}
TEXTS: dict[str, dict] = {"fr": FR, "en": EN}

FR_ORDINALS = ("première", "deuxième", "troisième", "quatrième", "cinquième", "sixième")
EN_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
