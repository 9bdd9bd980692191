"""The truth about every page of a sample site, produced lazily for tests and benches."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping

import samplesite.feeds as feeds
from samplesite.content import gallery_text
from samplesite.model import ArticleSpec, GallerySpec, PageKind, PageTruth
from samplesite.paging import MENU_TAGS, page_count
from samplesite.shapes import page_path, tag_path
from samplesite.structure import SiteStructure


def site_truth(site: SiteStructure, edition: int = 1) -> Iterator[PageTruth]:
    """Every page of the site in an edition, lazily: articles, drafts, galleries, listings,
    tag pages, robots/sitemaps/feed/about and the dead link."""
    for spec in site.visible(edition):
        yield article_truth(site, spec, edition)
    for spec in site.drafts:
        yield article_truth(site, spec, edition)
    for gallery in site.galleries:
        yield gallery_truth(site, gallery)
    yield from listing_truths(site, edition)
    yield from other_truths(site)


def page_truth(site: SiteStructure, path: str, edition: int = 1) -> PageTruth | None:
    """The truth of the page at a canonical path or one of its variants, if any.

    Articles are found by the id in their path; other pages by a scan of the truth.
    """
    if m := re.search(r"-(\d+)/?(?:\?.*)?$", path):
        spec = site.find_article(int(m.group(1)), edition)
        if spec is not None:
            truth = article_truth(site, spec, edition)
            if path == truth.path or path in truth.variants:
                return truth
    for truth in site_truth(site, edition):
        if path == truth.path or path in truth.variants:
            return truth
    return None


def article_truth(site: SiteStructure, spec: ArticleSpec, edition: int = 1) -> PageTruth:
    head = site.head(spec)
    path = site.article_path(spec)
    variants = [site.twin_path(path)]
    if not spec.draft:
        variants.append(site.tracked_path(spec))
    if spec.article_id == site.redirect_id:
        variants.append(site.planted.redirect_from)
    return PageTruth(
        site=site.name,
        path=path,
        url=site.url(path),
        kind="article",
        status=200,
        title=head.title,
        author=head.author,
        published=spec.published,
        updated=site.updated(spec, edition),
        language=head.language,
        paragraphs=site.paragraphs(spec, edition),
        tags=head.tags,
        series=(head.series,),
        classes=head.classes,
        manufacturers=head.manufacturers,
        car_numbers=head.car_numbers,
        reachable=not spec.draft,
        republished_from=site.original_of(spec),
        edited=spec.edited,
        encoding="iso-8859-1" if spec.latin1 else "utf-8",
        variants=tuple(variants),
        edition=edition,
    )


def gallery_truth(site: SiteStructure, spec: GallerySpec) -> PageTruth:
    text = gallery_text(site.seed, site.site_no, site.language, spec)
    path = site.gallery_path(spec)
    head = text.head
    return PageTruth(
        site=site.name,
        path=path,
        url=site.url(path),
        kind="gallery",
        status=200,
        title=head.title,
        author=head.author,
        published=spec.published,
        updated=None,
        language=site.language,
        paragraphs=(text.standfirst, *text.captions),
        tags=head.tags,
        series=(head.series,),
        classes=head.classes,
        manufacturers=head.manufacturers,
        car_numbers=head.car_numbers,
        reachable=True,
        republished_from=None,
        edited=False,
        encoding="utf-8",
        variants=(site.twin_path(path),),
    )


def simple_truth(
    site: SiteStructure, path: str, kind: PageKind, title: str | None, status: int = 200
) -> PageTruth:
    return PageTruth(
        site=site.name,
        path=path,
        url=site.url(path),
        kind=kind,  # type: ignore[arg-type]
        status=status,
        title=title,
        author=None,
        published=None,
        updated=None,
        language=site.language,
        paragraphs=(),
        tags=(),
        series=(),
        classes=(),
        manufacturers=(),
        car_numbers=(),
        reachable=True,
        republished_from=None,
        edited=False,
        encoding="utf-8",
    )


def listing_truths(site: SiteStructure, edition: int) -> Iterator[PageTruth]:
    w = site.style.words
    yield simple_truth(site, "/", "listing", f"{site.style.title} - {site.style.tagline}")
    prefix = site.shape.listing_prefix
    for n in range(1, page_count(len(site.visible(edition))) + 1):
        yield simple_truth(
            site,
            page_path(prefix, n),
            "listing",
            listing_title(w, w["news"], n),
        )
    count = site.edition_count(edition)
    for slug, (name, positions) in site.tag_index.items():
        size = bisect.bisect_left(positions, count)
        if size == 0 and slug not in MENU_TAGS:
            continue
        for n in range(1, page_count(size) + 1):
            path = tag_path(slug, n)
            yield simple_truth(site, path, "listing", listing_title(w, name, n))
    prefix = site.shape.gallery_prefix
    for n in range(1, page_count(len(site.galleries)) + 1):
        path = page_path(prefix, n)
        yield simple_truth(site, path, "listing", w["galleries"])


def other_truths(site: SiteStructure) -> Iterator[PageTruth]:
    w = site.style.words
    yield simple_truth(site, site.robots_path, "other", None)
    yield simple_truth(site, site.sitemap_path, "other", None)
    yield simple_truth(site, "/sitemap-news.xml", "other", None)
    yield simple_truth(site, "/sitemap-pages.xml", "other", None)
    for k in range(1, feeds.chunk_count(site, 2) + 1):
        yield simple_truth(site, f"/sitemap-articles-{k}.xml", "other", None)
    yield simple_truth(site, site.feed_path, "other", site.style.title)
    yield simple_truth(site, site.style.about_path, "other", w["about"])
    yield simple_truth(site, site.style.dead_path, "other", w["404"], status=404)


def listing_title(w: Mapping[str, str], name: str, n: int) -> str:
    return name if n == 1 else f"{name} - {w['page']} {n}"
