"""The authorizer as Lambda runs it: a fresh interpreter, configuration from the environment at import,
keys fetched over HTTP from a local JWKS server, then warm invocations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import load_event
from tests.unit.authorizer.support import JwksServer, RsaKey, access_claims, base_env, jwks, mint

ROOT = Path(__file__).resolve().parents[2]
RUNNER = """
import json, sys
import authorizer.handler as h
out = []
for event in json.load(sys.stdin):
    try:
        r = h.handler(event, None)
        out.append(r["policyDocument"]["Statement"][0]["Effect"] if "policyDocument" in r else r["isAuthorized"])
    except Exception as exc:
        out.append(f"{type(exc).__name__}:{exc}")
print(json.dumps({"outcomes": out, "fetches": h.AUTHORIZER.keys.fetch_count if h.AUTHORIZER else None}))
"""


def _run(env: dict[str, str], events: list[dict[str, Any]]) -> dict[str, Any]:
    full_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "POWERTOOLS_LOG_LEVEL": "WARNING", **env}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _event(token: str) -> dict[str, Any]:
    event = load_event("apigw_token_authorizer")
    event["authorizationToken"] = f"Bearer {token}"
    return event


def test_cold_start_fetches_keys_once_and_serves_warm_invocations() -> None:
    key = RsaKey("cold-kid")
    with JwksServer(jwks(key)) as server:
        tokens = [mint(key, access_claims()) for _ in range(5)]
        result = _run(base_env(JWKS_URL=server.url), [_event(t) for t in tokens] + [_event("junk")])
        assert result["outcomes"] == ["Allow"] * 5 + ["Exception:Unauthorized"]
        assert result["fetches"] == 1
        assert server.hits == 1


def test_cold_start_with_bad_configuration_answers_401_to_everything() -> None:
    key = RsaKey("cold-kid")
    token = mint(key, access_claims())
    result = _run(
        {"USER_POOL_ID": "not a pool", "APP_CLIENT_IDS": "x", "JWKS_JSON": json.dumps(jwks(key))}, [_event(token)]
    )
    assert result["outcomes"] == ["Exception:Unauthorized"]
    assert result["fetches"] is None


def test_cold_start_with_preloaded_keys_never_touches_the_network() -> None:
    key = RsaKey("cold-kid")
    env = base_env(JWKS_JSON=json.dumps(jwks(key)))
    result = _run(env, [_event(mint(key, access_claims())), _event(mint(RsaKey("other"), access_claims()))])
    assert result["outcomes"] == ["Allow", "Exception:Unauthorized"]
    assert result["fetches"] == 0  # an unknown kid with static keys is refused without any fetch


def test_cold_start_with_unreadable_or_absurd_configuration_answers_401_instead_of_failing_init(
    tmp_path: Path,
) -> None:
    key = RsaKey("cold-kid")
    token = mint(key, access_claims())
    not_utf8 = tmp_path / "jwks.json"
    not_utf8.write_bytes(b"\xff\xfe" + json.dumps(jwks(key)).encode())
    revoked = tmp_path / "revoked.txt"
    revoked.write_bytes(b"jti-1\n\xff\xfe\n")
    for env in (
        base_env(JWKS_FILE=str(not_utf8)),
        base_env(JWKS_JSON=json.dumps(jwks(key)), REVOKED_JTIS_FILE=str(revoked)),
        base_env(JWKS_JSON=json.dumps(jwks(key)), ROUTE_RULES="[" * 20_000 + "]" * 20_000),
    ):
        result = _run(env, [_event(token)])  # check=True: the interpreter (Lambda init) must not crash
        assert result["outcomes"] == ["Exception:Unauthorized"]
        assert result["fetches"] is None
