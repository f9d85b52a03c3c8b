"""Sign-up guard against real q2a / WordPress tables on MariaDB and PostgreSQL: the guard, and the PreSignUp handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import StoreError
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_guard import LegacyGuard
from legacy_auth.hooks.signup_policy import MSG_LEGACY_ACCOUNT, SignUpRefusedError, decide, parse_request
from legacy_auth.migration.tracking import MigrationTracker
from legacy_auth.migration.tracking import ddl as tracking_ddl
from tests.support.legacy_db import create_schema, dialect_of, insert_users
from triggers import hook_wiring
from triggers import pre_signup as hook
from triggers.lazy import UNBUILT

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


# ---------------------------------------------------------------- the PreSignUp handler on the same databases


@pytest.fixture(params=["mysql", "postgres"])
def handler_env(request: pytest.FixtureRequest, databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A q2a legacy DB with the tracking table; the handler configured for it (tracking on), state reset."""
    url = str(databases.mysql("guardhook") if request.param == "mysql" else databases.postgres("guardhook"))
    create_schema(url, "q2a")
    insert_users(url, "q2a", Q2A_ROWS)
    db = Database(url)
    for statement in tracking_ddl(dialect_of(url)):
        db.execute(statement, deadline=Deadline.after(10))
    MigrationTracker(db, app="q2a").record("5", "migrated", trigger_source="UserMigration_Authentication",
                                           deadline=Deadline.after(5))
    db.close()
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_TRACK_MIGRATION": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    monkeypatch.setattr(hook.guard, "value", UNBUILT)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({}))
    yield url
    if hook_wiring.legacy_database.built:
        hook_wiring.legacy_database.value[1].close()


def _signup(load_event: Any, username: str, email: str) -> dict[str, Any]:
    event = load_event("cognito_pre_signup_sign_up")
    event["userName"] = username
    event["request"]["userAttributes"]["email"] = email
    return dict(event)


@pytest.mark.parametrize(
    ("username", "email"),
    [("alice", "new@example.com"), ("ALICE", "new@example.com"), ("newbie", "Alice@Example.COM"),
     ("newbie", "shared@example.com"), ("blocked", "b2@example.com")],
)
def test_handler_refuses_a_legacy_identity_on_the_real_database(
    handler_env: str, load_event: Any, lambda_context: Any, username: str, email: str
) -> None:
    with pytest.raises(SignUpRefusedError) as info:
        hook.handler(_signup(load_event, username, email), lambda_context)
    assert info.value.reason == "legacy_account"
    assert str(info.value) == MSG_LEGACY_ACCOUNT


@pytest.mark.parametrize(
    ("username", "email"),
    [("newbie", "newbie@example.com"), ("migrated", "migrated@example.com"), ("x' OR '1'='1", "o'hara@example.com"),
     ("_lice", "%@example.com")],
)
def test_handler_accepts_new_migrated_and_hostile_but_unknown_identities(
    handler_env: str, load_event: Any, lambda_context: Any, username: str, email: str
) -> None:
    out = hook.handler(_signup(load_event, username, email), lambda_context)
    assert out["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_handler_keeps_one_legacy_connection_across_warm_invocations(
    handler_env: str, load_event: Any, lambda_context: Any
) -> None:
    for i in range(3):
        hook.handler(_signup(load_event, f"fresh{i}", f"fresh{i}@example.com"), lambda_context)
    assert hook_wiring.legacy_database.built
    assert hook_wiring.legacy_database.value[1].connects == 1
