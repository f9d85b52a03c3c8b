"""PreSignUp handler on real-shaped events: guard (SQLite q2a table), domain lists, auto flags (moto), linking.

The same handler against real MariaDB / PostgreSQL legacy tables: ``tests/integration/test_signup_guard.py``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from devstack.context import LocalLambdaContext
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_policy import (
    MSG_DOMAIN,
    MSG_INVALID,
    MSG_LEGACY_ACCOUNT,
    MSG_UNAVAILABLE,
    SignUpRefusedError,
)
from tests.support.legacy_db import create_schema, insert_users
from triggers import hook_wiring
from triggers import pre_signup as hook
from triggers.lazy import UNBUILT

POOL = "eu-west-1_Ab12Cd34E"
BCRYPT = "$2y$10$" + "a" * 53


@pytest.fixture
def legacy_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'q2a.sqlite3'}"
    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": 1, "handle": "alice", "email": "alice@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
        {"userid": 2, "handle": "carol", "email": "carol@gmail.com", "passhash": BCRYPT, "level": 0, "flags": 0},
    ])
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    return env


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(env))


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="p", AliasAttributes=["email"])["UserPool"]["Id"]
        monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
        yield client, pool


def _event(load_event: Callable[[str], Any], name: str, pool: str = POOL, **attrs: Any) -> dict[str, Any]:
    event = load_event(name)
    event["userPoolId"] = pool
    event["request"]["userAttributes"].update(attrs)
    return event


def _refusal(event: dict[str, Any], context: Any) -> SignUpRefusedError:
    with pytest.raises(SignUpRefusedError) as info:
        hook.handler(event, context)
    return info.value


def test_new_user_signs_up_without_auto_flags(legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                              load_event: Callable[[str], Any], lambda_context: Any) -> None:
    configure(monkeypatch)
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up"), lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@pytest.mark.parametrize(("username", "email"), [("alice", "other@example.com"), ("zed", "ALICE@example.com")])
def test_legacy_identity_is_refused_with_an_actionable_message(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any, username: str, email: str,
) -> None:
    configure(monkeypatch)
    event = _event(load_event, "cognito_pre_signup_sign_up", email=email)
    event["userName"] = username
    err = _refusal(event, lambda_context)
    assert (err.reason, str(err)) == ("legacy_account", MSG_LEGACY_ACCOUNT)


def test_guard_off_lets_the_legacy_email_through(monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
                                                 lambda_context: Any) -> None:
    configure(monkeypatch, HOOKS_SIGNUP_GUARD="off")
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)  # no legacy DB configured at all: never touched
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", email="alice@example.com"), lambda_context)
    assert out["response"]["autoConfirmUser"] is False


@pytest.mark.parametrize(
    ("env", "email", "refused"),
    [
        ({"HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com"}, "x@mailinator.com", True),
        ({"HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com"}, "x@eu.MAILINATOR.com", True),
        ({"HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com"}, "x@notmailinator.com", False),
        ({"HOOKS_SIGNUP_ALLOWED_DOMAINS": "corp.example"}, "x@corp.example", False),
        ({"HOOKS_SIGNUP_ALLOWED_DOMAINS": "corp.example"}, "x@gmail.com", True),
        ({"HOOKS_SIGNUP_ALLOWED_DOMAINS": "corp.example", "HOOKS_SIGNUP_DENIED_DOMAINS": "bad.corp.example"},
         "x@bad.corp.example", True),
    ],
)
def test_domain_lists(legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
                      lambda_context: Any, env: dict[str, str], email: str, refused: bool) -> None:
    configure(monkeypatch, **env)
    event = _event(load_event, "cognito_pre_signup_sign_up", email=email)
    if refused:
        assert str(_refusal(event, lambda_context)) == MSG_DOMAIN
    else:
        assert hook.handler(event, lambda_context) is event


def test_trusted_domain_auto_confirms_when_no_one_holds_the_email(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cognito: tuple[Any, str],
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    _client, pool = cognito
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="corp.example")
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", pool, email="new@corp.example"),
                       lambda_context)
    assert out["response"] == {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}
    sub = _event(load_event, "cognito_pre_signup_sign_up", pool, email="new@sub.corp.example")
    assert hook.handler(sub, lambda_context)["response"]["autoConfirmUser"] is False  # trust is exact


def test_trusted_domain_never_moves_an_existing_alias(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cognito: tuple[Any, str],
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    client, pool = cognito
    client.admin_create_user(UserPoolId=pool, Username="holder", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": "taken@corp.example"}, {"Name": "email_verified", "Value": "true"}])
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="corp.example")
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", pool, email="taken@corp.example"),
                       lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@pytest.mark.parametrize(("stored", "typed"), [("taken@corp.example", "Taken@corp.example"),
                                              ("taken@corp.example", "TAKEN@CORP.EXAMPLE"),
                                              ("Taken@corp.example", "Taken@CORP.example")])
def test_trusted_domain_never_moves_an_alias_held_under_another_case(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cognito: tuple[Any, str],
    load_event: Callable[[str], Any], lambda_context: Any, stored: str, typed: str,
) -> None:
    client, pool = cognito
    client.admin_create_user(UserPoolId=pool, Username="holder", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": stored}, {"Name": "email_verified", "Value": "true"}])
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="corp.example")
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", pool, email=typed), lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_admin_create_user_is_trusted_by_default_and_checked_with_enforce(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    event = _event(load_event, "cognito_pre_signup_admin_create_user", email="alice@example.com")
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="example.com")
    out = hook.handler(event, lambda_context)
    assert out["response"]["autoConfirmUser"] is False  # Cognito ignores the flags here; we never set them
    configure(monkeypatch, HOOKS_SIGNUP_ADMIN_CREATE="enforce")
    assert _refusal(_event(load_event, "cognito_pre_signup_admin_create_user", email="alice@example.com"),
                    lambda_context).reason == "legacy_account"


class LinkStubbedClient:
    """moto for every call (ListUsers reads real pool data) except AdminLinkProviderForUser, checked by a Stubber.

    moto 5.x does not implement AdminLinkProviderForUser (``NotImplementedError``), so that one call goes to a
    second client under botocore's Stubber, which validates our request against the real API model and
    answers ``{}``. The user lookup and the link decision run against moto's real data.
    """

    def __init__(self, moto_client: Any, link_client: Any) -> None:
        self._moto = moto_client
        self._link = link_client

    def admin_link_provider_for_user(self, **kwargs: Any) -> Any:
        return self._link.admin_link_provider_for_user(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._moto, name)


def _native_user(client: Any, pool: str, username: str, email: str, *, verified: bool = True) -> None:
    client.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true" if verified else "false"}])
    client.admin_set_user_password(UserPoolId=pool, Username=username, Password="Str0ng!Passw0rd", Permanent=True)


def _link_request(pool: str, target: str) -> dict[str, Any]:
    return {
        "UserPoolId": pool,
        "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": target},
        "SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject",
                       "ProviderAttributeValue": "109876543210987654321"},
    }


@pytest.mark.parametrize("typed", ["carol@gmail.com", "Carol@Gmail.com"])
def test_external_provider_links_to_the_native_user_with_the_same_verified_email(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cognito: tuple[Any, str],
    load_event: Callable[[str], Any], lambda_context: Any, typed: str,
) -> None:
    """ListUsers and the link decision run on moto's real data (one verified native holder, one unverified decoy).

    Only AdminLinkProviderForUser is stubbed (botocore Stubber, request checked against the API model): moto 5.x
    does not implement it (``NotImplementedError``).
    """
    client, pool = cognito
    _native_user(client, pool, "carol", "carol@gmail.com")
    _native_user(client, pool, "decoy", "carol@gmail.com", verified=False)  # not a link target: unverified
    link_client = boto3.client("cognito-idp", region_name="eu-west-1")
    monkeypatch.setattr(hook_wiring.cognito_client, "value", LinkStubbedClient(client, link_client))
    configure(monkeypatch, HOOKS_LINK_PROVIDERS="Google", HOOKS_SIGNUP_GUARD="off")
    event = _event(load_event, "cognito_pre_signup_external_provider", pool, email=typed)
    with Stubber(link_client) as stub:
        stub.add_response("admin_link_provider_for_user", {}, _link_request(pool, "carol"))
        out = hook.handler(event, lambda_context)
        stub.assert_no_pending_responses()
    assert out["response"]["autoConfirmUser"] is False


def test_external_provider_is_not_linked_when_two_native_users_hold_the_email(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cognito: tuple[Any, str],
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    client, pool = cognito
    _native_user(client, pool, "carol", "carol@gmail.com")
    _native_user(client, pool, "carol2", "carol@gmail.com")
    link_client = boto3.client("cognito-idp", region_name="eu-west-1")
    monkeypatch.setattr(hook_wiring.cognito_client, "value", LinkStubbedClient(client, link_client))
    configure(monkeypatch, HOOKS_LINK_PROVIDERS="Google", HOOKS_SIGNUP_GUARD="off")
    with Stubber(link_client) as stub:  # nothing queued: a link call would raise and fail the assertion below
        out = hook.handler(_event(load_event, "cognito_pre_signup_external_provider", pool), lambda_context)
        stub.assert_no_pending_responses()
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    client.admin_delete_user(UserPoolId=pool, Username="carol2")  # control: one holder left -> linked
    with Stubber(link_client) as stub:
        stub.add_response("admin_link_provider_for_user", {}, _link_request(pool, "carol"))
        hook.handler(_event(load_event, "cognito_pre_signup_external_provider", pool), lambda_context)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("env", "attrs"),
    [
        ({"HOOKS_LINK_PROVIDERS": "Facebook"}, {}),  # provider not allowed to link
        ({"HOOKS_LINK_PROVIDERS": "Google"}, {"email_verified": "false"}),  # the IdP did not verify the email
    ],
)
def test_external_provider_is_not_linked_unless_allowed_and_verified(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any, env: dict[str, str], attrs: dict[str, str],
) -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
    configure(monkeypatch, HOOKS_SIGNUP_GUARD="off", **env)
    with Stubber(client) as stub:  # no response queued: any Cognito call would fail the test
        out = hook.handler(_event(load_event, "cognito_pre_signup_external_provider", **attrs), lambda_context)
        stub.assert_no_pending_responses()
    assert out["response"]["autoConfirmUser"] is False


def test_external_provider_with_an_unmigrated_legacy_email_is_refused(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    configure(monkeypatch)
    err = _refusal(_event(load_event, "cognito_pre_signup_external_provider"), lambda_context)
    assert err.reason == "legacy_account"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("userName"),
        lambda e: e.update(userName=12),
        lambda e: e.update(userName="x" * 5000),
        lambda e: e.update(userName="bad\x00name"),
        lambda e: e.update(triggerSource="PreSignUp_Unknown"),
        lambda e: e["request"].update(userAttributes=None),
        lambda e: e.update(request="nope"),
        lambda e: e["request"]["userAttributes"].update(email="no-at-sign"),
        lambda e: e["request"]["userAttributes"].update(email="a@b@c.com"),
        lambda e: e["request"]["userAttributes"].update(email="x" * 300 + "@example.com"),
        lambda e: e["request"]["userAttributes"].update(email=["a@example.com"]),
        lambda e: e["request"]["userAttributes"].update(email="a@example.com\r\nBcc: x@evil.com"),
        lambda e: e.update(userName="\ud800alice"),
        lambda e: e["request"]["userAttributes"].update(email="\udfffa@example.com"),
    ],
)
def test_malformed_events_get_a_clear_refusal(legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                              load_event: Callable[[str], Any], lambda_context: Any,
                                              mutate: Callable[[dict[str, Any]], Any]) -> None:
    configure(monkeypatch)
    event = load_event("cognito_pre_signup_sign_up")
    mutate(event)
    err = _refusal(event, lambda_context)
    assert str(err) == MSG_INVALID


def test_hostile_username_is_just_a_parameter(legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                              load_event: Callable[[str], Any], lambda_context: Any) -> None:
    configure(monkeypatch)
    event = _event(load_event, "cognito_pre_signup_sign_up", email="robert@example.net")
    event["userName"] = "x' OR '1'='1"
    assert hook.handler(event, lambda_context) is event


def test_legacy_db_down_fails_closed_within_the_budget(monkeypatch: pytest.MonkeyPatch,
                                                       load_event: Callable[[str], Any]) -> None:
    monkeypatch.setenv("LEGACY_APP", "q2a")
    monkeypatch.setenv("LEGACY_DB_URL", "mysql://root@127.0.0.1:1/none")
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    configure(monkeypatch)
    context = LocalLambdaContext(timeout_ms=5000)
    started = time.monotonic()
    err = _refusal(_event(load_event, "cognito_pre_signup_sign_up"), context)
    assert (err.reason, str(err)) == ("guard_unavailable", MSG_UNAVAILABLE)
    assert time.monotonic() - started < 4.5


def test_missing_legacy_configuration_is_refused_not_crashed(monkeypatch: pytest.MonkeyPatch,
                                                             load_event: Callable[[str], Any],
                                                             lambda_context: Any) -> None:
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)
    monkeypatch.delenv("LEGACY_DB_SECRET_ARN", raising=False)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    configure(monkeypatch)
    err = _refusal(_event(load_event, "cognito_pre_signup_sign_up"), lambda_context)
    assert (err.reason, str(err)) == ("misconfigured", MSG_UNAVAILABLE)


def test_cognito_unreachable_means_no_auto_flags_not_a_crash(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hook_wiring.cognito_client, "value", UNBUILT)  # client creation itself fails (no region)
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="corp.example")
    out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", email="new@corp.example"), lambda_context)
    assert out["response"]["autoConfirmUser"] is False
    assert out["response"]["autoVerifyEmail"] is False


def test_list_users_error_means_no_auto_flags(legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                              load_event: Callable[[str], Any], lambda_context: Any) -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
    configure(monkeypatch, HOOKS_SIGNUP_TRUSTED_DOMAINS="corp.example")
    with Stubber(client) as stub:
        stub.add_client_error("list_users", service_error_code="TooManyRequestsException", http_status_code=429)
        out = hook.handler(_event(load_event, "cognito_pre_signup_sign_up", email="new@corp.example"), lambda_context)
    assert out["response"]["autoConfirmUser"] is False


def test_a_legacy_db_that_never_answers_is_refused_before_cognitos_limit(
    monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any]
) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # the kernel completes the handshake; nothing ever answers
    try:
        monkeypatch.setenv("LEGACY_APP", "q2a")
        monkeypatch.setenv("LEGACY_DB_URL", f"mysql://root@127.0.0.1:{server.getsockname()[1]}/none")
        monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
        monkeypatch.setattr(hook.guard, "value", UNBUILT)
        configure(monkeypatch)
        context = LocalLambdaContext(timeout_ms=5000)
        err = _refusal(_event(load_event, "cognito_pre_signup_sign_up"), context)
        assert err.reason == "guard_unavailable"
        assert context.get_remaining_time_in_millis() > 0
    finally:
        server.close()


def test_logs_and_metrics_carry_reasons_never_the_users_data(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    configure(monkeypatch)
    hook.handler(_event(load_event, "cognito_pre_signup_sign_up", email="fresh.person@example.net"), lambda_context)
    event = _event(load_event, "cognito_pre_signup_sign_up", email="alice@example.com")
    _refusal(event, lambda_context)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "SignUpAccepted" in text
    assert "legacy_account" in text
    for secret in ("fresh.person", "alice@example.com", "alice.new", "Alice New"):
        assert secret not in text


@pytest.mark.parametrize("response", [None, "x", []])
def test_missing_or_odd_response_object_still_gets_a_well_formed_answer(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any, response: Any,
) -> None:
    configure(monkeypatch)
    event = _event(load_event, "cognito_pre_signup_sign_up")
    event["response"] = response
    out = hook.handler(event, lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@pytest.mark.parametrize("source", [{"email": "secret.person@example.com"}, "secret.person@example.com", ""])
def test_an_odd_trigger_source_never_reaches_logs_or_metric_dimensions(
    legacy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any, capsys: pytest.CaptureFixture[str], source: Any,
) -> None:
    configure(monkeypatch)
    event = _event(load_event, "cognito_pre_signup_sign_up")
    event["triggerSource"] = source
    assert _refusal(event, lambda_context).reason == "invalid_input"
    text = capsys.readouterr().out
    assert "secret.person" not in text
    assert '"trigger_source":"unknown"' in text
