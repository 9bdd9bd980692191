"""Page kinds on WCXB's dev pages: WCXB type x Pitboard kind, and the two acceptance ratios.

Issue 13's acceptance on ``../shared/eval/wcxb-dev``: at least 98% of article pages classified
``article``, at most 10% of listing and collection pages classified ``article`` or ``gallery``.
This prints the confusion table, both ratios, and the classifier's own time per page.

Two modes:
- default: the whole cleaning stage, ``clean_page(body, url).kind`` (what is stored);
- ``--cache FILE``: parse, metadata and trafilatura's lines are computed once and pickled, and
  later runs re-parse the tree (``prepare_for_extraction`` as the cleaner does) and run only
  :func:`classify_page` - for iterating on the classifier. The kind can differ from the default
  mode only where the cleaner overrides the classifier (an article whose rules keep nothing).

``--show TYPE:KIND`` lists the pages of one cell (id, reason, url) to read them.
Run: ``.venv/bin/python bench/page_kinds.py [--cache /tmp/kinds.pkl] [--show listing:article]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean.classify import classify_page  # noqa: E402
from etl.clean.cleaner import clean_page  # noqa: E402
from etl.clean.extract import extract_main_text  # noqa: E402
from etl.clean.metadata import extract_metadata  # noqa: E402
from etl.clean.parse import parse_html  # noqa: E402
from etl.clean.records import PageMetadata  # noqa: E402
from etl.clean.restructure import prepare_for_extraction  # noqa: E402

TYPES = ("article", "listing", "collection", "forum", "product", "documentation", "service")
KINDS = ("article", "listing", "gallery", "other")


def load_pages(eval_dir: Path) -> list[tuple[str, str, str, bytes]]:
    """(id, WCXB type, url, raw body) of every dev page, in id order."""
    root = eval_dir / "wcxb-dev"
    types = json.loads((root / "page-types.json").read_text())
    pages = []
    for page_id, info in sorted(types.items()):
        path = root / info["page_type"] / "html" / f"{page_id}.html.gz"
        pages.append((page_id, info["page_type"], info["url"], gzip.decompress(path.read_bytes())))
    return pages


def _extract(body: bytes, url: str) -> tuple[PageMetadata | None, list[str]]:
    tree = parse_html(body)
    if tree is None:
        return None, []
    meta = extract_metadata(tree, url)
    prepare_for_extraction(tree)
    return meta, extract_main_text(tree, url).lines


def extract_cached(
    pages: list[tuple[str, str, str, bytes]], cache: Path | None
) -> dict[str, tuple[PageMetadata | None, list[str]]]:
    """Metadata and trafilatura's lines of every page, read from ``cache`` when it exists
    (written there otherwise): the slow part, done once while the classifier is tuned."""
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    extracted = {pid: _extract(body, url) for pid, _, url, body in pages}
    if cache is not None:
        cache.write_bytes(pickle.dumps(extracted))
    return extracted


def classify_cached(
    pages: list[tuple[str, str, str, bytes]], cache: Path
) -> tuple[dict[str, tuple[str, str]], float]:
    """Kinds from :func:`classify_page` alone, with the extraction read from ``cache``."""
    extracted = extract_cached(pages, cache)
    kinds: dict[str, tuple[str, str]] = {}
    seconds = 0.0
    for page_id, _, url, body in pages:
        meta, lines = extracted[page_id]
        tree = parse_html(body)
        if tree is None or meta is None:
            kinds[page_id] = ("other", "unparseable")
            continue
        prepare_for_extraction(tree)
        start = time.perf_counter()
        result = classify_page(tree, meta, lines, url)
        seconds += time.perf_counter() - start
        kinds[page_id] = (result.kind, result.reason)
    return kinds, seconds


def classify_full(
    pages: list[tuple[str, str, str, bytes]],
) -> tuple[dict[str, tuple[str, str]], float]:
    """Kinds as stored: the whole cleaning stage per page (time is the whole stage's)."""
    kinds: dict[str, tuple[str, str]] = {}
    start = time.perf_counter()
    for page_id, _, url, body in pages:
        cleaned = clean_page(body, url)
        doubt = ",".join(k for k in cleaned.removed if k.startswith("kind-"))
        kinds[page_id] = (cleaned.kind, doubt)
    return kinds, time.perf_counter() - start


def report(pages: list[tuple[str, str, str, bytes]], kinds: dict[str, tuple[str, str]]) -> None:
    table: Counter[tuple[str, str]] = Counter()
    for page_id, page_type, _, _ in pages:
        table[page_type, kinds[page_id][0]] += 1
    print(f"{'WCXB type':<14}" + "".join(f"{k:>9}" for k in KINDS) + f"{'total':>8}")
    for page_type in TYPES:
        row = [table[page_type, k] for k in KINDS]
        print(f"{page_type:<14}" + "".join(f"{n:>9}" for n in row) + f"{sum(row):>8}")
    articles = sum(table["article", k] for k in KINDS)
    listings = sum(table[t, k] for t in ("listing", "collection") for k in KINDS)
    as_article = table["article", "article"]
    leaked = sum(table[t, k] for t in ("listing", "collection") for k in ("article", "gallery"))
    print(
        f"articles kept as article: {as_article}/{articles} = {as_article / articles:.1%}"
        "  (target >= 98%)"
    )
    print(
        f"listing+collection as article/gallery: {leaked}/{listings} = {leaked / listings:.1%}"
        "  (target <= 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--cache", type=Path, help="pickle of the extraction; classify only")
    parser.add_argument("--show", action="append", default=[], help="TYPE:KIND cell to list")
    args = parser.parse_args()
    pages = load_pages(args.eval_dir)
    if args.cache:
        kinds, seconds = classify_cached(pages, args.cache)
        label = "classify_page"
    else:
        kinds, seconds = classify_full(pages)
        label = "clean_page (whole stage)"
    report(pages, kinds)
    print(f"{label}: {seconds / len(pages) * 1000:.2f} ms/page over {len(pages)} pages")
    for cell in args.show:
        page_type, kind = cell.split(":")
        for page_id, ptype, url, _ in pages:
            if ptype == page_type and kinds[page_id][0] == kind:
                print(f"  {page_id} {kinds[page_id][1]:<40} {url}")


if __name__ == "__main__":
    main()
