"""Serving the sample sites over real HTTP on 127.0.0.1, with a request log and editions.

One threaded stdlib server per site, each on its own port: free ports the OS picks, or, from a
first port, one port per site in a fixed order (``sample-fr`` on N, ``sample-en`` on N + 1), so
that a re-run serves the same URLs (``pitboard samples serve``, ``pitboard demo``). Thumbnails are
linked on ``localhost:PORT`` while pages live on ``127.0.0.1:PORT``: the same server, another
host name, like a CDN. The request log lets tests count what a crawler fetched (conditional
requests included); ``set_edition(2)`` switches every site to its edited state at run time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from samplesite.generator import build_sample_sites
from samplesite.model import PageTruth
from samplesite.site import SampleSite

GATE_TIMEOUT = 120.0
LOGGED_HEADERS = ("Host", "User-Agent", "If-None-Match", "If-Modified-Since", "Accept-Encoding")


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server saw it; ``path`` is the request target, query string included."""

    site: str
    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: datetime

    @property
    def conditional(self) -> bool:
        return "If-None-Match" in self.headers or "If-Modified-Since" in self.headers


class PortInUse(OSError):
    """A port the sample sites were asked to use cannot be listened on."""

    def __init__(self, port: int, cause: OSError) -> None:
        super().__init__(f"cannot serve on 127.0.0.1:{port}: {cause.strerror or cause}")
        self.port = port


class ServedSites:
    """The running servers: base URLs, truth with absolute URLs, request log, edition switch."""

    def __init__(self, sites: dict[str, SampleSite]) -> None:
        self.sites = sites
        self.edition = 1
        # Seconds every answer waits before it is sent, and an event answers wait for (up to
        # GATE_TIMEOUT) while it is set here and not yet set itself: None serves at once.
        self.latency = 0.0
        self.gate: threading.Event | None = None
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self, port: int | None = None) -> ServedSites:
        """Serve every site: on free ports, or on ``port``, ``port + 1``... in site order.

        PortInUse names a port another program holds; nothing is left serving then.
        """
        for offset, (name, site) in enumerate(self.sites.items()):
            wanted = 0 if port is None else port + offset
            try:
                server = ThreadingHTTPServer(("127.0.0.1", wanted), _handler(self, site))
            except OSError as exc:
                self.stop()
                raise PortInUse(wanted, exc) from exc
            server.daemon_threads = True
            # Its own name: ``port`` stays what was asked, or the next site would want this
            # one's port + 1 rather than a free one (a port another program may hold).
            bound = server.server_address[1]
            site.base_url = f"http://127.0.0.1:{bound}"
            site.cdn_url = f"http://localhost:{bound}"
            thread = threading.Thread(
                target=server.serve_forever, name=f"samplesite-{name}", daemon=True
            )
            thread.start()
            self._servers[name] = server
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def base_url(self, site: str) -> str:
        return self.sites[site].base_url

    def url(self, site: str, path: str) -> str:
        return self.sites[site].url(path)

    def truth(self, edition: int | None = None) -> Iterator[PageTruth]:
        """Every page of every site in an edition (default: the one being served)."""
        for site in self.sites.values():
            yield from site.truth(edition or self.edition)

    def set_edition(self, edition: int) -> None:
        if edition not in (1, 2):
            raise ValueError("editions are 1 and 2")
        self.edition = edition

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the log, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def __enter__(self) -> ServedSites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(served: ServedSites, site: SampleSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SampleSite/1.0"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            gate = served.gate
            if gate is not None:
                gate.wait(GATE_TIMEOUT)
            if served.latency:
                time.sleep(served.latency)
            response = site.render(self.path, edition=served.edition, headers=self.headers)
            # Logged before answering, so a client that has its answer always finds it logged.
            served._record(
                LoggedRequest(
                    site=site.name,
                    method=self.command,
                    path=self.path,
                    headers={k: v for k in LOGGED_HEADERS if (v := self.headers.get(k))},
                    status=response.status,
                    at=datetime.now(UTC),
                )
            )
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if send_body and response.body:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the request log replaces stderr lines."""

    return Handler


@contextmanager
def serve_sample_sites(
    articles: int = 200, seed: int = 7, port: int | None = None
) -> Iterator[ServedSites]:
    """Build and serve the sample sites on 127.0.0.1 (free ports, or from ``port`` on); stopped
    on exit."""
    served = ServedSites(build_sample_sites(articles=articles, seed=seed)).start(port)
    try:
        yield served
    finally:
        served.stop()
