"""Sign-up guard against real q2a / WordPress tables on MariaDB and PostgreSQL, through the presets' own lookups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from legacy_auth.db.database import Database
from legacy_auth.db.deadline import Deadline
from legacy_auth.errors import StoreError
from legacy_auth.hooks_config import HookSettings
from legacy_auth.presets import get_preset
from legacy_auth.signup_guard import LegacyGuard
from legacy_auth.signup_policy import SignUpRefusedError, decide, parse_request
from tests.helpers.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration
BCRYPT = "$2y$10$" + "a" * 53

Q2A_ROWS = [
    {"userid": 1, "handle": "alice", "email": "alice@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 2, "handle": "blocked", "email": "blocked@example.com", "passhash": BCRYPT, "level": 0, "flags": 2},
    {"userid": 3, "handle": "shared1", "email": "shared@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 4, "handle": "shared2", "email": "shared@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
    {"userid": 5, "handle": "migrated", "email": "migrated@example.com", "passhash": BCRYPT, "level": 0, "flags": 0},
]


@pytest.fixture(scope="module", params=["mysql", "postgres"])
def q2a_url(request: pytest.FixtureRequest, databases: Any) -> str:
    url = databases.mysql("guardq2a") if request.param == "mysql" else databases.postgres("guardq2a")
    create_schema(url, "q2a")
    insert_users(url, "q2a", Q2A_ROWS)
    return str(url)


@pytest.fixture
def guard(q2a_url: str) -> Iterator[LegacyGuard]:
    db = Database(q2a_url)
    yield LegacyGuard(db=db, preset=get_preset("q2a"), prefix="qa_")
    db.close()


def _deadline() -> Deadline:
    return Deadline.after(3)


@pytest.mark.parametrize(
    "login",
    ["alice", "ALICE", " alice ", "alice@example.com", "Alice@Example.COM", "blocked", "shared@example.com"],
)
def test_unmigrated_legacy_logins_match_with_the_apps_case_rules(guard: LegacyGuard, login: str) -> None:
    assert guard.unmigrated(login, deadline=_deadline()) is True


@pytest.mark.parametrize(
    "login",
    ["bob", "alice2", "nobody@example.com", "x" * 400, "alice' OR '1'='1", "%", "_lice", "alice\x00"],
)
def test_unknown_and_hostile_logins_do_not_match(guard: LegacyGuard, login: str) -> None:
    assert guard.unmigrated(login, deadline=_deadline()) is False


def test_tracking_says_migrated_users_are_free(q2a_url: str) -> None:
    db = Database(q2a_url)
    try:
        seen: list[str] = []

        def is_migrated(legacy_id: str, deadline: Deadline) -> bool:
            seen.append(legacy_id)
            return legacy_id == "5"

        tracked = LegacyGuard(db=db, preset=get_preset("q2a"), prefix="qa_", is_migrated=is_migrated)
        assert tracked.unmigrated("migrated", deadline=_deadline()) is False
        assert tracked.unmigrated("alice", deadline=_deadline()) is True
        assert seen == ["5", "1"]
    finally:
        db.close()


def _event(username: str, email: str | None) -> dict[str, Any]:
    attributes = {"email": email} if email else {}
    return {"triggerSource": "PreSignUp_SignUp", "userPoolId": "eu-west-1_Ab12Cd34E", "userName": username,
            "request": {"userAttributes": attributes}, "response": {}}


@pytest.mark.parametrize(
    ("username", "email"),
    [("alice", "new@example.com"), ("newbie", "ALICE@example.com"), ("newbie", "shared@example.com")],
)
def test_policy_refuses_signup_of_a_legacy_identity(guard: LegacyGuard, username: str, email: str) -> None:
    with pytest.raises(SignUpRefusedError) as info:
        decide(parse_request(_event(username, email)), HookSettings.from_env({}),
               legacy_match=guard.matcher(_deadline()), cognito=None)
    assert info.value.reason == "legacy_account"
    assert "sign in with your existing password, or reset it" in str(info.value)


def test_policy_lets_a_new_identity_through_and_guard_off_skips_the_db(guard: LegacyGuard) -> None:
    decision = decide(parse_request(_event("newbie", "newbie@example.com")), HookSettings.from_env({}),
                      legacy_match=guard.matcher(_deadline()), cognito=None)
    assert decision.auto_confirm is False
    off = HookSettings.from_env({"HOOKS_SIGNUP_GUARD": "off"})

    def boom(login: str) -> bool:
        raise AssertionError("guard off must not query")

    decide(parse_request(_event("alice", "alice@example.com")), off, legacy_match=boom, cognito=None)


def test_database_down_fails_closed() -> None:
    db = Database("mysql://root@127.0.0.1:1/nothing")  # nothing listens on port 1
    down = LegacyGuard(db=db, preset=get_preset("q2a"), prefix="qa_")
    with pytest.raises(StoreError):
        down.unmigrated("alice", deadline=_deadline())
    with pytest.raises(SignUpRefusedError) as info:
        decide(parse_request(_event("newbie", "n@example.com")), HookSettings.from_env({}),
               legacy_match=down.matcher(_deadline()), cognito=None)
    assert info.value.reason == "guard_unavailable"


@pytest.fixture(scope="module", params=["mysql", "postgres"])
def wordpress_guard(request: pytest.FixtureRequest, databases: Any) -> Iterator[LegacyGuard]:
    url = databases.mysql("guardwp") if request.param == "mysql" else databases.postgres("guardwp")
    create_schema(url, "wordpress")
    insert_users(url, "wordpress", [
        {"ID": 7, "user_login": "carol", "user_email": "carol@example.org", "user_pass": "$P$B" + "x" * 30,
         "user_nicename": "carol", "display_name": "Carol"},
    ])
    db = Database(url)
    yield LegacyGuard(db=db, preset=get_preset("wordpress"), prefix="wp_")
    db.close()


@pytest.mark.parametrize(("login", "expected"), [("carol", True), ("carol@example.org", True), ("dave", False)])
def test_wordpress_lookup_rules(wordpress_guard: LegacyGuard, login: str, expected: bool) -> None:
    assert wordpress_guard.unmigrated(login, deadline=_deadline()) is expected
