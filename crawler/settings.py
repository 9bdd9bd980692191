"""Scrapy settings for Pitboard's crawler: polite, bounded, and storing into PostgreSQL.

Every value can be overridden per run (``scrapy crawl NAME -s SETTING=value``); the Pitboard
ones at the end are read by the raw-page pipeline and the conditional-request middleware.
Per-site politeness overrides live in the site descriptions (``crawler/sites.py``).
"""

from etl.store.settings import load_settings

# Read once: Scrapy imports this module when the crawl starts, and keeps what it finds.
_environment = load_settings()

BOT_NAME = "pitboard"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent that says who we are and where to complain (PITBOARD_USER_AGENT).
USER_AGENT = _environment.user_agent
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts the delay to each server's latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# What a response's callback yields (its page and ~35 link requests) is processed by this many
# asyncio tasks, started for every response: Scrapy's 100 cost 5.1 CPU s per 1,000 responses
# against 3.8 with 16 on a 2,000-article sample site, and 4 saved nothing more.
CONCURRENT_ITEMS = 16

# Bounds: no page is worth more than 10 MB, no server more than 30 s per answer.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
# A 429 or 503 saying Retry-After is retried after that long, up to PITBOARD_RETRY_AFTER_MAX
# seconds (env, default 60); a longer pause is not retried in this run (crawler.retry_after).
PITBOARD_RETRY_AFTER_MAX = _environment.retry_after_max
# Links followed from a start page, sitemap or feed (PITBOARD_DEPTH_LIMIT, default 10; 0: none),
# and responses a crawl stops at (PITBOARD_MAX_PAGES, default 1000; 0: none). A site's
# description may set its own (``depth_limit``, ``max_pages``); ``-a max_pages=N`` wins.
DEPTH_LIMIT = _environment.depth_limit
PITBOARD_MAX_PAGES = _environment.max_pages

# Raw pages must be what the site sent now, not what a cache kept.
HTTPCACHE_ENABLED = False
# Scrapy 2.19's RemoteControl serves a code-running endpoint on 127.0.0.1: never wanted here.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False

# One page, one fetch: the spider canonicalises request URLs and the duplicate filter compares
# URL identities (trailing slash ignored).
REQUEST_FINGERPRINTER_CLASS = "crawler.middlewares.UrlIdentityFingerprinter"
EXTENSIONS = {
    "crawler.extensions.StatsFile": 0,
    # Stops the crawl when the process that started it dies (PITBOARD_PARENT_PID, set by it).
    "crawler.extensions.ParentWatch": 0,
    # AutoThrottle, except that a 304 may lower the delay as a 200 does (crawler/throttle.py).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.RevalidationAwareThrottle": 0,
}
# Where the StatsFile extension writes the crawl's stats as JSON (set by the flow).
PITBOARD_STATS_FILE = ""
# The pid of the process that started the crawl (flows.spider_process); 0: not watched.
PITBOARD_PARENT_PID = 0

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.OnSiteOnlyMiddleware": 50,
    # Scrapy's retries, waiting as long as a 429/503's Retry-After asks (up to the cap).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry_after.RetryAfterMiddleware": 550,
    # Sees a redirect before RedirectMiddleware (600) follows it.
    "crawler.middlewares.RedirectLoopMiddleware": 610,
    "crawler.middlewares.ConditionalRequestMiddleware": 650,
}
ITEM_PIPELINES = {
    "crawler.pipelines.RawPagePipeline": 300,
}

DEPTH_PRIORITY = 0
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- Pitboard ----------------------------------------------------------------------------------
# Where raw pages go: a SQLAlchemy URL (psycopg2); unset means the embedded PostgreSQL.
PITBOARD_DATABASE_URL = _environment.database_url
# The pipeline writes a batch every N pages or every S seconds, whichever comes first.
PITBOARD_BATCH_SIZE = 100
PITBOARD_FLUSH_SECONDS = 5.0
# The batches are written by a thread of the pipeline's own; when this many filled batches wait
# for it, the crawl waits too.
PITBOARD_QUEUED_BATCHES = 2
# How long a batch write waits for a database that does not answer (restarting) before the
# crawl stops with pitboard_storage_failed.
PITBOARD_DATABASE_PATIENCE = 30.0
# Incremental crawls: revalidate stored pages (If-None-Match / If-Modified-Since) and skip
# stored articles whose sitemap lastmod is not newer than the stored copy. The store is a class
# built as Store(database_url) with the PageStore interface (crawler.middlewares).
PITBOARD_CONDITIONAL_REQUESTS = True
PITBOARD_PAGE_STORE = "crawler.middlewares.RawPagesStore"

# --- Shared frontier (PITBOARD_REDIS_URL) -------------------------------------------------------
# With a Redis URL, every spider process of a site takes its requests from one Redis queue and
# one set of seen requests (crawler/shared_frontier.py, scrapy-redis), and closes when that queue
# has stayed empty for PITBOARD_REDIS_IDLE_SECONDS. Without it Scrapy's own scheduler is used and
# neither Redis nor scrapy-redis is imported.
if _environment.redis_url:
    SCHEDULER = "crawler.shared_frontier.SharedScheduler"
    DUPEFILTER_CLASS = "crawler.shared_frontier.SharedDupeFilter"
    REDIS_URL = _environment.redis_url
# Keys PREFIX:SITE:requests, :dupefilter and :workers; workers with the same prefix share a crawl.
PITBOARD_REDIS_KEY_PREFIX = "pitboard"
PITBOARD_REDIS_IDLE_SECONDS = 30.0
