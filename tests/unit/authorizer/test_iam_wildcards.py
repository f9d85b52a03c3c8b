"""Issue 12 §5: an IAM wildcard (``*`` or ``?``) from the request never reaches a policy's Resource.

IAM reads ``*`` and ``?`` in a Resource as wildcards, and API Gateway reuses a cached policy for every route
the caller hits: a route-scoped Allow echoing ``GET /items/*`` would open ``GET /items/1/secret``. Every such
request is answered 401 (documented choice), in every ARN position, literal or percent-encoded, for REST
``TOKEN``/``REQUEST``, HTTP API payload 1.0 (``methodArn``) and 2.0 (``routeArn``, IAM or simple responses).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authorizer.events import has_iam_wildcard
from tests.conftest import load_event
from tests.unit.authorizer.conftest import ALLOW, DENY, UNAUTHORIZED, MakeAuthorizer, PoolKeys, outcome, respond
from tests.unit.authorizer.support import access_claims, mint

PREFIX = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234"
RULES = json.dumps(
    [
        {"route": "GET /items/*", "scopes_any": ["reports/read"]},
        {"route": "GET /reports/**", "scopes_any": ["reports/read"]},
        {"route": "* /admin/**", "groups_any": ["admins"]},
    ]
)
KINDS = ["rest-token", "rest-request", "http-v1", "http-v2-iam", "http-v2-simple"]
# (where, ARN) pairs: every position of methodArn/routeArn, literal and percent-encoded forms.
HOSTILE_ARNS = [
    ("account", "arn:aws:execute-api:eu-west-1:12345678901*:abcdef1234/prod/GET/items/1"),
    ("account", "arn:aws:execute-api:eu-west-1:*:abcdef1234/prod/GET/items/1"),
    ("region", "arn:aws:execute-api:eu-west-?:123456789012:abcdef1234/prod/GET/items/1"),
    ("partition", "arn:aws*:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/items/1"),
    ("api id", "arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/items/1"),
    ("api id", "arn:aws:execute-api:eu-west-1:123456789012:abcdef123?/prod/GET/items/1"),
    ("stage", f"{PREFIX}/*/GET/items/1"),
    ("stage", f"{PREFIX}/pro?/GET/items/1"),
    ("stage", f"{PREFIX}/%2A/GET/items/1"),
    ("method", f"{PREFIX}/prod/*/items/1"),
    ("method", f"{PREFIX}/prod/GE?/items/1"),
    ("method", f"{PREFIX}/prod/%2a/items/1"),
    ("path", f"{PREFIX}/prod/GET/items/*"),
    ("path", f"{PREFIX}/prod/GET/items/?"),
    ("path", f"{PREFIX}/prod/GET/items/1*"),
    ("path", f"{PREFIX}/prod/GET/*/secret"),
    ("path", f"{PREFIX}/prod/GET/reports/*/2026"),
    ("path", f"{PREFIX}/prod/GET/items/%2A"),
    ("path", f"{PREFIX}/prod/GET/items/%2a"),
    ("path", f"{PREFIX}/prod/GET/items/%3F"),
    ("path", f"{PREFIX}/prod/GET/items/%3f"),
    ("path", f"{PREFIX}/prod/GET/items/%252A"),
    ("path", f"{PREFIX}/prod/GET/items/%25252a"),
    ("path", f"{PREFIX}/prod/GET/items/%2525252525252A"),
    ("path", f"{PREFIX}/prod/GET/items/1?x=1"),
    ("path", f"{PREFIX}/prod/GET/admin/%2A%2A"),
]


def event_for(kind: str, arn: str, token: str) -> dict[str, Any]:
    """A real-shaped event of ``kind`` carrying ``arn`` as its methodArn/routeArn and ``Bearer token``."""
    header = f"Bearer {token}"
    if kind == "rest-token":
        event = load_event("apigw_token_authorizer")
        event["authorizationToken"] = header
    elif kind == "rest-request":
        event = load_event("apigw_request_authorizer")
        event["headers"]["Authorization"] = header
        event["multiValueHeaders"]["Authorization"] = [header]
    elif kind == "http-v1":
        event = load_event("apigw_http_v1_authorizer")
        event["headers"]["authorization"] = header
        event["identitySource"] = event["authorizationToken"] = header
    else:
        event = load_event("apigw_http_v2_authorizer")
        event["headers"]["authorization"] = header
        event["identitySource"] = [header]
    event["routeArn" if kind.startswith("http-v2") else "methodArn"] = arn
    return event


def _install(make_authorizer: MakeAuthorizer, kind: str, rules: bool) -> None:
    env = {"ROUTE_RULES": RULES} if rules else {}
    if kind.startswith("http-v2"):
        env["HTTP_API_RESPONSE"] = "simple" if kind.endswith("simple") else "iam"
    make_authorizer(**env)


@pytest.mark.parametrize("rules", [True, False], ids=["route-rules", "no-rules"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("where", "arn"), HOSTILE_ARNS)
def test_a_wildcard_from_the_request_in_any_arn_position_gets_401_and_no_policy(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, kind: str, rules: bool, where: str, arn: str
) -> None:
    _install(make_authorizer, kind, rules)
    token = mint(pool_keys.access, access_claims(**{"cognito:groups": ["admins"]}))
    assert outcome(event_for(kind, arn, token)) == UNAUTHORIZED, where


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_route_without_a_wildcard_is_still_allowed_with_an_exact_resource(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, kind: str
) -> None:
    _install(make_authorizer, kind, True)
    stage = "$default" if kind.startswith("http") else "prod"
    arn = f"{PREFIX}/{stage}/GET/items/1"
    response = respond(event_for(kind, arn, mint(pool_keys.access, access_claims())))
    if kind == "http-v2-simple":
        assert response["isAuthorized"] is True
        return
    assert response["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}
    ]


def test_a_route_scoped_allow_for_items_star_cannot_be_obtained_to_open_a_secret_route(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    """The attack of the issue: ask for ``GET /items/*`` to get an Allow the cache applies to another path."""
    make_authorizer(ROUTE_RULES=RULES)
    token = mint(pool_keys.access, access_claims())
    assert outcome(event_for("rest-token", f"{PREFIX}/prod/GET/items/*", token)) == UNAUTHORIZED
    secret = respond(event_for("rest-token", f"{PREFIX}/prod/GET/items/1/secret", token))
    assert secret["policyDocument"]["Statement"][0]["Effect"] == "Deny"  # no rule covers it: default deny
    assert secret["policyDocument"]["Statement"][0]["Resource"] == f"{PREFIX}/prod/GET/items/1/secret"


@pytest.mark.parametrize(
    ("arn", "wild"),
    [
        (f"{PREFIX}/prod/GET/items/1", False),
        (f"{PREFIX}/prod/GET/items/%41", False),  # %41 is 'A': encoded, but no wildcard
        (f"{PREFIX}/prod/GET/items/100%25", False),  # a literal percent sign
        (f"{PREFIX}/prod/GET/items/%2A", True),
        (f"{PREFIX}/prod/GET/items/%252A", True),
        (f"{PREFIX}/prod/GET/items/%25%32%41", True),  # '%', '2', 'A' each encoded: decodes to %2A, then '*'
    ],
)
def test_wildcard_detection_decodes_percent_encoding_repeatedly(arn: str, wild: bool) -> None:
    assert has_iam_wildcard(arn) is wild


_SEGMENT = st.text(alphabet="ab*?%2AaF35/", min_size=1, max_size=8)
_OWN_WILDCARD_SUFFIX = re.compile(r"/\*/\*$")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stage=_SEGMENT, method=st.sampled_from(["GET", "POST", "*", "G?T", "%2A"]), path=_SEGMENT, rules=st.booleans())
def test_no_resource_ever_holds_a_wildcard_taken_from_the_request(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, stage: str, method: str, path: str, rules: bool
) -> None:
    _install(make_authorizer, "rest-token", rules)
    arn = f"{PREFIX}/{stage.replace('/', '')}/{method}/{path}"
    event = event_for("rest-token", arn, mint(pool_keys.access, access_claims()))
    if outcome(event) == UNAUTHORIZED:  # the documented answer to a wildcard (or a malformed ARN)
        assert has_iam_wildcard(arn) or "//" in arn or arn.endswith("/") or not path.strip("/")
        return
    response = respond(event)
    resource = response["policyDocument"]["Statement"][0]["Resource"]
    request_part = _OWN_WILDCARD_SUFFIX.sub("", resource)  # our own stage-wide "/*/*", built from no request data
    assert not has_iam_wildcard(request_part)
    assert not has_iam_wildcard(arn)
    assert outcome(event) in {ALLOW, DENY}
