"""Learn the page-kind model from WCXB's dev pages, cross-validated by site, and write it.

The classifier's rules (``etl/clean/classify.py``) decide the clear cases; the pages they would
keep as articles without being sure are weighed by a logistic regression over
:mod:`etl.clean.page_features`. This script:

1. cleans every ``../shared/eval/wcxb-dev`` page up to the classifier (parse, metadata,
   restructure, trafilatura: cached with ``--cache``, the same cache as ``bench/page_kinds.py``)
   and runs the rules alone (``classify_page(..., model=None)``);
2. takes the pages the rules keep as articles unsure, labelled article (WCXB ``article``) or
   not (``listing``, ``collection``: what must never be stored as an article);
3. cross-validates by site (5 folds, every page of a domain in one fold: a site is never both
   learned and judged) and picks the highest threshold that keeps ``--min-articles`` of all
   article pages as articles out of fold;
4. prints, per threshold, articles kept and listings leaked out of fold, beside the rules alone,
   then fits on all pages and writes ``etl/clean/data/page_kind_model.json``.

The out-of-fold figures are the honest ones: expect them, not the in-sample ones, on new sites.
Run: ``.venv/bin/python bench/train_page_kinds.py [--cache /tmp/kinds.pkl] [--dry-run]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from page_kinds import extract_cached, load_pages  # noqa: E402

from etl.clean.classify import classify_page  # noqa: E402
from etl.clean.page_model import MODEL_PATH, PageKindModel  # noqa: E402
from etl.clean.parse import parse_html  # noqa: E402
from etl.clean.restructure import prepare_for_extraction  # noqa: E402

NEGATIVE_TYPES = ("listing", "collection")
FOLDS = 5
#: Weight of a listing against an article in the loss (leaks are what the model is for).
NEGATIVE_WEIGHT = 3.0
#: L2 penalty on the standardised weights (sklearn's C=1).
L2 = 1.0


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted L2 logistic regression by Newton's method; the last column is the intercept
    (not penalised). Small and exact: 20-odd features, a few hundred pages."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (weight * (p - y)) + penalty * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    return means, scales


def train(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    means, scales = standardise(x)
    weight = np.where(y == 1, 1.0, NEGATIVE_WEIGHT)
    return fit_logistic((x - means) / scales, y, weight), means, scales


def predict(beta: np.ndarray, means: np.ndarray, scales: np.ndarray, x: np.ndarray) -> np.ndarray:
    z = ((x - means) / scales) @ beta[:-1] + beta[-1]
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fold_of(domain: str) -> int:
    return int(hashlib.sha1(domain.encode()).hexdigest(), 16) % FOLDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--cache", type=Path, help="pickle of the extraction (bench/page_kinds)")
    parser.add_argument("--min-articles", type=float, default=0.981)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--without", default="", help="features to leave out, comma-separated")
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = parser.parse_args()

    pages = load_pages(args.eval_dir)
    types = json.loads((args.eval_dir / "wcxb-dev" / "page-types.json").read_text())
    extracted = extract_cached(pages, args.cache)
    names: list[str] = []
    rows: list[list[float]] = []
    labels: list[int] = []
    domains: list[str] = []
    rule_kept = {"article": 0, "negative": 0}
    totals = {"article": 0, "negative": 0}
    for page_id, page_type, url, body in pages:
        if page_type != "article" and page_type not in NEGATIVE_TYPES:
            continue
        group = "article" if page_type == "article" else "negative"
        totals[group] += 1
        meta, lines = extracted[page_id]
        tree = parse_html(body)
        if tree is None or meta is None:
            continue
        prepare_for_extraction(tree)
        result = classify_page(tree, meta, lines, url, model=None)
        if result.kind not in ("article", "gallery"):
            continue
        rule_kept[group] += 1
        if result.features is None:
            continue  # sure: the model never sees it, it stays an article
        left_out = set(filter(None, args.without.split(",")))
        names = [name for name in result.features if name not in left_out]
        rows.append([result.features[name] for name in names])
        labels.append(int(page_type == "article"))
        domains.append(types[page_id]["domain"])
    x = np.array(rows)
    y = np.array(labels, dtype=float)
    folds = np.array([fold_of(d) for d in domains])
    sure_articles = rule_kept["article"] - int(y.sum())
    sure_negatives = rule_kept["negative"] - int(len(y) - y.sum())
    print(
        f"rules alone: articles kept {rule_kept['article']}/{totals['article']}, listings and "
        f"collections kept as articles {rule_kept['negative']}/{totals['negative']}; "
        f"{len(y)} unsure pages reach the model ({int(y.sum())} articles)"
    )
    out_of_fold = np.zeros(len(y))
    for fold in range(FOLDS):
        test = folds == fold
        beta, means, scales = train(x[~test], y[~test])
        out_of_fold[test] = predict(beta, means, scales, x[test])
    print(f"{'threshold':>9} {'articles kept':>16} {'listings leaked':>17}  (out of fold, by site)")
    chosen = 0.0
    for threshold in np.round(np.arange(0.01, 0.61, 0.01), 2):
        keep = out_of_fold >= threshold
        articles = sure_articles + int((keep & (y == 1)).sum())
        leaked = sure_negatives + int((keep & (y == 0)).sum())
        share = articles / totals["article"]
        if share >= args.min_articles:
            chosen = float(threshold)
        print(
            f"{threshold:>9.2f} {articles:>6}/{totals['article']} {share:6.1%}"
            f" {leaked:>7}/{totals['negative']} {leaked / totals['negative']:6.1%}"
        )
    print(f"threshold chosen: {chosen:.2f} (articles kept out of fold >= {args.min_articles:.1%})")
    beta, means, scales = train(x, y)
    model = PageKindModel(
        intercept=float(beta[-1]),
        weights={n: round(float(w), 6) for n, w in zip(names, beta[:-1], strict=True)},
        means={n: round(float(m), 6) for n, m in zip(names, means, strict=True)},
        scales={n: round(float(s), 6) for n, s in zip(names, scales, strict=True)},
        threshold=chosen,
    )
    ranked = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))
    print("weights (standardised):", ", ".join(f"{n} {w:+.2f}" for n, w in ranked))
    if not args.dry_run:
        args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
