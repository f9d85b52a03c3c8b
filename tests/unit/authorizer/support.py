"""Test support for the authorizer: run-time RSA keys, Cognito-shaped tokens, a local JWKS server."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REGION = "eu-west-1"
POOL_ID = "eu-west-1_TestPool1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
OTHER_CLIENT_ID = "7abcdefghijklmnopqrstuv123"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(obj: Any) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


@dataclass
class RsaKey:
    """A run-time RSA key pair with its JWK."""

    kid: str
    bits: int = 2048
    private: rsa.RSAPrivateKey = field(init=False)

    def __post_init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=self.bits)

    def jwk(self, **extra: Any) -> dict[str, Any]:
        nums = self.private.public_key().public_numbers()
        n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")
        e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")
        out = {"kid": self.kid, "alg": "RS256", "kty": "RSA", "use": "sig", "n": b64url(n), "e": b64url(e)}
        out.update(extra)
        return out

    def sign(self, signing_input: bytes) -> bytes:
        return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def jwks(*keys: RsaKey) -> dict[str, Any]:
    return {"keys": [k.jwk() for k in keys]}


def access_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a realistic Cognito access token (valid now for one hour)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "cognito:groups": ["editors", "staff"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin reports/read",
        "auth_time": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
        "jti": str(uuid.uuid4()),
        "username": "alice",
        "legacy_id": "1042",
        "app_user_id": "77",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not _DROP}


def id_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a realistic Cognito ID token (valid now for one hour)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "cognito:groups": ["editors"],
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": "alice",
        "origin_jti": str(uuid.uuid4()),
        "aud": CLIENT_ID,
        "event_id": str(uuid.uuid4()),
        "token_use": "id",
        "auth_time": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
        "jti": str(uuid.uuid4()),
        "email": "alice@example.com",
        "custom:legacy_id": "1042",
        "at_hash": "x4Sdfu8aK6sOjzcD5gCbFQ",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not _DROP}


_DROP = object()
DROP: Any = _DROP


def raw_token(header_json: str | bytes, payload_json: str | bytes, key: RsaKey | None) -> str:
    """Assemble a token from exact JSON text (so tests can write duplicate keys, NaN, ...)."""
    h = header_json.encode() if isinstance(header_json, str) else header_json
    p = payload_json.encode() if isinstance(payload_json, str) else payload_json
    signing_input = f"{b64url(h)}.{b64url(p)}".encode()
    sig = key.sign(signing_input) if key is not None else b""
    return f"{signing_input.decode()}.{b64url(sig)}"


def mint(key: RsaKey, claims: Mapping[str, Any], **header: Any) -> str:
    """Sign ``claims`` with ``key`` (header ``{"kid", "alg": "RS256"}`` plus overrides; None drops)."""
    h: dict[str, Any] = {"kid": key.kid, "alg": "RS256"}
    h.update(header)
    h = {k: v for k, v in h.items() if v is not _DROP}
    return raw_token(json.dumps(h, separators=(",", ":")), json.dumps(claims, separators=(",", ":")), key)


@dataclass
class ServerBehaviour:
    """What the JWKS server answers (mutable during a test)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # seconds between body bytes (a slow-drip server)


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 (ephemeral port) counting its hits; behaviour changeable live."""

    def __init__(self, document: Mapping[str, Any] | None = None) -> None:
        self.behaviour = ServerBehaviour(body=json.dumps(document or {"keys": []}).encode())
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                b = outer.behaviour
                if b.delay:
                    time.sleep(b.delay)
                try:
                    self.send_response(b.status)
                    for k, v in b.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(b.body)))
                    self.end_headers()
                    if b.drip:
                        for i in range(min(len(b.body), 50)):  # bounded: at most 50 slow bytes
                            self.wfile.write(b.body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(b.drip)
                    else:
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
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{POOL_ID}/.well-known/jwks.json"

    def serve(self, document: Mapping[str, Any] | bytes, **headers: str) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.behaviour = ServerBehaviour(body=body, headers=dict(headers))

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def jwks_server(document: Mapping[str, Any] | None = None) -> Iterator[JwksServer]:
    with JwksServer(document) as server:
        yield server


class FakeClock:
    """A settable monotonic clock for the key cache."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def base_env(**overrides: str) -> dict[str, str]:
    env = {"USER_POOL_ID": POOL_ID, "APP_CLIENT_IDS": f"{CLIENT_ID},{OTHER_CLIENT_ID}"}
    env.update(overrides)
    return env


Clock = Callable[[], float]
