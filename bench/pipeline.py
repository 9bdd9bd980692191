"""Benchmark of the whole pipeline on generated sites: crawl, clean, load, end to end, beside
what a user could write instead.

    python bench/pipeline.py [--articles 2000] [--database-url URL] [--workers N]
                             [--flow-only] [--timeline]

Serves the English and French sample sites (``--articles`` each) on 127.0.0.1 and, in the same
run, each into a scratch database of its own:

- Pitboard in series (as it ran before issue 17): the real spiders (child processes) one
  after the other, then ``clean_stored_pages`` over every stored page. Pages/s per stage.
- Pitboard overlapped: the ``crawl_and_clean`` flow itself (``pitboard run``'s), under a
  temporary Prefect server started before the timing: both sites crawl at once and each
  site's pages are cleaned and loaded as they are stored, on one shared pool of worker
  processes. End to end is the flow's wall time (its worker pool's start included).
- Two do-it-yourself spiders (``bench/diy_spider.py``: one Scrapy CrawlSpider, calling
  ``trafilatura.extract`` and inserting with ``executemany``), one process per site, both
  sites at once: naive, and with the URLs canonicalised in ``process_links``.

For each: pages (responses stored by Pitboard, requests answered for a DIY spider), pages/s,
texts (rows stored: Pitboard's articles and galleries, a DIY spider's rows) and texts/s, and
coverage against the sites' truth: the distinct articles and galleries found, by URL identity,
so the naive spider's tracking-parameter and slash variants of one page count once.
**articles/s** is that coverage per wall second: (articles found + galleries found) / seconds.
It is issue 17's measure: texts/s would credit the naive spider for storing one article under
several URLs. The summary gives Pitboard's articles/s against each DIY spider's (the issue asks
for 3x the naive one and 2x the canonicalising one), and texts/s beside them.

CPU seconds are counted per kind of process while each way runs (``ProcessUse``, polled every
0.1 s): the spiders, the cleaning workers, Prefect's temporary server, PostgreSQL (every process
of the server, so another job's queries would count too), and this process, split into the
sample sites' request threads (each timed by ``time.thread_time``) and the rest (the flow's own
threads and the loader). The machine's own busy CPU seconds over the same span (``/proc/stat``)
say how loaded it was: on this shared 2-core machine, other jobs take their share. Peak memory
is each process's own (``crawler.process_memory``: VmHWM), per kind of process. Baselines of
the same run: a plain threaded HTTP client fetching every page the crawler stored, and
``trafilatura.extract`` alone on 400 stored pages.

``--flow-only`` runs the flow alone (no ratios), ``--timeline`` adds its CPU by kind of process
every 2 s: how well the stages overlap.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Before Prefect is imported: the flow's INFO lines would bury the figures.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import trafilatura
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from crawler.process_memory import peak_rss_mib
from etl.clean_stored import clean_stored_pages
from etl.dedup.urls import url_identity
from etl.store.models import ArticleRow, RawPageRow
from etl.store.scratch import scratch_database
from flows.spider_process import run_spider
from samplesite import serve_sample_sites
from samplesite.server import ServedSites

ROOT = Path(__file__).resolve().parent.parent
SITES = ("sample-en", "sample-fr")
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str) -> float | None:
    """User plus system CPU seconds of process ``pid`` so far (``/proc/PID/stat``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class ServerCpu:
    """CPU seconds the sample sites' request threads spend (in the bench process), each
    request thread timed by ``time.thread_time``: they live a few milliseconds each, too
    short for polling to see."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()

    def install(self) -> None:
        original = ThreadingHTTPServer.process_request_thread

        def timed(server: ThreadingHTTPServer, request: object, address: object) -> None:
            started = time.thread_time()
            try:
                original(server, request, address)
            finally:
                with self._lock:
                    self.seconds += time.thread_time() - started

        ThreadingHTTPServer.process_request_thread = timed  # type: ignore[method-assign]


SERVER_CPU = ServerCpu()


MACHINE = "machine (every process)"


def machine_cpu() -> float:
    """CPU seconds the whole machine spent busy so far, every process of every user."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes (its backends, and its writers and vacuum)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
    return found


class ProcessUse(threading.Thread):
    """What each kind of process uses while one way runs: the largest peak memory (VmHWM) of
    this process's descendants of each kind (spiders, cleaning workers, DIY spiders), and the
    CPU seconds of each kind, PostgreSQL's processes and this process (the sample sites'
    share apart) included, polled every 0.1 s while they live: a finished process's VmHWM is
    gone with it, and the CPU a process spends in its last 0.1 s is missed."""

    KINDS = (
        ("runspider", "DIY spider"),
        ("scrapy crawl", "crawler"),
        ("spawn_main", "cleaning worker"),
        # the local pool's workers, forked from it (etl.clean_stored.worker_context), and it
        ("multiprocessing.forkserver", "cleaning worker"),
        ("prefect", "Prefect server"),
        ("uvicorn", "Prefect server"),
    )

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._done = threading.Event()
        self._kinds: dict[int, str] = {}
        self._first: dict[int, float] = {}  # CPU of the processes already there at the start
        self._last: dict[int, float] = {}
        self._at_start = (0.0, 0.0)
        self._machine = 0.0
        self._own = 0.0
        self._t0 = time.perf_counter()
        self.timeline: list[tuple[float, dict[str, float]]] = []  # (second, CPU by kind)

    def _poll(self, first: bool = False) -> None:
        stack = _children(os.getpid())
        seen = [(pid, "postgres") for pid in postgres_pids()]
        while stack:
            pid = stack.pop()
            stack += _children(pid)
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            kind = next((k for mark, k in self.KINDS if mark.encode() in command), "other")
            seen.append((pid, kind))
        for pid, kind in seen:
            used = cpu_seconds(pid)
            if used is None:
                continue
            if self._kinds.get(pid, "other") == "other":  # a zombie's command line is empty
                self._kinds[pid] = kind
            if first:
                self._first[pid] = used
            self._last[pid] = used
            # A process that only idled through this way is not its memory: the fork server
            # of an earlier way's cleaning workers stays, as it does in pitboard serve.
            working = pid not in self._first or used > self._first[pid]
            if working and kind not in ("other", "postgres", "Prefect server"):
                self.peaks[kind] = max(self.peaks.get(kind, 0.0), peak_rss_mib(pid) or 0.0)

    def start(self) -> None:
        self._poll(first=True)
        self._at_start = (sum(os.times()[:2]), SERVER_CPU.seconds)
        self._machine = machine_cpu()
        self._t0 = time.perf_counter()
        super().start()

    def _so_far(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for pid, last in self._last.items():
            kind = self._kinds[pid]
            used[kind] = used.get(kind, 0.0) + last - self._first.get(pid, 0.0)
        used[MACHINE] = machine_cpu() - self._machine
        return used

    def run(self) -> None:
        ticks = 0
        while not self._done.wait(0.1):
            self._poll()
            ticks += 1
            if ticks % 10 == 0:
                self.timeline.append((time.perf_counter() - self._t0, self._so_far()))
        self._own = time.thread_time()  # polling's own CPU, not the bench process's work

    def stop(self) -> tuple[dict[str, float], dict[str, float]]:
        """Peak MiB by kind, and CPU seconds by kind."""
        self._done.set()
        self.join()
        self._poll()
        for pid, used in self._last.items():
            kind = self._kinds[pid]
            self.cpu[kind] = self.cpu.get(kind, 0.0) + used - self._first.get(pid, 0.0)
        own, served = self._at_start
        server = SERVER_CPU.seconds - served
        self.cpu["sample-site server"] = server
        rest = sum(os.times()[:2]) - own - server - self._own
        self.cpu["bench process (the flow, loading)"] = rest
        self.cpu[MACHINE] = machine_cpu() - self._machine
        return self.peaks, self.cpu


@dataclass
class Outcome:
    """One way of turning the two sites into stored texts."""

    name: str
    seconds: float
    pages: int  # responses stored (Pitboard) or fetched (DIY)
    stored: int  # texts stored: articles and galleries (Pitboard), rows (DIY)
    articles_found: int
    galleries_found: int
    memory: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    timeline: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        """Distinct articles and galleries of the truth found, per wall second."""
        return (self.articles_found + self.galleries_found) / self.seconds


def outcome(
    name: str,
    seconds: float,
    pages: int,
    urls: list[str],
    truth: dict,
    usage: tuple[dict[str, float], dict[str, float], list[tuple[float, dict[str, float]]]],
    stages: list[tuple[str, float]] | None = None,
) -> Outcome:
    """An :class:`Outcome` from the stored texts' URLs and the process usage measured
    (peak memory, CPU seconds, timeline), each text's URL judged against the truth."""
    peaks, cpu, timeline = usage
    articles, galleries = found(urls, truth["article"]), found(urls, truth["gallery"])
    return Outcome(
        name, seconds, pages, len(urls), articles, galleries, peaks, cpu, timeline, stages or []
    )


def truth_identities(served: ServedSites, kind: str) -> set[str]:
    return {
        identity
        for page in served.truth()
        if page.kind == kind and page.status == 200 and page.reachable
        if (identity := url_identity(page.url)) is not None
    }


def found(urls: Iterable[str], wanted: set[str]) -> int:
    return len({url_identity(u) for u in urls} & wanted)


def fetch_all(urls: list[str], threads: int = 16) -> float:
    def get(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return len(resp.read())
        except urllib.error.HTTPError as exc:  # the planted dead link
            return len(exc.read())

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, urls))
    return time.perf_counter() - started


def pitboard_texts(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(select(ArticleRow.url).where(ArticleRow.kind.in_(["article", "gallery"])))
        )


def stored_pages(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(RawPageRow)) or 0


def in_series(
    served: ServedSites, db_url: str, engine: Engine, workers: int | None, truth: dict
) -> Outcome:
    """Pitboard as before: one spider after the other, then cleaning and loading."""
    use = ProcessUse()
    use.start()
    started = time.perf_counter()
    for site in SITES:
        run_spider(site, database_url=db_url, base_url=served.base_url(site))
    crawl_seconds = time.perf_counter() - started
    pages = stored_pages(engine)
    clean = clean_stored_pages(engine, workers=workers)
    seconds = time.perf_counter() - started
    usage = (*use.stop(), use.timeline)
    texts = pitboard_texts(engine)
    clean_only = clean.seconds - clean.load_seconds
    return outcome(
        "Pitboard in series (before)",
        seconds,
        pages,
        texts,
        truth,
        usage,
        [
            ("crawl (2 spiders one after the other)", pages / crawl_seconds),
            ("clean (classify, extract, rules)", clean.pages / clean_only),
            ("load (articles, dedup, versions)", clean.pages / max(clean.load_seconds, 1e-9)),
        ],
    )


def overlapped(served: ServedSites, db_url: str, engine: Engine, truth: dict) -> Outcome:
    """The crawl_and_clean flow, as ``pitboard run`` runs it."""
    from flows.crawl_and_clean import crawl_and_clean

    os.environ["PITBOARD_DATABASE_URL"] = db_url  # the flow's tasks read it from here
    use = ProcessUse()
    use.start()
    started = time.perf_counter()
    crawl_and_clean(sites=list(SITES), base_urls={s: served.base_url(s) for s in SITES})
    seconds = time.perf_counter() - started
    usage = (*use.stop(), use.timeline)
    texts = pitboard_texts(engine)
    return outcome(
        "Pitboard overlapped (the flow)", seconds, stored_pages(engine), texts, truth, usage
    )


def diy(served: ServedSites, dsn: str, engine: Engine, canonical: bool, truth: dict) -> Outcome:
    """The DIY spider on both sites at once, one process each."""
    table = "diy_canonical" if canonical else "diy_naive"
    use = ProcessUse()
    use.start()

    def one(site: str) -> None:
        command = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench/diy_spider.py")]
        command += ["-s", "LOG_LEVEL=ERROR", "-s", "TELNETCONSOLE_ENABLED=False"]
        command += ["-a", f"start={served.base_url(site)}/", "-a", f"dsn={dsn}"]
        command += ["-a", f"canonical={int(canonical)}", "-a", f"table={table}_{site[-2:]}"]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"DIY spider failed:\n{done.stderr[-2000:]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(len(SITES)) as pool:
        list(pool.map(one, SITES))
    seconds = time.perf_counter() - started
    usage = (*use.stop(), use.timeline)
    with engine.connect() as conn:
        urls = [
            url
            for site in SITES
            for url in conn.scalars(text(f"SELECT url FROM {table}_{site[-2:]}"))
        ]
    fetched = sum(1 for r in served.requests if r.path != "/robots.txt")
    name = f"DIY CrawlSpider{', URLs canonicalised' if canonical else ', naive'}"
    return outcome(name, seconds, fetched, urls, truth, usage)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per site (2000)")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="server to use")
    parser.add_argument("--workers", type=int, default=None, help="cleaning processes")
    parser.add_argument(
        "--flow-only", action="store_true", help="only the flow (quick checks; no ratios)"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="the flow's CPU by kind of process, every 2 s"
    )
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    SERVER_CPU.install()
    print(f"serving {len(SITES)} sample sites of {args.articles} articles each ...", flush=True)
    with serve_sample_sites(articles=args.articles, seed=2017) as served:
        truth = {kind: truth_identities(served, kind) for kind in ("article", "gallery")}
        outcomes: dict[str, Outcome] = {}
        baselines: list[tuple[str, float]] = []
        if not args.flow_only:
            with scratch_database(args.database_url, "pitboard_bench") as db_url:
                engine = create_engine(db_url)
                try:
                    outcomes["series"] = in_series(served, db_url, engine, args.workers, truth)
                    with engine.connect() as conn:
                        fetched_urls = list(conn.scalars(select(RawPageRow.final_url)))
                        bodies = conn.execute(
                            select(RawPageRow.body, RawPageRow.final_url).limit(400)
                        ).all()
                finally:
                    engine.dispose()
            served.clear_log()
            baselines.append(
                ("plain HTTP GET x16 threads", len(fetched_urls) / fetch_all(fetched_urls))
            )
            started = time.perf_counter()
            for body, page_url in bodies:
                trafilatura.extract(body, url=page_url)
            extract_rate = len(bodies) / (time.perf_counter() - started)
            baselines.append(("trafilatura.extract alone", extract_rate))

        print("the flow, overlapped ...", flush=True)
        with prefect_test_harness(120), scratch_database(args.database_url, "pitboard_bench") as db:
            engine = create_engine(db)
            try:
                outcomes["flow"] = overlapped(served, db, engine, truth)
            finally:
                engine.dispose()
        for canonical in () if args.flow_only else (False, True):
            print(f"DIY spiders{' (canonical URLs)' if canonical else ''} ...", flush=True)
            served.clear_log()
            with scratch_database(args.database_url, "pitboard_bench", migrate=False) as db:
                engine = create_engine(db)
                dsn = engine.url.set(drivername="postgresql").render_as_string(False)
                try:
                    outcome = diy(served, dsn, engine, canonical, truth)
                    outcomes["canonical" if canonical else "naive"] = outcome
                finally:
                    engine.dispose()

    report(outcomes, truth, baselines, args.timeline)
    return 0


def report(
    outcomes: dict[str, Outcome],
    truth: dict,
    baselines: list[tuple[str, float]],
    timeline: bool = False,
) -> None:
    series = outcomes.get("series")
    if series is not None:
        print()
        print(f"{'stage, in series':<38} {'pages/s':>9}   {'baseline (same run)':<38}", end="")
        print(f" {'pages/s':>9}")
        for (stage, rate), (base, base_rate) in zip(
            series.stages, [*baselines, ("", 0.0)], strict=True
        ):
            shown = f"{base_rate:9.1f}" if base_rate else ""
            print(f"{stage:<38} {rate:9.1f}   {base:<38} {shown}")
    print()
    articles, galleries = len(truth["article"]), len(truth["gallery"])
    print(
        f"{'end to end, 2 sites':<36} {'seconds':>7} {'pages':>5} {'pages/s':>7} {'texts':>5} "
        f"{'texts/s':>7} {f'articles/{articles}':>13} {f'galleries/{galleries}':>13} "
        f"{'articles/s':>10}"
    )
    for o in outcomes.values():
        print(
            f"{o.name:<36} {o.seconds:7.1f} {o.pages:5d} {o.pages / o.seconds:7.1f} "
            f"{o.stored:5d} {o.stored / o.seconds:7.1f} {o.articles_found:13d} "
            f"{o.galleries_found:13d} {o.articles_per_second:10.1f}"
        )
    flow = outcomes["flow"]
    line = f"\nPitboard overlapped: {flow.pages / flow.seconds:.1f} pages/s end to end"
    if series is not None:
        line += f" ({flow.pages / flow.seconds / (series.pages / series.seconds):.2f}x in series)"
    print(line)
    if "naive" in outcomes and "canonical" in outcomes:
        naive, canonical = outcomes["naive"], outcomes["canonical"]
        print(
            f"articles/s {flow.articles_per_second / naive.articles_per_second:.2f}x the naive "
            f"DIY spider (wanted 3x), "
            f"{flow.articles_per_second / canonical.articles_per_second:.2f}x the "
            f"canonicalising one (wanted 2x); texts/s "
            f"{flow.stored / flow.seconds / (naive.stored / naive.seconds):.2f}x and "
            f"{flow.stored / flow.seconds / (canonical.stored / canonical.seconds):.2f}x"
        )
    print("\nCPU seconds by kind of process (polled every 0.1 s; PostgreSQL: all its processes):")
    for o in outcomes.values():
        ours = {kind: sec for kind, sec in o.cpu.items() if kind != MACHINE}
        kinds = ", ".join(f"{kind} {sec:.1f}" for kind, sec in sorted(ours.items()) if sec >= 0.05)
        print(f"  {o.name:<36} total {sum(ours.values()):5.1f}: {kinds}")
        machine = o.cpu.get(MACHINE, 0.0)
        print(
            f"  {'':<36} the machine meanwhile: {machine:.1f} CPU s "
            f"({machine / o.seconds:.2f} of {os.cpu_count()} cores busy)"
        )
    if timeline:
        flow = outcomes["flow"]
        print("\nthe flow's timeline: cores busy per kind of process, every 2 s")
        kinds = sorted({k for _, used in flow.timeline for k in used if k != MACHINE})
        print(f"  {'s':>4} " + " ".join(f"{k[:10]:>10}" for k in [*kinds, "machine"]))
        previous: tuple[float, dict[str, float]] = (0.0, {})
        for at, used in flow.timeline[1::2]:
            span = at - previous[0]
            rates = [(used.get(k, 0.0) - previous[1].get(k, 0.0)) / span for k in kinds]
            rates.append((used[MACHINE] - previous[1].get(MACHINE, 0.0)) / span)
            print(f"  {at:4.0f} " + " ".join(f"{r:10.2f}" for r in rates))
            previous = (at, used)
    print("\npeak memory, MiB (VmHWM, largest process of each kind):")
    for o in outcomes.values():
        kinds = ", ".join(f"{kind} {mib:.0f}" for kind, mib in sorted(o.memory.items()))
        print(f"  {o.name:<36} {kinds}")
    print(f"  {'bench process (sites, loading)':<36} {peak_rss_mib() or 0:.0f}")
    print(f"machine: {os.cpu_count()} cores (shared)")


if __name__ == "__main__":
    sys.exit(main())
