"""``legacy-auth reconcile``: moto Cognito pool (ListUsers, paginated) vs a real app DB (MariaDB, PostgreSQL,
SQLite)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.cli.main import main
from legacy_auth.db import Database, Deadline
from legacy_auth.hooks.app_schema import create_tables
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.provisioning import AppUser, provision

pytestmark = pytest.mark.integration
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}


@pytest.fixture(params=["mysql", "postgres", "sqlite"])
def app_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        url = databases.mysql("clirecon")
    elif request.param == "postgres":
        url = databases.postgres("clirecon")
    else:
        url = databases.sqlite(tmp_path, "clirecon")
    db = Database(url)
    create_tables(db, AppUsersSchema(), deadline=Deadline.after(10))
    db.close()
    return url


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = client.create_user_pool(
            PoolName="p", Schema=[{"Name": "legacy_id", "AttributeDataType": "String", "Mutable": True}]
        )["UserPool"]["Id"]
        client.create_group(UserPoolId=pool_id, GroupName="members")
        yield client, pool_id


def _confirmed(client: Any, pool_id: str, name: str) -> str:
    client.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "custom:legacy_id", "Value": name[4:]}])
    client.admin_set_user_password(UserPoolId=pool_id, Username=name, Password="Str0ng!Passw0rd", Permanent=True)
    attrs = client.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
    return next(a["Value"] for a in attrs if a["Name"] == "sub")


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, environ=env, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def _app_rows(url: str) -> int:
    db = Database(url)
    try:
        row = db.fetch_one("SELECT COUNT(*) AS n FROM app_users", deadline=Deadline.after(5))
        return int(row["n"]) if row else -1
    finally:
        db.close()


def test_reconcile_provisions_missing_confirmed_users_across_pages(app_url: str, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    subs = [_confirmed(client, pool_id, f"user{i}") for i in range(65)]  # > 60: two ListUsers pages
    db = Database(app_url)
    provision(db, AppUsersSchema(), AppUser(sub=subs[0], username="user0"), deadline=Deadline.after(5))
    db.close()
    client.admin_create_user(UserPoolId=pool_id, Username="pending", MessageAction="SUPPRESS")  # not confirmed
    env = {**AWS_ENV, "HOOKS_APP_DB_URL": app_url, "USER_POOL_ID": pool_id}
    code, out, err = _run(["reconcile", "--dry-run", "--json"], env)
    assert code == 0, err
    dry = json.loads(out)
    assert (dry["scanned"], dry["missing"], dry["provisioned"]) == (66, 64, 0)
    assert _app_rows(app_url) == 1
    code, out, err = _run(["reconcile", "--default-group", "members", "--json"], env)
    assert code == 0, err
    done = json.loads(out)
    assert (done["missing"], done["provisioned"], done["grouped"], done["errors"]) == (64, 64, 64, [])
    assert _app_rows(app_url) == 65
    page = client.list_users_in_group(UserPoolId=pool_id, GroupName="members", Limit=60)
    assert len(page["Users"]) == 60
    assert "NextToken" in page
    code, out, _ = _run(["reconcile", "--user-pool-id", pool_id], env)
    assert code == 0
    assert "missing from app DB              0" in out


def test_reconcile_needs_a_pool_id(app_url: str) -> None:
    code, _, err = _run(["reconcile"], {"HOOKS_APP_DB_URL": app_url})
    assert code == 2
    assert err == "legacy-auth: --user-pool-id (or USER_POOL_ID) is required\n"


def test_reconcile_unknown_pool_is_one_aws_line(app_url: str, pool: tuple[Any, str]) -> None:
    code, _, err = _run(["reconcile", "--user-pool-id", "eu-west-1_doesnotexist"],
                        {**AWS_ENV, "HOOKS_APP_DB_URL": app_url})
    assert code == 3
    assert err.startswith("legacy-auth: AWS error: ResourceNotFoundException")
    assert err.count("\n") == 1


def test_reconcile_defaults_to_the_legacy_database(app_url: str, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    _confirmed(client, pool_id, "user7")
    env = {**AWS_ENV, "LEGACY_APP": "q2a", "LEGACY_DB_URL": app_url, "USER_POOL_ID": pool_id}
    code, out, err = _run(["reconcile", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["provisioned"] == 1
    assert _app_rows(app_url) == 1


def test_reconcile_without_the_app_tables_names_them(databases: Any, tmp_path: Path, pool: tuple[Any, str]) -> None:
    client, pool_id = pool
    _confirmed(client, pool_id, "user3")
    url = databases.sqlite(tmp_path, "noapp")
    Path(url[len("sqlite:///"):]).touch()  # an existing, empty database (a missing file is unknown_database)
    env = {**AWS_ENV, "HOOKS_APP_DB_URL": url, "USER_POOL_ID": pool_id}
    code, out, err = _run(["reconcile", "--json"], env)
    assert code == 3
    line = ("database error: db_statement (sqlite): expected the app users table 'app_users' (HOOKS_APP_USERS_TABLE) "
            "and 'provisioning_failures' (HOOKS_PROVISIONING_FAILURES_TABLE): create them (docs/hooks.md) or check "
            "HOOKS_APP_DB_URL")
    assert err == f"legacy-auth: {line}\n"
    assert json.loads(out)["error"] == line


def test_default_group_that_does_not_exist_is_refused_before_any_user_is_provisioned(
        pool: tuple[Any, str], app_url: str) -> None:
    client, pool_id = pool
    _confirmed(client, pool_id, "user1")
    code, out, err = _run(["reconcile", "--user-pool-id", pool_id, "--app-db-url", app_url,
                           "--default-group", "no-such-group", "--json"], AWS_ENV)
    assert code == 2
    assert err == (f"legacy-auth: configuration error: HOOKS_DEFAULT_GROUP: group 'no-such-group' does not exist "
                   f"in user pool {pool_id}: create it or fix the name (--default-group)\n")
    assert json.loads(out)["kind"] == "configuration"
    assert _app_rows(app_url) == 0
    code, _, err = _run(["reconcile", "--user-pool-id", pool_id, "--app-db-url", app_url,
                         "--default-group", "members"], AWS_ENV)
    assert code == 0, err
    assert _app_rows(app_url) == 1
