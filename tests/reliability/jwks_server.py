"""A local JWKS endpoint whose behaviour is switchable at run time, counting its hits.

::

    with FaultyJwksServer(document) as server:
        env["JWKS_URL"] = server.url
        server.ok()                 # 200 + the document (Cache-Control max-age as set)
        server.slow(5.0)            # answer after 5 s (the fetch times out first)
        server.down()               # 500
        server.redirect()           # 302 to another URL on this server (fetcher must refuse)
        server.oversized()          # a valid-looking JSON document over 64 KiB
        server.garbage()            # 200 with bytes that are not JSON
        server.hang()               # accept, read the request, never answer (until stop)
        server.hits                 # requests seen

Binds 127.0.0.1 on an ephemeral port. ``hang`` and ``slow`` waits end when the server stops.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

PATH = "/pool/.well-known/jwks.json"


@dataclass
class Behaviour:
    """One answer: status, body, headers, delay, or hang forever."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False


class FaultyJwksServer:
    """JWKS endpoint on 127.0.0.1 with switchable faults.

    Parameters
    ----------
    document:
        The JWKS served in ``ok`` mode.
    max_age:
        ``Cache-Control: max-age`` announced in ``ok`` mode.
    """

    def __init__(self, document: Mapping[str, Any], max_age: int = 3600) -> None:
        self.document = dict(document)
        self.max_age = max_age
        self.hits = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.behaviour = Behaviour()
        self.ok()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer._lock:
                    outer.hits += 1
                    b = outer.behaviour
                if b.hang:
                    outer._stopping.wait(30)
                    return
                if b.delay and outer._stopping.wait(b.delay):
                    return
                try:
                    self.send_response(b.status)
                    for k, v in b.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(b.body)))
                    self.end_headers()
                    self.wfile.write(b.body)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        """The JWKS URL (loopback HTTP, accepted by the authorizer's configuration)."""
        host, port = self._server.server_address[:2]
        name = host.decode("ascii") if isinstance(host, bytes) else host
        return f"http://{name}:{port}{PATH}"

    def _set(self, behaviour: Behaviour) -> None:
        with self._lock:
            self.behaviour = behaviour

    def ok(self) -> None:
        """Serve the document."""
        self._set(Behaviour(body=json.dumps(self.document).encode(), headers={
            "Content-Type": "application/json", "Cache-Control": f"public, max-age={self.max_age}"}))

    def slow(self, seconds: float) -> None:
        """Serve the document after ``seconds``."""
        self.ok()
        with self._lock:
            self.behaviour.delay = seconds

    def down(self, status: int = 500) -> None:
        """Answer an error status."""
        self._set(Behaviour(status=status, body=b'{"message":"Internal server error"}'))

    def redirect(self) -> None:
        """Answer 302 to another path of this server."""
        self._set(Behaviour(status=302, headers={"Location": self.url + "?moved=1"}))

    def oversized(self, size: int = 200 * 1024) -> None:
        """A JWKS-shaped JSON body of ``size`` bytes (over the 64 KiB cap)."""
        pad = "A" * size
        self._set(Behaviour(body=json.dumps({"keys": [], "pad": pad}).encode(),
                            headers={"Content-Type": "application/json"}))

    def garbage(self) -> None:
        """200 with bytes that are not JSON."""
        self._set(Behaviour(body=b"\x00\xff<html>not json{{{", headers={"Content-Type": "application/json"}))

    def hang(self) -> None:
        """Read the request and never answer."""
        self._set(Behaviour(hang=True))

    def __enter__(self) -> FaultyJwksServer:
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
