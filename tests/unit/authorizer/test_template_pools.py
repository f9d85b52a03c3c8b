"""The template's authorizer parameters for several pools, issuer forms and replica regions reach the settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from authorizer.config import Settings
from tests.unit.template.support import load_sam, resolve, sam_functions

POOL = "eu-west-1_AbCdEf123"  # the template tests' stand-in for !Ref UserPool


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_sam()


def _settings(sam: dict[str, Any], overrides: dict[str, str]) -> Settings:
    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= sam_functions(sam)["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    return Settings.from_env({k: str(v) for k, v in resolve(merged, sam, overrides).items()})


def test_the_default_parameters_accept_the_stacks_pool_in_its_original_form_only(sam: dict[str, Any]) -> None:
    settings = _settings(sam, {})
    assert [c.issuer for c in settings.issuers] == [f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"]


def test_issuer_forms_and_replica_regions_parameters_add_the_stacks_other_issuers(sam: dict[str, Any]) -> None:
    settings = _settings(sam, {"AuthorizerIssuerForms": "original,updated",
                               "AuthorizerReplicaRegions": "us-east-1,eu-central-1"})
    assert [c.issuer for c in settings.issuers] == [
        f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}",
        f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}",
        f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}",
        f"https://cognito-idp.eu-central-1.amazonaws.com/{POOL}",
    ]


def test_the_user_pools_parameter_replaces_the_stacks_pool(sam: dict[str, Any]) -> None:
    pools = [{"pool_id": "us-east-1_Other1", "client_ids": ["client1"], "issuer_forms": ["updated"]},
             {"pool_id": POOL, "client_ids": ["client2"]}]
    settings = _settings(sam, {"AuthorizerUserPools": json.dumps(pools), "AuthorizerReplicaRegions": "us-west-2"})
    assert [c.issuer for c in settings.issuers] == [
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Other1",
        f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}",
    ]
    assert settings.tag_pool
