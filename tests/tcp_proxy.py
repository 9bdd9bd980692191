"""A TCP proxy for tests that cuts connections on purpose: a real network failure, not a mock.

It forwards 127.0.0.1:<port> to a target address; while ``refuse`` is above zero it accepts
and immediately closes new connections (the client sees "server closed the connection
unexpectedly", as when a database goes away), counting them down.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class FlakyProxy:
    def __init__(self, target_host: str, target_port: int, refuse: int = 0) -> None:
        self.target = (target_host, target_port)
        self.refuse = refuse
        self.refused = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._closing = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._server.close()
        self._thread.join(5)

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                drop = self.refuse > 0
                if drop:
                    self.refuse -= 1
                    self.refused += 1
                else:
                    self.accepted += 1
            if drop:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
