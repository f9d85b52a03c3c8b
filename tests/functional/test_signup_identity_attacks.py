"""A stranger cannot claim a legacy identity at sign-up: attacks through the real PreSignUp handler.

The legacy table is a real SQLite q2a table (MariaDB, utf8mb3 and PostgreSQL: ``tests/integration/
test_signup_attacks.py``); the trusted-domain existing-holder check runs against moto's ListUsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_policy import MSG_INVALID, MSG_LEGACY_ACCOUNT, SignUpRefusedError
from tests.support.legacy_db import create_schema, insert_users
from triggers import hook_wiring
from triggers import pre_signup as hook
from triggers.lazy import UNBUILT

BCRYPT = "$2y$10$" + "a" * 53
Loader = Callable[[str], dict[str, Any]]
ROWS = [
    {"userid": 1, "handle": "admin", "email": "admin@corp.example", "passhash": BCRYPT, "level": 120, "flags": 0},
    {"userid": 2, "handle": "carol", "email": "carol@corp.example", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 3, "handle": "+15555550199", "email": "phone@example.org", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 4, "handle": "josé", "email": "josé@bücher.example", "passhash": BCRYPT, "level": 0, "flags": 0},
]


@pytest.fixture
def legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'q2a.sqlite3'}"
    create_schema(url, "q2a")
    insert_users(url, "q2a", ROWS)
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEGACY_TRACK_MIGRATION", raising=False)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({}))
    return url


@pytest.fixture
def trusted_pool(legacy: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """moto pool with one existing user holding ``dana@corp.example``; corp.example is a trusted domain."""
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="p", AliasAttributes=["email"])["UserPool"]["Id"]
        client.admin_create_user(UserPoolId=pool, Username="dana", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "dana@corp.example"}, {"Name": "email_verified", "Value": "true"}])
        monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
        monkeypatch.setattr(hook.settings, "value",
                            HookSettings.from_env({"HOOKS_SIGNUP_TRUSTED_DOMAINS": "corp.example"}))
        yield client, pool


def _refused(event: dict[str, Any], context: Any) -> SignUpRefusedError:
    with pytest.raises(SignUpRefusedError) as info:
        hook.handler(event, context)
    return info.value


def _sign_up(load_event: Loader, username: str = "newbie", **attributes: Any) -> dict[str, Any]:
    event = load_event("cognito_pre_signup_sign_up")
    event["userName"] = username
    event["request"]["userAttributes"].update(attributes)
    return event


# ---------------------------------------------------------------- identity attributes


def test_sign_up_carrying_legacy_id_and_roles_is_refused(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    err = _refused(load_event("cognito_pre_signup_sign_up_legacy_attributes"), lambda_context)
    assert (err.reason, str(err)) == ("reserved_attribute", MSG_INVALID)


@pytest.mark.parametrize("name", ["custom:legacy_id", "custom:legacy_roles", "custom:app_user_id",
                                  "custom:LEGACY_ID", "custom:legacy_anything", "dev:custom:legacy_id"])
def test_each_identity_attribute_alone_is_refused(legacy: str, load_event: Loader, lambda_context: Any,
                                                  name: str) -> None:
    err = _refused(_sign_up(load_event, **{name: "1"}), lambda_context)
    assert err.reason == "reserved_attribute"


@pytest.mark.parametrize("where", ["validationData", "clientMetadata"])
@pytest.mark.parametrize("name", ["custom:legacy_id", "legacy_id", "custom:app_user_id", "legacy_roles"])
def test_identity_attributes_in_validation_data_or_client_metadata_are_refused(
    legacy: str, load_event: Loader, lambda_context: Any, where: str, name: str
) -> None:
    event = _sign_up(load_event)
    event["request"][where] = {name: "1"}
    assert _refused(event, lambda_context).reason == "reserved_attribute"


def test_identity_attribute_in_list_shaped_validation_data_is_refused(legacy: str, load_event: Loader,
                                                                     lambda_context: Any) -> None:
    event = _sign_up(load_event)
    event["request"]["validationData"] = [{"Name": "custom:legacy_id", "Value": "1"}]
    assert _refused(event, lambda_context).reason == "reserved_attribute"


def test_configured_identity_attribute_names_are_reserved_too(legacy: str, monkeypatch: pytest.MonkeyPatch,
                                                              load_event: Loader, lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value",
                        HookSettings.from_env({"HOOKS_TOKEN_APP_USER_ID_ATTRIBUTE": "custom:uid"}))
    assert _refused(_sign_up(load_event, **{"custom:uid": "7"}), lambda_context).reason == "reserved_attribute"


def test_identity_attributes_are_refused_even_with_the_guard_off(monkeypatch: pytest.MonkeyPatch, load_event: Loader,
                                                                 lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_SIGNUP_GUARD": "off"}))
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)
    err = _refused(load_event("cognito_pre_signup_sign_up_legacy_attributes"), lambda_context)
    assert err.reason == "reserved_attribute"


def test_external_provider_mapping_a_legacy_id_is_refused(legacy: str, load_event: Loader,
                                                         lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_external_provider")
    event["request"]["userAttributes"]["custom:legacy_id"] = "1"
    assert _refused(event, lambda_context).reason == "reserved_attribute"


def test_admin_create_user_with_enforce_refuses_identity_attributes(legacy: str, monkeypatch: pytest.MonkeyPatch,
                                                                   load_event: Loader, lambda_context: Any) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_SIGNUP_ADMIN_CREATE": "enforce"}))
    event = load_event("cognito_pre_signup_admin_create_user")
    event["request"]["userAttributes"]["custom:legacy_id"] = "1"
    assert _refused(event, lambda_context).reason == "reserved_attribute"


def test_ordinary_custom_attributes_and_metadata_are_accepted(legacy: str, load_event: Loader,
                                                              lambda_context: Any) -> None:
    event = _sign_up(load_event, **{"custom:newsletter": "yes", "name": "Legacy Fan"})
    event["request"]["clientMetadata"] = {"locale": "en", "campaign": "legacy-week"}
    assert hook.handler(event, lambda_context)["response"]["autoConfirmUser"] is False


# ---------------------------------------------------------------- the legacy_<id> name space


def test_sign_up_as_legacy_7_is_refused(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    err = _refused(load_event("cognito_pre_signup_sign_up_reserved_username"), lambda_context)
    assert (err.reason, str(err)) == ("reserved_username", MSG_INVALID)


@pytest.mark.parametrize("username", ["LEGACY_7", "Legacy_1", "legacy_", "legacy_abc", "ｌｅｇａｃｙ＿７",
                                      "legacy\ufe4d7", "le\u200bgacy_7", "\u24dbegacy_7", "𝐥𝐞𝐠𝐚𝐜𝐲_7"])
def test_legacy_name_look_alikes_are_refused(legacy: str, load_event: Loader, lambda_context: Any,
                                             username: str) -> None:
    assert _refused(_sign_up(load_event, username), lambda_context).reason == "reserved_username"


def test_preferred_username_in_the_legacy_name_space_is_refused(legacy: str, load_event: Loader,
                                                                lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_sign_up_alias_attributes")
    event["request"]["userAttributes"]["preferred_username"] = "Legacy_7"
    assert _refused(event, lambda_context).reason == "reserved_username"


@pytest.mark.parametrize("username", ["legacy7", "legacy-7", "mylegacy_7", "legacyfan"])
def test_names_outside_the_legacy_name_space_are_accepted(legacy: str, load_event: Loader, lambda_context: Any,
                                                          username: str) -> None:
    assert hook.handler(_sign_up(load_event, username, email=f"{username}@example.net"), lambda_context)


# ---------------------------------------------------------------- alias attributes


def test_preferred_username_naming_the_legacy_admin_is_refused(legacy: str, load_event: Loader,
                                                               lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_sign_up_alias_attributes")
    event["request"]["userAttributes"]["preferred_username"] = "ADMIN"
    err = _refused(event, lambda_context)
    assert (err.reason, str(err)) == ("legacy_account", MSG_LEGACY_ACCOUNT)


def test_phone_number_naming_a_legacy_account_is_refused(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_sign_up_alias_attributes")
    event["request"]["userAttributes"]["phone_number"] = "+15555550199"
    assert _refused(event, lambda_context).reason == "legacy_account"


def test_fresh_alias_attributes_are_accepted(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    out = hook.handler(load_event("cognito_pre_signup_sign_up_alias_attributes"), lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_odd_alias_attribute_values_are_invalid_input(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    for value in (["admin"], "ad\x00min", "x" * 3000, 7):
        event = load_event("cognito_pre_signup_sign_up_alias_attributes")
        event["request"]["userAttributes"]["preferred_username"] = value
        assert _refused(event, lambda_context).reason == "invalid_input"


# ---------------------------------------------------------------- email forms


@pytest.mark.parametrize("email", ["carol@corp.example.", "carol@corp.example..", "carol@corp..example",
                                   " carol@corp.example", "carol@corp.example ", "carol\uff20corp.example",
                                   "carol@" + "a" * 64 + ".example"])
def test_email_forms_that_would_slip_past_the_look_ups_are_invalid(legacy: str, load_event: Loader,
                                                                   lambda_context: Any, email: str) -> None:
    assert _refused(_sign_up(load_event, email=email), lambda_context).reason == "invalid_email"


@pytest.mark.parametrize("email", ["CAROL@CORP.EXAMPLE", "carol@Corp.Example", "ｃａｒｏｌ@corp.example",
                                   "carol@ｃｏｒｐ.example", "jose\u0301@bücher.example", "josé@xn--bcher-kva.example",
                                   "JOSÉ@BÜCHER.EXAMPLE"])
def test_every_other_form_of_a_legacy_email_is_found(legacy: str, load_event: Loader, lambda_context: Any,
                                                     email: str) -> None:
    assert _refused(_sign_up(load_event, email=email), lambda_context).reason == "legacy_account"


def test_nfd_form_of_a_legacy_username_is_found(legacy: str, load_event: Loader, lambda_context: Any) -> None:
    assert _refused(_sign_up(load_event, "jose\u0301"), lambda_context).reason == "legacy_account"


def test_a_u_label_domain_cannot_dodge_the_deny_list(legacy: str, monkeypatch: pytest.MonkeyPatch,
                                                     load_event: Loader, lambda_context: Any) -> None:
    denied = HookSettings.from_env({"HOOKS_SIGNUP_DENIED_DOMAINS": "xn--bcher-kva.example"})
    monkeypatch.setattr(hook.settings, "value", denied)
    for email in ("new@bücher.example", "new@BÜCHER.example", "new@xn--bcher-kva.example"):
        assert _refused(_sign_up(load_event, email=email), lambda_context).reason == "domain_denied"


def test_trailing_dot_copy_of_an_existing_users_email_gets_no_auto_verify(
    trusted_pool: tuple[Any, str], load_event: Loader, lambda_context: Any
) -> None:
    _client, pool = trusted_pool
    event = _sign_up(load_event, email="dana@corp.example.")
    event["userPoolId"] = pool
    assert _refused(event, lambda_context).reason == "invalid_email"


@pytest.mark.parametrize("email", ["ｄａｎａ@corp.example", "dana@ｃｏｒｐ.example", "DANA@CORP.EXAMPLE"])
def test_other_forms_of_an_existing_users_email_are_never_auto_verified(
    trusted_pool: tuple[Any, str], load_event: Loader, lambda_context: Any, email: str
) -> None:
    _client, pool = trusted_pool
    event = _sign_up(load_event, email=email)
    event["userPoolId"] = pool
    out = hook.handler(event, lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_legacy_users_trailing_dot_email_under_a_trusted_domain_is_refused_not_verified(
    trusted_pool: tuple[Any, str], load_event: Loader, lambda_context: Any
) -> None:
    _client, pool = trusted_pool
    for email in ("carol@corp.example.", "carol@corp.example"):
        event = _sign_up(load_event, email=email)
        event["userPoolId"] = pool
        assert _refused(event, lambda_context).reason in {"invalid_email", "legacy_account"}


def test_a_fresh_ascii_email_under_a_trusted_domain_is_still_auto_confirmed(
    trusted_pool: tuple[Any, str], load_event: Loader, lambda_context: Any
) -> None:
    _client, pool = trusted_pool
    event = _sign_up(load_event, email="erin@corp.example")
    event["userPoolId"] = pool
    assert hook.handler(event, lambda_context)["response"] == {
        "autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}


def test_email_shaped_username_with_a_trailing_dot_is_looked_up_without_it(legacy: str, load_event: Loader,
                                                                          lambda_context: Any) -> None:
    """A pool without an email alias accepts an email-shaped username; its trailing dot must not hide carol."""
    event = _sign_up(load_event, "Carol@Corp.Example.", email="other@example.net")
    assert _refused(event, lambda_context).reason == "legacy_account"


def test_identity_provider_named_legacy_cannot_mint_legacy_names(legacy: str, load_event: Loader,
                                                                 lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_external_provider")
    event["userName"] = "Legacy_7"
    assert _refused(event, lambda_context).reason == "reserved_username"
