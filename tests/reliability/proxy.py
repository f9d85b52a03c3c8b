"""A loopback TCP fault proxy for putting in front of the real MariaDB / PostgreSQL.

Modes (switchable while connections are live)::

    with FaultProxy("127.0.0.1", 3306) as proxy:
        url = proxy.rewrite(db_url)       # same URL, host/port of the proxy
        proxy.pass_through()              # forward both ways (default)
        proxy.delay(5.0)                  # hold every server->client chunk for 5 s (slow server)
        proxy.blackhole()                 # accept, never answer (new and live connections go silent)
        proxy.reset()                     # RST live connections on their next chunk; new ones after N bytes
        proxy.refuse()                    # stop listening (ECONNREFUSED) and RST live connections
        proxy.cap(2)                      # at most 2 concurrent connections; the rest are RST at accept
        proxy.kill_all()                  # RST every live connection now (server restart, idle kill)

Everything binds 127.0.0.1 on an ephemeral port; every socket wait is bounded (``POLL`` seconds) so
:meth:`FaultProxy.stop` ends all threads promptly. A black-holed or delayed connection ends at the latest
when the proxy stops.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

POLL = 0.05
CHUNK = 65536


class Mode(enum.Enum):
    """What the proxy does with traffic."""

    PASS = "pass"
    DELAY = "delay"
    BLACKHOLE = "blackhole"
    RESET = "reset"
    REFUSE = "refuse"


@dataclass
class ProxyStats:
    """Counters, for the scenarios' observations."""

    accepted: int = 0
    rejected_by_cap: int = 0
    resets: int = 0
    peak: int = 0
    active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def _hard_close(sock: socket.socket | None) -> None:
    """Close with SO_LINGER 0: the peer sees a TCP RST, as when a server process dies."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Link:
    """One client connection and (unless black-holed) its upstream connection."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket | None) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()
        self.server_bytes = 0

    def start(self) -> None:
        threading.Thread(target=self._pump, args=(self.client, self.upstream, False), daemon=True).start()
        if self.upstream is not None:
            threading.Thread(target=self._pump, args=(self.upstream, self.client, True), daemon=True).start()

    def close(self, *, reset: bool) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.upstream):
            if reset:
                _hard_close(sock)
            elif sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self.proxy._forget(self)

    def _pump(self, src: socket.socket, dst: socket.socket | None, from_server: bool) -> None:
        src.settimeout(POLL)
        while not self.closed.is_set():
            try:
                data = src.recv(CHUNK)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            if not self._forward(data, dst, from_server):
                return
        self.close(reset=False)

    def _forward(self, data: bytes, dst: socket.socket | None, from_server: bool) -> bool:
        mode, delay, after = self.proxy.state()
        if mode is Mode.BLACKHOLE or dst is None:
            return True  # swallow: the client waits forever (bounded by its own timeouts)
        if mode is Mode.RESET:
            keep = max(0, after - self.server_bytes) if from_server else 0
            if keep:
                self._send(dst, data[:keep])
                self.server_bytes += min(keep, len(data))
            if not from_server or len(data) > keep:
                self.proxy._count_reset()
                self.close(reset=True)
                return False
            return True
        if mode is Mode.DELAY and from_server:
            end = time.monotonic() + delay
            while not self.closed.is_set() and time.monotonic() < end:
                time.sleep(min(POLL, max(0.0, end - time.monotonic())))
        if from_server:
            self.server_bytes += len(data)
        return self._send(dst, data)

    def _send(self, dst: socket.socket, data: bytes) -> bool:
        try:
            dst.sendall(data)
        except OSError:
            self.close(reset=False)
            return False
        return True


class FaultProxy:
    """A TCP proxy on 127.0.0.1 (ephemeral port) in front of ``upstream_host:upstream_port``.

    Parameters
    ----------
    upstream_host, upstream_port:
        The real server (loopback).
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.stats = ProxyStats()
        self._mode = Mode.PASS
        self._delay = 0.0
        self._reset_after = 0
        self._cap: int | None = None
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self.port = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FaultProxy:
        """Bind and start accepting."""
        self._listen()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, RST every live connection, join the acceptor."""
        self._stop.set()
        self.kill_all()
        self._close_listener()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------ modes

    def pass_through(self) -> None:
        """Forward everything (listening again if refused)."""
        self._set(Mode.PASS)

    def delay(self, seconds: float) -> None:
        """Hold every server->client chunk for ``seconds`` (a slow server)."""
        self._set(Mode.DELAY, delay=seconds)

    def blackhole(self) -> None:
        """Accept connections and never answer; live connections stop answering too."""
        self._set(Mode.BLACKHOLE)

    def reset(self, after_bytes: int = 0) -> None:
        """RST live connections on their next chunk; new connections after ``after_bytes`` from the server."""
        self._set(Mode.RESET, reset_after=after_bytes)

    def refuse(self) -> None:
        """Stop listening (connects get ECONNREFUSED) and RST every live connection."""
        self._set(Mode.REFUSE)
        self._close_listener()
        self.kill_all()

    def cap(self, limit: int | None) -> None:
        """Allow at most ``limit`` concurrent connections (None: unlimited); extra ones are RST at accept."""
        with self._lock:
            self._cap = limit

    def kill_all(self) -> int:
        """RST every live connection now; return how many were killed."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(reset=True)
        return len(links)

    def state(self) -> tuple[Mode, float, int]:
        """The current mode, delay and reset threshold."""
        with self._lock:
            return self._mode, self._delay, self._reset_after

    @property
    def active(self) -> int:
        """Live client connections."""
        with self._lock:
            return len(self._links)

    def rewrite(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's (credentials and path kept)."""
        parts = urlsplit(url)
        creds = parts.netloc.rpartition("@")[0]
        netloc = f"{creds}@127.0.0.1:{self.port}" if creds else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    # ------------------------------------------------------------ internals

    def _set(self, mode: Mode, *, delay: float = 0.0, reset_after: int = 0) -> None:
        with self._lock:
            self._mode, self._delay, self._reset_after = mode, delay, reset_after
        if mode is not Mode.REFUSE and self._listener is None and not self._stop.is_set():
            self._listen()

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        sock.settimeout(POLL)
        self.port = sock.getsockname()[1]
        with self._lock:
            self._listener = sock

    def _close_listener(self) -> None:
        with self._lock:
            sock, self._listener = self._listener, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the acceptor's poll; the port stops listening now
            sock.close()
            time.sleep(2 * POLL)  # let the acceptor drop its reference before callers connect

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                time.sleep(POLL)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            self._admit(client)

    def _admit(self, client: socket.socket) -> None:
        mode, _, _ = self.state()
        with self._lock:
            over = self._cap is not None and len(self._links) >= self._cap
        with self.stats.lock:
            self.stats.accepted += 1
            self.stats.rejected_by_cap += int(over)
        if over or mode is Mode.REFUSE:
            _hard_close(client)
            return
        upstream = None
        if mode is not Mode.BLACKHOLE:
            try:
                upstream = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                _hard_close(client)
                return
        link = _Link(self, client, upstream)
        with self._lock:
            self._links.add(link)
            count = len(self._links)
        with self.stats.lock:
            self.stats.peak = max(self.stats.peak, count)
            self.stats.active = count
        link.start()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)
            count = len(self._links)
        with self.stats.lock:
            self.stats.active = count

    def _count_reset(self) -> None:
        with self.stats.lock:
            self.stats.resets += 1


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released): connects are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
