"""The loopback HTTP server every sandbox API emulator runs on: background thread, context manager."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class QuietServer(ThreadingHTTPServer):
    """A client that timed out (slow-response fault) closed the socket: not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class EmulatorServer:
    """Lifecycle shared by the emulators: ``_listen`` in ``__init__``, then ``with emulator: ...``."""

    _thread_name = "emulator"
    _server: ThreadingHTTPServer
    _thread: threading.Thread | None

    def _listen(
        self,
        host: str,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        server_class: type[ThreadingHTTPServer] = QuietServer,
    ) -> None:
        self._server = server_class((host, port), handler)
        self._server.daemon_threads = True
        self._thread = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name=self._thread_name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
