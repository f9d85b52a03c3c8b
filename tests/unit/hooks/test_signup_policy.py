"""Sign-up policy as pure functions: parsing, domain rules, guard logins per source, fail-closed lookups."""

from __future__ import annotations

from typing import Any

import pytest

from legacy_auth.errors import StoreTimeoutError
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_policy import (
    SignUpRefusedError,
    Source,
    check_domain,
    decide,
    email_domain,
    parse_request,
)


def _event(source: str = "PreSignUp_SignUp", username: Any = "newbie", **attrs: Any) -> dict[str, Any]:
    return {"triggerSource": source, "userPoolId": "eu-west-1_X", "userName": username,
            "request": {"userAttributes": attrs}}


def test_parse_request_reads_source_username_email_and_provider_verification() -> None:
    r = parse_request(_event("PreSignUp_ExternalProvider", "Google_1", email="c@gmail.com", email_verified="True"))
    assert (r.source, r.username, r.email, r.provider_email_verified) == (
        Source.EXTERNAL_PROVIDER, "Google_1", "c@gmail.com", True)
    assert parse_request(_event(email="")).email is None


@pytest.mark.parametrize(("email", "domain"), [("a@Example.COM", "example.com"), ("a@x.example.org.", "x.example.org")])
def test_email_domain_is_lower_cased_without_trailing_dot(email: str, domain: str) -> None:
    assert email_domain(email) == domain


@pytest.mark.parametrize("email", ["@example.com", "a@", "a@b", "a@.com", "a b@example.com", "a@b@c.com"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(SignUpRefusedError) as info:
        parse_request(_event(email=email))
    assert info.value.reason == "invalid_email"


def test_denied_wins_over_allowed_and_subdomains_match() -> None:
    s = HookSettings.from_env({"HOOKS_SIGNUP_ALLOWED_DOMAINS": "corp.example",
                               "HOOKS_SIGNUP_DENIED_DOMAINS": "contractors.corp.example"})
    check_domain("a@corp.example", s)
    check_domain("a@eu.corp.example", s)
    for email in ("a@contractors.corp.example", "a@x.contractors.corp.example", "a@corp.example.evil.com"):
        with pytest.raises(SignUpRefusedError):
            check_domain(email, s)


def test_guard_checks_username_and_email_for_sign_up_but_only_email_for_external_providers() -> None:
    asked: list[str] = []

    def match(login: str) -> bool:
        asked.append(login)
        return False

    s = HookSettings.from_env({})
    decide(parse_request(_event(email="n@example.com")), s, legacy_match=match, cognito=None)
    decide(parse_request(_event("PreSignUp_ExternalProvider", "Google_9", email="g@gmail.com")), s,
           legacy_match=match, cognito=None)
    decide(parse_request(_event(username="same@example.com", email="SAME@example.com")), s,
           legacy_match=match, cognito=None)
    assert asked == ["newbie", "n@example.com", "g@gmail.com", "same@example.com"]


def test_lookup_failure_fails_closed() -> None:
    def down(login: str) -> bool:
        raise StoreTimeoutError("slow")

    with pytest.raises(SignUpRefusedError) as info:
        decide(parse_request(_event(email="n@example.com")), HookSettings.from_env({}), legacy_match=down,
               cognito=None)
    assert info.value.reason == "guard_unavailable"


def test_admin_create_user_is_not_checked_by_default() -> None:
    def boom(login: str) -> bool:
        raise AssertionError("not called")

    decision = decide(parse_request(_event("PreSignUp_AdminCreateUser", email="x@mailinator.com")),
                      HookSettings.from_env({"HOOKS_SIGNUP_DENIED_DOMAINS": "mailinator.com"}),
                      legacy_match=boom, cognito=None)
    assert (decision.auto_confirm, decision.auto_verify_email, decision.linked_to) == (False, False, None)


def test_trusted_domain_without_cognito_access_gets_no_auto_flags() -> None:
    s = HookSettings.from_env({"HOOKS_SIGNUP_TRUSTED_DOMAINS": "corp.example"})
    decision = decide(parse_request(_event(email="a@corp.example")), s, legacy_match=lambda _: False, cognito=None)
    assert decision.auto_confirm is False


def test_email_with_filter_metacharacters_never_reaches_list_users() -> None:
    def factory() -> Any:
        raise AssertionError("Cognito must not be called")

    s = HookSettings.from_env({"HOOKS_SIGNUP_TRUSTED_DOMAINS": "corp.example"})
    decision = decide(parse_request(_event(email='a"b@corp.example')), s, legacy_match=lambda _: False,
                      cognito=factory)
    assert decision.auto_confirm is False


def test_refusal_message_is_the_user_facing_text() -> None:
    err = SignUpRefusedError("legacy_account", "msg for user")
    assert (str(err), err.reason) == ("msg for user", "legacy_account")
