"""End to end on the local stack: cognito-local driving our real handlers, and the API front with our authorizer.

Each sample legacy user (devstack/legacy_seed.py) serves one test, so the tests do not depend on their order.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.flows import (
    app_user_rows,
    confirm_sign_up,
    get_me,
    invocations,
    sign_in,
    sign_up,
    tamper,
)
from devstack.legacy_seed import sample_user

pytestmark = [pytest.mark.e2e]
COGNITO_LIMIT_MS = 5000.0


def _since(stack: dict[str, Any], before: int) -> list[dict[str, Any]]:
    return invocations(stack["invoke_url"])[before:]


def _calls(stack: dict[str, Any]) -> int:
    return len(invocations(stack["invoke_url"]))


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _user_exists(idp: Any, stack: dict[str, Any], username: str) -> bool:
    try:
        idp.admin_get_user(UserPoolId=stack["user_pool_id"], Username=username)
    except idp.exceptions.UserNotFoundException:
        return False
    return True


def _migrate(idp: Any, stack: dict[str, Any], login: str, handle: str) -> tuple[Any, list[dict[str, Any]]]:
    before = _calls(stack)
    result = sign_in(idp, stack["client_id"], login, sample_user(handle).password)
    return result, _since(stack, before)


# ---------------------------------------------------------------- the demo's steps


@pytest.mark.parametrize(("handle", "scheme"), [("alice", "bcrypt"), ("bob", "sha1")])
def test_legacy_user_signs_in_with_old_password_and_is_migrated(idp: Any, stack: dict[str, Any], handle: str,
                                                                 scheme: str) -> None:
    assert sample_user(handle).scheme == scheme
    result, calls = _migrate(idp, stack, handle, handle)
    assert result.ok, result.error_code
    migration = [c for c in calls if c["function"] == "user-migration"]
    assert len(migration) == 1
    assert migration[0]["ok"]
    assert migration[0]["trigger_source"] == "UserMigration_Authentication"
    assert all(c["duration_ms"] < COGNITO_LIMIT_MS for c in calls)
    assert _user_exists(idp, stack, handle)
    assert _claims(result.access_token)["username"] == handle


def test_migrated_user_signs_in_again_natively_without_the_trigger(idp: Any, stack: dict[str, Any]) -> None:
    first, calls = _migrate(idp, stack, "frank", "frank")
    assert first.ok, first.error_code
    assert any(c["function"] == "user-migration" for c in calls)
    again, calls = _migrate(idp, stack, "frank", "frank")
    assert again.ok, again.error_code
    assert [c["function"] for c in calls] == ["pre-token-generation"]
    assert _claims(again.access_token)["sub"] == _claims(first.access_token)["sub"]


def test_wrong_password_is_refused_and_the_user_is_not_created(idp: Any, stack: dict[str, Any]) -> None:
    before = _calls(stack)
    result = sign_in(idp, stack["client_id"], "carol", sample_user("carol").password + "!")
    assert not result.ok
    assert result.error_code == "NotAuthorizedException"
    assert [c["ok"] for c in _since(stack, before) if c["function"] == "user-migration"] == [False]
    assert not _user_exists(idp, stack, "carol")


def test_blocked_legacy_user_is_refused_with_the_same_generic_error(idp: Any, stack: dict[str, Any]) -> None:
    result, calls = _migrate(idp, stack, "mallory", "mallory")
    assert not result.ok
    assert result.error_code == "NotAuthorizedException"
    assert [c["ok"] for c in calls if c["function"] == "user-migration"] == [False]
    assert not _user_exists(idp, stack, "mallory")


def test_unknown_user_is_refused_like_a_wrong_password(idp: Any, stack: dict[str, Any]) -> None:
    result = sign_in(idp, stack["client_id"], "nobody-at-all", "whatever-password")
    assert result.error_code == "NotAuthorizedException"


def test_new_user_signs_up_confirms_is_provisioned_and_signs_in(idp: Any, stack: dict[str, Any]) -> None:
    email, password = "e2e-newcomer@example.org", "a-fresh-passphrase-1"
    before = _calls(stack)
    code, message = sign_up(idp, stack["client_id"], email, password)
    assert code is None, message
    assert confirm_sign_up(idp, stack["client_id"], email, stack["confirmation_code"]) is None
    calls = _since(stack, before)
    assert [(c["function"], c["ok"]) for c in calls] == [("pre-sign-up", True), ("post-confirmation", True)]
    rows = app_user_rows(stack["app_db_url"], email)
    assert len(rows) == 1
    result = sign_in(idp, stack["client_id"], email, password)
    assert result.ok, result.error_code
    assert rows[0]["cognito_sub"] == _claims(result.access_token)["sub"]


def test_get_me_through_the_authorizer_shows_the_identity(idp: Any, stack: dict[str, Any]) -> None:
    result, _ = _migrate(idp, stack, "ivan", "ivan")
    assert result.ok, result.error_code
    answer = get_me(stack["api_url"], f"Bearer {result.access_token}")
    assert answer.status == 200, answer.body
    identity = answer.body["identity"]
    claims = _claims(result.access_token)
    assert identity["principalId"] == claims["sub"]
    assert identity["username"] == "ivan"
    assert identity["client_id"] == stack["client_id"]


# ---------------------------------------------------------------- beyond the demo


def test_sign_up_guard_refuses_the_email_of_a_not_yet_migrated_legacy_user(idp: Any, stack: dict[str, Any]) -> None:
    before = _calls(stack)
    code, _ = sign_up(idp, stack["client_id"], "erin@example.com", "someone-else-entirely-1")
    assert code == "UserLambdaValidationException"
    assert [(c["function"], c["ok"]) for c in _since(stack, before)] == [("pre-sign-up", False)]
    assert idp.list_users(UserPoolId=stack["user_pool_id"], Filter='email = "erin@example.com"')["Users"] == []


def test_migrated_user_signs_in_by_email_alias(idp: Any, stack: dict[str, Any]) -> None:
    first, _ = _migrate(idp, stack, "grace", "grace")
    assert first.ok, first.error_code
    by_email, calls = _migrate(idp, stack, "grace@example.com", "grace")
    assert by_email.ok, by_email.error_code
    assert not any(c["function"] == "user-migration" for c in calls)
    assert _claims(by_email.access_token)["sub"] == _claims(first.access_token)["sub"]


def test_legacy_user_is_migrated_on_a_first_sign_in_by_email(idp: Any, stack: dict[str, Any]) -> None:
    result, calls = _migrate(idp, stack, "heidi@example.com", "heidi")
    assert result.ok, result.error_code
    assert [c["ok"] for c in calls if c["function"] == "user-migration"] == [True]
    users = idp.list_users(UserPoolId=stack["user_pool_id"], Filter='email = "heidi@example.com"')["Users"]
    assert len(users) == 1


def test_username_case_variants_sign_in_as_the_same_user(idp: Any, stack: dict[str, Any]) -> None:
    subs = set()
    for login in ("DAVE", "dave", "Dave"):
        result, _ = _migrate(idp, stack, login, "dave")
        assert result.ok, (login, result.error_code)
        subs.add(_claims(result.access_token)["sub"])
        assert _claims(result.access_token)["username"] == "dave"
    assert len(subs) == 1
    users = idp.list_users(UserPoolId=stack["user_pool_id"], Filter='email = "dave@example.com"')["Users"]
    assert len(users) == 1


def test_every_trigger_answered_within_cognitos_limit(idp: Any, stack: dict[str, Any]) -> None:
    sign_in(idp, stack["client_id"], "alice", sample_user("alice").password)  # at least one trigger call
    records = [r for r in invocations(stack["invoke_url"]) if r["trigger_source"]]
    assert records
    assert max(r["duration_ms"] for r in records) < COGNITO_LIMIT_MS


# ---------------------------------------------------------------- the authorizer on local-stack tokens


@pytest.fixture(scope="module")
def ivan_tokens(idp: Any, stack: dict[str, Any]) -> dict[str, str]:
    result = sign_in(idp, stack["client_id"], "ivan", sample_user("ivan").password)
    assert result.ok, result.error_code
    return result.tokens


def test_missing_token_is_401_without_calling_the_authorizer(stack: dict[str, Any]) -> None:
    before = _calls(stack)
    assert get_me(stack["api_url"], None).status == 401
    assert _since(stack, before) == []


def test_tampered_token_is_refused(stack: dict[str, Any], ivan_tokens: dict[str, str]) -> None:
    answer = get_me(stack["api_url"], f"Bearer {tamper(ivan_tokens['AccessToken'])}")
    assert answer.status == 401


def test_token_signed_by_another_key_is_refused(stack: dict[str, Any], ivan_tokens: dict[str, str]) -> None:
    claims = _claims(ivan_tokens["AccessToken"])
    claims["exp"] = int(time.time()) + 600
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "CognitoLocal"})
    assert get_me(stack["api_url"], f"Bearer {forged}").status == 401


def test_id_token_is_refused_where_an_access_token_is_required(stack: dict[str, Any],
                                                               ivan_tokens: dict[str, str]) -> None:
    assert get_me(stack["api_url"], f"Bearer {ivan_tokens['IdToken']}").status == 401


def test_unsigned_alg_none_token_is_refused(stack: dict[str, Any], ivan_tokens: dict[str, str]) -> None:
    claims = _claims(ivan_tokens["AccessToken"])
    header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "kid": "CognitoLocal"}).encode()).decode()
    body = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    assert get_me(stack["api_url"], f"Bearer {header}.{body}.").status == 401


def test_refreshed_access_token_runs_pre_token_generation_and_is_accepted(idp: Any, stack: dict[str, Any],
                                                                          ivan_tokens: dict[str, str]) -> None:
    before = _calls(stack)
    refreshed = idp.initiate_auth(ClientId=stack["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": ivan_tokens["RefreshToken"]})
    access = refreshed["AuthenticationResult"]["AccessToken"]
    calls = _since(stack, before)
    assert [(c["function"], c["trigger_source"], c["ok"]) for c in calls] == [
        ("pre-token-generation", "TokenGeneration_RefreshTokens", True)]
    answer = get_me(stack["api_url"], f"Bearer {access}")
    assert answer.status == 200
    assert answer.body["identity"]["username"] == "ivan"
