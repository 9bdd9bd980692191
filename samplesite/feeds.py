"""robots.txt, the sitemaps (an index, a Google-News sitemap, article and page sitemaps) and
the RSS feed of a sample site: the discovery paths a crawler starts from."""

from __future__ import annotations

import math
from email.utils import format_datetime

import samplesite.render as r
from samplesite.paging import newest_page
from samplesite.structure import SiteStructure

SITEMAP_CHUNK = 10_000
NEWS_SITEMAP_SIZE = 1000


def robots_txt(site: SiteStructure) -> str:
    return (
        "User-agent: *\n"
        f"Disallow: {site.shape.drafts_prefix}\n"
        "Disallow: /recherche/\n"
        "Disallow: /newsletter/\n\n"
        f"Sitemap: {site.url(site.sitemap_path)}\n"
        f"Sitemap: {site.url('/sitemap-news.xml')}\n"
    )


def chunk_count(site: SiteStructure, edition: int) -> int:
    return max(1, math.ceil(len(site.visible(edition)) / SITEMAP_CHUNK))


def sitemap_index(site: SiteStructure, edition: int) -> str:
    lastmod = site.latest(edition).isoformat()
    locs = ["/sitemap-news.xml", "/sitemap-pages.xml"] + [
        f"/sitemap-articles-{k}.xml" for k in range(1, chunk_count(site, edition) + 1)
    ]
    entries = "".join(
        f"<sitemap><loc>{site.url(p)}</loc><lastmod>{lastmod}</lastmod></sitemap>\n" for p in locs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    )


def news_sitemap(site: SiteStructure, edition: int) -> str:
    entries = []
    visible = site.visible(edition)
    for spec in visible[: -NEWS_SITEMAP_SIZE - 1 : -1]:
        head = site.head(spec)
        entries.append(
            f"<url><loc>{site.url(site.article_path(spec))}</loc>"
            f"<lastmod>{site.modified(spec, edition).isoformat()}</lastmod>"
            f"<news:news><news:publication><news:name>{r.xml_escape(site.style.title)}"
            f"</news:name><news:language>{head.language}</news:language></news:publication>"
            f"<news:publication_date>{spec.published.isoformat()}</news:publication_date>"
            f"<news:title>{r.xml_escape(head.title)}</news:title></news:news></url>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "".join(entries)
        + "</urlset>\n"
    )


def articles_sitemap(site: SiteStructure, chunk: int, edition: int) -> str:
    specs = site.visible(edition)[(chunk - 1) * SITEMAP_CHUNK : chunk * SITEMAP_CHUNK]
    entries = "".join(
        f"<url><loc>{site.url(site.article_path(a))}</loc>"
        f"<lastmod>{site.modified(a, edition).isoformat()}</lastmod></url>\n"
        for a in specs
    )
    return urlset(entries)


def pages_sitemap(site: SiteStructure, edition: int) -> str:
    latest = site.latest(edition).isoformat()
    paths = [("/", latest), (site.shape.listing_prefix, latest)]
    paths += [(site.gallery_path(g), g.published.isoformat()) for g in site.galleries]
    entries = "".join(
        f"<url><loc>{site.url(p)}</loc><lastmod>{m}</lastmod></url>\n" for p, m in paths
    )
    return urlset(entries)


def rss_feed(site: SiteStructure, edition: int) -> str:
    items = []
    for spec in newest_page(site.visible(edition), 1):
        head = site.head(spec)
        lead = site.paragraphs(spec, edition)[0]
        categories = "".join(f"<category>{r.xml_escape(t)}</category>" for t in head.tags)
        items.append(
            f"<item><title>{r.xml_escape(head.title)}</title>"
            f"<link>{r.xml_escape(site.url(site.tracked_path(spec)))}</link>"
            f'<guid isPermaLink="true">{site.url(site.article_path(spec))}</guid>'
            f"<pubDate>{format_datetime(spec.published)}</pubDate>"
            f"<dc:creator>{r.xml_escape(head.author)}</dc:creator>{categories}"
            f"<description>{r.xml_escape(r.truncate(lead, 200, '...'))}</description></item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{r.xml_escape(site.style.title)}</title><link>{site.url('/')}</link>"
        f"<description>{r.xml_escape(site.style.tagline)}</description>"
        f"<language>{site.language}</language>"
        f"<lastBuildDate>{format_datetime(site.latest(edition))}</lastBuildDate>\n"
        + "".join(items)
        + "</channel>\n</rss>\n"
    )


def urlset(entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n"
    )
