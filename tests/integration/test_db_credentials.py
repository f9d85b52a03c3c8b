"""Secrets Manager (RDS secret JSON) and RDS IAM-token credentials, against a real MariaDB login.

moto stands in for Secrets Manager only (an AWS admin API); the database and its authentication are real.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from legacy_auth.db import Database, DbOptions, Deadline, parse_db_url
from legacy_auth.db.credentials import IamTokenCredentials, StaticCredentials
from legacy_auth.errors import StoreUnavailableError
from tests.helpers.legacy_db import connect

pytestmark = pytest.mark.integration


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3

        yield boto3.client("secretsmanager", region_name="eu-west-1")


@pytest.fixture
def mysql_login(databases: Any) -> Iterator[tuple[str, str, str]]:
    """A real MariaDB user with a password, granted on a fresh database: (url without password, user, db)."""
    url = databases.mysql("secret")
    name = urlsplit(url).path.lstrip("/")
    user = f"la_{secrets.token_hex(4)}"
    admin = connect(url)
    cur = admin.cursor()
    cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, "first-Pw-1"))
    cur.execute(f"GRANT ALL ON `{name}`.* TO %s@'%%'", (user,))
    yield url, user, name
    cur.execute("DROP USER %s@'%%'", (user,))
    admin.close()


def _rotate(url: str, user: str, password: str) -> None:
    admin = connect(url)
    admin.cursor().execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
    admin.close()


def test_rds_secret_is_read_once_and_reread_after_rotation(aws: Any, mysql_login: tuple[str, str, str]):
    url, user, dbname = mysql_login
    secret = {"engine": "mariadb", "host": "127.0.0.1", "port": 3306, "username": user,
              "password": "first-Pw-1", "dbname": dbname}
    arn = aws.create_secret(Name="legacy-db", SecretString=json.dumps(secret))["ARN"]
    db = Database(None, options=DbOptions(secret_arn=arn, region="eu-west-1"))
    assert db.dialect == "mysql"
    assert db.fetch_one("SELECT CURRENT_USER() AS u", deadline=Deadline.after(5))["u"].startswith(user)
    assert "first-Pw-1" not in repr(db)

    # rotation: the password changes in the database and in the secret; the cached connection dies
    _rotate(url, user, "second-Pw-2")
    aws.put_secret_value(SecretId=arn, SecretString=json.dumps({**secret, "password": "second-Pw-2"}))
    db.close()
    assert db.fetch_one("SELECT 1 AS x", deadline=Deadline.after(5)) == {"x": 1}  # re-read once, then connected
    assert db.connects == 2


def test_wrong_password_in_a_secret_that_did_not_rotate_is_a_store_error(aws: Any, mysql_login: tuple[str, str, str]):
    _, user, dbname = mysql_login
    secret = {"engine": "mysql", "host": "127.0.0.1", "port": 3306, "username": user,
              "password": "not-the-password", "dbname": dbname}
    arn = aws.create_secret(Name="legacy-db-bad", SecretString=json.dumps(secret))["ARN"]
    db = Database(None, options=DbOptions(secret_arn=arn, region="eu-west-1"))
    with pytest.raises(StoreUnavailableError) as info:
        db.fetch_one("SELECT 1", deadline=Deadline.after(5))
    assert info.value.reason == "db_auth"  # type: ignore[attr-defined]
    assert "not-the-password" not in str(info.value)


def test_missing_secret_is_a_store_error_without_details(aws: Any):
    db = Database(None, options=DbOptions(secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:nope",
                                          region="eu-west-1"))
    with pytest.raises(StoreUnavailableError, match="could not read the database secret"):
        db.fetch_one("SELECT 1", deadline=Deadline.after(5))


def test_iam_token_is_generated_locally_cached_and_refreshed(aws: Any):
    base = parse_db_url("mysql://iam_user@db.example.internal:3306/forum")
    source = IamTokenCredentials(StaticCredentials(base), region="eu-west-1")
    first = source.url()
    assert first.user == "iam_user"
    assert first.password is not None
    assert "X-Amz-Expires=900" in first.password
    assert first.password.startswith("db.example.internal:3306/?Action=connect")
    assert source.url() is first  # cached
    assert source.refresh() is True
    assert source.url() is not first
    assert first.password not in repr(first)


def test_handler_reads_the_legacy_db_from_an_rds_secret(aws: Any, mysql_login: tuple[str, str, str],
                                                        monkeypatch: pytest.MonkeyPatch):
    from devstack.context import LocalLambdaContext
    from tests.conftest import load_event, load_vectors
    from tests.helpers.legacy_db import create_schema, insert_users
    from triggers import user_migration as um

    url, user, dbname = mysql_login
    vector = next(v for v in load_vectors() if v["app"] == "wordpress" and v["scheme"] == "phpass_portable_P"
                  and v["expect"] and v["password"] == "correct horse battery staple")
    create_schema(url, "wordpress")
    insert_users(url, "wordpress", [{"ID": 5, "user_login": "eve", "user_email": "eve@example.org",
                                     "user_pass": vector["hash"], "display_name": "Eve"}])
    secret = {"engine": "mysql", "host": "127.0.0.1", "port": 3306, "username": user, "password": "first-Pw-1",
              "dbname": dbname}
    arn = aws.create_secret(Name="legacy-wp", SecretString=json.dumps(secret))["ARN"]
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)
    monkeypatch.setenv("LEGACY_APP", "wordpress")
    monkeypatch.setenv("LEGACY_DB_SECRET_ARN", arn)
    um.reset_runtime()
    try:
        event = load_event("cognito_user_migration_authentication")
        event["userName"], event["request"]["password"] = "eve", vector["password"]
        attrs = um.handler(event, LocalLambdaContext())["response"]["userAttributes"]
        assert (attrs["custom:legacy_id"], attrs["name"]) == ("5", "Eve")
    finally:
        um.reset_runtime()
