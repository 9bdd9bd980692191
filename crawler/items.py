"""What the spider hands to the pipeline: one fetched page, exactly as it came."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class PageItem:
    """A fetched HTML page (or the error page of a dead link).

    ``url`` is the URL that was requested (the first one, when redirects followed);
    ``final_url`` the one that answered. Header names are as the server sent them, repeated
    headers joined with ", ".
    """

    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
