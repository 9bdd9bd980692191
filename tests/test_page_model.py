"""The page-kind model: its signals, the gate before it, and the shipped weights."""

from __future__ import annotations

import json
import math
from typing import Literal

from lxml.html import HtmlElement

from etl.clean.classify import Classification, classify_page
from etl.clean.cleaner import clean_page
from etl.clean.extract import extract_lines
from etl.clean.metadata import extract_metadata
from etl.clean.page_features import (
    count_prices,
    page_features,
    plain_prose_chars,
    shows_entries,
    titled_links,
)
from etl.clean.page_model import (
    MODEL_PATH,
    BoostedTrees,
    PageKindModel,
    load_model,
    model_from_json,
)
from etl.clean.parse import parse_html

SEO_TEXT = (
    "Our charcoal barbecues are built to last, with thick steel bowls, cast-iron grates and "
    "ash catchers that empty in seconds. Pick the size that suits your garden and your guests."
)


def tree_of(html: str) -> HtmlElement:
    tree = parse_html(html)
    assert tree is not None
    return tree


def product_grid(count: int) -> str:
    """A shop's category page: a paragraph of SEO text above product cards with prices, each
    card's name a link that is not in a heading."""
    cards = "".join(
        f'<li class="product"><a href="/p/grill-model-{n}.html"><img src="/i/{n}.jpg" alt=""></a>'
        f'<a href="/p/grill-model-{n}.html">Kettle charcoal grill model {n}, 57 cm</a>'
        f'<span class="price">€{199 + n},00</span></li>'
        for n in range(count)
    )
    return (
        "<html><head><title>Charcoal barbecues</title></head><body>"
        '<nav><a href="/">Home</a><a href="/gas/">Gas barbecues and accessories for all</a></nav>'
        f"<main><h1>Charcoal barbecues</h1><p>{SEO_TEXT}</p><ul>{cards}</ul>"
        f"<p>{SEO_TEXT}</p><p>{SEO_TEXT}</p></main>"
        "</body></html>"
    )


def classify(
    html: str, url: str, model: PageKindModel | Literal["shipped"] | None = "shipped"
) -> Classification:
    tree = tree_of(html)
    meta = extract_metadata(tree, url)
    return classify_page(tree, meta, extract_lines(tree, url), url, model=model)


def test_prices_are_counted_in_the_text_a_reader_sees() -> None:
    assert count_prices(tree_of(product_grid(8))) == 8
    assert count_prices(tree_of("<body><p>It cost 12 euros and took 3 hours.</p></body>")) == 0
    assert count_prices(tree_of("<body><p>$5, 10 € and 7 EUR</p></body>")) == 3


def test_titled_links_count_the_sites_other_pages_outside_the_chrome() -> None:
    tree = tree_of(product_grid(8))
    # eight products (each linked twice, counted once); the menu's long link is chrome
    assert titled_links(tree, "https://shop.example/charcoal/") == 8
    # links to another site are not the site's entries
    elsewhere = product_grid(8).replace('href="/p/', 'href="https://elsewhere.example/p/')
    assert titled_links(tree_of(elsewhere), "https://shop.example/charcoal/") == 0


def test_the_address_says_article_by_a_slug_an_id_or_a_date() -> None:
    tree = tree_of(product_grid(1))
    meta = extract_metadata(tree, "https://x.example/")

    def url_signals(url: str) -> tuple[float, float]:
        features = page_features(
            tree,
            meta,
            [],
            url,
            declared_article=False,
            declared_listing=False,
            full_paragraphs=0,
            pager=False,
        )
        return features["slug_words"], features["url_id"]

    assert url_signals("https://x.example/news/la-toyota-gagne-au-mans.html") == (5.0, 0.0)
    assert url_signals("https://x.example/actualites/123456") == (1.0, 1.0)
    assert url_signals("https://x.example/2024/06/16/bilan/") == (1.0, 1.0)
    assert url_signals("https://x.example/news/news_view.html?idx=8576&page=1") == (2.0, 1.0)
    assert url_signals("https://x.example/news/?page=2") == (1.0, 0.0)
    assert url_signals("https://x.example/") == (0.0, 0.0)


def test_a_product_grid_under_seo_text_is_not_an_article() -> None:
    url = "https://shop.example/charcoal-barbecues/"
    assert classify(product_grid(12), url, model=None).kind == "article"  # the rules alone
    result = classify(product_grid(12), url)
    assert result.kind != "article"
    assert result.reason.startswith("page-kind model")
    assert result.article_probability is not None
    model = load_model()
    assert model is not None
    assert result.article_probability < model.threshold


def test_a_page_without_entries_never_reaches_the_model() -> None:
    brief = (
        "<html><body><article><h1>Brief</h1><p>" + SEO_TEXT + "</p>"
        '<p><a href="/a/other-story-about-the-race">An other story about the race</a></p>'
        '<p><a href="/a/a-third-story-about-the-race">A third story about the race</a></p>'
        "</article></body></html>"
    )
    result = classify(brief, "https://x.example/a/1")
    assert result.kind == "article"
    assert result.article_probability is None


def test_entries_are_teaser_blocks_titled_links_or_prices() -> None:
    none = dict.fromkeys(("teaser_blocks", "titled_links", "prices"), 0.0)
    assert not shows_entries(none)
    assert not shows_entries({**none, "titled_links": math.log1p(2)})  # a brief's related links
    for name in none:
        assert shows_entries({**none, name: math.log1p(3)})


def test_plain_prose_is_long_paragraphs_without_links_outside_the_chrome() -> None:
    excerpt = '<p><a href="/a/one">A linked title</a> and a short excerpt of the story.</p>'
    tree = tree_of(
        f"<html><body><main><p>{SEO_TEXT}</p>{excerpt * 5}<p>Too short to be prose.</p></main>"
        f'<footer><p>{SEO_TEXT}</p></footer><div class="sidebar"><p>{SEO_TEXT}</p></div>'
        "</body></html>"
    )
    assert plain_prose_chars(tree) == len(SEO_TEXT)
    # a teaser's excerpt with its linked title in the same paragraph is no prose of the page's
    assert plain_prose_chars(tree_of(f"<body>{excerpt.replace('short', SEO_TEXT)}</body>")) == 0


def test_the_shipped_model_weighs_exactly_the_signals_the_page_gives() -> None:
    model = load_model()
    assert model is not None
    tree = tree_of(product_grid(4))
    features = page_features(
        tree,
        extract_metadata(tree, "https://x.example/"),
        [],
        "https://x.example/",
        declared_article=False,
        declared_listing=False,
        full_paragraphs=0,
        pager=False,
    )
    if isinstance(model, BoostedTrees):
        assert model.features <= set(features)
    else:
        assert set(model.weights) <= set(features)
        assert set(model.weights) == set(model.means) == set(model.scales)
    assert 0.0 < model.threshold < 0.5


def test_a_model_round_trips_through_its_json() -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    model = model_from_json(shipped)
    assert model_from_json(json.loads(json.dumps(model.to_json()))) == model


def test_probability_follows_the_weights() -> None:
    model = PageKindModel(
        intercept=0.0,
        weights={"slug_words": 1.0},
        means={"slug_words": 2.0},
        scales={"slug_words": 1.0},
        threshold=0.2,
    )
    assert model.article_probability({"slug_words": 2.0}) == 0.5
    assert model.article_probability({"slug_words": 5.0}) > 0.9
    assert model.article_probability({"slug_words": -100.0}) == 0.0


def test_boosted_trees_add_the_scores_of_the_leaves_the_page_reaches() -> None:
    # prices count against an article only on a page that declares no date
    tree = ["declared_date", 0.5, ["prices", 1.0, 0.5, -3.0], 1.0]
    model = BoostedTrees(base=0.0, trees=(tree, ["slug_words", 2.0, -0.5, 0.5]), threshold=0.2)
    assert model.features == {"declared_date", "prices", "slug_words"}
    shop = {"declared_date": 0.0, "prices": 2.0, "slug_words": 1.0}
    assert model.article_probability(shop) == 1.0 / (1.0 + math.exp(3.5))
    dated = {**shop, "declared_date": 1.0, "slug_words": 4.0}
    assert model.article_probability(dated) == 1.0 / (1.0 + math.exp(-1.5))
    assert model_from_json(json.loads(json.dumps(model.to_json()))) == model


def test_the_kind_is_a_counted_step_of_the_cleaning_chain() -> None:
    cleaned = clean_page(product_grid(12), "https://shop.example/charcoal-barbecues/")
    assert cleaned.kind != "article"
    assert cleaned.removed[f"classify:{cleaned.kind}"] == 1
    assert cleaned.removed["classify:page-kind-model"] == 1
    assert cleaned.text == ""


def test_a_declared_collection_is_never_sure_to_be_an_article() -> None:
    # og:type article and eight long paragraphs: sure, the model never sees it...
    paragraphs = "".join(f"<p>{SEO_TEXT} {SEO_TEXT} Recipe {n}.</p>" for n in range(8))
    cards = "".join(
        f'<li class="card"><a href="/r/sauce-{n}"><h3>Slow-cooked tomato sauce number {n}</h3></a>'
        "<p>A sauce for every pasta.</p></li>"
        for n in range(6)
    )
    head = '<meta property="og:type" content="article">'
    html = (
        f"<html><head>{head}</head><body><main><h1>Sauces</h1>{paragraphs}<ul>{cards}</ul>"
        "</main></body></html>"
    )
    url = "https://x.example/tomato-sauce-recipes"
    assert classify(html, url, model=None).features is None
    # ... unless the page declares itself a collection too (a recipe collection often does)
    ld = '<script type="application/ld+json">{"@type": "CollectionPage", "name": "Sauces"}</script>'
    assert classify(html.replace(head, head + ld), url, model=None).features is not None
