"""The HTML pages of a sample site: home, listings, articles, galleries, about, 404.

Functions of a site and an edition; ``render`` (markup) decides how things look, this module
what is on each page.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import samplesite.render as r
import samplesite.responses as responses
from samplesite.content import article_lead, gallery_text, tag_slug
from samplesite.model import ArticleSpec, GallerySpec, Response
from samplesite.paging import PER_PAGE, SITE_STARTED, newest_page, page_count
from samplesite.shapes import page_path, tag_path
from samplesite.structure import SiteStructure
from samplesite.vocabulary import TEXTS


def excerpt(site: SiteStructure, spec: ArticleSpec, limit: int) -> str:
    """The start of an article's first paragraph, dateline dropped, always cut short."""
    if spec.copy_of is None:
        lead = article_lead(site.seed, site.site_no, site.head(spec), spec.article_id)
    else:
        lead = site.paragraphs(spec)[0]
    lead = re.sub(r"^[A-Z]\.(?:[A-Z]\.)+, .+? - ", "", lead)
    return r.truncate(lead, min(limit, len(lead) - 12), site.style.ellipsis)


def teaser(site: SiteStructure, spec: ArticleSpec) -> str:
    head = site.head(spec)
    ellipsis = site.style.ellipsis
    text = excerpt(site, spec, 150)
    path = site.article_path(spec)
    return r.teaser(
        path, site.image_url(spec), head.title, r.truncate(head.title, 60, ellipsis), text
    )


def listing_response(
    site: SiteStructure, n: int, items: Sequence[ArticleSpec], prefix: str, name: str, edition: int
) -> Response:
    """Page n of ``items`` (oldest first) shown newest first, without copying the list."""
    chunk = newest_page(items, n)
    w = site.style.words

    def path_of(k: int) -> str:
        return page_path(prefix, k)

    title = name if n == 1 else f"{name} - {w['page']} {n}"
    teasers = "\n".join(teaser(site, a) for a in chunk)
    main = (
        f'<section class="archive"><h1 class="archive-title">{r.esc(title)}</h1>\n{teasers}\n'
        f"{r.pagination(site.style, n, page_count(len(items)), path_of)}</section>"
    )
    canonical = f'<link rel="canonical" href="{site.url(path_of(n))}">\n'
    html = r.page(
        site.style,
        base=site.base_url,
        title=f"{title} | {site.style.title}",
        head_extra=canonical,
        body_class="archive",
        main=main,
    )
    modified = max((site.modified(a, edition) for a in chunk), default=SITE_STARTED)
    return responses.html_response(html, modified)


def home_page(site: SiteStructure, edition: int) -> str:
    w = site.style.words
    newest = newest_page(site.visible(edition), 1)
    teasers = "\n".join(teaser(site, a) for a in newest)
    drafts = "".join(
        f'<li><a href="{site.article_path(d)}">{r.esc(site.head(d).title)}</a></li>'
        for d in site.drafts
    )
    target = site.articles[site.position_of(site.redirect_id)]
    galleries = "".join(
        f'<li><a href="{site.gallery_path(g)}">'
        f"{r.esc(gallery_text(site.seed, site.site_no, site.language, g).head.title)}</a></li>"
        for g in site.galleries[::-1][:3]
    )
    main = (
        f'<section class="home-latest"><h1>{r.esc(w["latest"])}</h1>\n{teasers}\n'
        f'<p class="more"><a href="{site.shape.listing_prefix}">{r.esc(w["more"])}'
        f"</a></p></section>\n"
        f'<section class="coming-soon"><h2>{r.esc(w["coming"])}</h2><ul>{drafts}</ul>'
        "</section>\n"
        f'<section class="features"><h2>{r.esc(w["features"])}</h2><ul>'
        f'<li><a href="{site.planted.redirect_from}">{r.esc(site.head(target).title)}</a></li>'
        f'<li><a href="{site.style.dead_path}">{r.esc(w["archive"])}</a></li></ul></section>\n'
        f'<section class="home-galleries"><h2>{r.esc(w["galleries"])}</h2><ul>{galleries}</ul>'
        "</section>"
    )
    return r.page(
        site.style,
        base=site.base_url,
        title=f"{site.style.title} - {site.style.tagline}",
        head_extra=f'<link rel="canonical" href="{site.url("/")}">\n'
        f'<meta property="og:type" content="website">\n',
        body_class="home",
        main=main,
    )


def about_page(site: SiteStructure) -> str:
    w = site.style.words
    return r.page(
        site.style,
        base=site.base_url,
        title=f"{w['about']} | {site.style.title}",
        head_extra="",
        body_class="page",
        main=f'<article class="page"><h1>{r.esc(w["about"])}</h1>'
        f"<p>{r.esc(w['about_text'])}</p></article>",
    )


def article_response(site: SiteStructure, spec: ArticleSpec, edition: int) -> Response:
    html = article_html(site, spec, edition)
    return responses.html_response(html, site.modified(spec, edition), latin1=spec.latin1)


def related_targets(site: SiteStructure, spec: ArticleSpec, count: int) -> list[ArticleSpec]:
    # Drafts link to what was published before them; nothing links to edition-2 articles
    # from edition-1 pages, so edition 2 leaves those pages byte-identical.
    pos = site.edition_count(1) if spec.draft else site.position_of(spec.article_id)
    low = max(0, pos - 300)
    pool = range(low, pos)
    rng = random.Random((site.seed << 20) ^ spec.article_id ^ 0x5EED)
    return [site.articles[i] for i in rng.sample(pool, k=min(count, len(pool)))]


def article_html(site: SiteStructure, spec: ArticleSpec, edition: int) -> str:
    s, w = site.style, site.style.words
    texts = TEXTS[site.language]
    head = site.head(spec)
    body = site.body(spec)
    paragraphs = site.paragraphs(spec, edition)
    updated = site.updated(spec, edition)
    canonical = site.url(site.article_path(spec))
    image = site.image_url(spec, "1200x630")
    description = r.truncate(paragraphs[0], 155, "...")
    meta = r.article_meta(
        title=head.title,
        description=description,
        author=head.author,
        canonical=canonical,
        image=image,
        published=spec.published,
        updated=updated,
        tags=head.tags,
        site_title=s.title,
        language=head.language,
    )
    targets = related_targets(site, spec, 3 * len(body.related_after))
    gallery_href = ""
    if body.gallery_caption:
        gallery = site.galleries[spec.article_id % len(site.galleries)]
        gallery_href = site.gallery_path(gallery)
    # Half the articles use the old theme, whose widgets are plain paragraphs in the body:
    # the noise of the seed pages, which extractors do not remove by themselves.
    inline = spec.article_id % 2 == 0
    blocks = []
    for i, paragraph in enumerate(paragraphs):
        blocks.append(f"<p>{r.esc(paragraph)}</p>")
        if body.gallery_caption and i in body.caption_after:
            blocks.append(r.gallery_embed(gallery_href, image, body.gallery_caption, inline))
        if i in body.related_after and i < len(paragraphs) - 1:
            k = body.related_after.index(i)
            chosen = targets[3 * k : 3 * k + 3]
            links = [
                (site.link_variant(t, slot), site.head(t).title) for slot, t in enumerate(chosen)
            ]
            excerpts = [excerpt(site, t, 90) for t in chosen] if inline else []
            if links:
                label = texts["related"][k % 2]
                blocks.append(r.related_widget(label, links, inline, excerpts))
    if body.gallery_caption:
        footer = texts["gallery_footer"] + body.gallery_caption
        if inline:  # plain text, as the seed's "Galerie: 2017 - ..." line
            blocks.append(f"<p>{r.esc(footer)}</p>")
        else:
            link = f'<a href="{gallery_href}">{r.esc(footer)}</a>'
            blocks.append(f'<div class="gallery-footer">{link}</div>')
    tags = " ".join(
        f'<a rel="tag" href="{tag_path(tag_slug(t))}">{r.esc(t)}</a>' for t in head.tags
    )
    # A draft is not in the tag index yet: its preview shows no tag links.
    tag_block = "" if spec.draft else f'<div class="post-tags">{r.esc(w["tags"])} {tags}</div>\n'

    modified_line = ""
    if updated is not None:
        modified_line = (
            f' <span class="updated">({r.esc(w["updated"])} {r.human_date(s, updated)})</span>'
        )
    main = (
        f'<article class="post">\n<h1 class="entry-title">{r.esc(head.title)}</h1>\n'
        f'<div class="entry-meta">{r.esc(w["by"])} <span class="author">{r.esc(head.author)}'
        f'</span> | <time datetime="{spec.published.isoformat()}">'
        f"{r.human_date(s, spec.published)}</time>{modified_line}</div>\n"
        f"{r.share_buttons(s, canonical, head.title)}\n"
        f'<div class="entry-content">\n' + "\n".join(blocks) + "\n</div>\n"
        f"{tag_block}"
        f"{r.share_buttons(s, canonical, head.title)}\n</article>"
    )
    return r.page(
        s,
        base=site.base_url,
        title=f"{head.title} | {s.title}",
        head_extra=meta,
        body_class="single-post",
        main=main,
        lang=head.language,
        charset=not spec.latin1,
    )


def gallery_index_page(site: SiteStructure, n: int) -> str:
    w = site.style.words
    items = site.galleries[::-1][(n - 1) * PER_PAGE : n * PER_PAGE]
    entries = []
    for g in items:
        text = gallery_text(site.seed, site.site_no, site.language, g)
        href = site.gallery_path(g)
        entries.append(
            f'<article class="teaser gallery-teaser"><a href="{href}"><img src="{site.cdn_url}'
            f'/wp-content/uploads/galleries/{g.gallery_id}-218x150.jpg" alt=""></a>'
            f'<h2><a href="{href}">{r.esc(text.head.title)}</a></h2></article>'
        )
    prefix = site.shape.gallery_prefix

    def path_of(k: int) -> str:
        return page_path(prefix, k)

    main = (
        f'<section class="archive"><h1>{r.esc(w["galleries"])}</h1>\n'
        + "\n".join(entries)
        + f"\n{r.pagination(site.style, n, page_count(len(site.galleries)), path_of)}</section>"
    )
    return r.page(
        site.style,
        base=site.base_url,
        title=f"{w['galleries']} | {site.style.title}",
        head_extra=f'<link rel="canonical" href="{site.url(path_of(n))}">\n',
        body_class="archive galleries",
        main=main,
    )


def gallery_page(site: SiteStructure, spec: GallerySpec) -> str:
    text = gallery_text(site.seed, site.site_no, site.language, spec)
    canonical = site.url(site.gallery_path(spec))
    image = f"{site.cdn_url}/wp-content/uploads/galleries/{spec.gallery_id}-1.jpg"
    meta = r.article_meta(
        title=text.head.title,
        description=text.standfirst,
        author=text.head.author,
        canonical=canonical,
        image=image,
        published=spec.published,
        updated=None,
        tags=text.head.tags,
        site_title=site.style.title,
        language=site.language,
        kind="ImageGallery",
    )
    photos = "\n".join(
        f'<figure class="photo"><img src="{site.cdn_url}/wp-content/uploads/galleries/'
        f'{spec.gallery_id}-{i + 1}.jpg" alt=""><figcaption>{r.esc(c)}</figcaption></figure>'
        for i, c in enumerate(text.captions)
    )
    main = (
        f'<article class="gallery">\n<h1 class="entry-title">{r.esc(text.head.title)}</h1>\n'
        f'<p class="standfirst">{r.esc(text.standfirst)}</p>\n'
        f"{r.share_buttons(site.style, canonical, text.head.title)}\n"
        f'<div class="photos">\n{photos}\n</div>\n</article>'
    )
    return r.page(
        site.style,
        base=site.base_url,
        title=f"{text.head.title} | {site.style.title}",
        head_extra=meta,
        body_class="gallery",
        main=main,
    )


def not_found(site: SiteStructure) -> Response:
    """The 404 page, in the site's chrome (the dead link and unknown paths lead here)."""
    w = site.style.words
    main = f'<div class="error-404"><h1>{r.esc(w["404"])}</h1><p>{r.esc(w["404_text"])}</p></div>'
    html = r.page(
        site.style,
        base=site.base_url,
        title=f"{w['404']} | {site.style.title}",
        head_extra='<meta name="robots" content="noindex">\n',
        body_class="error404",
        main=main,
    )
    return Response(404, {"Content-Type": "text/html; charset=utf-8"}, html.encode())
