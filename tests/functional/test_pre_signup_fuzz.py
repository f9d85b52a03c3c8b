"""Property: any pre-signup event is either answered or refused with a documented SignUpRefusedError.

Every field of the real-shaped fixtures (top level: ``version``, ``region``, ``userPoolId``, ``callerContext``,
``triggerSource``, ``userName``, ``request``, ``response``; and every nested one) is replaced by odd types or
deleted, one at a time exhaustively and in random combinations; the whole event is sometimes not an object at
all. The guard runs against a real SQLite q2a table, the trusted-domain check against moto's ListUsers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_policy import (
    MSG_DOMAIN,
    MSG_INVALID,
    MSG_LEGACY_ACCOUNT,
    MSG_UNAVAILABLE,
    SignUpRefusedError,
)
from tests.conftest import load_event
from tests.support.legacy_db import create_schema, insert_users
from tests.unit.hooks.fuzz_values import attribute_maps, field_paths, hostile_text, json_values, mutate, mutated_events
from triggers import hook_wiring
from triggers import pre_signup as hook
from triggers.lazy import UNBUILT

SOURCES = st.sampled_from(["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider", None, 3])
FIXTURES = [f"cognito_pre_signup_{name}" for name in ("sign_up", "admin_create_user", "external_provider")]
ODD: list[Any] = [None, [], ["x"], {}, 0, 7, 3.5, True, "", "x" * 5000]
#: docs/hooks.md, "refusal reason" table (plus ``malformed_event`` for an event that is not an object)
DOCUMENTED = {
    "legacy_account": MSG_LEGACY_ACCOUNT,
    "domain_denied": MSG_DOMAIN,
    "domain_not_allowed": MSG_DOMAIN,
    "invalid_input": MSG_INVALID,
    "invalid_email": MSG_INVALID,
    "reserved_attribute": MSG_INVALID,
    "reserved_username": MSG_INVALID,
    "malformed_event": MSG_INVALID,
    "guard_unavailable": MSG_UNAVAILABLE,
    "misconfigured": MSG_UNAVAILABLE,
}
SETTINGS = HookSettings.from_env({"HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com",
                                  "HOOKS_SIGNUP_TRUSTED_DOMAINS": "example.com",
                                  "HOOKS_SIGNUP_ADMIN_CREATE": "enforce"})


@pytest.fixture(scope="module")
def legacy_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('signupfuzz') / 'q2a.sqlite3'}"
    create_schema(url, "q2a")
    insert_users(url, "q2a", [{"userid": 1, "handle": "alice", "email": "alice@example.com",
                               "passhash": "$2y$10$" + "a" * 53, "level": 0, "flags": 0}])
    return url


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="p", AliasAttributes=["email"])["UserPool"]["Id"]
        client.admin_create_user(UserPoolId=pool, Username="holder", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "someone@example.com"}, {"Name": "email_verified", "Value": "true"}])
        yield client, pool


@pytest.fixture
def wired(legacy_url: str, moto_pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The handler wired to the SQLite legacy DB and moto; yields the moto pool id for the events."""
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": legacy_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEGACY_TRACK_MIGRATION", raising=False)
    monkeypatch.setattr(hook.settings, "value", SETTINGS)
    monkeypatch.setattr(hook_wiring.cognito_client, "value", moto_pool[0])
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    yield moto_pool[1]
    if hook_wiring.legacy_database.built:
        hook_wiring.legacy_database.value[1].close()


def _check(event: Any, new_lambda_context: Any) -> None:
    """The documented outcomes: the same event with well-formed flags, or a documented refusal."""
    refusal: SignUpRefusedError | None = None
    try:
        out = hook.handler(event, new_lambda_context())
    except SignUpRefusedError as exc:  # the only exception a sign-up may end with
        refusal = exc
    if refusal is not None:
        assert refusal.reason in DOCUMENTED
        assert str(refusal) == DOCUMENTED[refusal.reason]
        return
    assert out is event
    response = out["response"]
    assert set(response) >= {"autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"}
    assert all(isinstance(response[k], bool) for k in ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"))
    assert response["autoVerifyPhone"] is False
    json.dumps(out)  # still serialisable for Lambda's answer


def test_the_unmutated_fixtures_pass_every_check_here(wired: str, new_lambda_context: Any) -> None:
    """Control: the real path (guard, ListUsers on moto) runs; a free trusted email is auto-confirmed."""
    out = hook.handler({**load_event(FIXTURES[0]), "userPoolId": wired}, new_lambda_context())
    assert out["response"]["autoConfirmUser"] is True
    taken = {**load_event(FIXTURES[0]), "userPoolId": wired}
    taken["request"]["userAttributes"]["email"] = "Someone@example.com"
    assert hook.handler(taken, new_lambda_context())["response"]["autoConfirmUser"] is False


@pytest.mark.parametrize(("fixture", "path"), [(name, path) for name in FIXTURES
                                               for path in field_paths(load_event(name))])
def test_every_field_replaced_by_an_odd_value_or_deleted_gets_a_documented_outcome(
    wired: str, new_lambda_context: Any, fixture: str, path: tuple[str, ...]
) -> None:
    base = {**load_event(fixture), "userPoolId": wired}
    for value in ODD:
        _check(mutate(base, path, value), new_lambda_context)
    _check(mutate(base, path, None, delete=True), new_lambda_context)


@given(data=st.data(), fixture=st.sampled_from(FIXTURES))
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_combination_of_mutated_fields_gets_a_documented_outcome(wired: str, new_lambda_context: Any,
                                                                      data: st.DataObject, fixture: str) -> None:
    event = data.draw(mutated_events({**load_event(fixture), "userPoolId": wired}))
    if not isinstance(event, dict):
        with pytest.raises(SignUpRefusedError) as refused:
            hook.handler(event, new_lambda_context())
        assert (refused.value.reason, str(refused.value)) == ("malformed_event", MSG_INVALID)
        return
    _check(event, new_lambda_context)


@given(source=SOURCES, username=st.one_of(hostile_text, json_values), attributes=attribute_maps(),
       response=json_values)
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_event_is_answered_or_clearly_refused(source: Any, username: Any, attributes: Any, response: Any,
                                                  monkeypatch: pytest.MonkeyPatch, new_lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({
        "HOOKS_SIGNUP_GUARD": "off", "HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com",
        "HOOKS_SIGNUP_ADMIN_CREATE": "enforce"}))
    event = {"version": "1", "triggerSource": source, "userPoolId": "eu-west-1_X", "userName": username,
             "request": {"userAttributes": attributes}, "response": response}
    refusal: SignUpRefusedError | None = None
    try:
        out = hook.handler(event, new_lambda_context())
    except SignUpRefusedError as exc:  # the only exception a sign-up may end with
        refusal = exc
    if refusal is not None:
        # the reserved-identity refusals apply with the guard off too (a legacy id is never the user's to claim)
        assert refusal.reason in {"invalid_input", "invalid_email", "domain_denied", "reserved_attribute",
                                  "reserved_username"}
        assert str(refusal) == DOCUMENTED[refusal.reason]
        return
    assert out["response"]["autoVerifyPhone"] is False
    assert out["response"]["autoConfirmUser"] is False  # no trusted domain configured


@pytest.mark.parametrize("event", [None, [], ["PreSignUp_SignUp"], "event", 3, 2.5, True])
def test_an_event_that_is_not_an_object_is_refused_with_the_invalid_input_message(
        event: Any, monkeypatch: pytest.MonkeyPatch, new_lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_SIGNUP_GUARD": "off"}))
    with pytest.raises(SignUpRefusedError) as refused:
        hook.handler(event, new_lambda_context())
    assert refused.value.reason == "malformed_event"
    assert str(refused.value) == "Sign-up could not be completed: the username or email is not valid."
