"""The real authorizer behind the other API shapes the template offers, with real cognito-local tokens.

The session stack's REST front uses a ``TOKEN`` authorizer (test_local_stack.py). Here: a second stack whose REST
front sends ``REQUEST`` events (``run --authorizer-type REQUEST``, as ``AuthorizerType=REQUEST``), and the HTTP
API front (payload 2.0, simple responses, as ``HttpApi=true``) that every stack runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.flows import get_me, invocations, sign_in, tamper
from devstack.legacy_seed import sample_user
from tests.e2e.stackproc import cognito_client, running_stack

pytestmark = [pytest.mark.e2e]


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _forged(token: str) -> str:
    """The same claims, fresh expiry, signed by a key the pool never published (kid of cognito-local)."""
    claims = _claims(token) | {"exp": int(time.time()) + 600}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(token)["kid"]})


@pytest.fixture(scope="module")
def request_stack() -> Iterator[dict[str, Any]]:
    with running_stack(args=("--authorizer-type", "REQUEST")) as info:
        yield info


@pytest.fixture(scope="module")
def request_tokens(request_stack: dict[str, Any]) -> dict[str, str]:
    """Tokens cognito-local issued to a migrated legacy user of the REQUEST stack."""
    result = sign_in(cognito_client(request_stack["cognito_url"]), request_stack["client_id"], "alice",
                     sample_user("alice").password)
    assert result.ok, result.error_code
    return result.tokens


@pytest.fixture(scope="module")
def http_tokens(idp: Any, stack: dict[str, Any]) -> dict[str, str]:
    """Tokens of ivan, the session stack's authorizer user (his tests accept a migrating or a native sign-in)."""
    result = sign_in(idp, stack["client_id"], "ivan", sample_user("ivan").password)
    assert result.ok, result.error_code
    return result.tokens


def _authorizer_calls(stack: dict[str, Any], since: int) -> list[dict[str, Any]]:
    return [c for c in invocations(stack["invoke_url"])[since:] if c["function"] == "authorizer"]


# ---------------------------------------------------------------- REST API, REQUEST authorizer


def test_request_authorizer_accepts_a_real_access_token(request_stack: dict[str, Any],
                                                        request_tokens: dict[str, str]) -> None:
    assert request_stack["authorizer_type"] == "REQUEST"
    answer = get_me(request_stack["api_url"], f"Bearer {request_tokens['AccessToken']}")
    assert answer.status == 200, answer.body
    identity = answer.body["identity"]
    claims = _claims(request_tokens["AccessToken"])
    assert identity["principalId"] == claims["sub"]
    assert identity["username"] == "alice"
    assert identity["client_id"] == request_stack["client_id"]


@pytest.mark.parametrize("bad", ["tampered", "forged", "id-token"])
def test_request_authorizer_refuses_tampered_forged_and_id_tokens(request_stack: dict[str, Any],
                                                                  request_tokens: dict[str, str], bad: str) -> None:
    token = {"tampered": tamper(request_tokens["AccessToken"]), "forged": _forged(request_tokens["AccessToken"]),
             "id-token": request_tokens["IdToken"]}[bad]
    before = len(invocations(request_stack["invoke_url"]))
    answer = get_me(request_stack["api_url"], f"Bearer {token}")
    assert answer.status == 401
    assert answer.body == {"message": "Unauthorized"}
    assert [c["ok"] for c in _authorizer_calls(request_stack, before)] == [False]  # raised Unauthorized


def test_request_authorizer_is_not_invoked_without_a_header(request_stack: dict[str, Any]) -> None:
    before = len(invocations(request_stack["invoke_url"]))
    assert get_me(request_stack["api_url"], None).status == 401
    assert _authorizer_calls(request_stack, before) == []


# ---------------------------------------------------------------- HTTP API, payload 2.0, simple responses


def test_http_api_accepts_a_real_access_token_and_passes_the_identity(stack: dict[str, Any],
                                                                      http_tokens: dict[str, str]) -> None:
    answer = get_me(stack["http_api_url"], f"Bearer {http_tokens['AccessToken']}")
    assert answer.status == 200, answer.body
    identity = answer.body["identity"]
    claims = _claims(http_tokens["AccessToken"])
    assert identity["sub"] == claims["sub"]  # simple responses: the context only, under authorizer.lambda
    assert identity["username"] == "ivan"
    assert identity["client_id"] == stack["client_id"]


@pytest.mark.parametrize("bad", ["tampered", "forged", "id-token"])
def test_http_api_refuses_tampered_forged_and_id_tokens(stack: dict[str, Any], http_tokens: dict[str, str],
                                                        bad: str) -> None:
    token = {"tampered": tamper(http_tokens["AccessToken"]), "forged": _forged(http_tokens["AccessToken"]),
             "id-token": http_tokens["IdToken"]}[bad]
    before = len(invocations(stack["invoke_url"]))
    answer = get_me(stack["http_api_url"], f"Bearer {token}")
    assert answer.status == 401
    assert [c["ok"] for c in _authorizer_calls(stack, before)] == [False]


def test_http_api_is_not_invoked_without_a_header(stack: dict[str, Any]) -> None:
    before = len(invocations(stack["invoke_url"]))
    assert get_me(stack["http_api_url"], None).status == 401
    assert _authorizer_calls(stack, before) == []


# ---------------------------------------------------------------- several-pool configuration (USER_POOLS)


@pytest.mark.parametrize("front", ["api_url", "http_api_url"])
def test_the_local_authorizer_configured_through_user_pools_names_the_pool_of_a_real_token(
    stack: dict[str, Any], http_tokens: dict[str, str], front: str
) -> None:
    answer = get_me(stack[front], f"Bearer {http_tokens['AccessToken']}")
    assert answer.status == 200, answer.body
    assert answer.body["identity"]["pool_id"] == stack["user_pool_id"]  # the context says which pool signed in
    assert answer.body["identity"]["client_id"] == stack["client_id"]

