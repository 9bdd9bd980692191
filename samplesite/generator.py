"""Building the sample sites: dates, authors and planted pages for every article, no text.

``build_sample_sites`` is pure (no I/O) and deterministic: the same size and seed always give the
same sites, hence the same bytes for every page. What is planted, per site:

- a few articles republished on the other site (another headline, a rewritten opening and/or a
  source footer), in the original's language;
- a few articles edited in edition 2, and a few articles that only exist from edition 2;
- drafts under the robots-disallowed section, linked from the home page;
- one old URL that redirects (301) to an article, one dead link (404) on the home page;
- on the French site, one article served in ISO-8859-1 with no charset anywhere.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from samplesite.content import article_body, article_head
from samplesite.model import ArticleSpec, GallerySpec, Republish
from samplesite.render import Style
from samplesite.shapes import SAMPLE_EN, SAMPLE_FR
from samplesite.site import SampleSite

FIRST_DAY = datetime(2016, 1, 4)  # midnight: times of day are added as minutes
LAST_DAY = datetime(2025, 10, 31)
MIN_ARTICLES = 6

FR_WORDS = {
    "home": "Accueil",
    "news": "Actualités",
    "galleries": "Galeries",
    "about": "À propos",
    "cookies": "Nous utilisons des cookies pour améliorer votre expérience et mesurer "
    "l'audience. En poursuivant votre navigation, vous acceptez leur utilisation.",
    "accept": "Tout accepter",
    "settings": "Paramétrer",
    "search": "Rechercher...",
    "newsletter": "Recevez chaque vendredi le meilleur de l'endurance dans votre boîte mail.",
    "subscribe": "Je m'inscris",
    "legal": "Mentions légales",
    "rights": "Tous droits réservés",
    "share": "Partager :",
    "prev": "« Précédent",
    "next": "Suivant »",
    "page": "page",
    "latest": "Dernières actualités",
    "more": "Toutes les actualités",
    "coming": "Prochainement",
    "features": "Nos dossiers",
    "archive": "Archives 2015",
    "by": "Par",
    "updated": "mis à jour le",
    "tags": "Mots-clés :",
    "404": "Page introuvable",
    "404_text": "La page demandée n'existe pas ou a été déplacée.",
    "about_text": "Endurance Hebdo couvre le WEC, les 24 Heures du Mans, l'ELMS et l'IMSA "
    "depuis 2016. Rédaction indépendante basée au Mans.",
}
EN_WORDS = {
    "home": "Home",
    "news": "News",
    "galleries": "Galleries",
    "about": "About",
    "cookies": "We use cookies to improve your experience and measure our audience. By "
    "continuing to browse, you accept their use.",
    "accept": "Accept all",
    "settings": "Settings",
    "search": "Search...",
    "newsletter": "Get the best of endurance racing in your inbox every Friday.",
    "subscribe": "Sign up",
    "legal": "Legal notice",
    "rights": "All rights reserved",
    "share": "Share:",
    "prev": "« Previous",
    "next": "Next »",
    "page": "page",
    "latest": "Latest news",
    "more": "All news",
    "coming": "Coming soon",
    "features": "Features",
    "archive": "2015 archive",
    "by": "By",
    "updated": "updated",
    "tags": "Tags:",
    "404": "Page not found",
    "404_text": "The page you asked for does not exist or has moved.",
    "about_text": "Sportscar Wire has covered the WEC, Le Mans, ELMS and IMSA since 2016.",
}

STYLES: dict[str, Style] = {
    SAMPLE_FR.name: Style(
        shape=SAMPLE_FR,
        title="Endurance Hebdo",
        tagline="L'actualité de l'endurance, chaque semaine",
        timezone="Europe/Paris",
        about_path="/a-propos/",
        dead_path="/actualites/2015/03/dossier-archive-supprime-999/",
        ellipsis="...",
        words=FR_WORDS,
    ),
    SAMPLE_EN.name: Style(
        shape=SAMPLE_EN,
        title="Sportscar Wire",
        tagline="Endurance racing news, every day",
        timezone="Europe/London",
        about_path="/about/",
        dead_path="/news/2015/03/02/archived-story-999",
        ellipsis="…",
        words=EN_WORDS,
    ),
}
SITE_NUMBERS = {"sample-fr": 1, "sample-en": 2}
# Which changes each republished copy gets, in turn: headline, opening, footer.
COPY_CHANGES = ((True, False, True), (True, True, False), (True, True, True), (False, False, True))


def planted_counts(articles: int) -> dict[str, int]:
    """How many of each planted kind a site of this size gets (a few, growing with size)."""
    return {
        "republished": min(max(2, articles // 50), 200),
        "edited": min(max(1, articles // 100), 25),
        "added": min(max(1, articles // 100), 25),
        "drafts": min(max(1, articles // 200), 10),
        "galleries": max(2, articles // 25),
    }


def _native_specs(rng: random.Random, count: int, tz: ZoneInfo, first_id: int) -> list[ArticleSpec]:
    """Articles spread evenly over the years, published between 06:00 and 22:59 local time,
    oldest first; about one in seven updated a few hours later. (``rng.random`` only: this
    runs 100,000 times per site.)"""
    days = (LAST_DAY - FIRST_DAY).days
    rand = rng.random
    stamps = sorted(
        (int(days * (i + 0.1 + 0.8 * rand()) / count), 360 + int(1020 * rand()))
        for i in range(count)
    )
    specs = []
    for i, (day, minute) in enumerate(stamps):
        at = (FIRST_DAY + timedelta(days=day, minutes=minute)).replace(tzinfo=tz)
        updated = 1 + int(30 * rand()) if rand() < 0.15 else 0
        specs.append(ArticleSpec(first_id + i, at, int(8 * rand()), updated_hours=updated))
    return specs


def build_sample_sites(articles: int = 200, seed: int = 7) -> dict[str, SampleSite]:
    """The French and English sample sites, each with ``articles`` native articles (plus the
    planted copies, edition-2 additions and drafts). Pure and deterministic."""
    if articles < MIN_ARTICLES:
        raise ValueError(f"a sample site needs at least {MIN_ARTICLES} articles")
    counts = planted_counts(articles)
    rngs = {name: random.Random(seed * 1009 + SITE_NUMBERS[name]) for name in STYLES}
    natives: dict[str, list[ArticleSpec]] = {}
    roles: dict[str, dict[str, list[int]]] = {}
    for name, style in STYLES.items():
        rng = rngs[name]
        specs = _native_specs(rng, articles, ZoneInfo(style.timezone), 1001)
        # Enough distinct articles for every role, and spares for the long-article search.
        needed = 2 + counts["edited"] + 6 * counts["republished"] + 30
        order = rng.sample(range(articles), k=min(articles, needed))
        role = {"redirect": order[:1], "latin1": order[1:2] if style.shape.language == "fr" else []}
        rest = order[2:]
        role["edited"] = rest[: counts["edited"]]
        rest = rest[counts["edited"] :]
        role["origins"] = _long_articles(seed, SITE_NUMBERS[name], style, specs, rest)[
            : counts["republished"]
        ]
        for i in role["latin1"]:
            specs[i] = replace(specs[i], latin1=True)
        natives[name], roles[name] = specs, role

    copies: dict[str, list[ArticleSpec]] = {name: [] for name in STYLES}
    for name, style in STYLES.items():
        other = next(n for n in STYLES if n != name)
        rng = rngs[other]
        for k, i in enumerate(roles[name]["origins"]):
            original = natives[name][i]
            headline, opening, footer = COPY_CHANGES[k % len(COPY_CHANGES)]
            origin = Republish(
                name, SITE_NUMBERS[name], style.shape.language, original, headline, opening, footer
            )
            published = original.published + timedelta(hours=rng.randint(5, 72))
            copies[other].append(
                ArticleSpec(
                    article_id=1001 + articles + k,
                    published=published.astimezone(ZoneInfo(STYLES[other].timezone)),
                    author=rng.randrange(8),
                    copy_of=origin,
                )
            )

    edition2 = max(a.published for specs in (*natives.values(), *copies.values()) for a in specs)
    edition2 += timedelta(days=1)
    sites: dict[str, SampleSite] = {}
    for name, style in STYLES.items():
        rng = rngs[name]
        tz = ZoneInfo(style.timezone)
        specs = natives[name]
        for j, i in enumerate(roles[name]["edited"]):
            specs[i] = replace(
                specs[i], edited=True, edited_at=(edition2 + timedelta(hours=j + 1)).astimezone(tz)
            )
        published = sorted(specs + copies[name], key=lambda a: (a.published, a.article_id))
        next_id = 1001 + articles + len(copies[name])
        added = [
            ArticleSpec(
                next_id + j,
                (edition2 + timedelta(hours=2 * j + 1)).astimezone(tz),
                rng.randrange(8),
                edition=2,
            )
            for j in range(counts["added"])
        ]
        next_id += len(added)
        drafts = [
            ArticleSpec(
                next_id + j,
                (edition2 - timedelta(hours=12 - j)).astimezone(tz),
                rng.randrange(8),
                draft=True,
            )
            for j in range(counts["drafts"])
        ]
        galleries = _galleries(rng, counts["galleries"], tz)
        sites[name] = SampleSite(
            style,
            seed=seed,
            site_no=SITE_NUMBERS[name],
            articles=published + added,
            drafts=drafts,
            galleries=galleries,
            redirect_id=natives[name][roles[name]["redirect"][0]].article_id,
            styles=STYLES,
        )
    return sites


def _long_articles(
    seed: int, site_no: int, style: Style, specs: list[ArticleSpec], candidates: list[int]
) -> list[int]:
    """Candidates whose body has at least six paragraphs: a copy with a rewritten opening must
    stay a near-duplicate. Stops early, so large sites do not pay for every body."""
    chosen = []
    wanted = planted_counts(len(specs))["republished"]
    for i in candidates:
        head = article_head(seed, site_no, style.shape.language, specs[i])
        if len(article_body(seed, site_no, head, specs[i].article_id, False).paragraphs) >= 6:
            chosen.append(i)
            if len(chosen) == wanted:
                break
    return chosen


def _galleries(rng: random.Random, count: int, tz: ZoneInfo) -> list[GallerySpec]:
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    return [
        GallerySpec(
            gallery_id=i + 1,
            published=(FIRST_DAY + timedelta(seconds=span * (i + 0.5) / count)).replace(
                hour=20, minute=0, tzinfo=tz
            ),
            author=rng.randrange(8),
        )
        for i in range(count)
    ]
