"""Devstack-only bridges for cognito-local's divergences from Amazon Cognito (never used in AWS).

They rewrite a handler's *answer* inside the loopback Invoke server, so the handlers stay exactly what ships
and the authorizer keeps every production check. Each bridge emulates what Cognito itself does:

``UserMigration``
    cognito-local 5.3.0 names the migrated user ``response.userAttributes.username`` or a random UUID, and
    never gives it a ``sub`` (so its tokens carry none and a strict authorizer refuses them). Cognito names
    the user after the sign-in name (case-insensitive pool: one user whatever the case) and always generates
    a ``sub``. The bridge sets ``username`` (lower-cased, unless the handler returned one) and a ``sub``
    derived from pool + user name (UUIDv5), so re-migrating the same user (cognito-local looks user names up
    case-sensitively, see docs/local-stack.md) keeps the same identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

#: Namespace of the devstack's deterministic ``sub`` values (arbitrary, fixed).
SUB_NAMESPACE = uuid.UUID("6f1b0f3e-6c1a-4b7e-9a57-3d0c2f3b9c11")


def local_sub(user_pool_id: str, username: str) -> str:
    """The ``sub`` the local stack gives a migrated user (stable across re-migrations)."""
    return str(uuid.uuid5(SUB_NAMESPACE, f"{user_pool_id}/{username.lower()}"))


def bridge_user_migration(event: Mapping[str, Any], result: Any) -> Any:
    """Give a migrated user Cognito's user name and a ``sub`` (cognito-local assigns neither).

    Parameters
    ----------
    event:
        The UserMigration event cognito-local sent.
    result:
        What our handler returned (the event with ``response`` filled in).

    Returns
    -------
    Any
        ``result``, with ``response.userAttributes.username`` and ``.sub`` set when the migration succeeded.
    """
    if not isinstance(result, dict):
        return result
    response = result.get("response")
    attributes = response.get("userAttributes") if isinstance(response, dict) else None
    if not isinstance(attributes, dict) or not attributes:
        return result
    typed = event.get("userName")
    username = str(attributes.get("username") or typed or "").strip().lower()
    if username:
        attributes["username"] = username
        attributes.setdefault("sub", local_sub(str(event.get("userPoolId", "")), username))
    return result
