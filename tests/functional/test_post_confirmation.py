"""PostConfirmation handler: provisioning (SQLite app DB = legacy DB), default group (moto), tracking, failures."""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.context import LocalLambdaContext
from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.provisioning import AppUser
from legacy_auth.hooks.provisioning_failures import record_failure
from legacy_auth.migration.tracking import MigrationTracker
from legacy_auth.migration.tracking import ddl as tracking_ddl
from tests.support.legacy_db import create_schema
from triggers import hook_wiring
from triggers import post_confirmation as hook
from triggers.lazy import UNBUILT

SUB = "7a1c2e34-5b6d-4e8f-9a0b-1c2d3e4f5a6b"


@pytest.fixture
def app_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite q2a legacy DB that is also the app DB (HOOKS_APP_DB_URL unset), with tracking on."""
    url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    create_schema(url, "q2a")
    db = Database(url)
    create_tables(db, HookSettings.from_env({}).app_users, deadline=Deadline.after(5))
    for statement in tracking_ddl("sqlite"):
        db.execute(statement, deadline=Deadline.after(5))
    db.close()
    for name, value in {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_TRACK_MIGRATION": "true"}.items():
        monkeypatch.setenv(name, value)
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    configure(monkeypatch)
    yield url
    if hook.app_db.built:
        hook.app_db.value.close()


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="p")["UserPool"]["Id"]
        client.create_group(UserPoolId=pool, GroupName="members")
        monkeypatch.setattr(hook_wiring.cognito_client, "value", client)
        yield client, pool


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env(env))


def rows(url: str, table: str = "app_users") -> list[dict[str, Any]]:
    db = Database(url)
    try:
        return db.fetch_all(f"SELECT * FROM {table} ORDER BY 1", deadline=Deadline.after(5))
    finally:
        db.close()


def test_confirm_sign_up_provisions_one_row_across_three_retries(
    app_url: str, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    before = copy.deepcopy(event)
    for _ in range(3):
        assert hook.handler(copy.deepcopy(event), lambda_context) == before
    got = rows(app_url)
    assert [(r["cognito_sub"], r["username"], r["email"], r["legacy_id"]) for r in got] == [
        (SUB, "dave", "dave@example.com", None)
    ]


def test_confirm_forgot_password_does_not_duplicate_and_records_the_reset(
    app_url: str, load_event: Callable[[str], Any], lambda_context: Any
) -> None:
    event = load_event("cognito_post_confirmation_confirm_forgot_password")
    hook.handler(copy.deepcopy(event), lambda_context)
    hook.handler(copy.deepcopy(event), lambda_context)
    got = rows(app_url)
    assert len(got) == 1
    assert got[0]["legacy_id"] == "1042"
    db = Database(app_url)
    try:
        assert MigrationTracker(db, app="q2a").status("1042", deadline=Deadline.after(5)) == "reset_completed"
    finally:
        db.close()


def test_default_group_is_added_idempotently(app_url: str, cognito: tuple[Any, str], monkeypatch: pytest.MonkeyPatch,
                                             load_event: Callable[[str], Any], lambda_context: Any) -> None:
    client, pool = cognito
    client.admin_create_user(UserPoolId=pool, Username="dave", MessageAction="SUPPRESS")
    configure(monkeypatch, HOOKS_DEFAULT_GROUP="members")
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    for _ in range(2):
        hook.handler(copy.deepcopy(event), lambda_context)
    members = client.list_users_in_group(UserPoolId=pool, GroupName="members")["Users"]
    assert [m["Username"] for m in members] == ["dave"]
    assert rows(app_url, "provisioning_failures") == []


def test_group_failure_is_recorded_and_does_not_block(app_url: str, cognito: tuple[Any, str],
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      load_event: Callable[[str], Any], lambda_context: Any) -> None:
    _client, pool = cognito
    configure(monkeypatch, HOOKS_DEFAULT_GROUP="no-such-group")
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    assert hook.handler(event, lambda_context) is event
    assert len(rows(app_url)) == 1
    failures = rows(app_url, "provisioning_failures")
    assert [(f["cognito_sub"], f["reason"]) for f in failures] == [(SUB, "group_failed")]


def test_an_earlier_failure_row_stays_until_the_group_is_added(
    app_url: str, cognito: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    client, pool = cognito
    client.admin_create_user(UserPoolId=pool, Username="dave", MessageAction="SUPPRESS")
    db = Database(app_url)
    try:
        record_failure(db, HookSettings.from_env({}).app_users, AppUser(sub=SUB, username="dave"), "db_timeout",
                       deadline=Deadline.after(5))  # an earlier attempt never reached the database
    finally:
        db.close()
    configure(monkeypatch, HOOKS_DEFAULT_GROUP="staff")  # not created yet
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    hook.handler(copy.deepcopy(event), lambda_context)
    assert len(rows(app_url)) == 1
    assert [(f["cognito_sub"], f["reason"]) for f in rows(app_url, "provisioning_failures")] == [
        (SUB, "group_failed")]  # the row was not deleted with the upsert: the group still has to happen
    client.create_group(UserPoolId=pool, GroupName="staff")
    hook.handler(copy.deepcopy(event), lambda_context)
    assert [m["Username"] for m in client.list_users_in_group(UserPoolId=pool, GroupName="staff")["Users"]] == [
        "dave"]
    assert rows(app_url, "provisioning_failures") == []


def test_a_failed_provisioning_is_not_cleared_by_a_successful_group(
    app_url: str, cognito: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    client, pool = cognito
    client.admin_create_user(UserPoolId=pool, Username="dave", MessageAction="SUPPRESS")
    configure(monkeypatch, HOOKS_DEFAULT_GROUP="members", HOOKS_APP_USERS_TABLE="no_such_table")
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    assert hook.handler(event, lambda_context) is event
    assert [m["Username"] for m in client.list_users_in_group(UserPoolId=pool, GroupName="members")["Users"]] == [
        "dave"]
    assert [(f["cognito_sub"], f["reason"]) for f in rows(app_url, "provisioning_failures")] == [
        (SUB, "db_statement")]


def _tracking(url: str, status: str | None) -> MigrationTracker:
    db = Database(url)
    tracker = MigrationTracker(db, app="q2a")
    if status is not None:
        tracker.record("1042", status, trigger_source="UserMigration_Authentication",  # type: ignore[arg-type]
                       deadline=Deadline.after(5))
    return tracker


def _tracked(tracker: MigrationTracker) -> tuple[str | None, int]:
    row = tracker.db.fetch_one("SELECT status, events FROM legacy_auth_migrations WHERE legacy_id = %s",
                               ("1042",), deadline=Deadline.after(5))
    return (None, 0) if row is None else (row["status"], int(row["events"]))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, ("reset_completed", 1)),  # not tracked yet: the reset is the user's first recorded migration
        ("reset_pending", ("reset_completed", 2)),  # migrated through forgot-password: the reset finishes it
        ("migrated", ("migrated", 1)),  # migrated by password long ago: a later reset changes nothing
        ("reset_completed", ("reset_completed", 1)),  # a second reset is not counted again
        ("imported", ("reset_completed", 2)),  # bulk-imported as RESET_REQUIRED: the reset finishes the migration
    ],
)
def test_reset_completed_is_recorded_only_for_a_user_not_yet_migrated(
    app_url: str, load_event: Callable[[str], Any], lambda_context: Any, before: str | None,
    after: tuple[str, int],
) -> None:
    tracker = _tracking(app_url, before)
    try:
        hook.handler(load_event("cognito_post_confirmation_confirm_forgot_password"), lambda_context)
        assert _tracked(tracker) == after
    finally:
        tracker.db.close()


def test_database_down_raises_nothing_and_answers_in_time(
    monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any]
) -> None:
    monkeypatch.setenv("LEGACY_APP", "q2a")
    monkeypatch.setenv("LEGACY_DB_URL", "mysql://root@127.0.0.1:1/none")
    monkeypatch.delenv("LEGACY_TRACK_MIGRATION", raising=False)
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    configure(monkeypatch)
    started = time.monotonic()
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    assert hook.handler(event, LocalLambdaContext(timeout_ms=5000)) is event
    assert time.monotonic() - started < 4.8


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["request"]["userAttributes"].pop("sub"),
        lambda e: e["request"]["userAttributes"].update(sub="'; DROP TABLE app_users; --"),
        lambda e: e["request"]["userAttributes"].update(email="e" * 5000 + "@example.com"),
        lambda e: e["request"]["userAttributes"].update(email={"nested": True}),
        # the legacy id is read only on ConfirmForgotPassword (a sign-up's is ignored: test_post_confirmation_claims)
        lambda e: (e.update(triggerSource="PostConfirmation_ConfirmForgotPassword"),
                   e["request"]["userAttributes"].update({"custom:legacy_id": "1 OR 1=1"})),
        lambda e: e.update(userName=["dave"]),
        lambda e: e.update(userName="d" * 1000),
        lambda e: e.update(userName="\ud800dave"),
        lambda e: e["request"]["userAttributes"].update(email="\udfff@example.com"),
        lambda e: e["request"].update(userAttributes="sub=x"),
        lambda e: e.update(request=None),
    ],
)
def test_bad_input_is_a_no_op_without_partial_rows(app_url: str, load_event: Callable[[str], Any],
                                                   lambda_context: Any,
                                                   mutate: Callable[[dict[str, Any]], Any]) -> None:
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    mutate(event)
    assert hook.handler(event, lambda_context) is event
    assert rows(app_url) == []
    assert rows(app_url, "provisioning_failures") == []


def test_provisioning_off_touches_no_database(monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any],
                                              lambda_context: Any) -> None:
    monkeypatch.setattr(hook.app_db, "value", UNBUILT)
    monkeypatch.delenv("LEGACY_APP", raising=False)
    monkeypatch.setattr(hook.tracker, "value", UNBUILT)
    configure(monkeypatch, HOOKS_PROVISION="off")
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    assert hook.handler(event, lambda_context) is event
    assert not hook.app_db.built


@pytest.fixture
def silent_db_port() -> Iterator[int]:
    """A TCP server on 127.0.0.1 (ephemeral port) that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def _legacy_db_is_silent(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """The legacy (= app) database is a socket that accepts and never answers; fresh hook state."""
    monkeypatch.setenv("LEGACY_APP", "q2a")
    monkeypatch.setenv("LEGACY_DB_URL", f"mysql://root@127.0.0.1:{port}/none")
    monkeypatch.delenv("LEGACY_TRACK_MIGRATION", raising=False)
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)


def test_a_database_that_never_answers_cannot_push_the_hook_past_5_seconds(
    silent_db_port: int, monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any]
) -> None:
    _legacy_db_is_silent(monkeypatch, silent_db_port)
    configure(monkeypatch)
    context = LocalLambdaContext(timeout_ms=5000)
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    assert hook.handler(event, context) is event
    assert context.get_remaining_time_in_millis() > 0


def test_broken_configuration_never_fails_a_confirmed_user(monkeypatch: pytest.MonkeyPatch,
                                                           load_event: Callable[[str], Any],
                                                           lambda_context: Any) -> None:
    monkeypatch.setenv("LEGACY_APP", "q2a")
    monkeypatch.setenv("LEGACY_TRACK_MIGRATION", "true")
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)
    monkeypatch.delenv("LEGACY_DB_SECRET_ARN", raising=False)
    for cell in (hook.app_db, hook.tracker):
        monkeypatch.setattr(cell, "value", UNBUILT)
    monkeypatch.setattr(hook_wiring.legacy_database, "value", UNBUILT)
    configure(monkeypatch)
    event = load_event("cognito_post_confirmation_confirm_forgot_password")
    assert hook.handler(event, lambda_context) is event


@pytest.mark.parametrize("pool", [None, 7, ""])
def test_missing_pool_id_skips_the_group_but_still_provisions(app_url: str, monkeypatch: pytest.MonkeyPatch,
                                                              load_event: Callable[[str], Any],
                                                              lambda_context: Any, pool: Any) -> None:
    configure(monkeypatch, HOOKS_DEFAULT_GROUP="members")
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool
    assert hook.handler(event, lambda_context) is event
    assert len(rows(app_url)) == 1


def test_hooks_budget_caps_the_work_whatever_the_lambda_timeout(
    silent_db_port: int, monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], Any]
) -> None:
    _legacy_db_is_silent(monkeypatch, silent_db_port)
    configure(monkeypatch, HOOKS_BUDGET_MS="600")
    context = LocalLambdaContext(timeout_ms=15_000)  # a generous Lambda timeout must not stretch the hook
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    started = time.monotonic()
    assert hook.handler(event, context) is event
    # 0.6 s budget for provisioning + at most 1 s to try recording the failure (same silent DB), + 0.9 s for a busy
    # machine: still under the default 3.5 s budget, so only the configured 0.6 s can explain it
    assert time.monotonic() - started < 0.6 + 1.0 + 0.9 < 3.5


@pytest.mark.parametrize("source", [{"email": "secret.person@example.com"}, "secret.person@example.com", ""])
def test_an_odd_trigger_source_is_labelled_unknown_in_logs_and_metrics(
    app_url: str, load_event: Callable[[str], Any], lambda_context: Any, capsys: pytest.CaptureFixture[str],
    source: Any,
) -> None:
    event = load_event("cognito_post_confirmation_confirm_sign_up")
    event["triggerSource"] = source
    assert hook.handler(event, lambda_context) is event
    assert len(rows(app_url)) == 1  # provisioning does not depend on the label
    text = capsys.readouterr().out
    assert "secret.person" not in text
    assert '"trigger_source":"unknown"' in text
