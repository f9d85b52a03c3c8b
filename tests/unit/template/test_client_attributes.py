"""Every app client in template.yaml has an explicit WriteAttributes list without the legacy identity attributes.

A client without ``WriteAttributes`` gets Cognito's default write access (the API reference says the standard
attributes; older observations say every attribute: ``legacy_auth/cli/commands/clients.py``), and one that lists
``custom:legacy_id`` / ``custom:legacy_roles`` / ``custom:app_user_id`` lets any signed-in user claim a legacy
identity with UpdateUserAttributes, which no trigger sees. ``legacy-auth clients`` checks a deployed pool the same way.
"""

from __future__ import annotations

from typing import Any

import pytest

from legacy_auth.hooks.signup_identity import DEFAULT_IDENTITY_ATTRIBUTES, claims_identity, identity_names
from tests.unit.template.support import resolve

NAMES = identity_names(())


def _clients(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in sam["Resources"].items() if v["Type"] == "AWS::Cognito::UserPoolClient"}


def _schema_customs(sam: dict[str, Any]) -> list[str]:
    schema = sam["Resources"]["UserPool"]["Properties"]["Schema"]
    return [f"custom:{a['Name']}" for a in schema if a["Name"] not in ("email",)]


def test_the_template_has_app_clients(sam: dict[str, Any]) -> None:
    assert _clients(sam)


@pytest.mark.parametrize("email_mode", ["alias", "username"])
def test_every_client_has_an_explicit_write_list_without_identity_attributes(sam: dict[str, Any],
                                                                             email_mode: str) -> None:
    for name, client in _clients(sam).items():
        writes = resolve(client["Properties"].get("WriteAttributes"), sam, {"EmailMode": email_mode})
        assert isinstance(writes, list), f"{name}: WriteAttributes must be an explicit list"
        assert writes, f"{name}: an empty WriteAttributes means Cognito's default write access"
        assert not [a for a in writes if claims_identity([a], NAMES)], f"{name} lets users write identity attributes"
        assert not [a for a in writes if a.startswith("custom:legacy") or a == "custom:app_user_id"]
        assert "preferred_username" not in writes  # an unverified alias a user could change after sign-up


def test_every_identity_attribute_of_the_schema_is_reserved(sam: dict[str, Any]) -> None:
    """A new ``legacy_*`` attribute in the schema is covered by the sign-up refusal and the write check."""
    identity = [a for a in _schema_customs(sam) if a.startswith("custom:legacy") or a == "custom:app_user_id"]
    assert sorted(identity) == sorted(DEFAULT_IDENTITY_ATTRIBUTES)
    assert all(claims_identity([a], NAMES) for a in identity)
