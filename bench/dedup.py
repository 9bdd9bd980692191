"""Near-duplicate detection at scale, through the real PostgreSQL index.

For each size (default 10k, 50k and 100k documents) the sample-site generator writes that many
articles (two sites of size/2, with their planted republished copies: another headline, a
rewritten opening and/or a source footer), in publication order across both sites, as a
crawler would meet them. They go through what the article loader does, in batches of
``--batch`` in one transaction each: signatures (:func:`etl.dedup.neardup.signature`), one probe of
the index (:func:`etl.dedup.neardup_index.find_near_duplicates`), the article rows, then
:func:`etl.dedup.neardup_index.add_signatures`. Printed per size: documents per second of the
detection work (signatures, probe and indexing; generating texts and inserting the article
rows are not counted), peak resident memory of the process that ran it (a fresh process per
run), and precision/recall of the links against the generator's truth.

This machine's speed drifts by a fifth from minute to minute, more than the growth being
measured, so the sizes are run in ``--rounds`` interleaved rounds (10k, 50k, 100k, then again)
and the summary takes each size's median; time(largest)/time(smallest) is printed from the
medians and for every round.

``--thresholds 0.3,0.4,...`` instead prints the precision/recall table used to choose the
default threshold (one full run per threshold over ``--articles`` articles per site), with the
probability that the LSH bands make a pair of exactly that similarity a candidate at all.

Each run works in a scratch database created on ``--database-url`` (default: the local
PostgreSQL), migrated with :func:`etl.store.migrate.upgrade`, and dropped at the end.
Run: ``.venv/bin/python bench/dedup.py [--sizes 1000,5000] [--rounds 1] [--thresholds 0.3,0.5]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, insert, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.process_memory import peak_rss_mib  # noqa: E402
from etl.dedup import neardup  # noqa: E402
from etl.dedup.neardup_index import add_signatures, find_near_duplicates  # noqa: E402
from etl.store.models import ArticleRow  # noqa: E402
from etl.store.scratch import scratch_database  # noqa: E402
from samplesite import build_sample_sites  # noqa: E402

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True, slots=True)
class Document:
    """One article as the loader would get it, with the truth about what it copies."""

    position: int
    name: tuple[str, str]  # (site, path)
    text: str
    original: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class RunResult:
    documents: int
    seconds: float
    peak_rss_mib: float
    copies: int
    flagged: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.copies if self.copies else 1.0


def sample_documents(documents: int, seed: int) -> Iterator[Document]:
    """About ``documents`` generated articles of both sample sites, oldest first, lazily."""
    sites = build_sample_sites(articles=max(6, documents // 2), seed=seed)
    streams = [
        ((spec.published, name, spec.article_id), site, spec)
        for name, site in sites.items()
        for spec in site.visible(1)
    ]
    for position, (_, site, spec) in enumerate(sorted(streams, key=lambda s: s[0])):
        yield Document(
            position,
            (site.name, site.article_path(spec)),
            "\n\n".join(site.paragraphs(spec)),
            site.original_of(spec),
        )


def write_documents(documents: int, seed: int, path: Path) -> int:
    """:func:`sample_documents` into a JSON-lines file; how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for doc in sample_documents(documents, seed):
            out.write(json.dumps([doc.position, doc.name, doc.text, doc.original]) + "\n")
            count += 1
    return count


def read_documents(path: Path) -> Iterator[Document]:
    """The documents of :func:`write_documents`, one line at a time."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            position, name, body, original = json.loads(line)
            yield Document(
                position, (name[0], name[1]), body, None if original is None else tuple(original)
            )


def _batches(docs: Iterator[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(url: str, documents: Path, threshold: float, batch_size: int) -> RunResult:
    """Detect near-duplicates over the articles of a :func:`write_documents` file, in an
    emptied database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        # near_dup_bands has no foreign key (see etl.store.models): CASCADE does not reach it.
        conn.execute(text("TRUNCATE articles, near_dup_bands RESTART IDENTITY CASCADE"))
    position_of: dict[tuple[str, str], int] = {}
    root_of: dict[int, int] = {}  # document position -> position of the story it was linked to
    article_position: dict[int, int] = {}
    truth: dict[int, int] = {}
    seconds = 0.0
    count = 0
    for batch in _batches(read_documents(documents), batch_size):
        for doc in batch:
            position_of[doc.name] = doc.position
            if doc.original is not None and doc.original in position_of:
                truth[doc.position] = position_of[doc.original]
        count += len(batch)
        with engine.begin() as conn:
            started = time.perf_counter()
            items = [(doc.position, neardup.signature(doc.text)) for doc in batch]
            found = find_near_duplicates(conn, items, threshold)
            seconds += time.perf_counter() - started
            ids = conn.scalars(
                insert(ArticleRow).returning(ArticleRow.id, sort_by_parameter_order=True),
                [
                    {
                        "site": doc.name[0],
                        "url": f"bench://{doc.name[0]}{doc.name[1]}",
                        "kind": "article",
                        "text": "",
                        "content_hash": f"{doc.position:064d}",
                    }
                    for doc in batch
                ],
            ).all()
            for doc, article_id in zip(batch, ids, strict=True):
                article_position[article_id] = doc.position
            started = time.perf_counter()
            add_signatures(conn, [(i, sig) for i, (_, sig) in zip(ids, items, strict=True)])
            seconds += time.perf_counter() - started
        for key, match in found.items():
            if match.article_id is not None:
                root_of[key] = article_position[match.article_id]
            else:
                earlier = match.earlier
                assert earlier is not None
                root_of[key] = root_of.get(earlier, earlier)
    engine.dispose()
    correct = sum(1 for key, root in root_of.items() if truth.get(key) == root)
    # Not ru_maxrss: a spawned worker's would include the parent that generated the documents.
    peak = peak_rss_mib() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return RunResult(count, seconds, peak, len(truth), len(root_of), correct)


def _run_in_child(args: tuple[str, Path, float, int]) -> RunResult:
    return run(*args)


def run_fresh_process(url: str, documents: Path, threshold: float, batch_size: int) -> RunResult:
    """``run`` in a new process, so its peak memory is its own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_run_in_child, ((url, documents, threshold, batch_size),))


def _floats(value: str) -> list[float]:
    return [float(v) for v in value.split(",") if v]


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v]


def _row(label: str, r: RunResult, spread: str = "") -> str:
    return (
        f"{label:>5} {r.documents:>9} {r.seconds:>8.1f} {spread:>11} "
        f"{r.documents / r.seconds:>7.0f} {r.peak_rss_mib:>8.0f} {r.copies:>6} "
        f"{r.precision:>9.3f} {r.recall:>6.3f}"
    )


def _median_run(runs: list[RunResult]) -> RunResult:
    """The run of median time (the upper middle one for an even count)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def scaling(args: argparse.Namespace, url: str, files: dict[int, Path]) -> None:
    """The sizes in interleaved rounds, then each size's median and the growth ratio."""
    print(
        f"near-duplicate detection, threshold {args.threshold}, batches of {args.batch}, "
        f"{args.rounds} round(s) of sizes {', '.join(map(str, args.sizes))}, "
        "a fresh process per run"
    )
    header = (
        f"{'round':>5} {'documents':>9} {'seconds':>8} {'min-max':>11} {'docs/s':>7} "
        f"{'peak MiB':>8} {'copies':>6} {'precision':>9} {'recall':>6}"
    )
    print(header)
    runs: dict[int, list[RunResult]] = {size: [] for size in args.sizes}
    for round_number in range(1, args.rounds + 1):
        for size in args.sizes:
            r = run_fresh_process(url, files[size], args.threshold, args.batch)
            runs[size].append(r)
            print(_row(str(round_number), r), flush=True)
    medians = {size: _median_run(found) for size, found in runs.items()}
    if args.rounds > 1:
        print("median of the rounds:")
        print(header)
        for size, found in runs.items():
            times = [r.seconds for r in found]
            spread = f"{min(times):.1f}-{max(times):.1f}"
            print(_row("med", medians[size], spread))
    if len(args.sizes) > 1:
        first, last = args.sizes[0], args.sizes[-1]
        small, large = medians[first], medians[last]
        per_round = ", ".join(
            f"{b.seconds / a.seconds:.1f}x" for a, b in zip(runs[first], runs[last], strict=True)
        )
        print(
            f"time({large.documents})/time({small.documents}) = "
            f"{large.seconds / small.seconds:.1f}x (medians; per round: {per_round}) for "
            f"{large.documents / small.documents:.1f}x the documents "
            f"(linear would be {large.documents / small.documents:.1f}x)"
        )


def threshold_table(args: argparse.Namespace, url: str, documents: Path) -> None:
    """Precision and recall for each threshold, over the same documents."""
    print(f"threshold table: {2 * args.articles} generated articles, seed {args.seed}")
    print(
        f"{'threshold':>9} {'copies':>6} {'flagged':>7} {'correct':>7} "
        f"{'precision':>9} {'recall':>6} {'P(candidate)':>12}"
    )
    for threshold in args.thresholds:
        r = run(url, documents, threshold, args.batch)
        print(
            f"{threshold:>9.2f} {r.copies:>6} {r.flagged:>7} {r.correct:>7} "
            f"{r.precision:>9.3f} {r.recall:>6.3f} "
            f"{neardup.candidate_probability(threshold):>12.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a server to create on")
    parser.add_argument("--sizes", type=_ints, default=[10_000, 50_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of each size")
    parser.add_argument("--batch", type=int, default=1000, help="documents per transaction")
    parser.add_argument("--threshold", type=float, default=neardup.threshold_from_env())
    parser.add_argument("--thresholds", type=_floats, help="print the threshold table instead")
    parser.add_argument("--articles", type=int, default=5000, help="per site, for --thresholds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    with (
        tempfile.TemporaryDirectory(prefix="pitboard-dedup-") as scratch,
        scratch_database(args.database_url, "pitboard_bench") as url,
    ):
        if args.thresholds:
            documents = Path(scratch, "threshold-table.jsonl")
            write_documents(2 * args.articles, args.seed, documents)
            threshold_table(args, url, documents)
            return
        files: dict[int, Path] = {}
        for size in dict.fromkeys(args.sizes):
            files[size] = Path(scratch, f"{size}.jsonl")
            started = time.perf_counter()
            count = write_documents(size, args.seed, files[size])
            print(
                f"generated {count} documents for size {size} "
                f"in {time.perf_counter() - started:.0f} s (not timed below)",
                flush=True,
            )
        scaling(args, url, files)


if __name__ == "__main__":
    main()
