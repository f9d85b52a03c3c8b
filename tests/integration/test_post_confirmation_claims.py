"""PostConfirmation never gives a sign-up a legacy id; a failed group add is recorded even with provisioning off.

Real MariaDB, PostgreSQL and SQLite (app DB = legacy DB, tracking on); the default group on moto.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import HookSettings
from legacy_auth.migration.tracking import MigrationTracker
from legacy_auth.migration.tracking import ddl as tracking_ddl
from tests.support.legacy_db import create_schema, dialect_of
from triggers import hook_wiring
from triggers import post_confirmation as hook
from triggers.lazy import UNBUILT

pytestmark = pytest.mark.integration
Loader = Callable[[str], dict[str, Any]]
MALLORY_SUB = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"


@pytest.fixture(params=["mysql", "postgres", "sqlite"])
def forum(request: pytest.FixtureRequest, databases: Any, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    else:
        url = str(databases.mysql("pcclaims") if request.param == "mysql" else databases.postgres("pcclaims"))
    create_schema(url, "q2a")
    db = Database(url)
    create_tables(db, HookSettings.from_env({}).app_users, deadline=Deadline.after(10))
    for statement in tracking_ddl(dialect_of(url)):
        db.execute(statement, deadline=Deadline.after(10))
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_TRACK_MIGRATION": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HOOKS_APP_DB_URL", raising=False)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({}))
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    yield db
    db.close()
    if hook.app_db.built:
        hook.app_db.value.close()


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = client.create_user_pool(PoolName="p")["UserPool"]["Id"]
        client.create_group(UserPoolId=pool_id, GroupName="members")
        for name in ("mallory", "dave"):
            client.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
        monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
        yield client, pool_id


def _rows(db: Database, sql: str) -> list[dict[str, Any]]:
    return db.fetch_all(sql, deadline=Deadline.after(5))


def _metrics(out: str) -> list[str]:
    names: list[str] = []
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            names += [m["Name"] for d in json.loads(line)["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    return names


def test_confirm_sign_up_never_copies_a_legacy_id_into_the_app_row(
    forum: Database, load_event: Loader, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("cognito_post_confirmation_confirm_sign_up_legacy_id")
    for _ in range(2):  # a Cognito retry changes nothing
        assert hook.handler(copy.deepcopy(event), lambda_context) == event
    rows = _rows(forum, "SELECT cognito_sub, username, email, legacy_id FROM app_users")
    assert [(r["cognito_sub"], r["username"], r["legacy_id"]) for r in rows] == [(MALLORY_SUB, "mallory", None)]
    assert _rows(forum, "SELECT legacy_id FROM legacy_auth_migrations") == []  # no tracking side effect either
    names = _metrics(capsys.readouterr().out)
    assert "LegacyIdIgnored" in names
    assert "UserProvisioned" in names


def test_confirm_forgot_password_still_carries_a_migrated_users_legacy_id(
    forum: Database, load_event: Loader, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    hook.handler(load_event("cognito_post_confirmation_confirm_forgot_password"), lambda_context)
    rows = _rows(forum, "SELECT username, legacy_id FROM app_users")
    assert [(r["username"], r["legacy_id"]) for r in rows] == [("erin", "1042")]
    assert MigrationTracker(forum, app="q2a").status("1042", deadline=Deadline.after(5)) == "reset_completed"
    assert "LegacyIdIgnored" not in _metrics(capsys.readouterr().out)


def test_sign_up_confirmation_cannot_mark_a_legacy_user_reset_completed(
    forum: Database, load_event: Loader, lambda_context: Any
) -> None:
    """A forged id on ConfirmSignUp must not free legacy user 1's login for the sign-up guard (tracking on)."""
    event = load_event("cognito_post_confirmation_confirm_sign_up_legacy_id")
    hook.handler(event, lambda_context)
    assert MigrationTracker(forum, app="q2a").is_migrated("1", deadline=Deadline.after(5)) is False


def test_failed_group_add_is_recorded_with_provisioning_off(
    forum: Database, pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, load_event: Loader,
    lambda_context: Any,
) -> None:
    _client, pool_id = pool
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_PROVISION": "off",
                                                                  "HOOKS_DEFAULT_GROUP": "no-such-group"}))
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool_id
    for _ in range(2):
        hook.handler(copy.deepcopy(event), lambda_context)
    failures = _rows(forum, "SELECT cognito_sub, username, reason, attempts FROM provisioning_failures")
    assert [(f["username"], f["reason"], f["attempts"]) for f in failures] == [("dave", "group_failed", 2)]
    assert _rows(forum, "SELECT * FROM app_users") == []  # provisioning stays off


def test_successful_group_add_with_provisioning_off_records_nothing(
    forum: Database, pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, load_event: Loader,
    lambda_context: Any,
) -> None:
    client, pool_id = pool
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_PROVISION": "off",
                                                                  "HOOKS_DEFAULT_GROUP": "members"}))
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool_id
    hook.handler(event, lambda_context)
    assert _rows(forum, "SELECT * FROM provisioning_failures") == []
    members = client.list_users_in_group(UserPoolId=pool_id, GroupName="members")["Users"]
    assert [m["Username"] for m in members] == ["dave"]
