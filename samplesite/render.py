"""HTML and XML markup of the sample sites: page chrome, teasers, widgets, sitemaps, feed.

Functions of plain values returning strings, so that the site module decides what is on a page
and this module only decides how it looks. The chrome (cookie banner, menu, share buttons,
newsletter box, footer) is the noise the cleaning stage must remove; it is identical on every
page of a site so that repeated boilerplate looks as it does on real sites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from samplesite.shapes import SITEMAP_PATH, SiteShape, tag_path
from samplesite.vocabulary import TEXTS


@dataclass(frozen=True, slots=True)
class Style:
    """What differs between the sample sites besides their content: URL shapes, words, habits."""

    shape: SiteShape
    title: str
    tagline: str
    timezone: str
    about_path: str
    dead_path: str
    ellipsis: str
    words: dict[str, str]


def esc(text: str) -> str:
    return escape(text, quote=False)


def attr(text: str) -> str:
    return escape(text, quote=True)


def human_date(style: Style, when: datetime) -> str:
    months = TEXTS[style.shape.language]["months"]
    if style.shape.language == "fr":
        return f"{when.day} {months[when.month - 1]} {when.year} à {when.hour}h{when.minute:02d}"
    hour = when.hour % 12 or 12
    return f"{months[when.month - 1]} {when.day}, {when.year} {hour}:{when.minute:02d} " + (
        "pm" if when.hour >= 12 else "am"
    )


def truncate(text: str, limit: int, ellipsis: str) -> str:
    """Cut at a word boundary before ``limit`` and mark the cut, as teaser widgets do."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + ellipsis


def page(
    style: Style,
    *,
    base: str,
    title: str,
    head_extra: str,
    body_class: str,
    main: str,
    lang: str | None = None,
    charset: bool = True,
) -> str:
    """A whole HTML document: head, cookie banner, header and menu, main, newsletter, footer."""
    w = style.words
    meta_charset = '<meta charset="utf-8">\n' if charset else ""
    menu = "".join(
        f'<li><a href="{href}">{esc(label)}</a></li>'
        for href, label in (
            ("/", w["home"]),
            (style.shape.listing_prefix, w["news"]),
            (tag_path("wec"), "WEC"),
            (tag_path("elms"), "ELMS"),
            (tag_path("imsa"), "IMSA"),
            (style.shape.gallery_prefix, w["galleries"]),
            (style.about_path, w["about"]),
        )
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang or style.shape.language}">\n<head>\n{meta_charset}'
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="stylesheet" href="/static/site.css">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{attr(style.title)}" '
        f'href="{base}{style.shape.feed_path}">\n{head_extra}</head>\n'
        f'<body class="{body_class}">\n'
        f'<div id="cookie-banner" class="cookie-consent" role="dialog"><p>{esc(w["cookies"])}</p>'
        f'<button class="accept">{esc(w["accept"])}</button>'
        f'<button class="settings">{esc(w["settings"])}</button></div>\n'
        f'<header class="site-header"><a class="logo" href="/">{esc(style.title)}</a>'
        f'<p class="tagline">{esc(style.tagline)}</p>\n'
        f'<nav class="main-menu"><ul>{menu}</ul></nav>\n'
        f'<form class="search" action="/recherche/"><input type="search" name="q" '
        f'placeholder="{attr(w["search"])}"></form></header>\n'
        f'<main id="content">\n{main}\n</main>\n'
        f'<aside class="newsletter"><h3>Newsletter</h3><p>{esc(w["newsletter"])}</p>'
        f'<form action="/newsletter/"><input type="email" name="email" placeholder="e-mail">'
        f"<button>{esc(w['subscribe'])}</button></form></aside>\n"
        f'<footer class="site-footer"><ul><li><a href="{style.about_path}">{esc(w["legal"])}</a>'
        f'</li><li><a href="{style.shape.feed_path}">RSS</a></li>'
        f'<li><a href="{SITEMAP_PATH}">Sitemap</a>'
        f"</li></ul><p>© 2016-2026 {esc(style.title)} - {esc(w['rights'])}</p></footer>\n"
        "</body>\n</html>\n"
    )


def share_buttons(style: Style, url: str, title: str) -> str:
    u, t = quote(url, safe=""), quote(title, safe="")
    return (
        f'<div class="share-buttons"><span>{esc(style.words["share"])}</span> '
        f'<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={u}">'
        f'Facebook</a> <a class="share-x" href="https://twitter.com/intent/tweet?url={u}&amp;'
        f'text={t}">X</a> <a class="share-linkedin" href="https://www.linkedin.com/sharing/'
        f'share-offsite/?url={u}">LinkedIn</a> <a class="share-mail" href="mailto:?subject={t}'
        f'&amp;body={u}">E-mail</a></div>'
    )


def teaser(href: str, image: str, title: str, shown_title: str, excerpt: str) -> str:
    """One listing entry: thumbnail on the CDN host, cut title, cut excerpt."""
    return (
        f'<article class="teaser"><a class="thumb" href="{attr(href)}"><img src="{attr(image)}" '
        f'alt="{attr(title)}" width="218" height="150"></a>\n'
        f'<h2 class="teaser-title"><a href="{attr(href)}">{esc(shown_title)}</a></h2>\n'
        f'<p class="teaser-excerpt">{esc(excerpt)}</p></article>'
    )


def related_widget(
    label: str, links: list[tuple[str, str]], inline: bool = False, excerpts: list[str] = ()
) -> str:
    """Related-articles box. ``inline`` is the older theme's markup: plain paragraphs inside
    the body, which extractors keep unless a rule removes them (the seed's ``Lire aussi:``);
    its teasers carry an excerpt cut with an ellipsis, a fragment that must not survive
    cleaning."""
    if inline:
        items = "".join(
            f'<p class="related-link"><a href="{attr(h)}">{esc(t)}</a><br>{esc(e)}</p>'
            for (h, t), e in zip(links, excerpts, strict=True)
        )
        return f"<p><strong>{esc(label)}</strong></p>\n{items}"
    items = "".join(f'<li><a href="{attr(h)}">{esc(t)}</a></li>' for h, t in links)
    return (
        f'<aside class="related-posts"><p class="related-label">{esc(label)}</p>'
        f"<ul>{items}</ul></aside>"
    )


def gallery_embed(href: str, image: str, caption: str, inline: bool = False) -> str:
    """Gallery embed with its caption; ``inline``: the caption is a plain paragraph (old theme)."""
    if inline:
        return (
            f'<div class="wp-caption"><a href="{attr(href)}"><img src="{attr(image)}" alt="" '
            f'width="640" height="360"></a></div>\n<p>{esc(caption)}</p>'
        )
    return (
        f'<figure class="wp-block-gallery gallery-embed"><a href="{attr(href)}">'
        f'<img src="{attr(image)}" alt="" width="640" height="360"></a>'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def pagination(style: Style, page_no: int, last: int, path_of) -> str:
    """Previous / numbered / next links; ``path_of(n)`` gives page n's path."""
    if last <= 1:
        return ""
    w = style.words
    parts = []
    if page_no > 1:
        parts.append(
            f'<a class="prev" rel="prev" href="{path_of(page_no - 1)}">{esc(w["prev"])}</a>'
        )
    for n in sorted({1, page_no - 1, page_no, page_no + 1, last}):
        if 1 <= n <= last:
            if n == page_no:
                parts.append(f'<span class="current">{n}</span>')
            else:
                parts.append(f'<a class="page-numbers" href="{path_of(n)}">{n}</a>')
    if page_no < last:
        parts.append(
            f'<a class="next" rel="next" href="{path_of(page_no + 1)}">{esc(w["next"])}</a>'
        )
    return '<nav class="pagination">' + " ".join(parts) + "</nav>"


def article_meta(
    *,
    title: str,
    description: str,
    author: str,
    canonical: str,
    image: str,
    published: datetime,
    updated: datetime | None,
    tags: tuple[str, ...],
    site_title: str,
    language: str,
    kind: str = "NewsArticle",
) -> str:
    """Open Graph, article:* meta, canonical link and JSON-LD, as news CMSs emit them."""
    modified = updated or published
    ld = {
        "@context": "https://schema.org",
        "@type": kind,
        "headline": title,
        "description": description,
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": site_title},
        "image": [image],
        "mainEntityOfPage": canonical,
        "inLanguage": language,
        "keywords": list(tags),
    }
    ld_text = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    lines = [
        f'<meta name="description" content="{attr(description)}">',
        f'<meta name="author" content="{attr(author)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(title)}">',
        f'<meta property="og:description" content="{attr(description)}">',
        f'<meta property="og:image" content="{attr(image)}">',
        f'<meta property="og:url" content="{attr(canonical)}">',
        f'<meta property="og:site_name" content="{attr(site_title)}">',
        f'<meta property="article:published_time" content="{published.isoformat()}">',
    ]
    if updated is not None:
        lines.append(f'<meta property="article:modified_time" content="{updated.isoformat()}">')
    lines += [f'<meta property="article:tag" content="{attr(t)}">' for t in tags]
    lines.append(f'<link rel="canonical" href="{attr(canonical)}">')
    lines.append(f'<script type="application/ld+json">{ld_text}</script>')
    return "\n".join(lines) + "\n"


def xml_escape(text: str) -> str:
    return escape(text, quote=False)
