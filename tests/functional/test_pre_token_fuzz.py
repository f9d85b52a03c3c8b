"""Property: whatever the event holds, the pre-token hook answers with the event and adds only id-shaped claims.

Besides generated attribute maps, every field of the real-shaped V1 and V2 fixtures (``version``, ``region``,
``userPoolId``, ``callerContext``, ``triggerSource``, ``userName``, ``request``, ``response`` and every nested
field) is replaced by odd types or deleted, one at a time and in random combinations, with the app-user lookup
on (a real SQLite app DB) and off; the whole event is sometimes not an object at all.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.provisioning import AppUser, provision
from tests.conftest import load_event
from tests.unit.hooks.fuzz_values import attribute_maps, field_paths, json_values, mutate, mutated_events
from triggers import pre_token_generation as hook
from triggers.lazy import UNBUILT

ID = re.compile(r"[A-Za-z0-9_.:@+-]{1,128}")
FIXTURES = [f"cognito_pre_token_generation_{v}_{s}" for v in ("v1", "v2")
            for s in ("authentication", "hostedauth", "newpasswordchallenge", "authenticatedevice", "refreshtokens")]
ODD: list[Any] = [None, [], ["x"], {}, 0, 7, 3.5, True, "", "x" * 5000]
ROLES = {"HOOKS_TOKEN_ROLE_GROUPS": "admin=admins,level:80=moderator"}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('tokenfuzz') / 'app.sqlite3'}"
    db = Database(url)
    schema = HookSettings.from_env({}).app_users
    create_tables(db, schema, deadline=Deadline.after(5))
    provision(db, schema, AppUser(sub="0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"), deadline=Deadline.after(5))
    db.close()
    return url


@pytest.fixture(params=["lookup_off", "lookup_on"])
def configured(request: pytest.FixtureRequest, app_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    env = dict(ROLES)
    if request.param == "lookup_on":
        env.update(HOOKS_TOKEN_APP_USER_LOOKUP="on", HOOKS_APP_DB_URL=app_url)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(env))
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    yield request.param
    if hook.app_db.built:
        hook.app_db.value.close()


def _claims(response: Any) -> list[dict[str, Any]]:
    """Every ``claimsToAddOrOverride`` object in a response, whatever odd shape the rest of it has."""
    if not isinstance(response, dict):
        return []
    out = []
    for key in ("claimsOverrideDetails", "claimsAndScopeOverrideDetails"):
        details = response.get(key)
        if not isinstance(details, dict):
            continue
        for token in (details, details.get("idTokenGeneration"), details.get("accessTokenGeneration")):
            if isinstance(token, dict) and isinstance(token.get("claimsToAddOrOverride"), dict):
                out.append(token["claimsToAddOrOverride"])
    return out


def _check(event: dict[str, Any], new_lambda_context: Any) -> None:
    """The event back, a well-formed response, and only id-shaped ``legacy_id`` / ``app_user_id`` added."""
    carried = {(k, json.dumps(v, default=str)) for c in _claims(event.get("response")) for k, v in c.items()}
    out = hook.handler(event, new_lambda_context())
    assert out is event
    response = out["response"]
    assert isinstance(response, dict)
    for key in ("claimsOverrideDetails", "claimsAndScopeOverrideDetails"):
        assert response.get(key) is None or isinstance(response[key], dict)
    for claims in _claims(response):
        for name, value in claims.items():
            if (name, json.dumps(value, default=str)) in carried:
                continue  # already in the event's own response (Cognito sends none): passed through untouched
            assert name in ("legacy_id", "app_user_id")
            assert ID.fullmatch(value)


@pytest.mark.parametrize(("fixture", "path"), [(name, path) for name in FIXTURES[::5]
                                               for path in field_paths(load_event(name))])
def test_every_field_replaced_by_an_odd_value_or_deleted_still_gets_the_event_back(
    configured: str, new_lambda_context: Any, fixture: str, path: tuple[str, ...]
) -> None:
    base = load_event(fixture)
    for value in ODD:
        _check(mutate(base, path, value), new_lambda_context)
    _check(mutate(base, path, None, delete=True), new_lambda_context)


@given(data=st.data(), fixture=st.sampled_from(FIXTURES))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_combination_of_mutated_fields_still_gets_the_event_back(configured: str, new_lambda_context: Any,
                                                                     data: st.DataObject, fixture: str) -> None:
    event = data.draw(mutated_events(load_event(fixture)))
    if not isinstance(event, dict):
        assert hook.handler(event, new_lambda_context()) is event
        return
    _check(event, new_lambda_context)


def test_the_unmutated_v2_fixture_gets_both_claims_with_the_lookup_on(configured: str, new_lambda_context: Any) -> None:
    """Control: the checks above run the real path (claims, and the SQLite lookup when on)."""
    out = hook.handler(load_event(FIXTURES[5]), new_lambda_context())
    claims = out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]
    expected = {"legacy_id": "1042", "app_user_id": "1"} if configured == "lookup_on" else {"legacy_id": "1042"}
    assert claims == expected


@given(attributes=attribute_maps(), version=st.sampled_from(["1", "2", "3", None, 2, "x"]), extra=json_values)
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_event_gets_an_answer_with_only_id_shaped_claims(attributes: Any, version: Any, extra: Any,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             new_lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(ROLES))
    event = {"version": version, "triggerSource": "TokenGeneration_Authentication", "userName": "u",
             "request": {"userAttributes": attributes, "groupConfiguration": extra}, "response": extra}
    out = hook.handler(event, new_lambda_context())
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
                                                             new_lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(ROLES))
    assert hook.handler(event, new_lambda_context()) == event
