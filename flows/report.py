"""Plain-text summaries of runs, for the terminal."""

from __future__ import annotations


def format_clean_summary(summary: dict[str, object]) -> str:
    """One line saying what a cleaning run did."""
    kinds_of = summary.get("kinds") or {}
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(dict(kinds_of).items()))  # type: ignore[call-overload]
    return (
        f"cleaned {summary['pages']} pages in {summary['seconds']}s ({kinds or 'none'}); "
        f"articles: {summary['new']} new, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['duplicates']} duplicates; "
        f"{summary['failed']} failed"
    )


def format_site_rows(rows: list[dict[str, object]]) -> str:
    """The per-site results of a crawl_and_clean run as an aligned table."""
    columns = ("site", "status", "fetched", "cleaned", "new", "updated", "duplicates", "failed")
    table = [columns, *[tuple(str(row.get(c, "")) for c in columns) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
