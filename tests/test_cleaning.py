"""clean_page end to end: robustness, encodings, noise rules with their counts, site profiles,
and the sample sites' truth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape

import pytest

from etl.clean.boilerplate import SiteProfile, learn_site_profile
from etl.clean.cleaner import clean_page, learn_profile
from etl.clean.evaluation import score_page
from etl.clean.records import CleanedPage
from samplesite import PageTruth, SampleSite, build_sample_sites

PARAGRAPHS = (
    "G.N., Le Mans - Samedi, en ouverture des 24 Heures du Mans, les 911 Cup ont parcouru les "
    "13,625 km de la piste sarthoise devant un public venu en nombre dès le matin.",
    "Le jeune Français, déjà très performant à Spa-Francorchamps, confirme au Mans son excellente "
    "pointe de vitesse devant deux Britanniques, Dan Cammish et Dino Zamparelli.",
    "Dans le dernier tour, le groupe de tête se resserrait encore, mais Dan Cammish s'imposait sur "
    "le Circuit des 24 Heures du Mans en devançant Dino Zamparelli et Alessio Rovera.",
    '"Gagner cette épreuve est quelque chose de spécial dans une carrière", commentait Dan '
    "Cammish après la course, encore essoufflé par un dernier tour des plus disputés.",
)
TEASER_TITLE = "Matthieu Lahaye : « L'Asian Le Mans Series est un pas de plus vers Le Mans »"
TEASER_FRAGMENT = "Matthieu Lahaye : « L'Asian Le Mans Series est un pas de plus vers Le..."


def article_html(
    paragraphs: tuple[str, ...] = PARAGRAPHS, *, chrome: str = "", charset: bool = True
) -> str:
    """An article as news CMSs lay it out: chrome, share buttons, embeds and widgets between
    the paragraphs."""
    caption = "2017 - Porsche Carrera Cup Le Mans"
    embed = f'<figure class="gallery"><img src="/g.jpg" alt=""><figcaption>{caption}</figcaption>'
    related = (
        '<div class="related-posts"><p>À lire aussi</p><ul>'
        f'<li><a href="/actualites/lahaye/">{escape(TEASER_FRAGMENT)}</a></li>'
        '<li><a href="/actualites/rossi/">Valentino Rossi : « Spa et Le Mans figurent sur ma '
        "liste »</a></li></ul></div>"
    )
    body = (
        f"<p>{escape(paragraphs[0])}</p>{embed}</figure><p>{escape(paragraphs[1])}</p>{related}"
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs[2:])
        + f"{embed}</figure><p>Galerie : {caption}</p>"
    )
    meta_charset = '<meta charset="utf-8">' if charset else ""
    return (
        f'<html lang="fr"><head>{meta_charset}<title>Cammish gagne | Endurance Info</title>'
        '<meta property="og:type" content="article"></head><body>'
        '<div class="cookie-banner"><p>Nous utilisons des cookies pour améliorer votre '
        "expérience.</p><button>Accepter</button></div>"
        '<nav><a href="/">Accueil</a> <a href="/wec/">WEC</a></nav>'
        '<article><h1>Cammish gagne</h1><div class="share"><a href="https://facebook.com/s">'
        f"Partager sur Facebook</a></div>{body}{chrome}</article>"
        '<aside class="newsletter"><p>Inscrivez-vous à notre newsletter</p></aside>'
        "<footer><p>© 2026 Endurance Info - Tous droits réservés</p></footer></body></html>"
    )


def clean(html: str | bytes, url: str = "https://www.endurance-info.com/a/1") -> CleanedPage:
    return clean_page(html.encode("utf-8") if isinstance(html, str) else html, url)


def spaced(text: str) -> str:
    return " ".join(text.split())


# --- never raises --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n\t ",
        bytes(range(256)) * 64,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\xff" * 4000,
        b"<html><body><p>unclosed <div><<<>>> <p><b><i></p></table></html",
        b"<?xml version='1.0' encoding='utf-8'?><html><body>",
        "<html><body><p>\ud800 lone surrogate</p></body></html>",
        b"<html><head><meta charset='no-such-charset'></head><body>\xff\xfe</body></html>",
    ],
    ids=["empty", "blank", "binary", "png", "malformed", "xml-prolog", "surrogate", "bad-charset"],
)
def test_bad_input_gives_other_with_empty_text(body: bytes | str) -> None:
    page = clean_page(body, "https://example.org/x")
    assert page.kind == "other"
    assert page.text == ""


def test_huge_input_does_not_raise() -> None:
    paragraph = "<p>" + "La Toyota mène la course devant la Porsche. " * 20 + "</p>"
    body = ("<html><body>" + paragraph * 40_000 + "</body></html>").encode()
    assert len(body) > 30_000_000
    page = clean_page(body, "https://example.org/huge")
    assert page.kind in ("article", "other")


# --- encodings -----------------------------------------------------------------------------------


def test_latin1_page_without_any_charset_is_read_right() -> None:
    page = clean(article_html(charset=False).encode("iso-8859-1", errors="replace"))
    assert page.kind == "article"
    assert "Français, déjà très performant" in page.text


def test_declared_charset_is_obeyed() -> None:
    html = article_html().replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = clean(html.encode("cp1252", errors="replace"))
    assert "s'imposait sur le Circuit des 24 Heures" in page.text


def test_text_input_is_accepted() -> None:
    assert clean_page(article_html(), "https://example.org/a").kind == "article"


# --- the noise rules in realistic markup ---------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> CleanedPage:
    return clean(article_html())


def test_article_text_is_exactly_its_paragraphs(article: CleanedPage) -> None:
    assert [spaced(p) for p in article.paragraphs] == list(PARAGRAPHS)


def test_related_widget_label_and_teasers_are_gone(article: CleanedPage) -> None:
    assert "lire aussi" not in article.text.lower()
    assert "Valentino Rossi" not in article.text


def test_truncated_teaser_fragment_is_gone(article: CleanedPage) -> None:
    assert "Matthieu Lahaye" not in article.text


def test_embed_captions_and_gallery_footer_are_gone(article: CleanedPage) -> None:
    assert "Porsche Carrera Cup Le Mans" not in article.text


def test_every_removal_is_counted_under_a_rule_name(article: CleanedPage) -> None:
    assert article.removed
    assert all(isinstance(name, str) and count > 0 for name, count in article.removed.items())


def test_share_newsletter_cookie_and_copyright_lines_are_gone(article: CleanedPage) -> None:
    for noise in ("Partager", "newsletter", "cookies", "droits réservés"):
        assert noise not in article.text


def test_image_markdown_and_bare_urls_are_gone() -> None:
    extra = (
        "<p>![Cody Ware](https://d24c1jjhvw5da9.cloudfront.net/fr/wp-content/a-218x150.jpg)</p>"
        "<p>https://www.endurance-info.com/actualites/autre-article/</p>"
    )
    page = clean(article_html(chrome=extra))
    assert "cloudfront" not in page.text
    assert "https://" not in page.text
    assert page.removed["image-markdown"] == 1
    assert page.removed["bare-url"] == 1


def test_dateline_is_kept_and_read(article: CleanedPage) -> None:
    assert article.paragraphs[0].startswith("G.N., Le Mans - ")
    assert article.place == "Le Mans"
    assert article.metadata.author == "G.N."


# --- per-site recurring lines --------------------------------------------------------------------


SIGNATURE = (
    "Retrouvez toute l'actualité de l'endurance chaque jour sur notre site et notre application"
)


def site_pages(count: int) -> Iterator[tuple[bytes, str]]:
    for n in range(count):
        paragraphs = (
            f"G.N., Le Mans - Article numéro {n} : la course a tenu toutes ses promesses, avec des "
            f"dépassements à chaque tour et une arrivée serrée pour la victoire finale ({n}).",
            f"La voiture n°{n} a mené pendant {n + 3} heures avant de céder sous la pression de "
            "ses poursuivants, au terme d'une nuit marquée par la pluie et les neutralisations.",
            *(f"{p} (Épisode {n}.)" for p in PARAGRAPHS[2:]),
        )
        yield article_html(paragraphs, chrome=f"<p>{SIGNATURE}</p>").encode(), f"https://x/a/{n}"


def test_profile_learns_a_line_that_recurs_across_the_site() -> None:
    profile = learn_profile("endurance-info", site_pages(10))
    assert profile.is_recurring(SIGNATURE)


def test_profile_does_not_learn_a_line_of_one_page() -> None:
    profile = learn_profile("endurance-info", site_pages(10))
    assert not profile.is_recurring(next(site_pages(1))[0].decode().split("<p>")[1][:40])


def test_profile_removes_recurring_lines_and_counts_them() -> None:
    profile = learn_profile("endurance-info", site_pages(10))
    body, url = next(site_pages(1))
    without = clean_page(body, url)
    with_profile = clean_page(body, url, site_profile=profile)
    assert SIGNATURE in without.text
    assert SIGNATURE not in with_profile.text
    assert with_profile.removed["site-recurring"] == 1


def test_profile_needs_the_line_on_several_pages() -> None:
    texts = ["Ligne commune\nTexte A", "Ligne commune\nTexte B"] + ["Autre"] * 2
    assert not learn_site_profile("s", texts).is_recurring("Ligne commune")


def test_known_titles_catch_a_teaser_fragment_without_its_link() -> None:
    profile = learn_site_profile("s", [], titles=[TEASER_TITLE])
    html = article_html(chrome=f"<p>{escape(TEASER_FRAGMENT.replace('Le...', 'Le…'))}</p>")
    page = clean_page(html.replace("/actualites/lahaye/", "#"), "https://x/a", site_profile=profile)
    assert "Matthieu Lahaye" not in page.text


def test_profile_round_trips_through_a_dict() -> None:
    profile = learn_profile("endurance-info", site_pages(10))
    assert SiteProfile.from_dict(profile.as_dict()) == profile


# --- the sample sites ----------------------------------------------------------------------------

WIDGET_LABEL_RE = re.compile(r"^(?:À lire aussi|Lire aussi|Read more|Related)\b", re.I)


@pytest.fixture(scope="module")
def sample_pages() -> list[tuple[PageTruth, CleanedPage]]:
    cleaned = []
    for site in build_sample_sites(30).values():
        cleaned.extend(_clean_site(site))
    return cleaned


def _clean_site(site: SampleSite) -> Iterator[tuple[PageTruth, CleanedPage]]:
    for truth in site.truth():
        if truth.kind in ("article", "listing", "gallery") and truth.status == 200:
            response = site.render(truth.path)
            if response.status == 200:
                yield truth, clean_page(response.body, truth.url)


def _of_kind(pages: list[tuple[PageTruth, CleanedPage]], kind: str):
    chosen = [(truth, page) for truth, page in pages if truth.kind == kind]
    assert chosen, f"the sample sites have no {kind} page"
    return chosen


def test_every_sample_article_body_matches_its_truth(sample_pages) -> None:
    for truth, page in _of_kind(sample_pages, "article"):
        assert page.kind == "article", truth.path
        assert score_page(page.text, truth.text).f1 >= 0.99, truth.path


def test_no_widget_label_fragment_or_repeated_caption_in_sample_articles(sample_pages) -> None:
    for truth, page in _of_kind(sample_pages, "article"):
        true_paragraphs = {spaced(p) for p in truth.paragraphs}
        for paragraph in page.paragraphs:
            assert not WIDGET_LABEL_RE.match(paragraph), (truth.path, paragraph)
            assert spaced(paragraph) in true_paragraphs, (truth.path, paragraph)
        assert len(page.paragraphs) == len(set(page.paragraphs)), truth.path


def test_no_sample_listing_is_cleaned_as_an_article(sample_pages) -> None:
    for truth, page in _of_kind(sample_pages, "listing"):
        assert page.kind != "article", truth.path
        assert page.text == "", truth.path


def test_sample_listings_with_teasers_are_listings(sample_pages) -> None:
    with_teasers = [(t, p) for t, p in _of_kind(sample_pages, "listing") if p.teasers]
    assert len(with_teasers) >= len(_of_kind(sample_pages, "listing")) * 0.8
    assert all(page.kind == "listing" for _, page in with_teasers)


def test_every_sample_gallery_is_a_gallery_with_its_captions(sample_pages) -> None:
    for truth, page in _of_kind(sample_pages, "gallery"):
        assert page.kind == "gallery", truth.path
        assert [spaced(p) for p in page.paragraphs] == [spaced(p) for p in truth.paragraphs]


# --- split bodies --------------------------------------------------------------------------------


def test_an_article_body_split_around_an_ad_is_extracted_whole() -> None:
    chunk = '<div class="grid"><div class="body article__body">{}</div></div>'
    first = "".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS[:2])
    second = "".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS[2:])
    ad = '<div class="ad"><p>Publicité</p></div>'
    html = (
        '<html><head><title>Cammish gagne</title></head><body><article class="main">'
        f"<h1>Cammish gagne</h1>{chunk.format(first)}{ad}{chunk.format(second)}</article>"
        "</body></html>"
    )
    assert [spaced(p) for p in clean(html).paragraphs] == list(PARAGRAPHS)


def test_hover_cards_inside_a_sentence_are_not_text() -> None:
    card = (
        '<span class="people"><a href="/p/cammish">Dan Cammish</a><span class="card"><span>'
        '<img src="/cammish.jpg" alt=""><a href="/p/cammish">Dan Cammish</a>'
        '<a href="/a/9">Cammish signe chez Porsche pour la saison 2018 de Carrera Cup</a>'
        "</span></span></span>"
    )
    first = escape(PARAGRAPHS[2]).replace("Dan Cammish", card, 1)
    page = clean(article_html().replace(escape(PARAGRAPHS[2]), first))
    assert spaced(page.paragraphs[2]) == PARAGRAPHS[2]
    assert "Cammish signe chez Porsche" not in page.text


def test_a_closing_list_of_links_without_its_label_is_dropped() -> None:
    stories = "".join(
        f'<li>Why <a href="/a/{n}">the story number {n} of the week</a> matters to everyone who '
        "follows endurance racing closely</li>"
        for n in range(4)
    )
    url = "https://www.endurance-info.com/actualites/cammish-gagne-la-carrera-cup/"
    page = clean(article_html(chrome=f"<ul>{stories}</ul>"), url)
    assert "story number" not in page.text
    assert page.removed["trailing-link-list"] == 4


def test_a_list_inside_the_article_stays() -> None:
    results = "".join(f"<li>{n}. Pilote numéro {n}, Porsche 911 GT3 Cup</li>" for n in range(1, 5))
    page = clean(article_html(chrome=f"<ul>{results}</ul>"))
    assert "Pilote numéro 3, Porsche 911 GT3 Cup" in page.text


def test_tags_label_and_its_keywords_are_dropped() -> None:
    tags = "<p>Mots-clés :</p><p>Porsche, Carrera Cup, Le Mans, Dan Cammish</p>"
    page = clean(article_html(chrome=tags))
    assert "Mots-clés" not in page.text
    assert "Carrera Cup, Le Mans" not in page.text
    assert page.removed["tag-list"] == 2


def test_an_embedded_post_quoting_a_driver_is_kept() -> None:
    tweet = (
        '<div class="social-media-embed"><blockquote class="twitter-tweet"><p lang="fr">Quelle '
        "course ! Merci à toute l'équipe, on revient l'an prochain pour gagner au général.</p>"
        '— Dan Cammish (@dancammish) <a href="https://twitter.com/x/status/1">17 juin 2017</a>'
        '</blockquote><script src="https://platform.twitter.com/widgets.js"></script></div>'
    )
    page = clean(article_html().replace("<p>Galerie", f"{tweet}<p>Galerie"))
    assert "Merci à toute l'équipe, on revient l'an prochain" in page.text
