"""The extraction metric of ../shared/eval/README.md: 4-token shingle precision, recall and F1.

It is the article-extraction benchmark's own definition, so Pitboard's figures can be set beside
published ones: tokens are runs of word characters, a text is the multiset of its 4-token
shingles, and a corpus score averages per-page precision (over non-empty predictions only) and
per-page recall, then takes the harmonic mean of the two averages.

Beside the metric, what every measurement of the cleaning stage shares (``bench/extraction.py``
and anyone's own checks): loaders of the two dev sets of ../shared/eval (they read those files and
nothing else: no network, no database), the page-kind confusion table with the issue-13
acceptance ratios, and the metadata comparison rules. Everything but the loaders is pure, and
nothing here imports an extractor: the bench brings trafilatura and readability-lxml itself.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

TOKEN_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4


@dataclass(frozen=True, slots=True)
class PageScore:
    """Shingle counts of one page: enough to recompute any corpus-level figure."""

    true_positives: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        return harmonic_mean(self.precision, self.recall)


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """Benchmark-style averages over many pages."""

    precision: float
    recall: float
    f1: float
    pages: int


def tokenize(text: str) -> list[str]:
    """Maximal runs of Unicode word characters, case kept."""
    return TOKEN_RE.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of ``size``-token shingles; a short non-empty text is one shingle of all it has."""
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def harmonic_mean(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


def score_page(predicted: str | None, expected: str) -> PageScore:
    """Compare one prediction with the true body text (shared shingles count with multiplicity)."""
    pred = shingles(predicted or "")
    true = shingles(expected)
    shared = sum((pred & true).values())
    return PageScore(shared, sum(pred.values()), sum(true.values()))


def score_corpus(scores: Iterable[PageScore]) -> CorpusScore:
    """Average per-page figures; an empty prediction costs recall only, as the benchmark does."""
    scores = list(scores)
    if not scores:
        return CorpusScore(0.0, 0.0, 0.0, 0)
    non_empty = [s for s in scores if s.predicted]
    precision = sum(s.precision for s in non_empty) / len(non_empty) if non_empty else 0.0
    recall = sum(s.recall for s in scores) / len(scores)
    return CorpusScore(precision, recall, harmonic_mean(precision, recall), len(scores))


# --- The dev sets ---------------------------------------------------------------------------

#: WCXB's page types, in the order the eval README lists them.
WCXB_TYPES = ("article", "listing", "collection", "forum", "product", "documentation", "service")


@dataclass(frozen=True, slots=True)
class Sample:
    """One page to clean and what a person says about it.

    ``truth`` is the true body text, ``None`` when the set gives none (a page that counts for
    its kind but not for body scores: an empty truth would score every extractor 0 recall).
    ``title``, ``author`` and ``published`` are the metadata truth, ``None`` when not given.
    """

    page_id: str
    url: str
    body: bytes
    truth: str | None
    page_type: str = "article"
    title: str | None = None
    author: str | None = None
    published: date | None = None


def truth_day(value: object) -> date | None:
    """A truth's publication day: ``2025-09-04``, ``2025-09-04T10:00:00+02:00`` or a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _text_or_none(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def sample_from_truth(
    page_id: str, body: bytes, entry: Mapping[str, Any], url: str = "", page_type: str = "article"
) -> Sample:
    """One ground-truth entry as a :class:`Sample`.

    Reads the flat form of ../shared/eval (``articleBody``, ``url``, and ``title``, ``author``,
    ``publish_date`` when present) and WCXB's own nested form (``ground_truth.main_content``,
    ``.title``...), so the metadata checks run wherever the metadata truth is supplied.
    """
    nested = entry.get("ground_truth")
    fields: Mapping[str, Any] = nested if isinstance(nested, Mapping) else entry
    truth = fields.get("articleBody", fields.get("main_content"))
    return Sample(
        page_id=page_id,
        url=entry.get("url") or url,
        body=body,
        truth=truth if isinstance(truth, str) and truth.strip() else None,
        page_type=page_type,
        title=_text_or_none(fields.get("title")),
        author=_text_or_none(fields.get("author")),
        published=truth_day(fields.get("publish_date")),
    )


def load_scrapinghub(eval_dir: Path) -> list[Sample]:
    """The Scrapinghub dev pages (all news articles), sorted by id."""
    corpus = eval_dir / "scrapinghub-dev"
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        sample_from_truth(
            page_id, gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes()), entry
        )
        for page_id, entry in sorted(truth.items())
    ]


def load_wcxb(eval_dir: Path, page_type: str, limit: int | None = None) -> list[Sample]:
    """The wcxb-dev pages of one type, sorted by id (the first ``limit`` only, when given).

    ``page-types.json`` supplies the URL where the type's ground truth lacks one.
    """
    corpus = eval_dir / "wcxb-dev"
    types = json.loads((corpus / "page-types.json").read_text(encoding="utf-8"))
    truth = json.loads((corpus / page_type / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(pid for pid, info in types.items() if info["page_type"] == page_type)
    samples = []
    for page_id in ids[:limit] if limit is not None else ids:
        path = corpus / page_type / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        samples.append(
            sample_from_truth(
                page_id,
                gzip.decompress(path.read_bytes()),
                truth.get(page_id, {}),
                url=types[page_id].get("url") or "",
                page_type=page_type,
            )
        )
    return samples


def load_metadata_truth(path: Path) -> dict[str, Sample]:
    """Metadata truth kept apart from the eval set: JSON lines ``{"id", "title", "author",
    "publish_date"}`` (a transcription of WCXB's own labels, which the local copy lacks), as
    body-less samples keyed by id, for :func:`with_metadata_truth`."""
    records: dict[str, Sample] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            records[str(entry["id"])] = sample_from_truth(str(entry["id"]), b"", entry)
    return records


def with_metadata_truth(samples: Iterable[Sample], truth: Mapping[str, Sample]) -> list[Sample]:
    """The samples with title, author and publication day from ``truth`` where it has the page
    (a page the truth lists with no author or date is one whose truth names none)."""
    out = []
    for sample in samples:
        meta = truth.get(sample.page_id)
        if meta is not None:
            sample = replace(sample, title=meta.title, author=meta.author, published=meta.published)
        out.append(sample)
    return out


# --- Page kinds -----------------------------------------------------------------------------

#: The kinds the cleaning stage gives a page (etl.clean.records.PageKind), as table columns.
PITBOARD_KINDS = ("article", "listing", "gallery", "other")
#: The kinds stored in the articles table: a listing called one of these fills it with teasers.
STORED_AS_ARTICLE = frozenset({"article", "gallery"})
#: WCXB's listing-like types: index pages that must never be stored as articles.
LISTING_TYPES = frozenset({"listing", "collection"})


@dataclass(frozen=True, slots=True)
class Ratio:
    """``hits`` out of ``total``; the share is 0 over nothing."""

    hits: int
    total: int

    @property
    def share(self) -> float:
        return self.hits / self.total if self.total else 0.0


def confusion(pairs: Iterable[tuple[str, str]]) -> dict[str, Counter[str]]:
    """Count (true type, Pitboard kind) pairs: one row per true type, in first-seen order."""
    table: dict[str, Counter[str]] = {}
    for true_type, kind in pairs:
        table.setdefault(true_type, Counter())[kind] += 1
    return table


def articles_kept(table: Mapping[str, Counter[str]]) -> Ratio:
    """Share of true articles called ``article`` (acceptance: at least 98%)."""
    row = table.get("article", Counter())
    return Ratio(row["article"], sum(row.values()))


def listings_stored(table: Mapping[str, Counter[str]]) -> Ratio:
    """Share of listing and collection pages called article or gallery, i.e. that would be stored
    as articles (acceptance: at most 10%)."""
    rows = [table.get(t, Counter()) for t in sorted(LISTING_TYPES)]
    return Ratio(
        sum(row[k] for row in rows for k in STORED_AS_ARTICLE), sum(sum(r.values()) for r in rows)
    )


# --- Metadata -------------------------------------------------------------------------------

#: What separates names in a byline: commas, semicolons, ampersands, "and", "et".
AUTHOR_SEPARATORS_RE = re.compile(r"\s*(?:[,;&/|]|\band\b|\bet\b)\s*", re.IGNORECASE)


def normalise(text: str | None) -> str:
    """Whitespace runs to one space, trimmed, case folded: how titles and names are compared."""
    return " ".join((text or "").split()).casefold()


def title_right(predicted: str | None, truth: str | None) -> bool:
    """Equal once normalised (:func:`normalise`). A title with the site name appended is wrong:
    the stored title is shown as the article's headline."""
    return bool(truth) and normalise(predicted) == normalise(truth)


def author_names(text: str | None) -> frozenset[str]:
    """The normalised names of a byline, whatever joins them (``A and B`` = ``A; B`` = ``B, A``)."""
    return frozenset(n for n in AUTHOR_SEPARATORS_RE.split(normalise(text)) if n)


def author_right(predicted: str | None, truth: str | None) -> bool:
    """The same set of normalised names (:func:`author_names`); order and separators aside."""
    return bool(truth) and author_names(predicted) == author_names(truth)


def day_right(predicted: date | datetime | str | None, truth: date | None) -> bool:
    """The same calendar day; a datetime counts in its own time zone (Pitboard stores UTC)."""
    return truth is not None and truth_day(predicted) == truth


@dataclass(frozen=True, slots=True)
class MetadataGuess:
    """What one extractor says about a page's title, author and publication time."""

    title: str | None = None
    author: str | None = None
    published: date | datetime | str | None = None


@dataclass(slots=True)
class FieldTally:
    """One metadata field over many pages: how often the truth names it, the extractor gives
    something, and it is right."""

    total: int = 0
    found: int = 0
    right: int = 0

    @property
    def accuracy(self) -> Ratio:
        return Ratio(self.right, self.total)


METADATA_FIELDS = ("title", "author", "published")


def tally_metadata(pairs: Iterable[tuple[MetadataGuess, Sample]]) -> dict[str, FieldTally]:
    """Score guesses against the truth, field by field, over the pages whose truth has the field
    (so author accuracy is over pages where the truth names an author)."""
    tallies = {name: FieldTally() for name in METADATA_FIELDS}
    checks = {"title": title_right, "author": author_right, "published": day_right}
    for guess, sample in pairs:
        for name in METADATA_FIELDS:
            truth = getattr(sample, name)
            if truth is None:
                continue
            predicted = getattr(guess, name)
            tally = tallies[name]
            tally.total += 1
            tally.found += predicted not in (None, "")
            tally.right += checks[name](predicted, truth)
    return tallies
