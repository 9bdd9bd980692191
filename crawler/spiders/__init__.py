"""One spider class per described site, generated from ``crawler.registry.all_sites()``.

Scrapy's spider loader finds classes defined in this package, so ``scrapy list`` shows every
site and ``scrapy crawl NAME`` runs one. There is nothing to write here to add a site: describe
it in a site file (``pitboard sites add URL`` writes one under ``$PITBOARD_HOME/sites.d/``).
"""

from crawler.registry import all_sites
from crawler.spiders.site_spider import SiteSpider, spider_class_for

SPIDERS: dict[str, type[SiteSpider]] = {
    name: spider_class_for(site, module=__name__) for name, site in all_sites().items()
}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})

__all__ = ["SPIDERS", "SiteSpider", *(cls.__name__ for cls in SPIDERS.values())]
