"""The extraction metric of ../shared/eval/README.md: 4-token shingle precision, recall and F1.

It is the article-extraction benchmark's own definition, so Pitboard's figures can be set beside
published ones: tokens are runs of word characters, a text is the multiset of its 4-token
shingles, and a corpus score averages per-page precision (over non-empty predictions only) and
per-page recall, then takes the harmonic mean of the two averages. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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
