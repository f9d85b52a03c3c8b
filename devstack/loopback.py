"""The lifecycle every local server of the stack shares: a threaded HTTP server on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """Serve ``handler_class`` on ``127.0.0.1`` in a daemon thread named ``name``.

    Parameters
    ----------
    handler_class:
        The request handler (``BaseHTTPRequestHandler`` subclass).
    name:
        Thread name (shows in stack dumps).
    """

    def __init__(self, handler_class: type[BaseHTTPRequestHandler], name: str) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self._httpd.daemon_threads = True
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Serve in a background thread; return the URL."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=self._name, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
