"""Property tests: whatever arrives in a header or an event, the answer is 401, 403 or Allow, never a crash."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authorizer.errors import TokenRejectedError
from authorizer.jws import b64url_decode
from tests.unit.authorizer.conftest import ALLOW, DENY, UNAUTHORIZED, MakeAuthorizer, PoolKeys, outcome
from tests.unit.authorizer.support import access_claims, mint

OUTCOMES = {ALLOW, DENY, UNAUTHORIZED}
ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/reports/2026"
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def rules_authorizer(make_authorizer: MakeAuthorizer) -> None:
    make_authorizer(ROUTE_RULES=json.dumps([{"route": "GET /reports/**", "scopes_any": ["reports/read"]}]))


@FUZZ
@given(header=st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_authorization_text_gets_a_defined_answer(rules_authorizer: None, header: str) -> None:
    assert outcome({"type": "TOKEN", "authorizationToken": header, "methodArn": ARN}) in OUTCOMES


@FUZZ
@given(
    segments=st.lists(st.text(alphabet="ABCDEFabcdef0123456789-_=+/. ", max_size=60), min_size=1, max_size=6),
)
def test_any_dotted_base64ish_token_gets_a_defined_answer(rules_authorizer: None, segments: list[str]) -> None:
    header = "Bearer " + ".".join(segments)
    assert outcome({"type": "TOKEN", "authorizationToken": header, "methodArn": ARN}) == UNAUTHORIZED


@FUZZ
@given(
    event=st.dictionaries(
        st.sampled_from(
            ["type", "version", "methodArn", "routeArn", "headers", "authorizationToken", "multiValueHeaders"]
        ),
        json_values,
        max_size=7,
    )
)
def test_any_event_shape_gets_a_defined_answer(rules_authorizer: None, event: dict[str, Any]) -> None:
    assert outcome(event) in OUTCOMES


@FUZZ
@given(
    claims=st.dictionaries(
        st.sampled_from(
            [
                "sub",
                "username",
                "scope",
                "cognito:groups",
                "email",
                "legacy_id",
                "app_user_id",
                "auth_time",
                "exp",
                "iat",
                "nbf",
                "client_id",
                "token_use",
                "iss",
                "jti",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_validly_signed_tokens_with_arbitrary_claim_values_get_a_defined_answer(
    pool_keys: PoolKeys, rules_authorizer: None, claims: dict[str, Any]
) -> None:
    event = {
        "type": "TOKEN",
        "authorizationToken": "Bearer " + mint(pool_keys.access, access_claims(**claims)),
        "methodArn": ARN,
    }
    result = outcome(event)
    assert result in OUTCOMES


SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ABCZabcz019-_+/=!. \n\x00é", max_size=12))
def test_strict_base64url_decoding_accepts_exactly_the_regex_alphabet(text: str) -> None:
    raw = text.encode("utf-8")
    canonical_length = len(text) % 4 != 1
    try:
        b64url_decode(raw)
        accepted = True
    except TokenRejectedError:
        accepted = False
    if accepted:
        assert SEGMENT.fullmatch(text)
        assert canonical_length
    if SEGMENT.fullmatch(text) and len(text) % 4 == 0:
        assert accepted  # whole quanta have no trailing bits: the alphabet alone decides
