"""Property: any post-confirmation event leaves zero rows or one complete, validated row, and never raises.

Besides generated attribute maps, every field of the real-shaped fixtures (``version``, ``region``,
``userPoolId``, ``callerContext``, ``triggerSource``, ``userName``, ``request``, ``response`` and every nested
field) is replaced by odd types or deleted, one at a time and in random combinations, with tracking on and a
default group (moto); the whole event is sometimes not an object at all. The documented outcome is always the
event back, never a partial row, and a failure row only for a user that could be validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.provisioning import app_user_from_event
from legacy_auth.migration.tracking import MigrationTracker
from legacy_auth.migration.tracking import ddl as tracking_ddl
from tests.conftest import load_event
from tests.support.legacy_db import create_schema
from tests.unit.hooks.fuzz_values import attribute_maps, field_paths, hostile_text, json_values, mutate, mutated_events
from triggers import hook_wiring
from triggers import post_confirmation as hook

SUB = re.compile(r"[0-9A-Za-z-]{1,64}")
FIXTURES = ["cognito_post_confirmation_confirm_sign_up", "cognito_post_confirmation_confirm_forgot_password"]
ODD: list[Any] = [None, [], ["x"], {}, 0, 7, 3.5, True, "", "x" * 5000]


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'app.sqlite3'}"
    create_schema(url, "q2a")
    db = Database(url)
    create_tables(db, HookSettings.from_env({}).app_users, deadline=Deadline.after(5))
    for statement in tracking_ddl("sqlite"):
        db.execute(statement, deadline=Deadline.after(5))
    yield url, db
    db.close()


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="p")["UserPool"]["Id"]
        client.create_group(UserPoolId=pool, GroupName="members")
        for name in ("dave", "erin"):
            client.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
        yield client, pool


@pytest.fixture
def wired(app_db: Any, moto_pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Database, str]:
    """Provisioning, tracking (on) and the default group wired to the shared SQLite DB and moto."""
    _url, db = app_db
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_DEFAULT_GROUP": "members"}))
    monkeypatch.setattr(hook.app_db, "value", db)
    monkeypatch.setattr(hook.tracker, "value", MigrationTracker(db, app="q2a"))
    monkeypatch.setattr(hook_wiring.cognito_client, "value", moto_pool[0])
    return db, moto_pool[1]


def _empty(db: Database) -> None:
    for table in ("app_users", "provisioning_failures", "legacy_auth_migrations"):
        db.execute(f"DELETE FROM {table}", deadline=Deadline.after(5))


def _check(db: Database, event: Any, new_lambda_context: Any) -> None:
    """The event back; no row or one complete row for the event's valid sub; failure rows only for that sub."""
    _empty(db)
    assert hook.handler(event, new_lambda_context()) is event
    rows = db.fetch_all("SELECT * FROM app_users", deadline=Deadline.after(5))
    failures = db.fetch_all("SELECT cognito_sub FROM provisioning_failures", deadline=Deadline.after(5))
    try:
        request = event.get("request")
        # the legacy id is read on ConfirmForgotPassword only (never on a sign-up: docs/hooks.md)
        trusted = event.get("triggerSource") == "PostConfirmation_ConfirmForgotPassword"
        expected = app_user_from_event(event.get("userName"), request.get("userAttributes"),
                                       legacy_id_attribute="custom:legacy_id" if trusted else None)
    except Exception:
        assert (rows, failures) == ([], [])
        return
    assert [r["cognito_sub"] for r in rows] == [expected.sub]
    assert (rows[0]["username"], rows[0]["email"], rows[0]["legacy_id"]) == (
        expected.username, expected.email, expected.legacy_id)
    assert all(f["cognito_sub"] == expected.sub for f in failures)


@pytest.mark.parametrize(("fixture", "path"), [(name, path) for name in FIXTURES
                                               for path in field_paths(load_event(name))])
def test_every_field_replaced_by_an_odd_value_or_deleted_leaves_no_partial_row(
    wired: tuple[Database, str], new_lambda_context: Any, fixture: str, path: tuple[str, ...]
) -> None:
    db, pool = wired
    base = {**load_event(fixture), "userPoolId": pool}
    for value in ODD:
        _check(db, mutate(base, path, value), new_lambda_context)
    _check(db, mutate(base, path, None, delete=True), new_lambda_context)


@given(data=st.data(), fixture=st.sampled_from(FIXTURES))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_combination_of_mutated_fields_leaves_no_partial_row(wired: tuple[Database, str], new_lambda_context: Any,
                                                                  data: st.DataObject, fixture: str) -> None:
    db, pool = wired
    event = data.draw(mutated_events({**load_event(fixture), "userPoolId": pool}))
    if not isinstance(event, dict):
        _empty(db)
        assert hook.handler(event, new_lambda_context()) is event
        assert db.fetch_all("SELECT * FROM app_users", deadline=Deadline.after(5)) == []
        return
    _check(db, event, new_lambda_context)


def test_the_unmutated_fixtures_provision_group_and_track(wired: tuple[Database, str], moto_pool: tuple[Any, str],
                                                          new_lambda_context: Any) -> None:
    """Control: the checks above run the real path (row, group in moto, tracking row)."""
    db, pool = wired
    _check(db, {**load_event(FIXTURES[1]), "userPoolId": pool}, new_lambda_context)
    assert MigrationTracker(db, app="q2a").status("1042", deadline=Deadline.after(5)) == "reset_completed"
    members = moto_pool[0].list_users_in_group(UserPoolId=pool, GroupName="members")["Users"]
    assert "erin" in [m["Username"] for m in members]
    assert db.fetch_all("SELECT * FROM provisioning_failures", deadline=Deadline.after(5)) == []


@given(username=st.one_of(hostile_text, json_values), attributes=attribute_maps(),
       source=st.sampled_from(["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword", None]))
@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_event_gives_no_row_or_one_valid_row(app_db: Any, username: Any, attributes: Any, source: Any,
                                                 monkeypatch: pytest.MonkeyPatch, new_lambda_context: Any) -> None:
    url, db = app_db
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_APP_DB_URL": url}))
    monkeypatch.setattr(hook.app_db, "value", db)
    monkeypatch.setattr(hook.tracker, "value", None)
    db.execute("DELETE FROM app_users", deadline=Deadline.after(5))
    event = {"version": "1", "triggerSource": source, "userPoolId": "eu-west-1_X", "userName": username,
             "request": {"userAttributes": attributes}, "response": {}}
    assert hook.handler(event, new_lambda_context()) is event
    rows = db.fetch_all("SELECT * FROM app_users", deadline=Deadline.after(5))
    assert len(rows) <= 1
    for row in rows:
        assert isinstance(attributes, dict)
        assert row["cognito_sub"] == attributes["sub"]
        assert SUB.fullmatch(row["cognito_sub"])
        assert row["username"] is None or (isinstance(row["username"], str) and len(row["username"]) <= 128)
        assert row["email"] is None or len(row["email"]) <= 320


@pytest.mark.parametrize("event", [None, [], ["PostConfirmation_ConfirmSignUp"], "event", 3, 2.5, True])
def test_an_event_that_is_not_an_object_is_a_no_op(app_db: Any, event: Any, monkeypatch: pytest.MonkeyPatch,
                                                   new_lambda_context: Any) -> None:
    url, db = app_db
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_APP_DB_URL": url}))
    monkeypatch.setattr(hook.app_db, "value", db)
    db.execute("DELETE FROM app_users", deadline=Deadline.after(5))
    assert hook.handler(event, new_lambda_context()) == event
    assert db.fetch_all("SELECT * FROM app_users", deadline=Deadline.after(5)) == []
