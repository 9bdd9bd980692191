"""Plain trafilatura against Pitboard's cleaning, side by side, in one process.

Both extractors see the same pages, interleaved page by page (and in alternating order), so
machine load hits them alike: on the shared machines absolute docs/s drift by +-20% between
runs, and only the ratio printed here is meaningful. For each: precision, recall and F1 of the
body text (the metric of ../shared/eval/README.md, :mod:`etl.clean.evaluation`), documents per
second, and peak memory (Python allocations traced by ``tracemalloc`` during a separate pass
over the same pages, so tracing does not slow the timed pass).

Corpora: the Scrapinghub dev pages (``--eval-dir``, default ../shared/eval relative to the repo)
and, when the generator is importable, the sample sites' articles and galleries against their
truth. Run: ``.venv/bin/python bench/extraction.py [--eval-dir DIR] [--sample-articles N]``.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import logging
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean.cleaner import clean_page  # noqa: E402
from etl.clean.evaluation import PageScore, score_corpus, score_page  # noqa: E402

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True, slots=True)
class Sample:
    """One page to extract and the text a person (or the generator) says is its body."""

    page_id: str
    url: str
    body: bytes
    truth: str


@dataclass(slots=True)
class Tally:
    name: str
    seconds: float = 0.0
    scores: list[PageScore] = field(default_factory=list)
    peak_bytes: int = 0


def trafilatura_defaults(body: bytes, url: str) -> str:
    """The baseline: ``trafilatura.extract(html)`` with its default settings."""
    return trafilatura.extract(body) or ""


def pitboard(body: bytes, url: str) -> str:
    return clean_page(body, url).text


EXTRACTORS: dict[str, Extractor] = {"trafilatura": trafilatura_defaults, "pitboard": pitboard}


def load_scrapinghub(eval_dir: Path) -> list[Sample]:
    corpus = eval_dir / "scrapinghub-dev"
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    samples = []
    for page_id in sorted(truth):
        body = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        samples.append(Sample(page_id, truth[page_id]["url"], body, truth[page_id]["articleBody"]))
    return samples


def load_sample_sites(articles: int) -> list[Sample]:
    """Articles and galleries of the generated sites, rendered without a socket."""
    try:
        from samplesite import build_sample_sites
    except ImportError:
        return []
    samples = []
    for site in build_sample_sites(articles).values():
        for truth in site.truth():
            if truth.kind not in ("article", "gallery") or truth.status != 200:
                continue
            response = site.render(truth.path)
            if response.status == 200:
                samples.append(Sample(truth.path, truth.url, response.body, truth.text))
    return samples


def run(samples: Sequence[Sample]) -> list[Tally]:
    """Time every extractor over the same pages, interleaved; then measure memory apart."""
    tallies = {name: Tally(name) for name in EXTRACTORS}
    order = list(EXTRACTORS)
    for i, sample in enumerate(samples):
        for name in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            text = EXTRACTORS[name](sample.body, sample.url)
            tallies[name].seconds += time.perf_counter() - started
            tallies[name].scores.append(score_page(text, sample.truth))
    for name, extractor in EXTRACTORS.items():
        gc.collect()
        tracemalloc.start()
        for sample in samples:
            extractor(sample.body, sample.url)
        tallies[name].peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return list(tallies.values())


def report(title: str, samples: Sequence[Sample], tallies: Sequence[Tally]) -> None:
    print(f"\n{title}: {len(samples)} pages")
    print(
        f"{'extractor':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'docs/s':>8} {'peak MiB':>9}"
    )
    for tally in tallies:
        corpus = score_corpus(tally.scores)
        rate = len(samples) / tally.seconds if tally.seconds else 0.0
        print(
            f"{tally.name:<12} {corpus.precision:>9.3f} {corpus.recall:>7.3f} {corpus.f1:>6.3f} "
            f"{rate:>8.1f} {tally.peak_bytes / 2**20:>9.1f}"
        )
    base, ours = tallies[0], tallies[1]
    if base.seconds and ours.seconds:
        print(f"speed ratio pitboard/trafilatura: {base.seconds / ours.seconds:.2f}x")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument(
        "--sample-articles", type=int, default=60, help="articles per sample site (0: skip)"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # trafilatura logs every discarded page

    samples = load_scrapinghub(args.eval_dir)
    report("scrapinghub-dev", samples, run(samples))
    if args.sample_articles:
        site_samples = load_sample_sites(args.sample_articles)
        if site_samples:
            report("sample sites (articles and galleries)", site_samples, run(site_samples))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess max RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
