"""What the spider hands to the pipeline: storage's raw-page record, one per fetched page.

The item is :class:`etl.clean.records.RawPage` itself (a dataclass, which Scrapy takes as an
item), so the page the spider fetched is the record the raw-page store writes and reads back:
no look-alike to copy field by field. ``scrapy crawl NAME -o pages.jsonl`` exports it, the body
as text.

A page that could not be fetched is a :class:`etl.store.fetch_failures.FetchFailure` item,
stored by the same pipeline in ``fetch_failures``.
"""

from etl.clean.records import RawPage
from etl.store.fetch_failures import FetchFailure

__all__ = ["FetchFailure", "RawPage"]
