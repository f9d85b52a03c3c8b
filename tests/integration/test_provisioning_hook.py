"""The PostConfirmation handler on real MariaDB / PostgreSQL, the app DB being the legacy DB, tracking on."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

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


@pytest.fixture(params=["mysql", "postgres"])
def forum_url(request: pytest.FixtureRequest, databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = str(databases.mysql("hookprov") if request.param == "mysql" else databases.postgres("hookprov"))
    create_schema(url, "q2a")
    db = Database(url)
    create_tables(db, HookSettings.from_env({}).app_users, deadline=Deadline.after(10))
    for statement in tracking_ddl(dialect_of(url)):
        db.execute(statement, deadline=Deadline.after(10))
    db.close()
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_TRACK_MIGRATION": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HOOKS_APP_DB_URL", raising=False)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({}))
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    yield url
    if hook.app_db.built:
        hook.app_db.value.close()


def test_forgot_password_confirmations_give_one_row_and_a_completed_reset(
    forum_url: str, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    event = load_event("cognito_post_confirmation_confirm_forgot_password")
    for _ in range(3):
        hook.handler(copy.deepcopy(event), lambda_context)
    signup = load_event("cognito_post_confirmation_confirm_sign_up")
    hook.handler(signup, lambda_context)
    db = Database(forum_url)
    try:
        rows = db.fetch_all("SELECT cognito_sub, username, legacy_id FROM app_users ORDER BY username",
                            deadline=Deadline.after(5))
        assert [(r["username"], r["legacy_id"]) for r in rows] == [("dave", None), ("erin", "1042")]
        tracker = MigrationTracker(db, app="q2a")
        assert tracker.status("1042", deadline=Deadline.after(5)) == "reset_completed"
        assert hook.app_db.value is hook_wiring.legacy_database.value[1]  # type: ignore[index]  # one shared handle for both roles
    finally:
        db.close()


def test_a_migrated_users_later_reset_leaves_the_tracking_row_alone(
    forum_url: str, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    db = Database(forum_url)
    try:
        tracker = MigrationTracker(db, app="q2a")
        tracker.record("1042", "migrated", trigger_source="UserMigration_Authentication", scheme="bcrypt",
                       deadline=Deadline.after(5))
        for _ in range(2):
            hook.handler(load_event("cognito_post_confirmation_confirm_forgot_password"), lambda_context)
        row = db.fetch_one("SELECT status, events, trigger_source, completed_at FROM legacy_auth_migrations "
                           "WHERE legacy_id = %s", ("1042",), deadline=Deadline.after(5))
        assert row is not None
        assert (row["status"], row["events"], row["trigger_source"], row["completed_at"]) == (
            "migrated", 1, "UserMigration_Authentication", None)
        assert len(db.fetch_all("SELECT id FROM app_users", deadline=Deadline.after(5))) == 1  # still provisioned
    finally:
        db.close()
