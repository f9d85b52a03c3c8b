"""Hostile cases 32-37 of shared/reference/authorizer.md §(b): output contract, caching, failures, logs."""

from __future__ import annotations

import fnmatch
import io
import json
import logging
from typing import Any

import pytest

import authorizer.handler as handler_module
from authorizer.decide import Authorizer
from authorizer.jwks import JwksCache
from tests.unit.authorizer.conftest import ALLOW, UNAUTHORIZED, MakeAuthorizer, PoolKeys, outcome, respond, token_event
from tests.unit.authorizer.support import FakeClock, JwksServer, access_claims, id_claims, mint

CONTEXT_KEYS = {
    "sub",
    "username",
    "token_use",
    "client_id",
    "groups",
    "scopes",
    "email",
    "auth_time",
    "legacy_id",
    "app_user_id",
}


def _iam_allows(policy: dict[str, Any], arn: str) -> bool:
    """What API Gateway does with a cached policy: Allow only if an Allow statement's Resource matches."""
    statements = policy["policyDocument"]["Statement"]
    matching = [s for s in statements if any(fnmatch.fnmatchcase(arn, r) for r in _resources(s))]
    return bool(matching) and all(s["Effect"] == "Allow" for s in matching)


def _resources(statement: dict[str, Any]) -> list[str]:
    r = statement["Resource"]
    return [r] if isinstance(r, str) else list(r)


def test_case32_object_array_and_control_character_claims_never_reach_the_context_raw(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer(TOKEN_USE="id")
    claims = id_claims(
        **{
            "cognito:username": "eve\r\nX-Injected: 1\x00\x1b[31m",
            "email": ["a@example.com", "b@example.com"],
            "custom:legacy_id": {"id": 1},
            "app_user_id": [1, 2],
            "cognito:groups": ["ops\nadmins", {"x": 1}, 7],
        }
    )
    response = respond(token_event(mint(pool_keys.id, claims)))
    context = response["context"]
    assert set(context) <= CONTEXT_KEYS
    assert all(type(v) in (str, int, bool) for v in context.values())
    assert not {"email", "legacy_id", "app_user_id"} & set(context)
    assert context["username"] == "eve\\u000d\\u000aX-Injected: 1\\u0000\\u001b[31m"
    assert context["groups"] == "ops\\u000aadmins"
    assert all(ch.isprintable() for v in context.values() if isinstance(v, str) for ch in v)


def test_case33_reserved_claim_names_cannot_override_context_keys(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    claims = access_claims(
        principalId="admin", claims="{}", integrationLatency=0, context={"sub": "admin"}, policyDocument="x"
    )
    response = respond(token_event(mint(pool_keys.access, claims)))
    assert response["principalId"] == claims["sub"]
    assert response["context"]["sub"] == claims["sub"]
    assert set(response["context"]) <= CONTEXT_KEYS
    assert set(response) == {"principalId", "policyDocument", "context"}


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "TOKEN",
        {},
        {"type": "TOKEN"},
        {"type": "TOKEN", "methodArn": 7},
        {"type": "WEBSOCKET"},
        {"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/x", "headers": ["x"]},
        {"type": "REQUEST", "version": "2.0", "routeArn": None, "headers": {}},
        {"type": "TOKEN", "methodArn": "not-an-arn", "authorizationToken": "Bearer a.b.c"},
    ],
)
def test_case34_malformed_events_and_internal_errors_fail_closed_with_401(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, monkeypatch: pytest.MonkeyPatch, event: Any
) -> None:
    authorizer = make_authorizer()
    assert outcome(event) == UNAUTHORIZED

    def explode(token: str) -> Any:
        raise KeyError("exp")

    monkeypatch.setattr(authorizer.verifier, "verify", explode)
    assert outcome(token_event(mint(pool_keys.access, access_claims()))) == UNAUTHORIZED


def test_case34_jwks_outage_with_a_cold_cache_fails_closed_with_401(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        server.behaviour.status = 500
        make_authorizer(JWKS_URL=server.url)
        assert outcome(token_event(mint(pool_keys.access, access_claims()))) == UNAUTHORIZED
        assert server.hits == 1


def test_case35_a_cached_method_dependent_allow_never_opens_another_route(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    rules = [
        {"route": "GET /reports/**", "scopes_any": ["reports/read"]},
        {"route": "DELETE /reports/**", "groups_all": ["admins"]},
    ]
    make_authorizer(ROUTE_RULES=json.dumps(rules), ROUTE_DEFAULT="allow")
    token = mint(pool_keys.access, access_claims())  # has reports/read, not in admins
    get_event = token_event(token)
    policy = respond(get_event)
    delete_arn = get_event["methodArn"].replace("/GET/", "/DELETE/")
    assert _iam_allows(policy, get_event["methodArn"])
    assert not _iam_allows(policy, delete_arn)  # what API Gateway's cache would do with it
    # a caller who passes every rule (and the default is allow) gets a wildcard: no route depends on it
    admin = mint(pool_keys.access, access_claims(**{"cognito:groups": ["admins"]}))
    assert _iam_allows(respond(token_event(admin)), delete_arn)
    # with ROUTE_DEFAULT=deny (the default once rules exist) even that caller is scoped to the route
    make_authorizer(ROUTE_RULES=json.dumps(rules))
    assert not _iam_allows(respond(token_event(admin)), delete_arn)
    # no rules at all: route-independent, wildcard Allow
    make_authorizer()
    assert _iam_allows(respond(get_event), delete_arn)


@pytest.mark.parametrize(
    "failure", ["status_500", "timeout", "redirect", "too_large", "garbage_json", "no_usable_keys"]
)
def test_case36_a_failing_jwks_refresh_never_wipes_cached_good_keys(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        base = make_authorizer(JWKS_URL=server.url)
        clock = FakeClock()
        keys = JwksCache(server.url, timeout=1.0, max_age=300, refetch_interval=5, clock=clock)
        monkeypatch.setattr(handler_module, "AUTHORIZER", Authorizer(base.settings, keys))
        assert outcome(token_event(mint(pool_keys.access, access_claims()))) == ALLOW
        b = server.behaviour
        if failure == "status_500":
            b.status = 500
        elif failure == "timeout":
            b.delay = 1.5
        elif failure == "redirect":
            b.status, b.headers = 302, {"Location": "http://evil.example/jwks.json"}
        elif failure == "too_large":
            b.body = json.dumps({"keys": [], "pad": "x" * 70000}).encode()
        elif failure == "garbage_json":
            b.body = b"<html>oops</html>"
        else:
            b.body = json.dumps({"keys": [{"kty": "oct", "kid": "x", "k": "AAAA"}]}).encode()
        clock.advance(301)  # keys expired: the next request triggers a refresh, which fails
        assert outcome(token_event(mint(pool_keys.access, access_claims()))) == ALLOW
        assert keys.fetch_count == 2
        assert keys.last_error is not None


def test_case36_plain_http_jwks_url_off_loopback_is_a_configuration_error(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from authorizer.config import Settings
    from authorizer.errors import ConfigurationError
    from tests.unit.authorizer.support import base_env

    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(base_env(JWKS_URL="http://cognito-idp.eu-west-1.amazonaws.com/x/.well-known/jwks.json"))
    assert info.value.variable == "JWKS_URL"


def test_case37_logs_and_errors_never_echo_the_token_or_signature(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    capture.setFormatter(handler_module.logger.registered_formatter)  # the real JSON lines, extra keys included
    underlying = logging.getLogger(handler_module.logger.name)
    underlying.addHandler(capture)
    handler_module.logger.setLevel(logging.DEBUG)
    try:
        good = mint(pool_keys.access, access_claims())
        h, p, s = good.split(".")
        hostile = [
            f"{h}.{p}.{s[:-8]}AAAAAAAA",  # bad signature
            mint(pool_keys.access, access_claims(exp=1)),  # expired
            mint(pool_keys.attacker, access_claims(), kid="unknown-kid"),
            f"{h}.{p}",  # malformed
            mint(pool_keys.access, access_claims(iss="https://evil.example")),
        ]
        for token in hostile:
            assert outcome(token_event(token)) == UNAUTHORIZED
        assert outcome(token_event(good)) == ALLOW
    finally:
        handler_module.logger.setLevel(logging.INFO)
        underlying.removeHandler(capture)
    logged = buffer.getvalue()
    assert "token rejected" in logged  # the rejections were logged ...
    for token in [*hostile, good]:
        for part in token.split("."):
            assert part not in logged  # ... without any token segment or signature


def test_case32_control_characters_in_sub_are_escaped_in_principal_id_too(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    response = respond(token_event(mint(pool_keys.access, access_claims(sub="abc\r\ndef"))))
    assert response["principalId"] == "abc\\u000d\\u000adef"
    assert response["context"]["sub"] == response["principalId"]


# bidi override/embedding, zero-width space and mark, bidi isolates, BOM/ZWNBSP, a tag character (astral)
INVISIBLE_OR_BIDI = ["\u202e", "\u202a", "\u200b", "\u200f", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]
INVISIBLE_OR_BIDI.append("\U000e0041")


@pytest.mark.parametrize("char", INVISIBLE_OR_BIDI)
def test_case32_invisible_and_bidi_characters_are_escaped_in_every_context_value(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, char: str
) -> None:
    make_authorizer(TOKEN_USE="any")
    spoof = f"admin{char}txt.exe"
    access = mint(pool_keys.access, access_claims(sub=spoof, username=spoof, legacy_id=spoof, app_user_id=spoof))
    id_token = mint(pool_keys.id, id_claims(email=f"{char}alice@example.com", **{"cognito:username": spoof}))
    for token in (access, id_token):
        response = respond(token_event(token))
        values = [response["principalId"], *(v for v in response["context"].values() if type(v) is str)]
        assert not any(char in v for v in values)
        assert all(v.isprintable() for v in values)
    escaped = f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    assert respond(token_event(access))["context"]["username"] == f"admin{escaped}txt.exe"


def test_case32_printable_unicode_in_context_values_is_kept_as_is(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    name = "Zoë Ångström 山田 😀"
    response = respond(token_event(mint(pool_keys.access, access_claims(username=name))))
    assert response["context"]["username"] == name
