"""Property: any post-confirmation event leaves zero rows or one complete, validated row, and never raises."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.db.database import Database
from legacy_auth.db.deadline import Deadline
from legacy_auth.hooks_config import HookSettings
from legacy_auth.provisioning import create_tables
from tests.unit.hooks.fuzz_values import attribute_maps, hostile_text, json_values
from triggers import post_confirmation as hook

SUB = re.compile(r"[0-9A-Za-z-]{1,64}")


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'app.sqlite3'}"
    db = Database(url)
    create_tables(db, HookSettings.from_env({}).app_users, deadline=Deadline.after(5))
    yield url, db
    db.close()


@given(username=st.one_of(hostile_text, json_values), attributes=attribute_maps(),
       source=st.sampled_from(["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword", None]))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_event_gives_no_row_or_one_valid_row(app_db: Any, username: Any, attributes: Any, source: Any,
                                                 monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> None:
    url, db = app_db
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({"HOOKS_APP_DB_URL": url}))
    monkeypatch.setattr(hook, "_db", db)
    monkeypatch.setattr(hook, "_tracker", (None,))
    db.execute("DELETE FROM app_users", deadline=Deadline.after(5))
    event = {"version": "1", "triggerSource": source, "userPoolId": "eu-west-1_X", "userName": username,
             "request": {"userAttributes": attributes}, "response": {}}
    assert hook.handler(event, lambda_context) is event
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
                                                   lambda_context: Any) -> None:
    url, db = app_db
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook, "_settings", HookSettings.from_env({"HOOKS_APP_DB_URL": url}))
    monkeypatch.setattr(hook, "_db", db)
    db.execute("DELETE FROM app_users", deadline=Deadline.after(5))
    assert hook.handler(event, lambda_context) == event
    assert db.fetch_all("SELECT * FROM app_users", deadline=Deadline.after(5)) == []
