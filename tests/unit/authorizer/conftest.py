"""Fixtures for the authorizer tests: run-time keys, an authorizer factory and an outcome helper."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import authorizer.handler as handler_module
from authorizer.decide import Authorizer
from authorizer.handler import build_authorizer
from tests.conftest import load_event
from tests.unit.authorizer.support import RsaKey, base_env, jwks

ALLOW = "allow"
DENY = "403"
UNAUTHORIZED = "401"


class PoolKeys:
    """The pool's two signing keys (access and ID, as in Cognito) and an attacker's key."""

    def __init__(self) -> None:
        self.access = RsaKey("pool-access-kid")
        self.id = RsaKey("pool-id-kid")
        self.attacker = RsaKey("attacker-kid")

    def jwks(self) -> dict[str, Any]:
        return jwks(self.access, self.id)


@pytest.fixture(scope="session")
def pool_keys() -> PoolKeys:
    return PoolKeys()


MakeAuthorizer = Callable[..., Authorizer]


@pytest.fixture
def make_authorizer(pool_keys: PoolKeys, monkeypatch: pytest.MonkeyPatch) -> MakeAuthorizer:
    """Build an authorizer from env overrides (preloaded pool JWKS by default) and install it in the handler."""

    def make(**overrides: str) -> Authorizer:
        env = base_env(**overrides)
        if "JWKS_URL" not in env and "JWKS_FILE" not in env:
            env.setdefault("JWKS_JSON", json.dumps(pool_keys.jwks()))
        built = build_authorizer(env)
        monkeypatch.setattr(handler_module, "AUTHORIZER", built)
        return built

    return make


def token_event(
    token: str | None, name: str = "apigw_token_authorizer", *, raw_header: str | None = None
) -> dict[str, Any]:
    """A fixture event carrying ``Bearer <token>`` (or ``raw_header`` verbatim) in the right place."""
    event = load_event(name)
    header = raw_header if raw_header is not None else (None if token is None else f"Bearer {token}")
    if event["type"] == "TOKEN":
        if header is None:
            del event["authorizationToken"]
        else:
            event["authorizationToken"] = header
        return event
    key = "authorization" if event.get("version") == "2.0" else "Authorization"
    if header is None:
        event["headers"].pop(key, None)
        event.get("multiValueHeaders", {}).pop(key, None)
        event["identitySource"] = []
    else:
        event["headers"][key] = header
        if "multiValueHeaders" in event:
            event["multiValueHeaders"][key] = [header]
        if "identitySource" in event:
            event["identitySource"] = [header]
    return event


def outcome(event: Any) -> str:
    """Run the real handler; return ``"allow"``, ``"403"`` or ``"401"`` (any other exception propagates)."""
    try:
        response = handler_module.handler(event, None)
    except Exception as exc:
        if str(exc) == "Unauthorized" and type(exc) is Exception:
            return UNAUTHORIZED
        raise
    if "isAuthorized" in response:
        return ALLOW if response["isAuthorized"] is True else DENY
    effects = {s["Effect"] for s in response["policyDocument"]["Statement"]}
    return ALLOW if effects == {"Allow"} else DENY


def respond(event: Any) -> dict[str, Any]:
    """Run the real handler and return its response document (fails the test on 401)."""
    return handler_module.handler(event, None)
