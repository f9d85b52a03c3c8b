"""PreTokenGeneration handler on real-shaped V1 and V2 events for every TokenGeneration_* source."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from legacy_auth.hooks.config import HookSettings
from triggers import pre_token_generation as hook
from triggers.lazy import UNBUILT

SOURCES = ["hostedauth", "authentication", "newpasswordchallenge", "authenticatedevice", "refreshtokens"]
ROLE_MAP = "level:50=editor,level:80=moderator,level:100=admin"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> HookSettings:
    s = HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": ROLE_MAP})
    monkeypatch.setattr(hook.settings, "value", s)
    return s


@pytest.mark.parametrize("source", SOURCES)
def test_v1_adds_id_token_claims_and_merges_groups(source: str, load_event: Callable[[str], Any],
                                                  lambda_context: Any) -> None:
    event = load_event(f"cognito_pre_token_generation_v1_{source}")
    out = hook.handler(event, lambda_context)
    details = out["response"]["claimsOverrideDetails"]
    assert details["claimsToAddOrOverride"] == {"legacy_id": "1042"}  # no app_user_id without one
    assert details["groupOverrideDetails"] == {
        "groupsToOverride": ["members", "moderator"],
        "iamRolesToOverride": ["arn:aws:iam::123456789012:role/members"],
        "preferredRole": "arn:aws:iam::123456789012:role/members",
    }
    assert "claimsToSuppress" not in details


@pytest.mark.parametrize("source", SOURCES)
def test_v2_adds_claims_to_id_and_access_tokens(source: str, load_event: Callable[[str], Any],
                                               lambda_context: Any) -> None:
    event = load_event(f"cognito_pre_token_generation_v2_{source}")
    out = hook.handler(event, lambda_context)
    details = out["response"]["claimsAndScopeOverrideDetails"]
    expected = {"legacy_id": "1042"}
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == expected
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == expected
    assert details["groupOverrideDetails"]["groupsToOverride"] == ["members", "moderator"]
    assert "claimsOverrideDetails" not in out["response"]


def test_v2_access_token_claims_can_be_turned_off(monkeypatch: pytest.MonkeyPatch,
                                                  load_event: Callable[[str], Any], lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_TOKEN_ACCESS_CLAIMS": "off"}))
    out = hook.handler(load_event("cognito_pre_token_generation_v2_authentication"), lambda_context)
    details = out["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"]["legacy_id"] == "1042"
    assert "accessTokenGeneration" not in details


def test_new_user_without_legacy_attributes_leaves_the_response_untouched(load_event: Callable[[str], Any],
                                                                          lambda_context: Any) -> None:
    event = load_event("cognito_pre_token_generation_v2_authentication")
    for name in ("custom:legacy_id", "custom:legacy_roles"):
        del event["request"]["userAttributes"][name]
    before = copy.deepcopy(event)
    assert hook.handler(event, lambda_context) == before


def test_credential_like_attributes_are_suppressed_in_every_token(load_event: Callable[[str], Any],
                                                                  lambda_context: Any) -> None:
    event = load_event("cognito_pre_token_generation_v2_refreshtokens")
    event["request"]["userAttributes"]["custom:legacy_hash"] = "$P$BxxxxxxxxxxxxxxxxxxxxxxxxxxxxX"
    out = hook.handler(event, lambda_context)
    details = out["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToSuppress"] == ["custom:legacy_hash"]
    assert details["accessTokenGeneration"]["claimsToSuppress"] == ["custom:legacy_hash"]
    added = json.dumps(details["idTokenGeneration"]["claimsToAddOrOverride"])
    assert "$P$" not in added


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["request"].pop("userAttributes"),
        lambda e: e["request"].update(userAttributes=None),
        lambda e: e["request"].update(userAttributes=["custom:legacy_id"]),
        lambda e: e["request"].pop("groupConfiguration"),
        lambda e: e["request"].update(groupConfiguration={"groupsToOverride": "admin"}),
        lambda e: e.update(request=None),
        lambda e: e["request"]["userAttributes"].update({"custom:legacy_id": "x" * 100_000}),
        lambda e: e["request"]["userAttributes"].update({"custom:legacy_id": {"$ne": 1}}),
        lambda e: e["request"]["userAttributes"].update({"custom:legacy_roles": "level:80\u0000admin"}),
        lambda e: e.update(version=None),
        lambda e: e.pop("response"),
        lambda e: e.update(response=None),
        lambda e: e.update(response=["x"]),
        lambda e: e["response"].update(claimsOverrideDetails="x", claimsAndScopeOverrideDetails=7),
        lambda e: e["response"].update(claimsOverrideDetails={"claimsToAddOrOverride": 3, "claimsToSuppress": "a"},
                                       claimsAndScopeOverrideDetails={"idTokenGeneration": "x"}),
        lambda e: e["response"].update(claimsAndScopeOverrideDetails={"accessTokenGeneration": {"scopesToAdd": 1}}),
    ],
)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_malformed_or_hostile_events_never_crash(mutate: Callable[[dict[str, Any]], Any], version: str,
                                                 load_event: Callable[[str], Any], lambda_context: Any) -> None:
    event = load_event(f"cognito_pre_token_generation_{version}_authentication")
    mutate(event)
    out = hook.handler(event, lambda_context)
    assert out is event
    text = json.dumps(out["response"])
    assert "x" * 200 not in text
    assert "$ne" not in text


def test_groups_only_change_when_a_role_maps(load_event: Callable[[str], Any], lambda_context: Any) -> None:
    event = load_event("cognito_pre_token_generation_v1_authentication")
    event["request"]["userAttributes"]["custom:legacy_roles"] = "level:0"
    out = hook.handler(event, lambda_context)
    assert "groupOverrideDetails" not in out["response"]["claimsOverrideDetails"]


def test_handler_does_not_log_attribute_values(load_event: Callable[[str], Any], lambda_context: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    event = load_event("cognito_pre_token_generation_v1_authentication")
    event["request"]["userAttributes"]["custom:legacy_id"] = "sensitive-but-bad value"
    hook.handler(event, lambda_context)
    out = capsys.readouterr()
    assert "sensitive-but-bad" not in out.out + out.err
    assert "erin@example.com" not in out.out + out.err


@pytest.fixture
def lookup(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from legacy_auth.db.database import Database
    from legacy_auth.deadline import Deadline
    from legacy_auth.hooks.app_schema import create_tables
    from legacy_auth.hooks.provisioning import AppUser, provision

    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    settings = HookSettings.from_env({"HOOKS_TOKEN_APP_USER_LOOKUP": "on", "HOOKS_APP_DB_URL": url})
    db = Database(url)
    create_tables(db, settings.app_users, deadline=Deadline.after(5))
    for sub in ("first-sub", "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"):
        provision(db, settings.app_users, AppUser(sub=sub), deadline=Deadline.after(5))
    db.close()
    monkeypatch.setattr(hook.settings, "value", settings)
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    yield settings
    if hook.app_db.built:
        hook.app_db.value.close()


def test_configured_lookup_puts_the_app_row_id_in_app_user_id(lookup: HookSettings, load_event: Callable[[str], Any],
                                                              lambda_context: Any) -> None:
    out = hook.handler(load_event("cognito_pre_token_generation_v2_authentication"), lambda_context)
    claims = out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]
    assert claims == {"legacy_id": "1042", "app_user_id": "2"}


def test_lookup_of_an_unprovisioned_user_gives_no_app_user_id_never_the_legacy_id(
    lookup: HookSettings, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    event = load_event("cognito_pre_token_generation_v1_authentication")
    event["request"]["userAttributes"]["sub"] = "not-provisioned"
    claims = hook.handler(event, lambda_context)["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
    assert claims == {"legacy_id": "1042"}


def test_lookup_with_the_database_down_still_issues_the_legacy_claims(
    monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(
        {"HOOKS_TOKEN_APP_USER_LOOKUP": "on", "HOOKS_APP_DB_URL": "mysql://root@127.0.0.1:1/none"}))
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    out = hook.handler(load_event("cognito_pre_token_generation_v1_authentication"), lambda_context)
    assert out["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["legacy_id"] == "1042"
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)


def test_lookup_off_never_creates_a_database(load_event: Callable[[str], Any], lambda_context: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    hook.handler(load_event("cognito_pre_token_generation_v2_refreshtokens"), lambda_context)
    assert not hook.app_db.built


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_app_user_id_attribute_is_claimed_next_to_the_distinct_legacy_id(
    version: str, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    event = load_event(f"cognito_pre_token_generation_{version}_authentication")
    event["request"]["userAttributes"]["custom:app_user_id"] = "77"
    response = hook.handler(event, lambda_context)["response"]
    details = response.get("claimsOverrideDetails") or response["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
    assert details["claimsToAddOrOverride"] == {"legacy_id": "1042", "app_user_id": "77"}
