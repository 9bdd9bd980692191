"""A hostile HTTP server for fault tests: every way a page can fail to be fetched, on 127.0.0.1.

Bound to port 0 (the OS picks a free port) and stopped by the test that starts it. Its pages
have the sample-en site's URL shapes, so the real ``sample-en`` spider crawls it with
``base_url`` set to this server. ``FAULTS`` says, for each hostile page, the reason the crawl
must record in ``fetch_failures``; ``GOOD`` pages must be stored.
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

PREFIX = "/news/2025/01/01/"
MAX_SIZE = 1024 * 1024  # the crawl's DOWNLOAD_MAXSIZE in these tests
TIMEOUT = 2  # the crawl's DOWNLOAD_TIMEOUT in these tests
CRAWL_SETTINGS = {
    "DOWNLOAD_MAXSIZE": str(MAX_SIZE),
    "DOWNLOAD_WARNSIZE": "0",
    "DOWNLOAD_TIMEOUT": str(TIMEOUT),
    "RETRY_TIMES": "1",
}

GOOD = [f"{PREFIX}good-story-{i}" for i in (1, 2, 3)]
# path -> reason recorded in fetch_failures (etl.store.fetch_failures.REASONS)
FAULTS = {
    f"{PREFIX}huge-declared-10": "too_large",  # says 50 MB up front
    f"{PREFIX}huge-streamed-11": "too_large",  # no length, streams past the cap
    f"{PREFIX}never-finishes-12": "timed_out",
    f"{PREFIX}gzip-bomb-13": "decompression_limit",
    f"{PREFIX}loop-a-14": "redirect_loop",  # -> loop-b -> loop-a
    f"{PREFIX}loop-self-16": "redirect_loop",
    f"{PREFIX}leaves-the-site-17": "offsite_redirect",
    f"{PREFIX}bad-redirect-18": "invalid_redirect",
    f"{PREFIX}always-503-19": "http_error",
}
HOSTILE_LINKS = ["http://127.0.0.1:99999/x", "A://[", "http://ex:abc/", "http://[::1"]
# Politeness pages, linked from the home page only when a test asks (``links=POLITENESS``):
RATE_LIMITED = f"{PREFIX}rate-limited-20"  # 429 with Retry-After: 2 at first, then 200
RETRY_AFTER = 2
LONG_PAUSE = f"{PREFIX}long-pause-21"  # always 429 with Retry-After: 3600 (over the cap)
POLITENESS = [RATE_LIMITED, LONG_PAUSE]
# Depth pages: /news/page/N/ links to page N+1 and to one article; the home page links page 1.
DEPTH_PAGES = 12
DEPTH = ["/news/page/1/"]


# Slow pages, for interrupt tests: each answers after SLOW_SECONDS.
SLOW_SECONDS = 1.0


def slow_story(n: int) -> str:
    return f"{PREFIX}slow-story-{n}"


def depth_page(n: int) -> str:
    return f"/news/page/{n}/"


def depth_story(n: int) -> str:
    return f"{PREFIX}deep-story-{n}"


BOMB = gzip.compress(b"\0" * (20 * MAX_SIZE), compresslevel=9)


def article(title: str) -> bytes:
    paragraphs = "".join(
        f"<p>{title}: paragraph {i} about the endurance race at Le Mans and its cars.</p>"
        for i in range(6)
    )
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    ).encode()


def listing(links: list[str]) -> bytes:
    body = "".join(f'<li><a href="{u}">A link to {u}</a></li>' for u in links)
    return f"<html><body><ul>{body}</ul></body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose here (too large, timed out)


class HostileServer:
    """The server; ``other_port`` is a second server, off the site, for the off-site redirect."""

    def __init__(self, links: list[str] | None = None) -> None:
        """``links``: what the home page links to (default: the good and the hostile pages)."""
        self.links = [*GOOD, *FAULTS, *HOSTILE_LINKS] if links is None else links
        self.hits: list[str] = []
        self.times: list[tuple[float, str]] = []  # (time.monotonic(), path) of each request
        self._lock = threading.Lock()
        self.other = _Server(("127.0.0.1", 0), _handler(self, other=True))
        self.server = _Server(("127.0.0.1", 0), _handler(self, other=False))
        self.port = self.server.server_address[1]
        self.other_port = self.other.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._threads = [
            threading.Thread(target=s.serve_forever, daemon=True) for s in (self.server, self.other)
        ]

    def __enter__(self) -> HostileServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for s in (self.server, self.other):
            s.shutdown()
            s.server_close()

    def hit(self, path: str) -> int:
        """Log a request; return how many times ``path`` was asked for before."""
        with self._lock:
            before = self.hits.count(path)
            self.hits.append(path)
            self.times.append((time.monotonic(), path))
            return before

    def hit_times(self, path: str) -> list[float]:
        with self._lock:
            return [t for t, p in self.times if p == path]


def _handler(owner: HostileServer, *, other: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def send(self, status: int, body: bytes, **headers: str) -> None:
            self.send_response(status)
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            headers.setdefault("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def redirect(self, location: str) -> None:
            self.send(302, b"", Location=location)

        def do_GET(self) -> None:
            path = self.path
            before = owner.hit(path)
            if other:
                return self.send(200, article("Somewhere else"))
            if path == "/":
                return self.send(200, listing(owner.links))
            if path.startswith(f"{PREFIX}slow-story-"):
                time.sleep(SLOW_SECONDS)
                return self.send(200, article(path.rsplit("/", 1)[1]))
            if path in GOOD or path.startswith(f"{PREFIX}deep-story-"):
                return self.send(200, article(path.rsplit("/", 1)[1]))
            if path == RATE_LIMITED:
                if before == 0:
                    return self.send(429, b"<html>Slow down</html>", Retry_After=str(RETRY_AFTER))
                return self.send(200, article("Rate limited, then served"))
            if path == LONG_PAUSE:
                return self.send(429, b"<html>Come back later</html>", Retry_After="3600")
            for n in range(1, DEPTH_PAGES + 1):
                if path == depth_page(n):
                    following = [depth_page(n + 1)] if n < DEPTH_PAGES else []
                    return self.send(200, listing([*following, depth_story(n)]))
            slug = path.removeprefix(PREFIX)
            if slug == "huge-declared-10":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(50 * 1024 * 1024))
                self.end_headers()
                return self._trickle(b"<html>" + b"x" * 65536, 3)
            if slug == "huge-streamed-11":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                return self._trickle(b"x" * 65536, 4 * MAX_SIZE // 65536)
            if slug == "never-finishes-12":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                return self._trickle(b"<html>", 1, pause=TIMEOUT * 3)
            if slug == "gzip-bomb-13":
                return self.send(200, BOMB, Content_Encoding="gzip")
            if slug == "loop-a-14":
                return self.redirect(f"{PREFIX}loop-b-15")
            if slug == "loop-b-15":
                return self.redirect(f"{PREFIX}loop-a-14")
            if slug == "loop-self-16":
                return self.redirect(path)
            if slug == "leaves-the-site-17":
                return self.redirect(f"http://127.0.0.1:{owner.other_port}{PREFIX}elsewhere-1")
            if slug == "bad-redirect-18":
                return self.redirect("http://127.0.0.1:99999/x")
            if slug == "always-503-19":
                return self.send(503, b"<html><body>Busy</body></html>")
            return self.send(404, b"<html><body>Not found</body></html>")

        def _trickle(self, chunk: bytes, times: int, pause: float = 0.0) -> None:
            try:
                for _ in range(times):
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if pause:
                        time.sleep(pause)
            except OSError:  # the client gave up, as it should
                pass

    return Handler
