"""Read publication dates as news sites write them, in French and English, with time zones.

Machine-readable stamps (ISO 8601 in ``<meta>``, JSON-LD, ``<time datetime>``) come first in
practice; the human forms cover the rest: ``22 janvier 2018 à 0:13``, ``mardi 13 juin 2017``,
``13/06/2017 18h30``, ``November 20, 2019 - 11:28 AMT``, ``5:45 AM PST 11/19/2019``,
``Nov. 19, 2019 10:02 a.m. ET``, and bylines that put the time first (``Updated 2:32 pm EDT,
May 15, 2022``). A date with no zone is returned naive here; :func:`with_zone` gives it the site's
zone afterwards (the page's own offset, else Europe/Paris for French pages, else UTC), so that a
byline's ``21h02`` is not stored as 21:02 UTC. Pure functions, no locale settings touched.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml.html import HtmlElement

MONTHS: dict[str, int] = {
    # French
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2,
    "mars": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
    "août": 8, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip

#: Abbreviations seen in datelines; fixed offsets where the abbreviation says summer or winter
#: time, a zone database entry where it does not (``ET``, ``CET`` in summer is CEST anyway).
ZONES: dict[str, tzinfo] = {
    "utc": UTC, "gmt": UTC, "z": UTC,
    "bst": timezone(timedelta(hours=1)), "cet": timezone(timedelta(hours=1)),
    "cest": timezone(timedelta(hours=2)), "est": timezone(timedelta(hours=-5)),
    "edt": timezone(timedelta(hours=-4)), "cst": timezone(timedelta(hours=-6)),
    "cdt": timezone(timedelta(hours=-5)), "mst": timezone(timedelta(hours=-7)),
    "mdt": timezone(timedelta(hours=-6)), "pst": timezone(timedelta(hours=-8)),
    "pdt": timezone(timedelta(hours=-7)), "jst": timezone(timedelta(hours=9)),
    "amt": timezone(timedelta(hours=4)), "aest": timezone(timedelta(hours=10)),
    "et": ZoneInfo("America/New_York"), "pt": ZoneInfo("America/Los_Angeles"),
    "ct": ZoneInfo("America/Chicago"), "heure de paris": ZoneInfo("Europe/Paris"),
}  # fmt: skip

PARIS = ZoneInfo("Europe/Paris")

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_ZONE_ALT = "|".join(sorted((re.escape(z) for z in ZONES if z != "z"), key=len, reverse=True))
_TIME = (
    r"(?P<hour>\d{1,2})\s*(?:[:h]\s*(?P<minute>\d{2})?)(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?"
)
_ZONE = rf"(?:\s*\(?(?P<zone>{_ZONE_ALT})\b\)?|\s*(?P<offset>[+-]\d{{2}}:?\d{{2}}))?"

ISO_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
#: ``22 janvier 2018``, ``1er juin 2017``, ``19 Nov. 2019``.
DAY_MONTH_YEAR_RE = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?P<month>{_MONTH_ALT})\.?,?\s+(?P<year>\d{{4}})"
    rf"(?:\s*(?:à|a|at|,|-|–|—|\|)?\s*{_TIME}{_ZONE})?",
    re.I,
)
#: ``November 20, 2019 - 11:28 AMT``, ``Nov. 19, 2019 10:02 a.m. ET``.
MONTH_DAY_YEAR_RE = re.compile(
    rf"\b(?P<month>{_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"(?:\s*(?:at|,|-|–|—|\|)?\s*{_TIME}{_ZONE})?",
    re.I,
)
#: ``13/06/2017 18h30`` (French order) - only used when the page language is French.
NUMERIC_DMY_RE = re.compile(
    rf"\b(?P<day>\d{{1,2}})[/.](?P<month>\d{{1,2}})[/.](?P<year>\d{{4}})(?:\s*(?:à|-)?\s*{_TIME})?",
    re.I,
)
#: ``5:45 AM PST 11/19/2019`` and ``11/19/2019`` (American order).
NUMERIC_MDY_RE = re.compile(
    rf"(?:{_TIME}{_ZONE}\s+)?\b(?P<month>\d{{1,2}})/(?P<day>\d{{1,2}})/(?P<year>\d{{4}})",
    re.I,
)

#: A time written apart from its date in a short byline: ``2:32 pm EDT, May 15, 2022``,
#: ``December 19, 2025 @08:00PM``. Minutes are required, so a bare number is never a time.
TIME_RE = re.compile(
    r"(?<![\d/.:-])(?P<hour>\d{1,2})\s?[:h]\s?(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?![\d/.-])"
    rf"\s*(?P<ampm>[ap]\.?\s?m\.?)?{_ZONE}",
    re.I,
)
#: Only bylines this short are searched for a time apart from the date.
TIME_SEARCH_CHARS = 160

#: ``/2019/11/19/`` in an article's address: CMSs put the publication day there.
URL_DATE_RE = re.compile(
    r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>[01]?\d)[/-](?P<day>[0-3]?\d)(?:/|-|$)"
)

#: Years outside this window are typos or ids, not publication dates.
MIN_YEAR, MAX_YEAR = 1990, 2100


def _zone(groups: dict[str, str | None]) -> tzinfo | None:
    offset = groups.get("offset") or groups.get("tz")
    if offset:
        if offset.upper() == "Z":
            return UTC
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
    name = groups.get("zone")
    return ZONES.get(name.lower()) if name else None


def _build(groups: dict[str, str | None], month: int) -> datetime | None:
    try:
        year, day = int(groups["year"] or 0), int(groups["day"] or 0)
        hour = int(groups.get("hour") or 0)
        minute = int(groups.get("minute") or 0)
        second = int(groups.get("second") or 0)
        ampm = (groups.get("ampm") or "").replace(".", "").replace(" ", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        return datetime(year, month, day, hour, minute, second, tzinfo=_zone(groups))
    except (ValueError, TypeError):
        return None


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 stamp as found in ``<meta>`` and JSON-LD (offset kept when given)."""
    match = ISO_RE.search(value or "")
    if not match:
        return None
    groups = match.groupdict()
    return _build(groups, int(groups["month"]))


def parse_date(value: str, language: str | None = None) -> datetime | None:
    """The first date written in ``value`` (ISO, French or English forms), else ``None``."""
    if not value:
        return None
    value = value.strip()
    if len(value) > 400:
        value = value[:400]
    iso = parse_iso(value)
    if iso is not None:
        return iso
    for pattern in (DAY_MONTH_YEAR_RE, MONTH_DAY_YEAR_RE):
        match = pattern.search(value)
        if match:
            groups = match.groupdict()
            month = MONTHS.get(groups["month"].lower().rstrip("."))
            if month:
                if groups.get("hour") is None and len(value) <= TIME_SEARCH_CHARS:
                    groups = _time_elsewhere(value, match, groups)
                return _build(groups, month)
    numeric = (
        (NUMERIC_DMY_RE, NUMERIC_MDY_RE)
        if language and language.startswith("fr")
        else (NUMERIC_MDY_RE, NUMERIC_DMY_RE)
    )
    for pattern in numeric:
        match = pattern.search(value)
        if match:
            groups = match.groupdict()
            built = _build(groups, int(groups["month"]))
            if built is not None:
                return built
    return None


def _time_elsewhere(
    value: str, match: re.Match[str], groups: dict[str, str | None]
) -> dict[str, str | None]:
    """The date's groups with the time a short byline writes before or after it, if any."""
    rest = value[: match.start()] + " " + value[match.end() :]
    found = TIME_RE.search(rest)
    if found is None:
        return groups
    merged = dict(groups)
    merged.update({k: v for k, v in found.groupdict().items() if v is not None})
    return merged


def has_time(value: datetime) -> bool:
    """Whether a stamp says more than its day (a day-only date is built at midnight)."""
    return bool(value.hour or value.minute or value.second)


def site_zone(language: str | None, *stamps: datetime | None) -> tzinfo:
    """The zone a page's zoneless times are in: the offset of one of its own stamps when it
    gives one, else Europe/Paris on French pages, else UTC."""
    for stamp in stamps:
        if stamp is not None and stamp.tzinfo is not None:
            return stamp.tzinfo
    return PARIS if language and language.startswith("fr") else UTC


def with_zone(value: datetime | None, zone: tzinfo) -> datetime | None:
    """A naive stamp that carries a time, placed in ``zone``; day-only dates stay naive (they
    name a calendar day, and midnight in Paris would be the day before in UTC)."""
    if value is None or value.tzinfo is not None or not has_time(value):
        return value
    return value.replace(tzinfo=zone)


def date_in_url(url: str) -> datetime | None:
    """The publication day a URL spells out (``/2019/11/19/slug``), without a time."""
    match = URL_DATE_RE.search(url or "")
    if not match:
        return None
    groups = match.groupdict()
    return _build(groups, int(groups["month"]))


def guess_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """Last resort for pages that state no date where we look: htmldate's quick heuristics
    (the library trafilatura uses), day precision. ``None`` when it finds nothing."""
    try:
        found = find_date(
            tree, extensive_search=False, original_date=True, url=url, outputformat="%Y-%m-%d"
        )
    except (ValueError, TypeError):
        return None
    return parse_iso(found) if found else None
