"""Body extraction, measured where Pitboard loses text: wcxb-dev articles and scrapinghub-dev.

Four texts per page, timed interleaved in one process (alternating order, so machine load hits
all alike; only ratios of docs/s are meaningful on the shared machines):

- ``pitboard``: ``clean_page(body, url).text``, what the product stores;
- ``as-article``: the same extraction and rules with every page treated as an article, so the
  classifier's mistakes (another step's business) are told apart from extraction's;
- ``trafilatura``: ``trafilatura.extract(html)`` with its defaults (fallbacks on);
- ``readability``: readability-lxml's ``Document(html).summary()``, as text with paragraph breaks.

Then, untimed, a trace of the ``as-article`` path step by step (fast extraction of the untouched
tree, each restructure step, the extraction the product made, each line rule) to list the pages
where Pitboard loses most recall against the best of the others, with the step responsible, and
a per-step table of the gold text each step removed (4-token shingles found in the truth) against
the noise it removed (shingles not in the truth).

Run: ``.venv/bin/python bench/body.py [--eval-dir DIR] [--worst 20] [--limit N]``.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import itertools
import json
import logging
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from lxml.html import HtmlElement, fromstring
from readability import Document

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.clean import restructure  # noqa: E402
from etl.clean.cleaner import clean_page  # noqa: E402
from etl.clean.evaluation import PageScore, score_corpus, score_page, shingles  # noqa: E402
from etl.clean.extract import extract_main_text, fast_lines, link_texts  # noqa: E402
from etl.clean.metadata import extract_metadata, guess_language  # noqa: E402
from etl.clean.parse import parse_html  # noqa: E402
from etl.clean.records import PageMetadata  # noqa: E402
from etl.clean.rules import RuleContext, apply_rules  # noqa: E402

Extractor = Callable[[bytes, str], str]
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "tr", "dd")


@dataclass(frozen=True, slots=True)
class Sample:
    corpus: str
    page_id: str
    url: str
    body: bytes
    truth: str


@dataclass(slots=True)
class Tally:
    name: str
    seconds: float = 0.0
    scores: list[PageScore] = field(default_factory=list)


def trafilatura_defaults(body: bytes, url: str) -> str:
    return trafilatura.extract(body) or ""


def readability_text(body: bytes, url: str) -> str:
    """readability's summary as text, one paragraph per block element."""
    try:
        summary = Document(body).summary()
    except Exception:  # readability raises on pages it cannot parse: an empty text
        return ""
    return html_to_text(fromstring(summary)) if summary.strip() else ""


def html_to_text(tree: HtmlElement) -> str:
    for element in tree.iter(*_BLOCK_TAGS):
        element.tail = "\n\n" + (element.tail or "")
    return "\n\n".join(p.strip() for p in tree.text_content().split("\n\n") if p.strip())


def pitboard(body: bytes, url: str) -> str:
    return clean_page(body, url).text


def _context(meta: PageMetadata, keys: list[str], lines: Sequence[str]) -> RuleContext:
    language = meta.language or (guess_language(" ".join(lines[:20])) if lines else None)
    return RuleContext(
        titles=tuple(t for t in (meta.title, meta.heading) if t),
        link_keys=frozenset(keys),
        link_key_list=tuple(keys),
        description=meta.description,
        language=language,
    )


def as_article(body: bytes, url: str) -> str:
    """The product's extraction and rules, with the classifier's verdict left out."""
    tree = parse_html(body)
    if tree is None:
        return ""
    meta = extract_metadata(tree, url)
    keys = link_texts(tree)
    restructure.prepare_for_extraction(tree)
    extracted = extract_main_text(tree, url)
    context = _context(meta, keys, extracted.lines)
    kept, _ = apply_rules(extracted.lines, context, tags=extracted.tags)
    return "\n\n".join(kept)


EXTRACTORS: dict[str, Extractor] = {
    "pitboard": pitboard,
    "as-article": as_article,
    "trafilatura": trafilatura_defaults,
    "readability": readability_text,
}


@dataclass(slots=True)
class Trace:
    """Recall after each step of the as-article path, and what each step removed."""

    recalls: list[tuple[str, float]] = field(default_factory=list)
    #: step name -> (gold shingles removed, noise shingles removed)
    removed: dict[str, tuple[int, int]] = field(default_factory=dict)
    method: str = "fast"


def _gold_noise(before: str, after: str, truth: Counter) -> tuple[int, int]:
    """Shingles present before a step and gone after it, split by whether the truth has them
    (clipped to the truth's count: a line repeated beyond the truth is noise)."""
    lost = shingles(before) - shingles(after)
    gold = lost & truth
    return sum(gold.values()), sum(lost.values()) - sum(gold.values())


def trace(sample: Sample) -> Trace:
    result = Trace()
    truth = shingles(sample.truth)
    tree = parse_html(sample.body)
    if tree is None:
        return result
    meta = extract_metadata(tree, sample.url)
    keys = link_texts(tree)

    def recall(text: str) -> float:
        return score_page(text, sample.truth).recall

    text = "\n".join(fast_lines(copy.deepcopy(tree), sample.url)[0])
    result.recalls.append(("extract:fast-untouched", recall(text)))
    for name, step in restructure.STEPS:
        step(tree)
        after = "\n".join(fast_lines(copy.deepcopy(tree), sample.url)[0])
        result.removed[f"restructure:{name}"] = _gold_noise(text, after, truth)
        result.recalls.append((f"restructure:{name}", recall(after)))
        text = after
    extracted = extract_main_text(tree, sample.url)
    result.method = extracted.method
    after = "\n".join(extracted.lines)
    result.removed[f"extract:{extracted.method}"] = _gold_noise(text, after, truth)
    result.recalls.append((f"extract:{extracted.method}", recall(after)))
    text = after
    log: list[tuple[str, str]] = []
    kept, _ = apply_rules(
        extracted.lines, _context(meta, keys, extracted.lines), tags=extracted.tags, trace=log
    )
    # each rule's removals, as the text before and after it (the log is in rule order)
    current = list(extracted.lines)
    for rule in dict.fromkeys(name for name, _ in log):
        before = "\n".join(current)
        for name, line in log:
            if name == rule:
                current.remove(line)
        result.removed[f"rule:{rule}"] = _gold_noise(before, "\n".join(current), truth)
    result.recalls.append(("rules", recall("\n".join(kept))))
    return result


def responsible(steps: list[tuple[str, float]], best_recall: float) -> str:
    """The step whose recall drop is largest, or the fast extraction of the untouched tree
    when its shortfall against the best other extractor is larger (``(thin)``)."""
    worst, drop = steps[0][0] + " (thin)", best_recall - steps[0][1]
    for (_, before), (name, after) in itertools.pairwise(steps):
        if before - after > drop:
            worst, drop = name, before - after
    return worst


def load(corpus_dir: Path, corpus: str, limit: int | None) -> list[Sample]:
    truth = json.loads((corpus_dir / "ground-truth.json").read_text(encoding="utf-8"))
    samples = []
    for page_id in sorted(truth)[:limit]:
        body = gzip.decompress((corpus_dir / "html" / f"{page_id}.html.gz").read_bytes())
        entry = truth[page_id]
        samples.append(Sample(corpus, page_id, entry["url"], body, entry["articleBody"]))
    return samples


def run(samples: Sequence[Sample]) -> dict[str, Tally]:
    tallies = {name: Tally(name) for name in EXTRACTORS}
    order = list(EXTRACTORS)
    for i, sample in enumerate(samples):
        for name in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            text = EXTRACTORS[name](sample.body, sample.url)
            tallies[name].seconds += time.perf_counter() - started
            tallies[name].scores.append(score_page(text, sample.truth))
    return tallies


def report(title: str, samples: Sequence[Sample], tallies: dict[str, Tally], worst: int) -> None:
    print(f"\n{title}: {len(samples)} pages")
    print(f"{'extractor':<12} {'P':>6} {'R':>6} {'F1':>6} {'docs/s':>7} {'ms/page':>8}")
    for tally in tallies.values():
        corpus = score_corpus(tally.scores)
        rate = len(samples) / tally.seconds if tally.seconds else 0.0
        ms = 1000 * tally.seconds / len(samples)
        print(
            f"{tally.name:<12} {corpus.precision:>6.3f} {corpus.recall:>6.3f} {corpus.f1:>6.3f} "
            f"{rate:>7.1f} {ms:>8.1f}"
        )
    base, ours = tallies["trafilatura"], tallies["pitboard"]
    print(f"speed ratio pitboard/trafilatura: {base.seconds / ours.seconds:.2f}x")

    traces = [trace(sample) for sample in samples]
    methods = Counter(t.method for t in traces)
    print("extraction used:", dict(methods))
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in traces:
        for step, (gold, noise) in t.removed.items():
            row = table[step]
            row[0] += gold
            row[1] += noise
            row[2] += 1 if gold + noise else 0
    print(f"{'step':<34} {'gold lost':>9} {'noise cut':>9} {'pages':>6}")
    for step, (gold, noise, pages) in table.items():
        print(f"{step:<34} {gold:>9} {noise:>9} {pages:>6}")

    losses = []
    for i, (sample, t) in enumerate(zip(samples, traces, strict=True)):
        ours_recall = tallies["as-article"].scores[i].recall
        best_name = max(("trafilatura", "readability"), key=lambda n: tallies[n].scores[i].recall)
        gap = tallies[best_name].scores[i].recall - ours_recall
        stored = tallies["pitboard"].scores[i].recall
        best_recall = tallies[best_name].scores[i].recall
        losses.append((gap, sample, best_name, t, ours_recall, stored, best_recall))
    losses.sort(key=lambda item: item[0], reverse=True)
    print(f"\n{worst} pages where as-article loses most recall against the best other:")
    print(f"{'id':<6} {'gap':>5} {'ours':>5} {'stored':>6} {'best':<11} {'step':<34} url")
    for gap, sample, best_name, t, ours_recall, stored, best_recall in losses[:worst]:
        print(
            f"{sample.page_id[:6]:<6} {gap:>5.2f} {ours_recall:>5.2f} {stored:>6.2f} "
            f"{best_name:<11} "
            f"{responsible(t.recalls, best_recall):<34} {sample.url[:70]}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--worst", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None, help="pages per corpus")
    parser.add_argument("--corpus", choices=("all", "wcxb", "scrapinghub"), default="all")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # trafilatura and readability log every odd page

    corpora = []
    if args.corpus in ("all", "wcxb"):
        corpora.append(("wcxb-dev articles", args.eval_dir / "wcxb-dev" / "article"))
    if args.corpus in ("all", "scrapinghub"):
        corpora.append(("scrapinghub-dev", args.eval_dir / "scrapinghub-dev"))
    for title, path in corpora:
        samples = load(path, title, args.limit)
        report(title, samples, run(samples), args.worst)


if __name__ == "__main__":
    main()
