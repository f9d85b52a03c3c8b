"""The boto3 ``cognito-idp`` client: not created at import, created on the first call that needs it, then reused.

Counts real ``boto3.client`` calls (moto answers them) across warm invocations of the PostConfirmation and
PreSignUp handlers, which share the process's one client through ``triggers.hook_wiring``.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.hooks.config import HookSettings
from triggers import hook_wiring
from triggers import post_confirmation as confirm_hook
from triggers import pre_signup as signup_hook
from triggers.lazy import UNBUILT

ROOT = Path(__file__).resolve().parents[2]
TRUSTED = HookSettings.from_env({"HOOKS_SIGNUP_GUARD": "off", "HOOKS_SIGNUP_TRUSTED_DOMAINS": "corp.example"})


def test_importing_the_hooks_creates_no_client() -> None:
    code = (
        "import sys, triggers.post_confirmation, triggers.pre_signup, triggers.pre_token_generation; "
        "from triggers import hook_wiring; "
        "print(not hook_wiring.cognito_client.built, 'boto3' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.split() == ["True", "False"]


@pytest.fixture
def counted_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, list[str]]]:
    """moto Cognito with a pool, a group and user ``dave``; ``boto3.client`` wrapped to count calls."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_aws():
        admin = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = admin.create_user_pool(PoolName="p", AliasAttributes=["email"])["UserPool"]["Id"]
        admin.create_group(UserPoolId=pool, GroupName="members")
        admin.admin_create_user(UserPoolId=pool, Username="dave", MessageAction="SUPPRESS")
        created: list[str] = []
        real = boto3.client

        def counting(service: str, *args: Any, **kwargs: Any) -> Any:
            created.append(service)
            return real(service, *args, **kwargs)

        monkeypatch.setattr(boto3, "client", counting)
        monkeypatch.setattr(hook_wiring.cognito_client, "value", UNBUILT)  # as in a fresh execution environment
        yield admin, pool, created


def test_post_confirmation_creates_the_client_once_across_warm_invocations(
    counted_clients: tuple[Any, str, list[str]], monkeypatch: pytest.MonkeyPatch,
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    admin, pool, created = counted_clients
    monkeypatch.setattr(confirm_hook.settings, "value", HookSettings.from_env({"HOOKS_DEFAULT_GROUP": "members",
                                                                          "HOOKS_PROVISION": "off"}))
    monkeypatch.setattr(confirm_hook.tracker, "value", None)
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    assert not hook_wiring.cognito_client.built
    first = confirm_hook.handler(copy.deepcopy(event), lambda_context)
    client = hook_wiring.cognito_client.value
    second = confirm_hook.handler(copy.deepcopy(event), lambda_context)
    assert first == second == event
    assert created == ["cognito-idp"]  # one client for both invocations
    assert hook_wiring.cognito_client.value is client
    members = admin.list_users_in_group(UserPoolId=pool, GroupName="members")["Users"]
    assert [m["Username"] for m in members] == ["dave"]  # and it did the real work both times


def test_pre_signup_reuses_the_same_process_wide_client(
    counted_clients: tuple[Any, str, list[str]], monkeypatch: pytest.MonkeyPatch,
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    _admin, pool, created = counted_clients
    monkeypatch.setattr(signup_hook.settings, "value", TRUSTED)
    answers = []
    for name in ("first", "second"):
        event = load_event("cognito_pre_signup_sign_up")
        event["userPoolId"] = pool
        event["request"]["userAttributes"]["email"] = f"{name}@corp.example"
        answers.append(signup_hook.handler(event, lambda_context)["response"]["autoConfirmUser"])
    assert answers == [True, True]  # ListUsers really ran (moto) and found the emails free
    assert created == ["cognito-idp"]


def test_a_sign_up_that_needs_no_cognito_call_creates_no_client(
    counted_clients: tuple[Any, str, list[str]], monkeypatch: pytest.MonkeyPatch,
    load_event: Callable[[str], Any], lambda_context: Any,
) -> None:
    _admin, _pool, created = counted_clients
    monkeypatch.setattr(signup_hook.settings, "value", TRUSTED)
    signup_hook.handler(load_event("cognito_pre_signup_sign_up"), lambda_context)  # example.com: not trusted
    assert created == []
    assert not hook_wiring.cognito_client.built
