"""Title, author and publication day: Pitboard's metadata beside trafilatura's, on WCXB articles.

Both read the same pages in one process: Pitboard as stored (``clean_page(body, url).metadata``,
so a dateline's initials or a byline read from the text count), trafilatura through its own
metadata pass (``trafilatura.extract_metadata`` on the parsed page, its defaults). Scored per
field against WCXB's labels:

- title: equal after whitespace normalisation, case-insensitive;
- author: the same equality, only on pages where the truth names an author; a *partial* match
  is one name containing the other or sharing a surname-length word (``Dr. Andrew Huberman`` /
  ``Andrew Huberman``). Authors given where the truth names none are counted apart;
- publication day: the same calendar day (a stamp with an offset counts in its own zone, as the
  page wrote it), only where the truth gives a date.

Where the labels come from: the local ``wcxb-dev/article/ground-truth.json`` carries only
``articleBody`` and ``url``. WCXB's own per-page files (``dev/ground-truth/<id>.json``,
github.com/Murrough-Foley/web-content-extraction-benchmark, CC-BY-4.0) also hold
``ground_truth.title/author/publish_date``. The script takes, in order: those fields in
``ground-truth.json`` if a future copy has them; ``--truth-dir`` (a folder of WCXB's per-page
files); ``--meta-truth`` (JSON lines ``{"id", "title", "author", "publish_date"}``), by default
``bench/wcxb_dev_metadata_sample.jsonl``, a sample of pages transcribed from WCXB's files.

Run: ``.venv/bin/python bench/metadata.py [--eval-dir DIR] [--truth-dir DIR] [--verbose]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean.cleaner import clean_page  # noqa: E402

DEFAULT_META_TRUTH = REPO / "bench" / "wcxb_dev_metadata_sample.jsonl"
_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Truth:
    page_id: str
    url: str
    body: bytes
    title: str | None
    author: str | None
    day: date | None


@dataclass(frozen=True, slots=True)
class Guess:
    title: str | None
    author: str | None
    day: date | None


@dataclass(slots=True)
class Tally:
    name: str
    seconds: float = 0.0
    title_ok: int = 0
    author_ok: int = 0
    author_partial: int = 0
    author_spurious: int = 0
    day_ok: int = 0
    misses: list[str] = field(default_factory=list)


def norm(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip().casefold()


def same_author(guess: str | None, truth: str) -> tuple[bool, bool]:
    """(exact, partial): partial when one contains the other or they share a long word."""
    g, t = norm(guess), norm(truth)
    if not g:
        return False, False
    if g == t:
        return True, True
    if g in t or t in g:
        return False, True
    words = {w for w in _WORD_RE.findall(g) if len(w) > 3}
    return False, bool(words & {w for w in _WORD_RE.findall(t) if len(w) > 3})


def to_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _labels(args: argparse.Namespace, gt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per id: title/author/publish_date, from the first source that has them."""
    with_fields = {
        pid: entry for pid, entry in gt.items() if {"title", "author", "publish_date"} & set(entry)
    }
    if with_fields:
        return with_fields
    if args.truth_dir:
        labels = {}
        for path in sorted(args.truth_dir.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            labels[data.get("file_id") or path.stem] = data.get("ground_truth", data)
        return labels
    labels = {}
    for line in args.meta_truth.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            labels[entry["id"]] = entry
    return labels


def load(args: argparse.Namespace) -> list[Truth]:
    corpus = args.eval_dir / "wcxb-dev" / "article"
    gt = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    labels = _labels(args, gt)
    pages = []
    for page_id in sorted(labels):
        if page_id not in gt:
            continue
        label = labels[page_id]
        body = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            Truth(
                page_id,
                gt[page_id]["url"],
                body,
                label.get("title"),
                label.get("author"),
                to_day(label.get("publish_date")),
            )
        )
    return pages


def pitboard(body: bytes, url: str) -> Guess:
    meta = clean_page(body, url).metadata
    return Guess(meta.title, meta.author, to_day(meta.published_at))


def trafilatura_meta(body: bytes, url: str) -> Guess:
    tree = trafilatura.load_html(body)
    if tree is None:
        return Guess(None, None, None)
    doc = trafilatura.extract_metadata(tree, default_url=url)
    return Guess(doc.title, doc.author, to_day(doc.date))


EXTRACTORS = {"trafilatura": trafilatura_meta, "pitboard": pitboard}


def score(pages: Sequence[Truth], verbose: bool) -> list[Tally]:
    tallies = {name: Tally(name) for name in EXTRACTORS}
    order = list(EXTRACTORS)
    for i, page in enumerate(pages):
        for name in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            guess = EXTRACTORS[name](page.body, page.url)
            tally = tallies[name]
            tally.seconds += time.perf_counter() - started
            if page.title and norm(guess.title) == norm(page.title):
                tally.title_ok += 1
            elif page.title:
                tally.misses.append(f"{page.page_id} title {guess.title!r} != {page.title!r}")
            if page.author:
                exact, partial = same_author(guess.author, page.author)
                tally.author_ok += exact
                tally.author_partial += partial
                if not exact:
                    tally.misses.append(
                        f"{page.page_id} author {guess.author!r} != {page.author!r}"
                    )
            elif guess.author:
                tally.author_spurious += 1
                tally.misses.append(f"{page.page_id} author {guess.author!r} (truth: none)")
            if page.day and guess.day == page.day:
                tally.day_ok += 1
            elif page.day:
                tally.misses.append(f"{page.page_id} day {guess.day} != {page.day}")
    if verbose:
        for tally in tallies.values():
            print(f"\n-- {tally.name} misses")
            print("\n".join(tally.misses))
    return list(tallies.values())


def report(pages: Sequence[Truth], tallies: Sequence[Tally]) -> None:
    titled = sum(1 for p in pages if p.title)
    authored = sum(1 for p in pages if p.author)
    unauthored = len(pages) - authored
    dated = sum(1 for p in pages if p.day)
    print(
        f"wcxb-dev articles with labels: {len(pages)} "
        f"(title {titled}, author {authored}, publication day {dated})"
    )
    print(
        f"{'extractor':<12} {'title':>13} {'author':>13} {'author~':>13} {'day':>13} "
        f"{'spurious':>9} {'docs/s':>7}"
    )

    def cell(n: int, d: int) -> str:
        return f"{n}/{d} {n / d:.2f}" if d else "-"

    for t in tallies:
        rate = len(pages) / t.seconds if t.seconds else 0.0
        print(
            f"{t.name:<12} {cell(t.title_ok, titled):>13} {cell(t.author_ok, authored):>13} "
            f"{cell(t.author_partial, authored):>13} {cell(t.day_ok, dated):>13} "
            f"{cell(t.author_spurious, unauthored):>9} {rate:>7.1f}"
        )
    print("author~: partial matches included; spurious: an author where WCXB names none")
    print("docs/s: pitboard is the whole cleaning stage, trafilatura its metadata pass only")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--truth-dir", type=Path, help="WCXB's dev/ground-truth folder")
    parser.add_argument("--meta-truth", type=Path, default=DEFAULT_META_TRUTH)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    pages = load(args)
    report(pages, score(pages, args.verbose))


if __name__ == "__main__":
    main()
