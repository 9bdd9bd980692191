"""Pitboard's cleaning beside trafilatura defaults and readability-lxml, in one process.

Issue 13's "Measured, side by side". The three extractors see the same pages, interleaved page
by page (forward order on even pages, reversed on odd ones), so machine load hits them alike: on
the shared machines absolute docs/s drift by +-20% between runs, and only the ratios printed
here are meaningful.

- **Pitboard**: ``etl.clean.cleaner.clean_page(body, url)``; its ``.text``, ``.kind`` and
  ``.metadata``. Body scores are over the text Pitboard would keep whatever kind it decided, so
  a page it calls a listing (or other) scores as an empty prediction: it costs recall and leaves
  precision alone, exactly what storing it would give. On WCXB's non-article types this is the
  honest figure: Pitboard keeps no text for an index page, and those pages' truth is their
  teasers.
- **trafilatura**: ``trafilatura.extract(body, url=url)`` with its defaults (fallbacks on);
  metadata from ``trafilatura.extract_metadata(body, default_url=url)``, called outside the timed
  pass and only where there is metadata truth (``extract`` by default extracts none).
- **readability**: ``readability.Document(body, url=url).summary()``, an HTML fragment, turned
  into text by :func:`fragment_text`: lxml walks the fragment, each block element (``p``,
  headings, ``li``, ``div``, table cells...) opens and closes a paragraph, ``br`` breaks a line,
  whitespace inside text runs collapses to one space; paragraphs are joined by blank lines, as
  Pitboard writes them. (The metric ignores breaks: they only keep the text readable.)

Corpora (``--eval-dir``, default ../shared/eval relative to the repo): ``scrapinghub-dev``; every
page type of ``wcxb-dev`` (``--types``, ``--limit`` pages per type); the sample sites' pages
(``--sample-articles`` per site, 0 skips), their articles and galleries scored against the
generator's truth. Printed: body precision, recall and F1 (the metric of ../shared/eval/README.md,
:mod:`etl.clean.evaluation`) per corpus and per WCXB type; docs/s and their ratios; peak memory
(Python allocations traced by ``tracemalloc`` in a separate pass over the first
``--memory-pages`` pages of each corpus, so tracing does not slow the timed pass); the page-kind
confusion table (true type x Pitboard kind) with the two acceptance ratios; and title, author and
publication-day accuracy of Pitboard and trafilatura on articles, by the rules of
:func:`etl.clean.evaluation.tally_metadata` (wherever the truth carries those fields: the sample
sites always; wcxb-dev where its ground truth has ``title``/``author``/``publish_date``, which
the local copy lacks, or where ``--meta-truth`` lists the page: by default
``bench/wcxb_dev_metadata_sample.jsonl``, a small transcription of WCXB's own labels).

Run: ``.venv/bin/python bench/extraction.py [--eval-dir DIR] [--types article,listing]
[--limit N] [--no-readability] [--sample-articles N] [--memory-pages N]``; progress on stderr.
"""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing
import re
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import readability
import trafilatura
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean.cleaner import clean_page  # noqa: E402
from etl.clean.evaluation import (  # noqa: E402
    PITBOARD_KINDS,
    WCXB_TYPES,
    FieldTally,
    MetadataGuess,
    PageScore,
    Sample,
    articles_kept,
    confusion,
    listings_stored,
    load_metadata_truth,
    load_scrapinghub,
    load_wcxb,
    score_corpus,
    score_page,
    tally_metadata,
    with_metadata_truth,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one extractor made of one page: its text, and the kind and metadata when it says."""

    text: str
    kind: str | None = None
    meta: MetadataGuess | None = None


Extractor = Callable[[bytes, str], Outcome]


def pitboard(body: bytes, url: str) -> Outcome:
    page = clean_page(body, url)
    info = page.metadata
    return Outcome(page.text, page.kind, MetadataGuess(info.title, info.author, info.published_at))


def trafilatura_defaults(body: bytes, url: str) -> Outcome:
    """The baseline: ``trafilatura.extract`` with its default settings."""
    return Outcome(trafilatura.extract(body, url=url) or "")


def trafilatura_metadata(body: bytes, url: str) -> MetadataGuess:
    meta = trafilatura.extract_metadata(body, default_url=url)
    return MetadataGuess(meta.title, meta.author, meta.date)


#: Elements that start and end a paragraph of the text (``br`` breaks a line instead).
BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd details div dl dt fieldset figcaption figure "  # noqa: SIM905
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "td tfoot th thead tr ul".split()
)
WHITESPACE_RE = re.compile(r"\s+")


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment: paragraphs at block elements, joined by blank lines."""
    if not html or not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    # iterwalk skips comments with their tails: strip them first, keeping the tails as text.
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    paragraphs: list[str] = []
    lines: list[str] = []
    line: list[str] = []

    def end_line() -> None:
        text = "".join(line).strip()
        if text:
            lines.append(text)
        line.clear()

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
        lines.clear()

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == "br":
                end_line()
            elif tag in BLOCK_TAGS:
                end_paragraph()
            if element.text:
                line.append(WHITESPACE_RE.sub(" ", element.text))
        else:
            if tag in BLOCK_TAGS:
                end_paragraph()
            if element.tail and element is not root:
                line.append(WHITESPACE_RE.sub(" ", element.tail))
    end_paragraph()
    return "\n\n".join(paragraphs)


def readability_lxml(body: bytes, url: str) -> Outcome:
    """readability-lxml's main-content fragment as text; a page it cannot parse gives nothing."""
    try:
        return Outcome(fragment_text(readability.Document(body, url=url).summary()))
    except Exception:  # readability raises Unparseable (and worse) on odd pages
        return Outcome("")


@dataclass(slots=True)
class Tally:
    """One extractor over one corpus."""

    name: str
    seconds: float = 0.0
    pages: int = 0
    scores: list[PageScore] = field(default_factory=list)
    peak_bytes: int | None = None

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class Run:
    """Everything measured over one corpus."""

    title: str
    samples: int
    tallies: dict[str, Tally]
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (true type, Pitboard kind)
    metadata: dict[str, list[tuple[MetadataGuess, Sample]]] = field(default_factory=dict)


def has_metadata_truth(sample: Sample) -> bool:
    return sample.page_type == "article" and any(
        v is not None for v in (sample.title, sample.author, sample.published)
    )


@dataclass(frozen=True, slots=True)
class PageResult:
    """One page through every extractor: seconds and body score per extractor, Pitboard's kind
    and metadata, trafilatura's metadata (where there is metadata truth)."""

    index: int
    seconds: dict[str, float]
    scores: dict[str, PageScore | None]
    kind: str
    pitboard_meta: MetadataGuess | None
    trafilatura_meta: MetadataGuess | None


#: The pages and extractors a worker process reads, inherited through fork, not pickled.
_WORK: tuple[Sequence[Sample], Mapping[str, Extractor]] = ((), {})


def measure_page(index: int) -> PageResult:
    """Every extractor on page ``index`` of :data:`_WORK`, in forward order on even pages and
    reversed on odd ones, so no extractor always runs on a warm (or cold) cache."""
    samples, extractors = _WORK
    sample = samples[index]
    order = list(extractors)
    seconds: dict[str, float] = {}
    scores: dict[str, PageScore | None] = {}
    kind, meta = "other", None
    for name in order if index % 2 == 0 else reversed(order):
        started = time.perf_counter()
        outcome = extractors[name](sample.body, sample.url)
        seconds[name] = time.perf_counter() - started
        scores[name] = score_page(outcome.text, sample.truth) if sample.truth is not None else None
        if name == "pitboard":
            kind, meta = outcome.kind or "other", outcome.meta
    wants_meta = has_metadata_truth(sample)
    return PageResult(
        index,
        seconds,
        scores,
        kind,
        meta if wants_meta else None,
        trafilatura_metadata(sample.body, sample.url) if wants_meta else None,
    )


def run(
    title: str,
    samples: Sequence[Sample],
    extractors: Mapping[str, Extractor],
    memory_pages: int,
    jobs: int = 1,
) -> Run:
    """Time every extractor over the same pages, interleaved; then measure memory apart.

    With ``jobs`` > 1 the pages are dealt to that many forked workers, each interleaving the
    extractors the same way: the ratios stay fair (every extractor meets the same load), the
    absolute docs/s are per worker.
    """
    global _WORK
    _WORK = (samples, extractors)
    result = Run(title, len(samples), {name: Tally(name) for name in extractors})
    result.metadata = {"pitboard": [], "trafilatura": []}
    started_run = time.perf_counter()
    pool = multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else None
    try:
        pages = (
            pool.imap(measure_page, range(len(samples)), chunksize=4)
            if pool is not None
            else map(measure_page, range(len(samples)))
        )
        for done, page in enumerate(pages, 1):
            sample = samples[page.index]
            for name, tally in result.tallies.items():
                tally.seconds += page.seconds[name]
                tally.pages += 1
                score = page.scores[name]
                if score is not None:
                    tally.scores.append(score)
            result.kinds.append((sample.page_type, page.kind))
            if page.pitboard_meta is not None:
                result.metadata["pitboard"].append((page.pitboard_meta, sample))
            if page.trafilatura_meta is not None:
                result.metadata["trafilatura"].append((page.trafilatura_meta, sample))
            if done % 100 == 0 or done == len(samples):
                elapsed = time.perf_counter() - started_run
                print(f"  {title}: {done}/{len(samples)} pages, {elapsed:.0f} s", file=sys.stderr)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _WORK = ((), {})
    if memory_pages:
        for name, extractor in extractors.items():
            gc.collect()
            tracemalloc.start()
            for sample in samples[:memory_pages]:
                extractor(sample.body, sample.url)
            result.tallies[name].peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return result


def merge(title: str, runs: Sequence[Run]) -> Run:
    """Several corpora's runs as one (memory figures are per corpus, so dropped)."""
    names = list(runs[0].tallies)
    merged = Run(title, sum(r.samples for r in runs), {n: Tally(n) for n in names})
    merged.metadata = {"pitboard": [], "trafilatura": []}
    for r in runs:
        for name, tally in r.tallies.items():
            merged.tallies[name].seconds += tally.seconds
            merged.tallies[name].pages += tally.pages
            merged.tallies[name].scores.extend(tally.scores)
        merged.kinds.extend(r.kinds)
        for name, pairs in r.metadata.items():
            merged.metadata[name].extend(pairs)
    return merged


def speed_ratios(tallies: Mapping[str, Tally]) -> str:
    ours = tallies["pitboard"].rate
    parts = [
        f"pitboard/{name} {ours / tally.rate:.2f}x"
        for name, tally in tallies.items()
        if name != "pitboard" and tally.rate
    ]
    return "docs/s ratio " + ", ".join(parts)


def report_corpus(r: Run) -> None:
    scored = len(next(iter(r.tallies.values())).scores)
    print(f"\n{r.title}: {r.samples} pages, {scored} with a true body")
    print(
        f"{'extractor':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'docs/s':>8} {'peak MiB':>9}"
    )
    for tally in r.tallies.values():
        corpus = score_corpus(tally.scores)
        peak = f"{tally.peak_bytes / 2**20:>9.1f}" if tally.peak_bytes is not None else f"{'-':>9}"
        print(
            f"{tally.name:<12} {corpus.precision:>9.3f} {corpus.recall:>7.3f} {corpus.f1:>6.3f} "
            f"{tally.rate:>8.1f} {peak}"
        )
    print(speed_ratios(r.tallies))


def report_by_type(runs: Sequence[Run], pooled: Run) -> None:
    names = list(pooled.tallies)
    print("\nwcxb-dev body P/R/F1 by page type (Pitboard: the text it keeps, whatever its kind)")
    header = f"{'type':<14} {'pages':>5} " + " ".join(f"{n + ' P/R/F1':>20}" for n in names)
    print(header + f" {'docs/s ratio':>20}")
    for r in [*runs, pooled]:
        cells = []
        for name in names:
            s = score_corpus(r.tallies[name].scores)
            cells.append(f"{s.precision:.3f} {s.recall:.3f} {s.f1:.3f}".rjust(20))
        ours = r.tallies["pitboard"].rate
        ratios = "/".join(
            f"{ours / t.rate:.2f}" for n, t in r.tallies.items() if n != "pitboard" and t.rate
        )
        label = r.title.removeprefix("wcxb-dev ")
        print(f"{label:<14} {r.samples:>5} " + " ".join(cells) + f" {ratios + 'x':>20}")
    print("(docs/s ratio: pitboard/" + "/".join(n for n in names if n != "pitboard") + ")")
    print(
        "docs/s " + ", ".join(f"{n} {pooled.tallies[n].rate:.1f}" for n in names) + " (all types)"
    )


def report_kinds(title: str, kinds: Sequence[tuple[str, str]]) -> None:
    table = confusion(kinds)
    print(f"\n{title}: page kind, true type (rows) x Pitboard kind")
    print(f"{'type':<14} " + " ".join(f"{k:>8}" for k in PITBOARD_KINDS) + f" {'total':>6}")
    for true_type, row in table.items():
        cells = " ".join(f"{row[k]:>8}" for k in PITBOARD_KINDS)
        print(f"{true_type:<14} {cells} {sum(row.values()):>6}")
    kept, stored = articles_kept(table), listings_stored(table)
    print(
        f"articles called article: {kept.hits}/{kept.total} = {kept.share:.1%} (want >= 98%); "
        f"listing+collection stored as article or gallery: {stored.hits}/{stored.total} = "
        f"{stored.share:.1%} (want <= 10%)"
    )


def report_metadata(title: str, metadata: Mapping[str, list[tuple[MetadataGuess, Sample]]]) -> None:
    tallies: dict[str, dict[str, FieldTally]] = {
        name: tally_metadata(pairs) for name, pairs in metadata.items()
    }
    if not any(t.total for per_field in tallies.values() for t in per_field.values()):
        print(f"\n{title}: no metadata truth (title/author/publish_date) in the ground truth")
        return
    print(
        f"\n{title}: metadata right / pages whose truth has the field (found = gave any value); "
        "title and author: whitespace-normalised, case-folded equality (author: same set of "
        "names, however joined); published: same calendar day"
    )
    names = list(tallies)
    print(f"{'field':<10} " + " ".join(f"{n + ' right (found)':>30}" for n in names))
    for field_name in ("title", "author", "published"):
        cells = []
        for name in names:
            t = tallies[name][field_name]
            cells.append(f"{t.right}/{t.total} = {t.accuracy.share:.3f} ({t.found})".rjust(30))
        print(f"{field_name:<10} " + " ".join(cells))


def load_sample_sites(articles: int) -> list[Sample]:
    """Every page the generated sites answer with 200, rendered without a socket: articles and
    galleries with their body truth (articles with their metadata too), listings and other pages
    for the kind table only."""
    try:
        from samplesite import build_sample_sites
    except ImportError:
        return []
    samples = []
    for site in build_sample_sites(articles).values():
        for truth in site.truth():
            if truth.status != 200:
                continue
            response = site.render(truth.path)
            if response.status != 200:
                continue
            is_article = truth.kind == "article"
            samples.append(
                Sample(
                    page_id=truth.path,
                    url=truth.url,
                    body=response.body,
                    truth=truth.text if truth.kind in ("article", "gallery") else None,
                    page_type=truth.kind,
                    title=truth.title if is_article else None,
                    author=truth.author if is_article else None,
                    published=truth.published.date() if is_article and truth.published else None,
                )
            )
    return samples


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument(
        "--types", default=",".join(WCXB_TYPES), help="WCXB page types, comma-separated ('' skips)"
    )
    parser.add_argument("--limit", type=int, default=None, help="pages per WCXB type")
    parser.add_argument("--no-readability", action="store_true", help="skip readability-lxml")
    parser.add_argument(
        "--sample-articles", type=int, default=60, help="articles per sample site (0: skip)"
    )
    parser.add_argument(
        "--memory-pages", type=int, default=30, help="pages per corpus in the memory pass (0: skip)"
    )
    parser.add_argument("--no-scrapinghub", action="store_true", help="skip scrapinghub-dev")
    parser.add_argument(
        "--meta-truth",
        type=Path,
        default=REPO / "bench" / "wcxb_dev_metadata_sample.jsonl",
        help="JSON lines of WCXB metadata truth {id, title, author, publish_date}, if present",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1: one process, as issued)"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # trafilatura logs every discarded page
    extractors: dict[str, Extractor] = {"pitboard": pitboard, "trafilatura": trafilatura_defaults}
    if not args.no_readability:
        extractors["readability"] = readability_lxml
    started = time.perf_counter()

    if not args.no_scrapinghub:
        samples = load_scrapinghub(args.eval_dir)[: args.limit]
        report_corpus(run("scrapinghub-dev", samples, extractors, args.memory_pages, args.jobs))

    types = [t for t in args.types.split(",") if t]
    unknown = sorted(set(types) - set(WCXB_TYPES))
    if unknown:
        parser.error(f"unknown WCXB types: {', '.join(unknown)}")
    meta_truth = load_metadata_truth(args.meta_truth) if args.meta_truth.is_file() else {}
    wcxb_runs = []
    for page_type in types:
        samples = load_wcxb(args.eval_dir, page_type, args.limit)
        if meta_truth:
            samples = with_metadata_truth(samples, meta_truth)
        # Memory on the article pages only: one figure per extractor is enough, and the pass
        # costs three times the timed one.
        memory = args.memory_pages if page_type == "article" else 0
        wcxb_runs.append(run(f"wcxb-dev {page_type}", samples, extractors, memory, args.jobs))
        del samples
    if wcxb_runs:
        pooled = merge("wcxb-dev all", wcxb_runs)
        for r in wcxb_runs:
            if r.title == "wcxb-dev article":
                report_corpus(r)
        report_by_type(wcxb_runs, pooled)
        report_kinds("wcxb-dev", pooled.kinds)
        report_metadata("wcxb-dev articles", pooled.metadata)

    if args.sample_articles:
        site_samples = load_sample_sites(args.sample_articles)
        if site_samples:
            r = run("sample sites", site_samples, extractors, args.memory_pages, args.jobs)
            report_corpus(r)
            report_kinds("sample sites", r.kinds)
            report_metadata("sample-site articles", r.metadata)

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess max RSS: {rss:.0f} MiB; wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
