"""Property: whatever the event holds, the pre-token hook answers with the event and adds only id-shaped claims."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.hooks_config import HookSettings
from tests.unit.hooks.fuzz_values import attribute_maps, json_values
from triggers import pre_token_generation as hook

ID = re.compile(r"[A-Za-z0-9_.:@+-]{1,128}")


@given(attributes=attribute_maps(), version=st.sampled_from(["1", "2", "3", None, 2, "x"]), extra=json_values)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_event_gets_an_answer_with_only_id_shaped_claims(attributes: Any, version: Any, extra: Any,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             lambda_context: Any) -> None:
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": "admin=admins"}))
    event = {"version": version, "triggerSource": "TokenGeneration_Authentication", "userName": "u",
             "request": {"userAttributes": attributes, "groupConfiguration": extra}, "response": extra}
    out = hook.handler(event, lambda_context)
    assert out is event
    response = out["response"]
    details = response.get("claimsOverrideDetails") or response.get("claimsAndScopeOverrideDetails") or {}
    tokens = [details] if "claimsToAddOrOverride" in details else [
        details.get("idTokenGeneration") or {}, details.get("accessTokenGeneration") or {}]
    for token in tokens:
        for name, value in (token.get("claimsToAddOrOverride") or {}).items():
            assert name in ("legacy_id", "app_user_id")
            assert ID.fullmatch(value)


@pytest.mark.parametrize("event", [None, [], ["x"], "event", 3, 2.5, True])
def test_an_event_that_is_not_an_object_comes_back_unchanged(event: Any, monkeypatch: pytest.MonkeyPatch,
                                                             lambda_context: Any) -> None:
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": "admin=admins"}))
    assert hook.handler(event, lambda_context) == event
