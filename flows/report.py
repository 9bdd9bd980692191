"""What a run reports: one row per site, and the plain-text and Markdown forms people read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from etl.store.runs import COUNTS  # the crawl_runs columns a run fills in, in display order

if TYPE_CHECKING:
    from etl.clean_stored import CleanRunStats


@dataclass(frozen=True, slots=True)
class SiteRun:
    """One site's result in a ``crawl_and_clean`` run; a refused site has no counts."""

    site: str
    status: str  # completed, failed or refused
    fetched: int | None = None  # raw pages stored or refreshed by the crawl
    cleaned: int | None = None  # pages cleaned after it
    new: int | None = None
    updated: int | None = None
    duplicates: int | None = None
    failed: int | None = None  # pages that could not be cleaned

    def counts(self) -> dict[str, int]:
        """The counts that are known, by ``crawl_runs`` column."""
        values = {name: getattr(self, name) for name in COUNTS}
        return {name: value for name, value in values.items() if value is not None}

    def cell(self, column: str) -> str:
        value = getattr(self, column)
        return "" if value is None else str(value)


def format_seconds(seconds: float) -> str:
    """A duration as a person reads it: ``4.2s``, ``2m05s``, ``1h02m``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def duplicates_found(stats: CleanRunStats) -> int:
    """Exact copies (stored once) plus near-duplicates (stored, linked to their original): what
    ``crawl_runs.duplicates`` counts."""
    return stats.load.duplicates + stats.load.near_duplicates


def format_clean_summary(stats: CleanRunStats) -> str:
    """One line saying what a cleaning run did."""
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(stats.kinds.items()))
    load = stats.load
    return (
        f"cleaned {stats.pages} pages ({kinds or 'none'}): "
        f"articles {load.new} new, {load.updated} updated, {load.unchanged} unchanged, "
        f"{duplicates_found(stats)} duplicates; {stats.failed} failed; "
        f"{format_seconds(stats.seconds)}"
    )


def format_crawl_summary(
    site: str, stored: int, responses: int, errors: int, seconds: float
) -> str:
    """One line saying what a crawl did: pages stored (or refreshed), download errors (its
    failures: a page that could not be fetched after its retries), time."""
    return (
        f"crawled {site}: {stored} pages stored or refreshed ({responses} responses), "
        f"{errors} download errors; {format_seconds(seconds)}"
    )


def format_run_summary(rows: Sequence[SiteRun], seconds: float) -> str:
    """One line totalling a crawl_and_clean run over its sites."""

    def total(name: str) -> int:
        return sum(getattr(row, name) or 0 for row in rows)

    bad = [row.site for row in rows if row.status != "completed"]
    return (
        f"{len(rows)} site(s): {total('fetched')} pages fetched, {total('cleaned')} cleaned; "
        f"articles {total('new')} new, {total('updated')} updated, "
        f"{total('duplicates')} duplicates; {total('failed')} pages failed"
        + (f", sites not completed: {', '.join(bad)}" if bad else "")
        + f"; {format_seconds(seconds)}"
    )


def format_site_rows(rows: Sequence[SiteRun]) -> str:
    """The per-site results of a crawl_and_clean run as an aligned table."""
    columns = ("site", "status", *COUNTS)
    table = [columns, *[tuple(row.cell(c) for c in columns) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )


def site_rows_markdown(rows: Sequence[SiteRun]) -> str:
    """The same results as a Markdown table, for the flow run's Prefect artifact."""
    # The artifact has called the cleaned pages "pages" from the start.
    columns = {"site": "site", "status": "status", "fetched": "fetched", "pages": "cleaned"}
    columns |= {name: name for name in ("new", "updated", "duplicates", "failed")}
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row.cell(c) for c in columns.values()) + " |" for row in rows]
    return "\n".join(lines)
