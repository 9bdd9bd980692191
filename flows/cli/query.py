"""``pitboard search``, ``pitboard show`` and ``pitboard stats``: the cleaned tables from a shell.

The queries live in ``etl.store.search``; this module only parses arguments and formats results, as
an aligned table for a person or as JSON lines / CSV for a script.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flows.cli.arguments import check_sites
from flows.cli.common import UsageError, open_engine

if TYPE_CHECKING:
    from etl.store.search import ArticleDetail, SearchHit, Stats
    from flows.cli.common import Subparsers

FORMATS = ("table", "jsonl", "csv")
CSV_COLUMNS = (
    "id",
    "published_at",
    "site",
    "language",
    "kind",
    "rank",
    "title",
    "url",
    "series",
    "classes",
    "car_numbers",
    "snippet",
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    p = sub.add_parser(
        "search",
        help="full-text search of the cleaned articles, with filters",
        description="Words are matched in French and English with stemming and without "
        'accents; "quoted phrases", OR and -excluded words work as in a web search engine. '
        "With no QUERY, the newest articles matching the filters are listed.",
    )
    p.add_argument("query", nargs="?", default="", metavar="QUERY")
    p.add_argument("--site", help="only this site (see `pitboard sites`)")
    p.add_argument("--lang", choices=("fr", "en"), help="only articles in this language")
    p.add_argument("--since", type=_day, help="published on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", type=_day, help="published on or before this day (YYYY-MM-DD)")
    p.add_argument("--series", action="append", default=[], help="e.g. WEC (repeatable: all)")
    p.add_argument(
        "--class", dest="classes", action="append", default=[], help="e.g. LMP2 (repeatable: all)"
    )
    p.add_argument("--kind", choices=("article", "gallery"), help="articles or galleries only")
    p.add_argument("--limit", type=_positive, default=20, help="at most N results (20)")
    p.add_argument(
        "--include-copies", action="store_true", help="also list republished copies of stories"
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (table)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help="one article with its metadata, copies, URLs and versions")
    p.add_argument(
        "article_id", type=int, metavar="ID", help="an article's id (the first column of search)"
    )
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("stats", help="counts per site, kind, language and month; last crawls")
    p.set_defaults(func=cmd_stats)


def cmd_search(args: argparse.Namespace) -> int:
    from etl.store.search import SearchFilters, UnknownEntity, resolve_entity, search

    if args.site:
        check_sites([args.site])
    try:
        series = tuple(resolve_entity("series", name) for name in args.series)
        classes = tuple(resolve_entity("classes", name) for name in args.classes)
    except UnknownEntity as exc:
        raise UsageError(str(exc)) from None
    filters = SearchFilters(
        site=args.site,
        language=args.lang,
        since=args.since,
        until=args.until,
        series=series,
        classes=classes,
        kind=args.kind,
        limit=args.limit,
        include_copies=args.include_copies,
    )
    with open_engine(args).begin() as conn:
        hits = search(conn, args.query, filters)
    if args.format == "jsonl":
        for hit in hits:
            print(json.dumps(asdict(hit), default=_json_value, ensure_ascii=False))
    elif args.format == "csv":
        write_csv(hits, sys.stdout)
    elif not hits:
        print("no results")
    else:
        print(format_hits(hits))
    return 0


def _json_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_csv(hits: Sequence[SearchHit], out: Any) -> None:
    """Results as CSV with a header row; list columns joined by ``|``."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        row = asdict(hit)
        writer.writerow(
            [
                "|".join(row[c])
                if isinstance(row[c], list)
                else (row[c].isoformat() if isinstance(row[c], datetime) else row[c])
                for c in CSV_COLUMNS
            ]
        )


def _width() -> int:
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(0, width - 1)] + "…"


def format_hits(hits: Sequence[SearchHit]) -> str:
    """Results as an aligned table, each followed by its highlighted snippet, indented."""
    width = _width()
    rows = [
        (
            str(h.id),
            h.published_at.date().isoformat() if h.published_at else "-",
            h.site,
            h.language or "-",
            "-" if h.rank is None else f"{h.rank:.3f}",
            h.title or "(no title)",
        )
        for h in hits
    ]
    header = ("id", "published", "site", "lang", "rank", "title")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    lines = []
    prefix_width = sum(widths) + 2 * 5
    for i, row in enumerate([header, *rows]):
        cells = [value.ljust(w) for value, w in zip(row[:5], widths, strict=True)]
        lines.append("  ".join([*cells, _clip(row[5], width - prefix_width)]).rstrip())
        if i and hits[i - 1].snippet:
            for line in textwrap.wrap(hits[i - 1].snippet, width - 6, max_lines=2):
                lines.append("      " + line)
    lines.append(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    from etl.store.search import show

    with open_engine(args).connect() as conn:
        detail = show(conn, args.article_id)
    if detail is None:
        raise UsageError(
            f"no article with id {args.article_id} (`pitboard search` lists ids, first column)"
        )
    print(format_detail(detail))
    return 0


def _summary(row: dict[str, Any]) -> str:
    when = row["published_at"].date().isoformat() if row.get("published_at") else "-"
    return (
        f"#{row['id']}  {when}  {row['site']}  {row.get('title') or '(no title)'}\n    {row['url']}"
    )


def format_detail(detail: ArticleDetail) -> str:
    """One article as a person reads it: metadata, text, then copies, URLs and versions."""
    a = detail.article
    fields = [
        ("id", a["id"]),
        ("title", a["title"]),
        ("site", a["site"]),
        ("url", a["url"]),
        ("kind", a["kind"]),
        ("language", a["language"]),
        ("author", a["author"]),
        ("place", a["place"]),
        ("published", a["published_at"]),
        ("modified", a["modified_at"]),
        ("first seen", a["first_seen_at"]),
        ("last changed", a["last_changed_at"]),
        ("series", ", ".join(a["series"])),
        ("classes", ", ".join(a["classes"])),
        ("manufacturers", ", ".join(a["manufacturers"])),
        ("car numbers", ", ".join(a["car_numbers"])),
        ("tags", ", ".join(a["tags"] or [])),
    ]
    lines = [f"{name + ':':<15}{value}" for name, value in fields if value not in (None, "")]
    width = min(_width(), 100)
    lines.append("")
    for paragraph in a["text"].split("\n"):
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    lines.append("")
    if detail.original:
        lines.append("copy of:")
        lines.append("  " + _summary(detail.original).replace("\n", "\n  "))
    lines.append(f"copies: {len(detail.copies)}")
    lines.extend("  " + _summary(c).replace("\n", "\n  ") for c in detail.copies)
    lines.append(f"urls: {len(detail.urls)}")
    lines.extend(f"  {url}" for url in detail.urls)
    lines.append(f"earlier versions: {len(detail.versions)}")
    for v in detail.versions:
        lines.append(
            f"  v{v['version']}  {v['valid_from']:%Y-%m-%d %H:%M} -> "
            f"{v['valid_until']:%Y-%m-%d %H:%M}  {v['title'] or '(no title)'}  "
            f"({len(v['text'])} characters)"
        )
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    from etl.store.search import stats

    with open_engine(args).connect() as conn:
        print(format_stats(stats(conn)))
    return 0


def _table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    body = [tuple("-" if v is None else str(v) for v in row) for row in rows]
    if not body:
        return [f"{title}: none"]
    widths = [max(len(r[i]) for r in [tuple(header), *body]) for i in range(len(header))]
    lines = [title]
    for row in [tuple(header), *body]:
        lines.append(
            "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        )
    return lines


def format_stats(s: Stats) -> str:
    """The counts as small aligned tables."""
    lines = [
        f"articles: {s.total} stored: {s.stories} stories, {s.duplicates} republished copies "
        "(duplicate_of set; a run's duplicates also count exact copies, stored once)",
        "",
    ]
    for title, key, pairs in (
        ("per site", "site", s.per_site),
        ("per kind", "kind", s.per_kind),
        ("per language", "language", s.per_language),
        ("per month published", "month", s.per_month),
    ):
        lines += [*_table(title, (key, "articles"), pairs), ""]
    columns = ("site", "status", "started_at", "fetched", "new", "updated", "duplicates", "failed")
    lines += _table(
        "last crawl per site",
        columns,
        (
            [f"{r[c]:%Y-%m-%d %H:%M}" if isinstance(r[c], datetime) else r[c] for c in columns]
            for r in s.last_runs
        ),
    )
    lines += [
        "",
        *_table("pages that could not be fetched", ("site", "reason", "pages"), s.fetch_failures),
    ]
    return "\n".join(lines)
