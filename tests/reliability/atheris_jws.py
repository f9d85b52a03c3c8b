"""atheris (libFuzzer) over the authorizer's JWT parser and verifier; run as a subprocess (libFuzzer exits).

    python -m tests.reliability.atheris_jws -runs=20000 -max_total_time=60

Each input becomes a token in one of four ways (first byte): raw text; ``b64(header).b64(payload).sig``
from fuzzed JSON-ish bytes; the same with a **genuine RS256 signature** over the fuzzed header and payload
(so claim parsing and checks see hostile payloads behind a valid signature); or strict-JSON parsing alone.
The only allowed outcomes are a ``Principal`` or ``TokenRejectedError``; anything else is a crash.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

import atheris

with atheris.instrument_imports():
    from authorizer import claims, jws, strictjson, verifier  # noqa: F401 - instrumented for coverage
    from authorizer.config import Settings
    from authorizer.errors import TokenRejectedError
    from authorizer.jwks import JwksCache
    from authorizer.strictjson import StrictJsonError

import contextlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KID = "fuzz-kid"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz1"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_SETTINGS = Settings(issuer=ISSUER, client_ids=frozenset({"fuzzclient"}), token_cache_size=0)
_VERIFIER = verifier.CognitoVerifier(_SETTINGS, JwksCache(None, static_keys={KID: _KEY.public_key()}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _token(data: bytes) -> str:
    mode, body = (data[0] % 4, data[1:]) if data else (0, b"")
    if mode == 0:
        return body.decode("latin-1")
    half = len(body) // 2
    header, payload = body[:half], body[half:]
    if mode == 3:
        header = b'{"alg":"RS256","kid":"' + KID.encode() + b'"}'
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    if mode == 1:
        return f"{signing_input}.{_b64(body[-8:])}"
    sig = _KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(sig)}"


def test_one_input(data: bytes) -> None:
    """One fuzz case: verify the derived token; only a Principal or TokenRejectedError may come out."""
    with contextlib.suppress(StrictJsonError):
        strictjson.loads_object(data)
    try:
        result: Any = _VERIFIER.verify(_token(data))
    except TokenRejectedError:
        return
    if type(result).__name__ != "Principal":
        raise AssertionError("verify returned something other than a Principal")


def main() -> None:
    """libFuzzer entry point (arguments are libFuzzer's: ``-runs=N``, ``-max_total_time=S``)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
