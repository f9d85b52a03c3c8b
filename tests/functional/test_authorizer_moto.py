"""Tokens minted by someone else: moto (server mode) issues Cognito access and ID tokens and serves the JWKS.

The authorizer fetches moto's JWKS over HTTP through the ``JWKS_URL`` override; moto's ``iss`` is the real
AWS form, so the issuer is derived from the pool id exactly as in production. Two pools in two regions,
configured through ``USER_POOLS`` (each with moto's JWKS URL), exercise the several-pool configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

import authorizer.handler as handler_module
from authorizer.handler import build_authorizer
from tests.conftest import load_event

REGION = "eu-west-1"
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[dict[str, Any]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        idp = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        pool_id = idp.create_user_pool(PoolName="authorizer-moto")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="web",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
            ReadAttributes=["email"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username="alice",
            UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
        idp.create_group(UserPoolId=pool_id, GroupName="editors")
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName="editors")
        auth = idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        yield {
            "pool_id": pool_id,
            "client_id": client_id,
            "jwks_url": f"{endpoint}/{pool_id}/.well-known/jwks.json",
            "access": auth["AccessToken"],
            "id": auth["IdToken"],
            "sub": idp.admin_get_user(UserPoolId=pool_id, Username="alice")["UserAttributes"],
        }
    finally:
        server.stop()


def _install(monkeypatch: pytest.MonkeyPatch, pool: dict[str, Any], **extra: str) -> None:
    env = {"USER_POOL_ID": pool["pool_id"], "APP_CLIENT_IDS": pool["client_id"], "JWKS_URL": pool["jwks_url"], **extra}
    monkeypatch.setattr(handler_module, "AUTHORIZER", build_authorizer(env))


def _event(token: str) -> dict[str, Any]:
    event = load_event("apigw_token_authorizer")
    event["authorizationToken"] = f"Bearer {token}"
    return event


def _sub(pool: dict[str, Any]) -> str:
    return next(a["Value"] for a in pool["sub"] if a["Name"] == "sub")


def test_moto_access_token_is_allowed_through_the_fetched_jwks(
    moto_pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(monkeypatch, moto_pool)
    response = handler_module.handler(_event(moto_pool["access"]), None)
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert response["principalId"] == _sub(moto_pool)
    context = response["context"]
    assert context["token_use"] == "access"
    assert context["client_id"] == moto_pool["client_id"]
    assert context["username"] == "alice"
    assert context["groups"] == "editors"
    assert context["scopes"] == "aws.cognito.signin.user.admin"
    assert handler_module.AUTHORIZER is not None
    assert handler_module.AUTHORIZER.keys.fetch_count == 1


def test_moto_id_token_is_allowed_when_id_tokens_are_configured(
    moto_pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(monkeypatch, moto_pool, TOKEN_USE="id")
    event = load_event("apigw_http_v2_authorizer")
    event["headers"]["authorization"] = f"Bearer {moto_pool['id']}"
    response = handler_module.handler(event, None)
    assert response["isAuthorized"] is True
    assert response["context"]["email"] == "alice@example.com"
    assert response["context"]["username"] == "alice"
    assert response["context"]["groups"] == "editors"
    assert response["context"]["sub"] == _sub(moto_pool)


def test_moto_id_token_is_refused_where_an_access_token_is_required(
    moto_pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(monkeypatch, moto_pool)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler_module.handler(_event(moto_pool["id"]), None)


def test_moto_token_is_refused_for_another_app_client(
    moto_pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "USER_POOL_ID": moto_pool["pool_id"],
        "APP_CLIENT_IDS": "someotherclient1",
        "JWKS_URL": moto_pool["jwks_url"],
    }
    monkeypatch.setattr(handler_module, "AUTHORIZER", build_authorizer(env))
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler_module.handler(_event(moto_pool["access"]), None)


def test_moto_token_is_refused_by_a_route_rule_requiring_a_group_it_lacks(
    moto_pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(monkeypatch, moto_pool, ROUTE_RULES=json.dumps([{"route": "GET /reports/**", "groups_any": ["admins"]}]))
    response = handler_module.handler(_event(moto_pool["access"]), None)
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def _pool_in(endpoint: str, region: str, name: str) -> dict[str, Any]:
    idp = boto3.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool_id = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="bob", Password=PASSWORD, Permanent=True)
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {
        "pool_id": pool_id,
        "region": region,
        "client_id": client_id,
        "jwks_url": f"{endpoint}/{pool_id}/.well-known/jwks.json",
        "access": auth["AccessToken"],
    }


@pytest.fixture(scope="module")
def moto_two_regions() -> Iterator[list[dict[str, Any]]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        endpoint = f"http://{host}:{port}"
        yield [_pool_in(endpoint, "eu-west-1", "tenant-eu"), _pool_in(endpoint, "us-east-1", "tenant-us")]
    finally:
        server.stop()


def _install_pools(monkeypatch: pytest.MonkeyPatch, pools: list[dict[str, Any]], **extra: str) -> None:
    config = [{"pool_id": p["pool_id"], "client_ids": [p["client_id"]], "jwks_url": p["jwks_url"]} for p in pools]
    monkeypatch.setattr(handler_module, "AUTHORIZER", build_authorizer({"USER_POOLS": json.dumps(config), **extra}))


def test_moto_tokens_of_pools_in_two_regions_are_allowed_and_tell_the_tenant_apart(
    moto_two_regions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_pools(monkeypatch, moto_two_regions)
    for pool in moto_two_regions:
        response = handler_module.handler(_event(pool["access"]), None)
        assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        assert response["context"]["pool_id"] == pool["pool_id"]
        assert response["context"]["issuer_region"] == pool["region"]
        assert response["context"]["client_id"] == pool["client_id"]
    assert handler_module.AUTHORIZER is not None
    assert [cache.fetch_count for cache in handler_module.AUTHORIZER.key_caches.values()] == [1, 1]


def test_moto_token_of_a_pool_not_configured_is_refused_without_fetching_its_keys(
    moto_two_regions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    eu, us = moto_two_regions
    _install_pools(monkeypatch, [us])
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler_module.handler(_event(eu["access"]), None)
    assert handler_module.AUTHORIZER is not None
    assert handler_module.AUTHORIZER.keys.fetch_count == 0


def test_moto_token_of_one_pool_is_refused_where_only_the_other_pools_client_is_accepted(
    moto_two_regions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    eu, us = moto_two_regions
    crossed = [{"pool_id": eu["pool_id"], "client_ids": [us["client_id"]], "jwks_url": eu["jwks_url"]},
               {"pool_id": us["pool_id"], "client_ids": [eu["client_id"]], "jwks_url": us["jwks_url"]}]
    monkeypatch.setattr(handler_module, "AUTHORIZER", build_authorizer({"USER_POOLS": json.dumps(crossed)}))
    for pool in moto_two_regions:
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            handler_module.handler(_event(pool["access"]), None)


def test_moto_route_rule_naming_one_pool_denies_the_other(
    moto_two_regions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    eu, us = moto_two_regions
    rules = json.dumps([{"route": "GET /reports/**", "pools": [us["pool_id"]]}])
    _install_pools(monkeypatch, moto_two_regions, ROUTE_RULES=rules)
    assert handler_module.handler(_event(us["access"]), None)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert handler_module.handler(_event(eu["access"]), None)["policyDocument"]["Statement"][0]["Effect"] == "Deny"
