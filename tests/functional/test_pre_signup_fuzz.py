"""Property: any pre-signup event is either answered or refused with SignUpRefusedError, never anything else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.hooks_config import HookSettings
from legacy_auth.signup_policy import SignUpRefusedError
from tests.unit.hooks.fuzz_values import attribute_maps, hostile_text, json_values
from triggers import pre_signup as hook

SOURCES = st.sampled_from(["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider", None, 3])


@given(source=SOURCES, username=st.one_of(hostile_text, json_values), attributes=attribute_maps(),
       response=json_values)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_event_is_answered_or_clearly_refused(source: Any, username: Any, attributes: Any, response: Any,
                                                  monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> None:
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({
        "HOOKS_SIGNUP_GUARD": "off", "HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com",
        "HOOKS_SIGNUP_ADMIN_CREATE": "enforce"}))
    event = {"version": "1", "triggerSource": source, "userPoolId": "eu-west-1_X", "userName": username,
             "request": {"userAttributes": attributes}, "response": response}
    refusal: SignUpRefusedError | None = None
    try:
        out = hook.handler(event, lambda_context)
    except SignUpRefusedError as exc:  # the only exception a sign-up may end with
        refusal = exc
    if refusal is not None:
        assert refusal.reason in {"invalid_input", "invalid_email", "domain_denied"}
        return
    assert out["response"]["autoVerifyPhone"] is False
    assert out["response"]["autoConfirmUser"] is False  # no trusted domain configured


@pytest.mark.parametrize("event", [None, [], ["PreSignUp_SignUp"], "event", 3, 2.5, True])
def test_an_event_that_is_not_an_object_is_refused_with_the_invalid_input_message(
        event: Any, monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> None:
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({"HOOKS_SIGNUP_GUARD": "off"}))
    with pytest.raises(SignUpRefusedError) as refused:
        hook.handler(event, lambda_context)
    assert refused.value.reason == "malformed_event"
    assert str(refused.value) == "Sign-up could not be completed: the username or email is not valid."
