"""The page-kind model: a logistic regression over :mod:`etl.clean.page_features`.

It is the classifier's last word on pages its rules would keep as articles without being sure
(no declared article with many full paragraphs). Its weights are data, not code: they are learned
from human-labelled pages of many sites (WCXB's dev split) by ``bench/train_page_kinds.py``, which
prints its cross-validation by site beside the rules alone, and written to
``etl/clean/data/page_kind_model.json``. Inference is a dot product: no numerical library is
needed at run time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("data") / "page_kind_model.json"


@dataclass(frozen=True, slots=True)
class PageKindModel:
    """Standardised logistic regression: ``p(article) = sigmoid(b + sum(w * (x - mean) / std))``."""

    intercept: float
    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    #: Below this probability of being an article, the page is not kept as one.
    threshold: float

    def article_probability(self, features: dict[str, float]) -> float:
        z = self.intercept
        for name, weight in self.weights.items():
            z += weight * (features[name] - self.means[name]) / self.scales[name]
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "weights": self.weights,
            "means": self.means,
            "scales": self.scales,
            "threshold": self.threshold,
        }


def model_from_json(data: dict[str, Any]) -> PageKindModel:
    return PageKindModel(
        intercept=float(data["intercept"]),
        weights={str(k): float(v) for k, v in data["weights"].items()},
        means={str(k): float(v) for k, v in data["means"].items()},
        scales={str(k): float(v) for k, v in data["scales"].items()},
        threshold=float(data["threshold"]),
    )


@cache
def load_model(path: Path = MODEL_PATH) -> PageKindModel | None:
    """The shipped model, or ``None`` when there is none (the rules then decide alone)."""
    if not path.exists():
        return None
    return model_from_json(json.loads(path.read_text(encoding="utf-8")))
