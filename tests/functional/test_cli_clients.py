"""``legacy-auth clients`` against moto's ListUserPoolClients / DescribeUserPoolClient."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from legacy_auth.cli.main import main

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}
SCHEMA = [{"Name": n, "AttributeDataType": "String", "Mutable": True}
          for n in ("legacy_id", "app_user_id", "legacy_roles", "uid", "newsletter")]


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        yield client, client.create_user_pool(PoolName="p", Schema=SCHEMA)["UserPool"]["Id"]


def _client(cognito: Any, pool_id: str, name: str, writes: list[str] | None) -> str:
    extra = {} if writes is None else {"WriteAttributes": writes}
    return str(cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **extra)["UserPoolClient"][
        "ClientId"])


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ={**AWS_ENV, **(env or {})}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _findings(out: str) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(f["client_name"], f["code"], tuple(f["attributes"])) for f in json.loads(out)["findings"]}


def test_clients_writing_identity_attributes_are_blocking(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    _client(cognito, pool_id, "web", ["email"])
    _client(cognito, pool_id, "admin-ui", ["email", "custom:legacy_id", "custom:legacy_roles"])
    _client(cognito, pool_id, "mobile", ["email", "custom:app_user_id", "custom:newsletter"])
    code, out, _ = _run(["clients", "--user-pool-id", pool_id, "--json"])
    assert code == 1
    assert json.loads(out)["clients"] == 3
    assert _findings(out) == {
        ("admin-ui", "writes_identity_attribute", ("custom:legacy_id", "custom:legacy_roles")),
        ("mobile", "writes_identity_attribute", ("custom:app_user_id",)),
    }


def test_a_client_without_explicit_write_attributes_is_blocking(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    _client(cognito, pool_id, "legacy-default", None)
    code, out, _ = _run(["clients", "--user-pool-id", pool_id, "--json"])
    assert code == 1
    assert _findings(out) == {("legacy-default", "write_attributes_unset", ())}


def test_the_templates_client_settings_are_ok(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    _client(cognito, pool_id, "app", ["email"])  # template.yaml's UserPoolClient
    code, out, _ = _run(["clients", "--user-pool-id", pool_id])
    assert code == 0
    assert out.splitlines() == [f"legacy-auth clients: 1 app client(s) in {pool_id}", "OK"]


def test_preferred_username_write_access_is_a_warning(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    _client(cognito, pool_id, "profile", ["email", "preferred_username"])
    code, out, _ = _run(["clients", "--user-pool-id", pool_id])
    assert code == 0
    assert "WARNING  profile" in out
    assert "users can change preferred_username after sign-up" in out
    assert out.endswith("OK\n")


def test_renamed_identity_attributes_are_checked_too(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    _client(cognito, pool_id, "web", ["email", "custom:uid"])
    code, out, _ = _run(["clients", "--user-pool-id", pool_id, "--json"],
                        {"HOOKS_TOKEN_APP_USER_ID_ATTRIBUTE": "custom:uid"})
    assert code == 1
    assert _findings(out) == {("web", "writes_identity_attribute", ("custom:uid",))}


def test_human_output_names_the_client_and_the_attribute(pool: tuple[Any, str]) -> None:
    cognito, pool_id = pool
    client_id = _client(cognito, pool_id, "admin-ui", ["custom:legacy_id"])
    code, out, _ = _run(["clients", "--user-pool-id", pool_id])
    assert code == 1
    assert f"BLOCKING admin-ui ({client_id}): users can write custom:legacy_id" in out
    assert out.endswith("NOT OK: a client can (or may) write the legacy identity attributes\n")


def test_unknown_pool_is_one_aws_line(pool: tuple[Any, str]) -> None:
    code, _, err = _run(["clients", "--user-pool-id", "eu-west-1_doesnotexist"])
    assert code == 3
    assert err.startswith("legacy-auth: AWS error: ResourceNotFoundException")
    assert err.count("\n") == 1


def test_missing_pool_id_is_a_usage_error() -> None:
    code, _, err = _run(["clients"])
    assert (code, err) == (2, "legacy-auth: --user-pool-id (or USER_POOL_ID) is required\n")
