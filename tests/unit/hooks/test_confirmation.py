"""``complete_confirmation``: the one provision -> group -> clear-failure workflow (PostConfirmation and reconcile).

Runs against a real SQLite app database (the default schema) and a fake Cognito client that can be told to fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import ConfigurationError, LegacyAuthError
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.app_user import AppUser
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.confirmation import AppSide, ConfirmationObserver, RowFailure, StoreStep, complete_confirmation
from legacy_auth.hooks.provisioning import ProvisioningInputError
from legacy_auth.hooks.provisioning_failures import record_failure

SCHEMA = HookSettings.from_env({}).app_users
SUB = "6f1b2c3d-0000-4000-8000-000000000001"
ATTRS = {"sub": SUB, "email": "dave@example.com", "custom:legacy_id": "1042"}


class Cognito:
    """``admin_add_user_to_group`` that records its calls, or raises the error it was given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, str, str]] = []

    def admin_add_user_to_group(self, *, UserPoolId: str, Username: str, GroupName: str) -> None:  # noqa: N803
        if self.error is not None:
            raise self.error
        self.calls.append((UserPoolId, Username, GroupName))


class Recorder(ConfirmationObserver):
    def __init__(self) -> None:
        self.events: list[str] = []

    def rejected(self, exc: ProvisioningInputError) -> None:
        self.events.append(f"rejected:{exc.reason}")

    def accepted(self, user: AppUser) -> None:
        self.events.append("accepted")

    def row_done(self, created: bool) -> None:
        self.events.append(f"row:{'created' if created else 'existing'}")

    def row_failed(self, exc: LegacyAuthError) -> None:
        self.events.append(f"row_failed:{type(exc).__name__}")

    def after_row(self, user: AppUser) -> None:
        self.events.append("after_row")

    def grouped(self) -> None:
        self.events.append("grouped")

    def group_failed(self, exc: Exception) -> None:
        self.events.append(f"group_failed:{type(exc).__name__}")

    def store_failed(self, step: StoreStep, exc: LegacyAuthError) -> None:
        self.events.append(f"store_failed:{step}")


@pytest.fixture
def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    create_tables(database, SCHEMA, deadline=Deadline.after(5))
    yield database
    database.close()


def _run(db: Database, cognito: Cognito, *, group: str | None = "members", legacy_id_attribute: str | None = None,
         provision_row: bool = True, on_row_failure: RowFailure = "record", attributes: Any = None,
         broken_db: bool = False) -> tuple[AppUser | None, list[str]]:
    recorder = Recorder()

    def app_db() -> Database:
        if broken_db:
            raise ConfigurationError("HOOKS_APP_DB_URL", "unusable")
        return db

    user = complete_confirmation(
        "dave", ATTRS if attributes is None else attributes, legacy_id_attribute=legacy_id_attribute,
        side=AppSide(db=app_db, schema=SCHEMA, cognito=lambda: cognito, pool="eu-west-1_pool", group=group),
        provision_row=provision_row, on_row_failure=on_row_failure,
        deadline=lambda: Deadline.after(5), reserve=lambda: Deadline.after(5), observer=recorder,
    )
    return user, recorder.events


def _rows(db: Database, table: str) -> list[dict[str, Any]]:
    return db.fetch_all(f"SELECT * FROM {table}", deadline=Deadline.after(5))


def test_the_row_then_the_group_then_the_failure_row_is_forgotten(db: Database) -> None:
    record_failure(db, SCHEMA, AppUser(sub=SUB), "db_timeout", deadline=Deadline.after(5))
    cognito = Cognito()
    _, events = _run(db, cognito)
    assert events == ["accepted", "row:created", "after_row", "grouped"]
    assert cognito.calls == [("eu-west-1_pool", "dave", "members")]
    assert len(_rows(db, "app_users")) == 1
    assert _rows(db, "provisioning_failures") == []
    assert _run(db, cognito)[1] == ["accepted", "row:existing", "after_row", "grouped"]


def test_the_legacy_id_is_written_only_when_the_caller_names_its_attribute(db: Database) -> None:
    signed_up, _ = _run(db, Cognito(), legacy_id_attribute=None)
    assert signed_up is not None
    assert signed_up.legacy_id is None
    reset, _ = _run(db, Cognito(), legacy_id_attribute="custom:legacy_id")
    assert reset is not None
    assert reset.legacy_id == "1042"


def test_a_failed_group_records_group_failed_and_keeps_the_row(db: Database) -> None:
    error = ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no group"}}, "AdminAddUserToGroup")
    _, events = _run(db, Cognito(error))
    assert events == ["accepted", "row:created", "after_row", "group_failed:ClientError"]
    assert [r["reason"] for r in _rows(db, "provisioning_failures")] == ["group_failed"]


def test_without_a_group_the_upsert_itself_forgets_the_failure(db: Database) -> None:
    record_failure(db, SCHEMA, AppUser(sub=SUB), "db_timeout", deadline=Deadline.after(5))
    cognito = Cognito()
    assert _run(db, cognito, group=None)[1] == ["accepted", "row:created", "after_row"]
    assert cognito.calls == []
    assert _rows(db, "provisioning_failures") == []


def test_bad_input_writes_nothing(db: Database) -> None:
    user, events = _run(db, Cognito(), attributes={"sub": "not a sub; DROP TABLE"})
    assert user is None
    assert events == ["rejected:sub_invalid"]
    assert _rows(db, "app_users") == []


def test_record_mode_goes_on_to_the_group_but_never_clears_after_a_failed_row(db: Database) -> None:
    cognito = Cognito()
    _, events = _run(db, cognito, broken_db=True)
    assert events == ["accepted", "row_failed:ConfigurationError", "after_row", "grouped"]
    assert cognito.calls == [("eu-west-1_pool", "dave", "members")]  # the group still; no clear (the row failed)


def test_stop_mode_ends_at_a_failed_row(db: Database) -> None:
    cognito = Cognito()
    assert _run(db, cognito, broken_db=True, on_row_failure="stop")[1] == ["accepted", "row_failed:ConfigurationError"]
    assert cognito.calls == []


def test_provisioning_off_still_adds_the_group_and_clears_nothing(db: Database) -> None:
    record_failure(db, SCHEMA, AppUser(sub=SUB), "db_timeout", deadline=Deadline.after(5))
    assert _run(db, Cognito(), provision_row=False)[1] == ["accepted", "after_row", "grouped"]
    assert _rows(db, "app_users") == []
    assert len(_rows(db, "provisioning_failures")) == 1
