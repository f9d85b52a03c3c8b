"""A corpus of hostile ``Authorization`` values: forged, confused, expired, misdirected, malformed, oversized.

Every entry must be refused (401, or 403 for a genuine token the rules deny; never Allow).
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from hashlib import sha256
from typing import Any

from tests.reliability.authz import PoolKeys, _remembered
from tests.unit.authorizer.support import DROP, ISSUER, access_claims, b64url, b64url_json, id_claims, mint, raw_token


def _hs256_with_public_key(keys: PoolKeys) -> str:
    """Algorithm confusion: HS256 signed with the pool's public key bytes as the HMAC secret."""
    from cryptography.hazmat.primitives import serialization

    pem = keys.pool.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64url_json({'alg': 'HS256', 'kid': keys.pool.kid})}.{b64url_json(access_claims())}"
    sig = hmac.new(pem, signing_input.encode(), sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


def _tampered(keys: PoolKeys) -> str:
    """A genuine signature over one payload, attached to a payload with more privileges."""
    genuine = keys.token()
    header, _, sig = genuine.split(".")
    payload = b64url_json(access_claims(**{"cognito:groups": ["admin"], "scope": "admin/all"}))
    return f"{header}.{payload}.{sig}"


def _none_alg() -> str:
    return f"{b64url_json({'alg': 'none', 'kid': 'rel-pool-kid'})}.{b64url_json(access_claims())}."


def tokens(keys: PoolKeys) -> list[tuple[str, str]]:
    """``[(kind, Authorization header value), ...]`` (tokens are remembered for the secrets scan)."""
    now = int(time.time())
    pool = keys.pool
    signed: dict[str, str] = {
        "forged signature (attacker key, pool kid)": keys.forged(),
        "unknown kid": keys.unknown_kid(),
        "expired": mint(pool, access_claims(exp=now - 3600, iat=now - 7200)),
        "not yet valid (iat in the future)": mint(pool, access_claims(iat=now + 3600, exp=now + 7200)),
        "wrong issuer": mint(pool, access_claims(iss=ISSUER.replace("TestPool1", "OtherPool9"))),
        "wrong client_id": mint(pool, access_claims(client_id="zzzzzzzzzzzzzzzzzzzzzzzzzz")),
        "id token where access expected": mint(pool, id_claims()),
        "token_use missing": mint(pool, access_claims(token_use=DROP)),
        "sub missing": mint(pool, access_claims(sub=DROP)),
        "exp missing": mint(pool, access_claims(exp=DROP)),
        "exp as string": mint(pool, access_claims(exp=str(now + 3600))),
        "alg RS512 header": mint(pool, access_claims(), alg="RS512"),
        "crit header": mint(pool, access_claims(), crit=["exp"]),
        "jku header pointing elsewhere": mint(keys.attacker, access_claims(), kid=pool.kid,
                                              jku="https://evil.example/jwks.json"),
        "duplicate claim keys": raw_token(json.dumps({"kid": pool.kid, "alg": "RS256"}),
                                          '{"sub":"a","token_use":"access","token_use":"id"}', pool),
    }
    for value in signed.values():
        _remembered(value)
    good = keys.token()
    out: list[tuple[str, str]] = [(k, f"Bearer {v}") for k, v in signed.items()]
    out += [
        ("alg none", f"Bearer {_none_alg()}"),
        ("HS256 with the public key", f"Bearer {_remembered(_hs256_with_public_key(keys))}"),
        ("tampered payload", f"Bearer {_remembered(_tampered(keys))}"),
        ("signature stripped", f"Bearer {good.rsplit('.', 1)[0]}."),
        ("signature truncated", f"Bearer {good[:-10]}"),
        ("padding added", f"Bearer {good}=="),
        ("four segments", f"Bearer {good}.{good.split('.')[1]}"),
        ("whitespace inside", f"Bearer {good[:40]} {good[40:]}"),
        ("basic scheme", "Basic " + base64.b64encode(b"admin:admin").decode()),
        ("empty bearer", "Bearer "),
        ("bearer only", "Bearer"),
        ("garbage", "Bearer !!!.???.###"),
        ("non-ascii", "Bearer eyJ\u00e9.eyJ.sig"),
        ("NUL byte", f"Bearer {good[:30]}\x00{good[30:]}"),
        ("oversized (64 KiB)", "Bearer " + "A" * 65536 + "." + "B" * 10 + "." + "C" * 10),
        ("JSON array header", "Bearer " + b64url(b"[1,2]") + "." + b64url_json({}) + ".AAAA"),
    ]
    return out


def describe(kinds: list[tuple[str, Any]]) -> str:
    """Comma-separated kinds, for the report."""
    return ", ".join(k for k, _ in kinds)
