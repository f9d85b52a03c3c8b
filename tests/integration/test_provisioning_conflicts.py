"""A custom app-users table with another UNIQUE column (email) on real MariaDB and PostgreSQL.

MySQL's ``ON DUPLICATE KEY UPDATE`` fires for *any* unique key, so before the fix a second sub with a taken
email came back "already provisioned" with no row and no failure record, while PostgreSQL raised. Now every
dialect checks, inside the transaction, that a row holds the sub; otherwise it is a provisioning failure,
recorded for repair and counted, the same everywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.provisioning import AppUser, ProvisioningConflictError, provision
from triggers import post_confirmation as hook
from triggers.lazy import UNBUILT

pytestmark = pytest.mark.integration
SETTINGS = HookSettings.from_env({"HOOKS_APP_USERS_TABLE": "members"})
SCHEMA = SETTINGS.app_users
FIRST = AppUser(sub="aaaaaaaa-1111", username="u1", email="same@example.com")
SECOND = AppUser(sub="bbbbbbbb-2222", username="u2", email="same@example.com")
DDL = {
    "mysql": "CREATE TABLE members (id BIGINT AUTO_INCREMENT PRIMARY KEY, cognito_sub VARCHAR(64) NOT NULL UNIQUE, "
             "username VARCHAR(128), email VARCHAR(320) UNIQUE, legacy_id VARCHAR(64))",
    "postgresql": "CREATE TABLE members (id BIGSERIAL PRIMARY KEY, cognito_sub VARCHAR(64) NOT NULL UNIQUE, "
                  "username VARCHAR(128), email VARCHAR(320) UNIQUE, legacy_id VARCHAR(64))",
    "sqlite": "CREATE TABLE members (id INTEGER PRIMARY KEY AUTOINCREMENT, cognito_sub TEXT NOT NULL UNIQUE, "
              "username TEXT, email TEXT UNIQUE, legacy_id TEXT)",
}


@pytest.fixture(params=["mysql", "postgres", "sqlite"])
def app_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        url = str(databases.mysql("uniq"))
    elif request.param == "postgres":
        url = str(databases.postgres("uniq"))
    else:
        url = str(databases.sqlite(tmp_path, "uniq"))
    db = Database(url)
    db.execute(DDL[db.dialect], deadline=Deadline.after(10))
    create_tables(db, SCHEMA, deadline=Deadline.after(10))  # keeps our members table, adds the failures table
    db.close()
    return url


def _subs(db: Database) -> list[str]:
    return [r["cognito_sub"] for r in db.fetch_all("SELECT cognito_sub FROM members ORDER BY id",
                                                   deadline=Deadline.after(5))]


def test_a_second_sub_with_a_taken_unique_email_is_a_conflict_not_already_provisioned(app_url: str) -> None:
    db = Database(app_url)
    try:
        assert provision(db, SCHEMA, FIRST, deadline=Deadline.after(5)) is True
        with pytest.raises(ProvisioningConflictError) as info:
            provision(db, SCHEMA, SECOND, deadline=Deadline.after(5))
        assert info.value.reason == "app_row_conflict"
        assert _subs(db) == [FIRST.sub]
        assert provision(db, SCHEMA, FIRST, deadline=Deadline.after(5)) is False  # a real retry still is a no-op
        assert provision(db, SCHEMA, AppUser(sub="cccc-3333", email="other@example.com"),
                         deadline=Deadline.after(5)) is True  # the connection is still usable afterwards
        assert _subs(db) == [FIRST.sub, "cccc-3333"]
    finally:
        db.close()


def test_the_conflict_rolls_back_the_failure_row_deletion(app_url: str) -> None:
    db = Database(app_url)
    try:
        provision(db, SCHEMA, FIRST, deadline=Deadline.after(5))
        db.execute("INSERT INTO provisioning_failures (cognito_sub, username, reason) VALUES (%s, %s, %s)",
                   (SECOND.sub, "u2", "db_timeout"), deadline=Deadline.after(5))
        with pytest.raises(ProvisioningConflictError):
            provision(db, SCHEMA, SECOND, deadline=Deadline.after(5))
        left = db.fetch_all("SELECT cognito_sub FROM provisioning_failures", deadline=Deadline.after(5))
        assert left == [{"cognito_sub": SECOND.sub}]
    finally:
        db.close()


def test_the_hook_records_the_conflict_for_repair_and_counts_it(
    app_url: str, monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any], lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_APP_DB_URL": app_url,
                                                                  "HOOKS_APP_USERS_TABLE": "members"}))
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    monkeypatch.setattr(hook.tracker, "value", None)
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["request"]["userAttributes"].update(sub=FIRST.sub, email="same@example.com")
    second = copy.deepcopy(event)
    second["userName"] = "erin"
    second["request"]["userAttributes"]["sub"] = SECOND.sub
    try:
        assert hook.handler(event, lambda_context) is event
        capsys.readouterr()
        assert hook.handler(second, lambda_context) is second
        text = capsys.readouterr().out
    finally:
        if hook.app_db.built:
            hook.app_db.value.close()
    db = Database(app_url)
    try:
        assert _subs(db) == [FIRST.sub]
        failures = db.fetch_all("SELECT cognito_sub, username, reason FROM provisioning_failures",
                                deadline=Deadline.after(5))
        assert failures == [{"cognito_sub": SECOND.sub, "username": "erin", "reason": "app_row_conflict"}]
    finally:
        db.close()
    assert "ProvisioningFailed" in text
    assert "app_row_conflict" in text
    assert "same@example.com" not in text

