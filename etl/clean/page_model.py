"""The page-kind model over :mod:`etl.clean.page_features`: small boosted trees, or a logistic
regression.

It is the classifier's last word on pages its rules would keep as articles without being sure
(no declared article with many full paragraphs). Its parameters are data, not code: they are
learned from human-labelled pages of many sites (WCXB's dev split) by
``bench/train_page_kinds.py``, which prints its cross-validation by site beside the rules alone,
and written to ``etl/clean/data/page_kind_model.json``. Inference is a dot product or a walk down
a hundred two-level trees: no numerical library is needed at run time. The trees won out of fold
(signals that count only together: prices on a page that declares no date, plain prose on a page
of many teaser blocks), see the training script.
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


#: A tree node: ``[feature, split, below, above]`` (``feature <= split`` goes ``below``) or a
#: leaf, the tree's score for the page (the learning rate already applied).
TreeNode = list[Any] | float


def _tree_score(node: TreeNode, features: dict[str, float]) -> float:
    while isinstance(node, list):
        name, split, below, above = node
        node = below if features[name] <= split else above
    return node


@dataclass(frozen=True, slots=True)
class BoostedTrees:
    """Gradient-boosted trees: ``p(article) = sigmoid(base + sum(tree(x)))``."""

    base: float
    trees: tuple[TreeNode, ...]
    #: Below this probability of being an article, the page is not kept as one.
    threshold: float

    @property
    def features(self) -> frozenset[str]:
        """The signals the trees read."""
        names: set[str] = set()
        stack = list(self.trees)
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                names.add(node[0])
                stack += [node[2], node[3]]
        return frozenset(names)

    def article_probability(self, features: dict[str, float]) -> float:
        z = self.base + sum(_tree_score(tree, features) for tree in self.trees)
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "trees": list(self.trees), "threshold": self.threshold}


AnyPageKindModel = PageKindModel | BoostedTrees


def _node_from_json(node: Any) -> TreeNode:
    if isinstance(node, list):
        name, split, below, above = node
        return [str(name), float(split), _node_from_json(below), _node_from_json(above)]
    return float(node)


def model_from_json(data: dict[str, Any]) -> AnyPageKindModel:
    if "trees" in data:
        return BoostedTrees(
            base=float(data["base"]),
            trees=tuple(_node_from_json(tree) for tree in data["trees"]),
            threshold=float(data["threshold"]),
        )
    return PageKindModel(
        intercept=float(data["intercept"]),
        weights={str(k): float(v) for k, v in data["weights"].items()},
        means={str(k): float(v) for k, v in data["means"].items()},
        scales={str(k): float(v) for k, v in data["scales"].items()},
        threshold=float(data["threshold"]),
    )


@cache
def load_model(path: Path = MODEL_PATH) -> AnyPageKindModel | None:
    """The shipped model, or ``None`` when there is none (the rules then decide alone)."""
    if not path.exists():
        return None
    return model_from_json(json.loads(path.read_text(encoding="utf-8")))
