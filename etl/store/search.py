"""Reading the cleaned tables: full-text search with filters, one article in full, counts.

Pure query building plus execution on the caller's Connection. Every value a user typed
reaches PostgreSQL as a bound parameter; the SQL text itself is assembled only from fixed
fragments chosen here. Search text goes through ``websearch_to_tsquery`` (which accepts any
string, quotes, dashes and operators included) after ``pitboard_fold`` removes accents, the
same folding the stored ``search_vector`` had (revision 0004), so ``Hunaudieres`` finds
``Hunaudières`` and stemming works in French and English alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.clean.entities import canonical_names
from etl.store.fetch_failures import failure_reasons

HIGHLIGHT_START = "**"
HIGHLIGHT_STOP = "**"
FRAGMENT_DELIMITER = " … "
_HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=28, MinWords=12, "
    f'MaxFragments=2, FragmentDelimiter="{FRAGMENT_DELIMITER}"'
)
# The text-search configuration of an article, as the stored search_vector chose it.
_ROW_CONFIG = "CASE WHEN a.language = 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END"
# Written out in the WHERE clause (not read from a CTE) so the planner sees the query and
# estimates how many rows match: a rare word goes through the GIN index, a very common one
# may walk the published_at index newest first instead.
_FR_QUERY = "websearch_to_tsquery('french', pitboard_fold(:q))"
_EN_QUERY = "websearch_to_tsquery('english', pitboard_fold(:q))"
KINDS = ("article", "gallery")
LANGUAGES = ("fr", "en")


class UnknownEntity(ValueError):
    """A series or class name that is not in the gazetteer; the message lists valid ones."""


def resolve_entity(category: str, name: str) -> str:
    """The canonical ``category`` name ('series', 'classes') matching ``name`` case-insensitively.

    The entity columns hold canonical names only, so a filter on anything else would silently
    find nothing: a person is told the valid values instead.
    """
    valid = canonical_names()[category]
    wanted = " ".join(name.split()).casefold()
    for canonical in valid:
        if canonical.casefold() == wanted:
            return canonical
    raise UnknownEntity(f"unknown {category} {name!r}; valid values: {', '.join(valid)}")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search is narrowed to; ``None`` or empty means no restriction.

    ``until`` is inclusive (the whole day). ``series``/``classes`` must be canonical names
    (see ``resolve_entity``) and all of them must be present. Copies of a story
    (``duplicate_of`` set) are left out unless ``include_copies``.
    """

    site: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None
    series: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    kind: str | None = None
    limit: int = 20
    include_copies: bool = False
    # Rank only the most recent N matches (None: all). Ranking reads every match's
    # search_vector, so a word in half of 100k articles would cost a quarter second; newest
    # first is also what a news archive is searched for. Rare words are ranked exactly.
    rank_window: int | None = 500


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: what a list of results shows, with its rank and snippet."""

    id: int
    site: str
    url: str
    kind: str
    language: str | None
    title: str | None
    author: str | None
    published_at: datetime | None
    series: list[str]
    classes: list[str]
    car_numbers: list[str]
    rank: float | None
    snippet: str


def _filter_clauses(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.site:
        clauses.append("a.site = :site")
        params["site"] = filters.site
    if filters.language:
        clauses.append("a.language = :language")
        params["language"] = filters.language
    if filters.kind:
        clauses.append("a.kind = :kind")
        params["kind"] = filters.kind
    if filters.since:
        clauses.append("a.published_at >= :since")
        params["since"] = filters.since
    if filters.until:
        clauses.append("a.published_at < :until_next_day")
        params["until_next_day"] = filters.until + timedelta(days=1)
    if filters.series:
        clauses.append("a.series @> CAST(:series AS text[])")
        params["series"] = list(filters.series)
    if filters.classes:
        clauses.append("a.classes @> CAST(:classes AS text[])")
        params["classes"] = list(filters.classes)
    return clauses, params


def _match_clause(filters: SearchFilters) -> str:
    """The full-text condition for the query in ``:q``."""
    if filters.language == "fr":
        return f"a.search_vector @@ {_FR_QUERY}"
    if filters.language in LANGUAGES:
        return f"a.search_vector @@ {_EN_QUERY}"
    # One index condition, true when the text matches the query stemmed either way. Per
    # language ((language = 'fr' AND ... @@ fr) OR (...)) every match was re-checked against
    # its stored search_vector, read from TOAST: 90 ms for a two-word query matching 14% of
    # 100k articles, against 20 ms now. When both parses agree (names, most words) the query
    # is used once: 'x' | 'x' doubled the planner's estimate of the matches.
    return (
        f"a.search_vector @@ (CASE WHEN {_FR_QUERY} = {_EN_QUERY} THEN {_FR_QUERY} "
        f"ELSE {_FR_QUERY} || {_EN_QUERY} END)"
    )


def _source(filters: SearchFilters) -> str:
    return "articles" if filters.include_copies else "current_articles"


def build_estimate_sql(
    query: str, filters: SearchFilters, *, with_filters: bool = True
) -> tuple[str, dict[str, Any]]:
    """EXPLAIN of the matching step alone: the planner's count of matches, at planning cost.

    ``with_filters=False`` counts the articles matching the words whatever the filters: the
    rows the GIN index hands over before filters apply.
    """
    clauses, params = _filter_clauses(filters) if with_filters else ([], {})
    params["q"] = query
    where = " AND ".join([_match_clause(filters), *clauses])
    return f"EXPLAIN (FORMAT JSON) SELECT a.id FROM {_source(filters)} a WHERE {where}", params


# Collecting the newest matches by walking the published_at index costs about three times
# more per row examined than collecting matches through the GIN index (each row walked has
# its search_vector read from TOAST and tested; measured with bench/query.py). The walk
# examines window / selectivity-with-filters rows; the GIN path fetches every article that
# has the words, filters or not. So the walk wins when
#   matches (with filters) * word matches > WALK_COST_RATIO * window * total,
# e.g. above 12% of 100k articles for a window of 500 and no filter. PostgreSQL's own choice
# ignores the TOAST reads and walked for words in 7% of the articles, taking 2-3x longer.
WALK_COST_RATIO = 3.0


def prefer_newest_walk(matches: float, word_matches: float, total: float, window: int) -> bool:
    """Whether collecting ``window`` newest matches should walk the published_at index."""
    if total <= 0 or matches <= 0:
        return True  # no statistics: leave the choice to the planner
    return matches * max(matches, word_matches) > WALK_COST_RATIO * window * total


def build_search_sql(
    query: str, filters: SearchFilters, *, newest_walk: bool = True
) -> tuple[str, dict[str, Any]]:
    """The search statement and its parameters (exposed so EXPLAIN and tests can see it).

    The query is parsed twice, with the French and with the English configuration. Without
    a language filter an article matches either parse (one GIN condition: the other
    language's stems only match the same words), and is ranked and highlighted with the
    parse of its own language. The ``rank_window`` most recent matches are ranked; snippets
    are computed for the returned rows only. ``newest_walk=False`` orders the matches in a
    way no index provides, so they are collected through the GIN index and sorted (see
    :func:`prefer_newest_walk`).
    """
    source = _source(filters)
    clauses, params = _filter_clauses(filters)
    params["limit"] = max(1, int(filters.limit))
    if not query.strip():
        where = " AND ".join(clauses) or "TRUE"
        sql = f"""
            SELECT a.id, a.site, a.url, a.kind, a.language, a.title, a.author,
                   a.published_at, a.series, a.classes, a.car_numbers,
                   NULL::real AS rank, left(a.text, 200) AS headline, NULL AS folded
            FROM {source} a
            WHERE {where}
            ORDER BY a.published_at DESC NULLS LAST, a.id DESC
            LIMIT :limit"""
        return sql, params
    params["q"] = query
    where = " AND ".join([_match_clause(filters), *clauses])
    row_query = "CASE WHEN a.language = 'fr' THEN q.fr ELSE q.en END"
    window = ""
    if filters.rank_window is not None:
        window = "LIMIT :rank_window"
        params["rank_window"] = max(int(filters.rank_window), params["limit"])
    # The same order either way (undated first, as the published_at index read backwards
    # gives it); written with a leading expression, no index can provide it.
    newest_first = "a.published_at DESC, a.id DESC"
    if not newest_walk:
        newest_first = "(a.published_at IS NULL) DESC, " + newest_first
    sql = f"""
        WITH q AS (SELECT {_FR_QUERY} AS fr, {_EN_QUERY} AS en),
        matches AS MATERIALIZED (
            SELECT a.id
            FROM {source} a
            WHERE {where}
            ORDER BY {newest_first}
            {window}
        ), hits AS (
            SELECT a.id, a.site, a.url, a.kind, a.language, a.title, a.author,
                   a.published_at, a.series, a.classes, a.car_numbers, a.text,
                   ts_rank_cd(a.search_vector, {row_query}, 1) AS rank,
                   {row_query} AS tsq
            FROM articles a JOIN matches m ON m.id = a.id, q
            ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id DESC
            LIMIT :limit
        )
        SELECT h.id, h.site, h.url, h.kind, h.language, h.title, h.author, h.published_at,
               h.series, h.classes, h.car_numbers, h.rank,
               ts_headline({_ROW_CONFIG.replace("a.", "h.")}, f.folded, h.tsq,
                           :headline_options) AS headline,
               f.folded,
               h.text
        FROM hits h, LATERAL (SELECT pitboard_fold(h.text) AS folded) f
        ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id DESC"""
    params["headline_options"] = _HEADLINE_OPTIONS
    return sql, params


def restore_accents(headline: str, folded: str, original: str) -> str:
    """Put the original (accented) letters back into a snippet cut from the folded text.

    On NFC text ``pitboard_fold`` replaces one character by one character, so a fragment
    found at an offset of the folded text has its original at the same offset. When lengths
    differ (decomposed input) or a fragment is not found, the folded fragment is kept.
    """
    pieces = []
    for fragment in headline.split(FRAGMENT_DELIMITER):
        parts = re.split(f"({re.escape(HIGHLIGHT_START)}|{re.escape(HIGHLIGHT_STOP)})", fragment)
        plain = "".join(p for i, p in enumerate(parts) if i % 2 == 0)
        offset = folded.find(plain)
        if offset < 0 or len(folded) != len(original):
            pieces.append(fragment)
            continue
        rebuilt, at = [], offset
        for i, part in enumerate(parts):
            if i % 2:
                rebuilt.append(part)
            else:
                rebuilt.append(original[at : at + len(part)])
                at += len(part)
        pieces.append("".join(rebuilt))
    return FRAGMENT_DELIMITER.join(pieces)


def _rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[Any]:
    return list(conn.execute(text(sql), dict(params)).mappings())


def search(conn: Connection, query: str, filters: SearchFilters | None = None) -> list[SearchHit]:
    """Articles matching ``query`` (any text; empty: filters only, newest first), best first.

    A query made only of stop words or punctuation matches nothing and returns ``[]``. JIT is
    turned off for the rest of the caller's transaction: a search runs in milliseconds, but on
    a large table its cost estimate passes the JIT threshold and compiling took longer than
    running (100-200 ms).
    """
    conn.execute(text("SET LOCAL jit = off"))
    sql, params = search_statement(conn, query, filters or SearchFilters())
    hits = []
    for row in _rows(conn, sql, params):
        snippet = row["headline"] or ""
        if row["folded"] is not None:
            snippet = restore_accents(snippet, row["folded"], row["text"])
        hits.append(
            SearchHit(
                id=row["id"],
                site=row["site"],
                url=row["url"],
                kind=row["kind"],
                language=row["language"],
                title=row["title"],
                author=row["author"],
                published_at=row["published_at"],
                series=list(row["series"]),
                classes=list(row["classes"]),
                car_numbers=list(row["car_numbers"]),
                rank=None if row["rank"] is None else round(float(row["rank"]), 4),
                snippet=" ".join(snippet.split()),
            )
        )
    return hits


def search_statement(
    conn: Connection, query: str, filters: SearchFilters
) -> tuple[str, dict[str, Any]]:
    """The statement :func:`search` runs, with the plan choice made from the planner's
    estimates (see :func:`prefer_newest_walk`)."""
    newest_walk = True
    if query.strip() and filters.rank_window is not None:
        matches, word_matches, total = _estimated_matches(conn, query, filters)
        window = max(filters.rank_window, filters.limit)
        newest_walk = prefer_newest_walk(matches, word_matches, total, window)
    return build_search_sql(query, filters, newest_walk=newest_walk)


def _estimated_matches(
    conn: Connection, query: str, filters: SearchFilters
) -> tuple[float, float, float]:
    """(matches the planner expects with the filters, without them, rows in articles)."""
    estimates = []
    for with_filters in (True, False):
        sql, params = build_estimate_sql(query, filters, with_filters=with_filters)
        plan = conn.execute(text(sql), params).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimates.append(float(plan[0]["Plan"]["Plan Rows"]))
    total = conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'articles'::regclass")
    ).scalar_one()
    return estimates[0], estimates[1], float(total)


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """One article in full, with where else its story appears and how its text changed.

    ``original`` is the story this row copies (if it is a copy); ``copies`` the rows that copy
    this one; ``urls`` every URL it was seen under; ``versions`` its earlier texts, oldest first.
    """

    article: dict[str, Any]
    original: dict[str, Any] | None
    copies: list[dict[str, Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)


_ARTICLE_COLUMNS = (
    "id, site, url, kind, title, author, published_at, modified_at, language, image, tags, "
    "place, series, classes, manufacturers, car_numbers, duplicate_of, first_seen_at, "
    "last_changed_at, text"
)
_SUMMARY_COLUMNS = "id, site, url, title, published_at, language"


def show(conn: Connection, article_id: int) -> ArticleDetail | None:
    """The article with id ``article_id``, or None when there is none."""
    params = {"id": int(article_id)}
    rows = _rows(conn, f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = :id", params)
    if not rows:
        return None
    article = dict(rows[0])
    original = None
    if article["duplicate_of"] is not None:
        found = _rows(
            conn,
            f"SELECT {_SUMMARY_COLUMNS} FROM articles WHERE id = :id",
            {"id": article["duplicate_of"]},
        )
        original = dict(found[0]) if found else None
    copies = _rows(
        conn,
        f"SELECT {_SUMMARY_COLUMNS} FROM articles WHERE duplicate_of = :id "
        "ORDER BY published_at NULLS LAST, id",
        params,
    )
    urls = _rows(conn, "SELECT url FROM article_urls WHERE article_id = :id ORDER BY url", params)
    versions = _rows(
        conn,
        "SELECT version, title, valid_from, valid_until, text FROM article_versions "
        "WHERE article_id = :id ORDER BY version",
        params,
    )
    return ArticleDetail(
        article=article,
        original=original,
        copies=[dict(r) for r in copies],
        urls=[r["url"] for r in urls],
        versions=[dict(r) for r in versions],
    )


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts over the stored articles and the last crawl of each site.

    Counts are over every stored row (copies included); ``duplicates`` is how many rows are
    copies of another story and ``stories`` how many are not.
    """

    total: int
    stories: int
    duplicates: int
    per_site: list[tuple[str, int]]
    per_kind: list[tuple[str, int]]
    per_language: list[tuple[str, int]]
    per_month: list[tuple[str, int]]
    last_runs: list[dict[str, Any]]
    # (site, reason, pages) of the pages the crawl cannot fetch now (etl.store.fetch_failures)
    fetch_failures: list[tuple[str, str, int]] = field(default_factory=list)


def _pairs(conn: Connection, sql: str) -> list[tuple[str, int]]:
    return [(str(r["key"]), int(r["n"])) for r in _rows(conn, sql, {})]


def stats(conn: Connection) -> Stats:
    """What the database holds, for ``pitboard stats``."""
    totals = _rows(
        conn,
        "SELECT count(*) AS total, count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS dups "
        "FROM articles",
        {},
    )[0]
    grouped = "SELECT coalesce({col}, '(unknown)') AS key, count(*) AS n FROM articles "
    return Stats(
        total=int(totals["total"]),
        stories=int(totals["total"]) - int(totals["dups"]),
        duplicates=int(totals["dups"]),
        per_site=_pairs(conn, grouped.format(col="site") + "GROUP BY 1 ORDER BY 1"),
        per_kind=_pairs(conn, grouped.format(col="kind") + "GROUP BY 1 ORDER BY 1"),
        per_language=_pairs(conn, grouped.format(col="language") + "GROUP BY 1 ORDER BY 1"),
        per_month=_pairs(
            conn,
            grouped.format(col="to_char(published_at, 'YYYY-MM')") + "GROUP BY 1 ORDER BY 1",
        ),
        last_runs=[
            dict(r)
            for r in _rows(
                conn,
                # A run still 'running' whose site's lease nobody holds has died: shown as
                # interrupted (its site's next run records it so, etl.store.runs).
                "SELECT DISTINCT ON (r.site) r.site, CASE WHEN r.status = 'running' "
                "AND NOT EXISTS (SELECT 1 FROM site_leases l WHERE l.site = r.site "
                "AND l.expires_at > now()) THEN 'interrupted' ELSE r.status END AS status, "
                "r.started_at, r.finished_at, r.fetched, r.cleaned, r.new, r.updated, "
                "r.duplicates, r.failed, CASE WHEN r.status = 'running' AND NOT EXISTS "
                "(SELECT 1 FROM site_leases l WHERE l.site = r.site AND l.expires_at > now()) "
                "THEN 'its process stopped without recording the end' ELSE r.error END AS error "
                "FROM crawl_runs r ORDER BY r.site, r.started_at DESC",
                {},
            )
        ],
        fetch_failures=failure_reasons(conn),
    )


def build_ilike_sql(words: Sequence[str], filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    """The naive scan a full-text search replaces (for bench/query.py): every word, as a
    substring of the title or text, case-insensitive."""
    clauses, params = _filter_clauses(filters)
    for i, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"w{i}"] = f"%{escaped}%"
        clauses.append(f"(a.title ILIKE :w{i} OR a.text ILIKE :w{i})")
    params["limit"] = max(1, int(filters.limit))
    source = "articles" if filters.include_copies else "current_articles"
    sql = (
        "SELECT a.id, a.title FROM "
        + source
        + " a WHERE "
        + (" AND ".join(clauses) or "TRUE")
        + " ORDER BY a.published_at DESC NULLS LAST LIMIT :limit"
    )
    return sql, params
