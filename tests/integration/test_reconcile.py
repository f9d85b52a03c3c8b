"""Reconcile: confirmed Cognito users (moto) missing from the app DB (real MariaDB / PostgreSQL) get provisioned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.provisioning import AppUser, provision
from legacy_auth.hooks.provisioning_failures import record_failure
from legacy_auth.hooks.reconcile import reconcile

pytestmark = pytest.mark.integration
SCHEMA = AppUsersSchema()


@pytest.fixture(params=["mysql", "postgres"])
def app_db(request: pytest.FixtureRequest, databases: Any) -> Iterator[Database]:
    url = databases.mysql("recon") if request.param == "mysql" else databases.postgres("recon")
    db = Database(url)
    create_tables(db, SCHEMA, deadline=Deadline.after(10))
    yield db
    db.close()


@pytest.fixture
def pool() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = client.create_user_pool(
            PoolName="p", Schema=[{"Name": "legacy_id", "AttributeDataType": "String", "Mutable": True}]
        )["UserPool"]["Id"]
        client.create_group(UserPoolId=pool_id, GroupName="members")
        yield client, pool_id


def _confirmed(client: Any, pool_id: str, name: str, legacy_id: str | None = None) -> str:
    attrs = [{"Name": "email", "Value": f"{name}@example.com"}]
    if legacy_id:
        attrs.append({"Name": "custom:legacy_id", "Value": legacy_id})
    client.admin_create_user(UserPoolId=pool_id, Username=name, UserAttributes=attrs, MessageAction="SUPPRESS")
    client.admin_set_user_password(UserPoolId=pool_id, Username=name, Password="Str0ng!Passw0rd", Permanent=True)
    user = client.admin_get_user(UserPoolId=pool_id, Username=name)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def _count(db: Database) -> int:
    row = db.fetch_one("SELECT COUNT(*) AS n FROM app_users", deadline=Deadline.after(5))
    assert row is not None
    return int(row["n"])


def test_missing_confirmed_users_are_provisioned_once_and_grouped(app_db: Database, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    subs = [_confirmed(client, pool_id, f"user{i}", legacy_id=str(100 + i)) for i in range(5)]
    provision(app_db, SCHEMA, AppUser(sub=subs[0], username="user0"), deadline=Deadline.after(5))
    client.admin_create_user(UserPoolId=pool_id, Username="pending", MessageAction="SUPPRESS")  # not confirmed

    dry = reconcile(app_db, SCHEMA, client, pool_id, default_group="members", dry_run=True)
    assert (dry.scanned, dry.missing, dry.provisioned) == (6, 4, 0)
    assert _count(app_db) == 1

    report = reconcile(app_db, SCHEMA, client, pool_id, default_group="members")
    assert (report.missing, report.provisioned, report.grouped, report.errors) == (4, 4, 4, [])
    assert _count(app_db) == 5
    row = app_db.fetch_one("SELECT legacy_id FROM app_users WHERE cognito_sub = %s", (subs[3],),
                           deadline=Deadline.after(5))
    assert row == {"legacy_id": "103"}
    members = client.list_users_in_group(UserPoolId=pool_id, GroupName="members")["Users"]
    assert len(members) == 4

    again = reconcile(app_db, SCHEMA, client, pool_id, default_group="members")
    assert (again.missing, again.provisioned) == (0, 0)
    assert _count(app_db) == 5


def test_recorded_failures_are_retried_and_cleared(app_db: Database, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    sub = _confirmed(client, pool_id, "late")
    provision(app_db, SCHEMA, AppUser(sub=sub, username="late"), deadline=Deadline.after(5))
    record_failure(app_db, SCHEMA, AppUser(sub=sub, username="late"), "group_failed", deadline=Deadline.after(5))
    report = reconcile(app_db, SCHEMA, client, pool_id, default_group="members")
    assert report.failures_retried == 1
    assert report.errors == []
    left = app_db.fetch_all("SELECT cognito_sub FROM provisioning_failures", deadline=Deadline.after(5))
    assert left == []
    assert [u["Username"] for u in client.list_users_in_group(UserPoolId=pool_id, GroupName="members")["Users"]] == [
        "late"
    ]


def test_missing_group_is_reported_not_raised(app_db: Database, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    _confirmed(client, pool_id, "solo")
    report = reconcile(app_db, SCHEMA, client, pool_id, default_group="no-such-group")
    assert report.provisioned == 1
    assert report.errors == [("solo", "group:ResourceNotFoundException")]


def test_paging_and_limit(app_db: Database, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    for i in range(65):
        client.admin_create_user(UserPoolId=pool_id, Username=f"bulk{i:02d}", MessageAction="SUPPRESS")
        client.admin_set_user_password(UserPoolId=pool_id, Username=f"bulk{i:02d}", Password="Str0ng!Passw0rd",
                                       Permanent=True)
    assert reconcile(app_db, SCHEMA, client, pool_id, limit=10).provisioned == 10
    report = reconcile(app_db, SCHEMA, client, pool_id)
    assert (report.scanned, report.provisioned) == (65, 55)
    assert _count(app_db) == 65


def _failures(db: Database) -> list[tuple[str, str, int]]:
    rows = db.fetch_all("SELECT cognito_sub, reason, attempts FROM provisioning_failures",
                        deadline=Deadline.after(5))
    return [(r["cognito_sub"], r["reason"], int(r["attempts"])) for r in rows]


def _members(client: Any, pool_id: str, group: str) -> list[str]:
    return [u["Username"] for u in client.list_users_in_group(UserPoolId=pool_id, GroupName=group)["Users"]]


def test_a_failed_group_keeps_the_failure_row_until_a_later_run_adds_the_group(
    app_db: Database, pool: tuple[Any, str]
) -> None:
    client, pool_id = pool
    sub = _confirmed(client, pool_id, "dave")
    user = AppUser(sub=sub, username="dave")
    provision(app_db, SCHEMA, user, deadline=Deadline.after(5))
    record_failure(app_db, SCHEMA, user, "group_failed", deadline=Deadline.after(5))  # as the hook leaves it

    first = reconcile(app_db, SCHEMA, client, pool_id, default_group="staff")  # the group does not exist yet
    assert (first.failures_retried, first.grouped) == (1, 0)
    assert first.errors == [("dave", "group:ResourceNotFoundException")]
    assert _failures(app_db) == [(sub, "group_failed", 2)]  # kept, and counted again

    client.create_group(UserPoolId=pool_id, GroupName="staff")
    second = reconcile(app_db, SCHEMA, client, pool_id, default_group="staff")
    assert (second.failures_retried, second.grouped, second.errors) == (1, 1, [])
    assert _members(client, pool_id, "staff") == ["dave"]
    assert _failures(app_db) == []


def test_a_user_provisioned_by_the_scan_whose_group_fails_is_recorded_and_grouped_next_time(
    app_db: Database, pool: tuple[Any, str]
) -> None:
    client, pool_id = pool
    sub = _confirmed(client, pool_id, "erin")  # confirmed, no app row, no failure row

    first = reconcile(app_db, SCHEMA, client, pool_id, default_group="staff")
    assert (first.missing, first.provisioned, first.failures_retried) == (1, 1, 0)  # not retried twice in one run
    assert first.errors == [("erin", "group:ResourceNotFoundException")]
    assert _count(app_db) == 1
    assert _failures(app_db) == [(sub, "group_failed", 1)]  # without it nothing would ever retry the group

    client.create_group(UserPoolId=pool_id, GroupName="staff")
    second = reconcile(app_db, SCHEMA, client, pool_id, default_group="staff")
    assert (second.missing, second.failures_retried, second.grouped, second.errors) == (0, 1, 1, [])
    assert _members(client, pool_id, "staff") == ["erin"]
    assert _failures(app_db) == []
