"""The JWKS fetch against hostile loopback servers: one overall deadline covers connect, status line,
headers and body; everything read is capped; TLS certificates are verified."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from authorizer.errors import KeyFetchError
from authorizer.jwks_fetch import fetch_jwks

Script = Callable[[socket.socket, threading.Event], None]

# Wall time the fetch may take past its budget when the machine is busy (thread wake-ups, other processes): the
# hostile servers below keep going for much longer than budget + SLACK_S, so a fetch that stopped at the budget is
# still told apart from one that waited for the server, however loaded the machine is.
SLACK_S = 1.5


@contextmanager
def raw_server(script: Script, wrap: ssl.SSLContext | None = None) -> Iterator[int]:
    """A one-connection loopback server running ``script(conn, stop)`` after reading the request."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            if wrap is not None:
                conn = wrap.wrap_socket(conn, server_side=True)
            conn.settimeout(5)
            conn.recv(65536)
            script(conn, stop)
        except OSError:
            pass  # the client gave up (that is the point of most tests)
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def drip(data: bytes, every: float) -> Script:
    def script(conn: socket.socket, stop: threading.Event) -> None:
        for i in range(len(data)):
            if stop.wait(every):
                return
            conn.sendall(data[i : i + 1])

    return script


def _elapsed_fetch(port: int, budget: float, scheme: str = "http") -> tuple[float, KeyFetchError]:
    t0 = time.monotonic()
    with pytest.raises(KeyFetchError) as info:
        fetch_jwks(f"{scheme}://127.0.0.1:{port}/pool/.well-known/jwks.json", budget)
    return time.monotonic() - t0, info.value


def test_a_dripped_status_line_cannot_outlast_the_budget() -> None:
    status = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"  # 44 bytes at 0.15 s: 6.6 s if read to the end
    with raw_server(drip(status, 0.15)) as port:
        elapsed, error = _elapsed_fetch(port, 1.0)
    assert error.reason == "timeout"
    assert elapsed < 1.0 + SLACK_S < 0.15 * len(status)


def test_dripped_headers_cannot_outlast_the_budget() -> None:
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(24):  # 7.2 s of headers: every recv is quick, only the whole is slow
            if stop.wait(0.3):
                return
            conn.sendall(b"X-Pad-%d: a\r\n" % i)
        conn.sendall(b"Content-Length: 2\r\n\r\n{}")

    with raw_server(script) as port:
        elapsed, error = _elapsed_fetch(port, 1.0)
    assert error.reason == "timeout"
    assert elapsed < 1.0 + SLACK_S < 0.3 * 24


@pytest.mark.parametrize(
    ("count", "width", "reason"),
    [(20_000, 40, "HTTPException"), (90, 1000, "too large")],  # http.client's 100-header limit; our byte cap
)
def test_endless_headers_are_refused_without_waiting_for_the_deadline(count: int, width: int, reason: str) -> None:
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(count):
            if stop.is_set():
                return
            conn.sendall(b"X-Pad-%05d: %s\r\n" % (i, b"a" * width))

    with raw_server(script) as port:
        elapsed, error = _elapsed_fetch(port, 10.0)
    assert error.reason == reason
    assert elapsed < 10.0 / 2  # refused on what was read, long before the deadline, however busy the machine


def test_a_chunked_answer_is_read_and_its_max_age_kept() -> None:
    body = b'{"keys":[]}'

    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: public, max-age=900\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        )

    with raw_server(script) as port:
        fetched = fetch_jwks(f"http://127.0.0.1:{port}/jwks.json", 2.0)
    assert fetched.body == body
    assert fetched.max_age == 900


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_https_refuses_a_certificate_it_cannot_verify(tmp_path: Path) -> None:
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"keys":[]}')

    with raw_server(script, wrap=_self_signed(tmp_path)) as port:
        elapsed, error = _elapsed_fetch(port, 10.0, scheme="https")
    assert error.reason == "SSLCertVerificationError"
    assert elapsed < 10.0 / 2  # refused at the handshake, long before the deadline


def test_a_silent_tls_server_cannot_outlast_the_budget() -> None:
    def script(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait(8)  # accepts TCP, never answers the TLS ClientHello

    with raw_server(script) as port:
        elapsed, error = _elapsed_fetch(port, 1.0, scheme="https")
    assert error.reason == "timeout"
    assert elapsed < 1.0 + SLACK_S < 8
