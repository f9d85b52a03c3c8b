"""Auto-verify safety against moto's real ListUsers: an alias held under another case of the email still counts.

moto's ``email = "..."`` filter is case-sensitive (Cognito's documentation is inconsistent on the point), so the
policy asks for every case variant it can name; any holder, or any variant that cannot be checked, means no
auto flags.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.errors import BudgetExceededError
from legacy_auth.hooks.cognito_users import email_variants
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_policy import SignUpDecision, decide, parse_request

TRUSTED = HookSettings.from_env({"HOOKS_SIGNUP_TRUSTED_DOMAINS": "corp.example", "HOOKS_SIGNUP_GUARD": "off"})
AUTO = SignUpDecision(auto_confirm=True, auto_verify_email=True)
NONE = SignUpDecision()


@pytest.fixture
def pool() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = client.create_user_pool(PoolName="p", AliasAttributes=["email"])["UserPool"]["Id"]
        yield client, pool_id


def _hold(client: Any, pool_id: str, email: str) -> None:
    client.admin_create_user(UserPoolId=pool_id, Username="holder_" + email.split("@")[0], MessageAction="SUPPRESS",
                             UserAttributes=[{"Name": "email", "Value": email},
                                             {"Name": "email_verified", "Value": "true"}])


def _decide(pool_id: str, email: str, factory: Any) -> SignUpDecision:
    event = {"triggerSource": "PreSignUp_SignUp", "userPoolId": pool_id, "userName": "newbie",
             "request": {"userAttributes": {"email": email}}}
    return decide(parse_request(event), TRUSTED, legacy_match=lambda _: False, cognito=factory)


def test_moto_list_users_filter_is_case_sensitive(pool: tuple[Any, str]) -> None:
    """The premise: an exact-case search alone would miss the holder."""
    client, pool_id = pool
    _hold(client, pool_id, "taken@corp.example")
    assert client.list_users(UserPoolId=pool_id, Filter='email = "Taken@corp.example"')["Users"] == []


@pytest.mark.parametrize("typed", ["Taken@corp.example", "TAKEN@CORP.EXAMPLE", "taken@Corp.Example"])
def test_mixed_case_sign_up_of_a_held_email_gets_no_auto_flags(pool: tuple[Any, str], typed: str) -> None:
    client, pool_id = pool
    _hold(client, pool_id, "taken@corp.example")
    assert _decide(pool_id, typed, lambda: client) == NONE


def test_holder_stored_in_mixed_case_is_found_when_typed_with_a_lower_cased_domain(pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    _hold(client, pool_id, "Taken@corp.example")
    assert _decide(pool_id, "Taken@CORP.EXAMPLE", lambda: client) == NONE


def test_a_free_mixed_case_email_is_still_auto_confirmed(pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    _hold(client, pool_id, "someone.else@corp.example")
    assert _decide(pool_id, "Fresh.Person@corp.example", lambda: client) == AUTO


def test_any_variant_that_cannot_be_checked_means_no_auto_flags(pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    calls: list[int] = []

    def factory() -> Any:  # like hook_wiring.cognito_within: refuses once no time is left for a call
        calls.append(1)
        if len(calls) > 1:
            raise BudgetExceededError("no time left for a Cognito call")
        return client

    assert _decide(pool_id, "Fresh@corp.example", factory) == NONE
    assert len(calls) == 2  # the typed form was free; the lower-cased one could not be checked


@pytest.mark.parametrize(
    ("email", "variants"),
    [
        ("a@corp.example", ["a@corp.example"]),
        ("A@corp.example", ["A@corp.example", "a@corp.example"]),
        ("A@Corp.Example", ["A@Corp.Example", "a@corp.example", "A@corp.example"]),
        ("a@CORP.example", ["a@CORP.example", "a@corp.example"]),
    ],
)
def test_email_variants_are_typed_lower_and_domain_lowered_without_duplicates(email: str,
                                                                              variants: list[str]) -> None:
    assert email_variants(email) == variants
