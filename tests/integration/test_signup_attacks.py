"""Sign-up attacks through the real PreSignUp handler on real MariaDB (utf8mb4 and utf8mb3) and PostgreSQL tables.

The same attacks on SQLite, and the trusted-domain (moto) ones: ``tests/functional/test_signup_identity_attacks.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_guard import LegacyGuard
from legacy_auth.hooks.signup_policy import MSG_INVALID, MSG_LEGACY_ACCOUNT, MSG_UNAVAILABLE, SignUpRefusedError
from tests.support.legacy_db import connect, create_schema, insert_users
from triggers import hook_wiring
from triggers import pre_signup as hook
from triggers.lazy import UNBUILT

pytestmark = pytest.mark.integration
BCRYPT = "$2y$10$" + "a" * 53
Loader = Callable[[str], dict[str, Any]]
Q2A_ROWS = [
    {"userid": 1, "handle": "admin", "email": "admin@example.com", "passhash": BCRYPT, "level": 120, "flags": 0},
    {"userid": 2, "handle": "carol", "email": "carol@corp.example", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 7, "handle": "bob smith", "email": "bob@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
]


def _wire(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEGACY_TRACK_MIGRATION", raising=False)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({}))


def _close() -> None:
    if hook_wiring.legacy_database.built:
        hook_wiring.legacy_database.value[1].close()


@pytest.fixture(params=["mysql", "postgres"])
def q2a(request: pytest.FixtureRequest, databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = str(databases.mysql("attackq2a") if request.param == "mysql" else databases.postgres("attackq2a"))
    create_schema(url, "q2a")
    insert_users(url, "q2a", Q2A_ROWS)
    _wire(monkeypatch, {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})
    yield url
    _close()


@pytest.fixture
def q2a_utf8mb3(databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A q2a table converted to utf8mb3 (older installs): it cannot hold characters outside the BMP."""
    url = str(databases.mysql("attackmb3"))
    table = create_schema(url, "q2a")
    conn = connect(url)
    try:
        conn.cursor().execute(f"ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci")
    finally:
        conn.close()
    insert_users(url, "q2a", Q2A_ROWS)
    _wire(monkeypatch, {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})
    yield url
    _close()


def _sign_up(load_event: Loader, username: str = "newbie", **attributes: Any) -> dict[str, Any]:
    event = load_event("cognito_pre_signup_sign_up")
    event["userName"] = username
    event["request"]["userAttributes"].update(attributes)
    return event


def _refusal(event: dict[str, Any], context: Any) -> SignUpRefusedError:
    with pytest.raises(SignUpRefusedError) as info:
        hook.handler(event, context)
    return info.value


ACCEPTED = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


# ---------------------------------------------------------------- the findings, on MariaDB and PostgreSQL


@pytest.mark.parametrize("username", ["legacy_7", "LEGACY_7", "ｌｅｇａｃｙ＿７"])
def test_sign_up_as_the_migration_name_of_legacy_user_7_is_refused(q2a: str, load_event: Loader,
                                                                   lambda_context: Any, username: str) -> None:
    err = _refusal(_sign_up(load_event, username, email="mallory@example.net"), lambda_context)
    assert (err.reason, str(err)) == ("reserved_username", MSG_INVALID)


def test_sign_up_carrying_the_legacy_admins_id_and_roles_is_refused(q2a: str, load_event: Loader,
                                                                   lambda_context: Any) -> None:
    err = _refusal(load_event("cognito_pre_signup_sign_up_legacy_attributes"), lambda_context)
    assert (err.reason, str(err)) == ("reserved_attribute", MSG_INVALID)


def test_preferred_username_alias_naming_the_legacy_admin_is_refused(q2a: str, load_event: Loader,
                                                                     lambda_context: Any) -> None:
    event = load_event("cognito_pre_signup_sign_up_alias_attributes")
    event["request"]["userAttributes"]["preferred_username"] = "admin"
    err = _refusal(event, lambda_context)
    assert (err.reason, str(err)) == ("legacy_account", MSG_LEGACY_ACCOUNT)


@pytest.mark.parametrize("email", ["carol@corp.example.", "Carol@Corp.Example.", "carol@corp.example.."])
def test_trailing_dot_copy_of_a_legacy_email_is_refused(q2a: str, load_event: Loader, lambda_context: Any,
                                                        email: str) -> None:
    assert _refusal(_sign_up(load_event, email=email), lambda_context).reason == "invalid_email"


@pytest.mark.parametrize("email", ["ｃａｒｏｌ@corp.example", "carol@ＣＯＲＰ.example", "CAROL@CORP.EXAMPLE"])
def test_compatibility_and_case_forms_of_a_legacy_email_are_found(q2a: str, load_event: Loader, lambda_context: Any,
                                                                  email: str) -> None:
    assert _refusal(_sign_up(load_event, email=email), lambda_context).reason == "legacy_account"


def test_legacy_user_with_an_unrepresentable_handle_is_still_guarded_by_email(q2a: str, load_event: Loader,
                                                                              lambda_context: Any) -> None:
    """``bob smith`` migrates as ``legacy_7``: neither that name nor bob's email is free."""
    assert _refusal(_sign_up(load_event, "legacy_7"), lambda_context).reason == "reserved_username"
    assert _refusal(_sign_up(load_event, email="BOB@example.com"), lambda_context).reason == "legacy_account"


def test_fresh_identities_are_accepted(q2a: str, load_event: Loader, lambda_context: Any) -> None:
    assert hook.handler(load_event("cognito_pre_signup_sign_up_alias_attributes"), lambda_context)["response"] == (
        ACCEPTED)
    assert hook.handler(_sign_up(load_event, "legacyfan", email="fan@example.net"), lambda_context)


# ---------------------------------------------------------------- utf8mb3


@pytest.mark.parametrize(("username", "email"), [("alice😀", "alice😀@example.net"), ("new😀", "new@example.net"),
                                                 ("newbie", "😀@example.com"), ("admin😀", "fresh@example.net")])
def test_emoji_against_a_utf8mb3_table_is_no_match_not_unavailable(q2a_utf8mb3: str, load_event: Loader,
                                                                    lambda_context: Any, username: str,
                                                                    email: str) -> None:
    assert hook.handler(_sign_up(load_event, username, email=email), lambda_context)["response"] == ACCEPTED


def test_utf8mb3_table_still_refuses_the_legacy_identity_behind_an_emoji_alias(
    q2a_utf8mb3: str, load_event: Loader, lambda_context: Any
) -> None:
    event = _sign_up(load_event, "newbie😀", email="ADMIN@example.com")
    assert _refusal(event, lambda_context).reason == "legacy_account"
    event = load_event("cognito_pre_signup_sign_up_alias_attributes")
    event["request"]["userAttributes"].update(preferred_username="carol", email="x😀@example.net")
    assert _refusal(event, lambda_context).reason == "legacy_account"


def test_other_statement_errors_still_fail_closed(q2a_utf8mb3: str, load_event: Loader, lambda_context: Any) -> None:
    conn = connect(q2a_utf8mb3)
    try:
        conn.cursor().execute("DROP TABLE qa_users")
    finally:
        conn.close()
    err = _refusal(_sign_up(load_event, "new😀", email="new@example.net"), lambda_context)
    assert (err.reason, str(err)) == ("guard_unavailable", MSG_UNAVAILABLE)


# ---------------------------------------------------------------- a row that does not block never ends the look-up


@pytest.fixture(params=["mysql", "postgres"])
def wordpress_multisite(request: pytest.FixtureRequest, databases: Any,
                        monkeypatch: pytest.MonkeyPatch) -> Iterator[LegacyGuard]:
    """A deleted account whose *login* is the active owner's *email* (WordPress allows @ in user_login)."""
    name = "attackwp"
    url = str(databases.mysql(name) if request.param == "mysql" else databases.postgres(name))
    create_schema(url, "wordpress", multisite=True)
    insert_users(url, "wordpress", [
        {"ID": 3, "user_login": "dave@example.org", "user_email": "old@example.org", "user_pass": "$P$B" + "x" * 30,
         "user_nicename": "old", "display_name": "Old", "deleted": 1},
        {"ID": 9, "user_login": "dave", "user_email": "dave@example.org", "user_pass": "$P$B" + "y" * 30,
         "user_nicename": "dave", "display_name": "Dave"},
    ], multisite=True)
    _wire(monkeypatch, {"LEGACY_APP": "wordpress", "LEGACY_DB_URL": url, "LEGACY_MULTISITE": "true"})
    db = Database(url)
    yield LegacyGuard(db=db, preset=get_preset("wordpress", multisite=True), prefix="wp_")
    db.close()
    _close()


def test_deleted_row_matched_on_login_does_not_hide_the_active_owner_of_the_email(
    wordpress_multisite: LegacyGuard, load_event: Loader, lambda_context: Any
) -> None:
    assert wordpress_multisite.unmigrated("dave@example.org", deadline=Deadline.after(3)) is True
    event = _sign_up(load_event, "someone", email="dave@example.org")
    assert _refusal(event, lambda_context).reason == "legacy_account"


def test_deleted_rows_alone_still_free_their_login(wordpress_multisite: LegacyGuard, load_event: Loader,
                                                   lambda_context: Any) -> None:
    assert wordpress_multisite.unmigrated("old@example.org", deadline=Deadline.after(3)) is False
    assert hook.handler(_sign_up(load_event, "someone", email="old@example.org"), lambda_context)["response"] == (
        ACCEPTED)
