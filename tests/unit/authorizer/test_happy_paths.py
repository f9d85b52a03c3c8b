"""Valid tokens through every event shape: REST TOKEN, REST REQUEST, HTTP API 2.0 simple and IAM."""

from __future__ import annotations

import json

import pytest

from tests.unit.authorizer.conftest import ALLOW, DENY, MakeAuthorizer, PoolKeys, outcome, respond, token_event
from tests.unit.authorizer.support import CLIENT_ID, OTHER_CLIENT_ID, access_claims, id_claims, mint

WILDCARD = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*"


def test_rest_token_authorizer_allows_a_valid_access_token_with_a_typed_context(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    claims = access_claims()
    response = respond(token_event(mint(pool_keys.access, claims)))
    assert response["principalId"] == claims["sub"]
    assert response["policyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": WILDCARD}],
    }
    assert response["context"] == {
        "sub": claims["sub"],
        "username": "alice",
        "token_use": "access",
        "client_id": CLIENT_ID,
        "groups": "editors,staff",
        "scopes": "aws.cognito.signin.user.admin reports/read",
        "auth_time": claims["auth_time"],
        "legacy_id": "1042",
        "app_user_id": "77",
    }


def test_rest_request_authorizer_reads_the_authorization_header(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    event = token_event(mint(pool_keys.access, access_claims()), "apigw_request_authorizer")
    response = respond(event)
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert response["policyDocument"]["Statement"][0]["Resource"] == WILDCARD


def test_rest_request_authorizer_refuses_two_authorization_values(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    token = mint(pool_keys.access, access_claims())
    event = token_event(token, "apigw_request_authorizer")
    event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}", "Bearer other"]
    assert outcome(event) == "401"


@pytest.mark.parametrize("spelling", ["AUTHORIZATION", "authorization", "AuThOrIzAtIoN"])
def test_rest_request_authorizer_refuses_two_values_or_two_spellings_in_any_case(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, spelling: str
) -> None:
    make_authorizer()
    token = mint(pool_keys.access, access_claims())
    event = token_event(token, "apigw_request_authorizer")
    del event["headers"]["Authorization"], event["multiValueHeaders"]["Authorization"]
    event["headers"][spelling] = f"Bearer {token}"
    event["multiValueHeaders"][spelling] = [f"Bearer {token}"]
    assert outcome(event) == "allow"  # one value under any spelling is fine
    event["multiValueHeaders"][spelling] = ["Bearer other", f"Bearer {token}"]
    assert outcome(event) == "401"  # two values of the header
    event["multiValueHeaders"][spelling] = [f"Bearer {token}"]
    event["headers"]["Authorization"] = f"Bearer {token}"
    assert outcome(event) == "401"  # the header under two spellings


def test_rest_request_authorizer_counts_values_under_every_spelling_of_multi_value_headers(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer()
    token = mint(pool_keys.access, access_claims())
    event = token_event(token, "apigw_request_authorizer")
    event["multiValueHeaders"]["authorization"] = ["Bearer other"]  # a second spelling headers does not show
    assert outcome(event) == "401"
    event["multiValueHeaders"]["authorization"] = "Bearer other"  # not even a list: still a second value
    assert outcome(event) == "401"
    del event["multiValueHeaders"]["authorization"]
    assert outcome(event) == "allow"


def test_http_api_v2_simple_response_allows_with_context(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer()
    claims = access_claims()
    response = respond(token_event(mint(pool_keys.access, claims), "apigw_http_v2_authorizer"))
    assert response["isAuthorized"] is True
    assert response["context"]["sub"] == claims["sub"]
    assert response["context"]["groups"] == "editors,staff"


def test_http_api_v2_iam_response_scopes_to_the_stage(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer(HTTP_API_RESPONSE="iam")
    claims = access_claims()
    response = respond(token_event(mint(pool_keys.access, claims), "apigw_http_v2_authorizer"))
    assert response["principalId"] == claims["sub"]
    statement = response["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/*/*"


def test_http_api_v2_simple_response_denies_a_caller_lacking_the_route_scope(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    rules = json.dumps([{"route": "GET /reports/*", "scopes_all": ["reports/admin"]}])
    make_authorizer(ROUTE_RULES=rules, HTTP_API_RESPONSE="simple")
    response = respond(token_event(mint(pool_keys.access, access_claims()), "apigw_http_v2_authorizer"))
    assert response["isAuthorized"] is False


def test_http_api_v2_with_route_rules_defaults_to_route_scoped_iam_policies(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    make_authorizer(ROUTE_RULES=json.dumps([{"route": "GET /reports/*", "scopes_any": ["reports/read"]}]))
    event = token_event(mint(pool_keys.access, access_claims()), "apigw_http_v2_authorizer")
    statement = respond(event)["policyDocument"]["Statement"][0]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["routeArn"]}


@pytest.mark.parametrize(
    "event_name", ["apigw_token_authorizer", "apigw_request_authorizer", "apigw_http_v2_authorizer"]
)
def test_id_token_is_accepted_when_configured_for_id_tokens(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, event_name: str
) -> None:
    make_authorizer(TOKEN_USE="id")
    claims = id_claims(aud=OTHER_CLIENT_ID)
    response = respond(token_event(mint(pool_keys.id, claims), event_name))
    context = response["context"]
    assert context["token_use"] == "id"
    assert context["client_id"] == OTHER_CLIENT_ID
    assert context["email"] == "alice@example.com"
    assert context["legacy_id"] == "1042"  # from custom:legacy_id
    assert context["username"] == "alice"


def test_token_use_any_accepts_both_token_kinds(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer(TOKEN_USE="any")
    assert outcome(token_event(mint(pool_keys.access, access_claims()))) == ALLOW
    assert outcome(token_event(mint(pool_keys.id, id_claims()))) == ALLOW


def test_bare_token_without_bearer_prefix_is_accepted(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer()
    token = mint(pool_keys.access, access_claims())
    assert outcome(token_event(None, raw_header=token)) == ALLOW
    assert outcome(token_event(None, raw_header=f"BEARER {token}")) == ALLOW


@pytest.mark.parametrize(
    ("method", "path", "scope", "groups", "expected"),
    [
        ("GET", "reports/2026", "reports/read", [], ALLOW),
        ("GET", "reports/2026/q1", "reports/read", [], ALLOW),
        ("POST", "reports/2026", "reports/read", [], DENY),
        ("POST", "reports/2026", "reports/write", ["editors"], ALLOW),
        ("POST", "reports/2026", "reports/write", ["viewers"], DENY),
        ("DELETE", "admin/users", "x", ["admins", "staff"], ALLOW),
        ("DELETE", "admin/users", "x", ["admins"], DENY),
        ("GET", "health", "", [], ALLOW),
        ("GET", "unlisted", "reports/read", ["admins", "staff"], DENY),
    ],
)
def test_route_rules_any_of_and_all_of(
    pool_keys: PoolKeys,
    make_authorizer: MakeAuthorizer,
    method: str,
    path: str,
    scope: str,
    groups: list[str],
    expected: str,
) -> None:
    rules = [
        {"route": "GET /reports/**", "scopes_any": ["reports/read", "reports/admin"]},
        {"route": "POST /reports/*", "scopes_all": ["reports/write"], "groups_any": ["editors"]},
        {"route": "* /admin/**", "groups_all": ["admins", "staff"]},
        {"route": "ANY /health", "public_to_any_valid_token": True},
    ]
    make_authorizer(ROUTE_RULES=json.dumps(rules))
    event = token_event(mint(pool_keys.access, access_claims(scope=scope, **{"cognito:groups": groups})))
    event["methodArn"] = f"arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/{method}/{path}"
    assert outcome(event) == expected


def test_repeat_token_is_served_from_the_verified_token_cache_until_it_expires(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    authorizer = make_authorizer(TOKEN_CACHE_SIZE="2")
    clock = [1_000_000.0]
    authorizer.verifier._time = lambda: clock[0]
    token = mint(pool_keys.access, access_claims(iat=999_000, auth_time=999_000, exp=1_000_100))
    first = authorizer.verifier.verify(token)
    assert authorizer.verifier.verify(token) is first  # cache hit: same object
    clock[0] = 1_000_200.0  # past exp + leeway
    assert outcome(token_event(token)) == "401"


def test_http_api_payload_1_0_is_answered_like_rest(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer()
    event = token_event(mint(pool_keys.access, access_claims()), "apigw_request_authorizer")
    event["version"] = "1.0"
    response = respond(event)
    assert response["policyDocument"]["Statement"][0]["Resource"] == WILDCARD


def test_emulator_issuer_and_jwks_url_overrides_verify_local_tokens(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    from tests.unit.authorizer.support import JwksServer

    with JwksServer(pool_keys.jwks()) as server:
        local_issuer = server.url.split("/.well-known/")[0].rsplit("/", 1)[0] + "/local_5a8b9c0d"
        make_authorizer(USER_POOL_ID="local_5a8b9c0d", ISSUER=local_issuer, JWKS_URL=server.url)
        assert outcome(token_event(mint(pool_keys.access, access_claims(iss=local_issuer)))) == ALLOW
        assert outcome(token_event(mint(pool_keys.access, access_claims()))) == "401"  # the AWS issuer is not it
        assert server.hits == 1


def test_dot_segments_never_match_a_more_permissive_rule(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    rules = [
        {"route": "GET /reports/**", "scopes_any": ["reports/read"]},
        {"route": "GET /admin/**", "groups_any": ["a"]},
    ]
    make_authorizer(ROUTE_RULES=json.dumps(rules))
    event = token_event(mint(pool_keys.access, access_claims()))
    event["methodArn"] = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/reports/../admin/users"
    assert outcome(event) == DENY
